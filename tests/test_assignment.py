"""The agents' desk's rules without a database: who gets a case (bot/assignment.py) and when a
response-time target is missed (bot/sla.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.assignment import Candidate, Queued, choose_agent, is_heavy, plan, queue_order
from bot.desk import DeskPolicy
from bot.hours import OpeningHours
from bot.sla import Target, breach, one_step_up, open_time, parse_first_reply
from storage.models import Case, CaseStatus, Priority

A, B, C = 7001, 7002, 7003
T0 = datetime(2026, 11, 30, 9, 0)
WEEKDAYS = OpeningHours.parse("mon-fri 09:00-18:00", "Europe/Paris")
ALWAYS = OpeningHours.parse("always")
TARGETS = parse_first_reply("urgent=5,high=30,normal=240")
NEXT = timedelta(minutes=60)


# --- choosing an agent -------------------------------------------------------------------------


def test_the_agent_with_the_fewest_open_cases_gets_the_case() -> None:
    agents = [Candidate(A), Candidate(B), Candidate(C)]
    assert choose_agent(agents, {A: 2, B: 1, C: 3}, cap=5) == B
    assert choose_agent(agents, {}, cap=5) == A  # a tie: the lowest id, every time


def test_an_agent_at_the_cap_gets_nothing_and_nobody_free_means_the_queue() -> None:
    agents = [Candidate(A), Candidate(B)]
    assert choose_agent(agents, {A: 0, B: 2}, cap=2) == A
    assert choose_agent(agents, {A: 2, B: 2}, cap=2) is None
    assert choose_agent([], {}, cap=2) is None


def test_an_agent_who_had_their_share_of_heavy_cases_is_spared_those_only() -> None:
    agents = [Candidate(A, heavy=3), Candidate(B, heavy=1)]
    loads = {A: 0, B: 4}
    assert choose_agent(agents, loads, 5, heavy_case=True, heavy_limit=3) == B
    assert choose_agent(agents, loads, 5, heavy_case=False, heavy_limit=3) == A
    assert choose_agent([Candidate(A, heavy=3)], {}, 5, heavy_case=True, heavy_limit=3) is None
    # no limit set: only the load counts
    assert choose_agent(agents, loads, 5, heavy_case=True) == A


def test_between_equal_loads_the_agent_with_fewer_heavy_cases_goes_first() -> None:
    agents = [Candidate(A, heavy=2), Candidate(B, heavy=0)]
    assert choose_agent(agents, {A: 1, B: 1}, 5) == B


def test_a_case_is_never_given_back_automatically_to_the_agent_it_was_taken_from() -> None:
    agents = [Candidate(A), Candidate(B)]
    assert choose_agent(agents, {A: 0, B: 3}, 5, exclude=A) == B
    assert choose_agent([Candidate(A)], {}, 5, exclude=A) is None


def test_is_heavy() -> None:
    assert is_heavy(["crisis"]) and is_heavy(["blackmail"]) and not is_heavy([])


# --- the queue ---------------------------------------------------------------------------------


def queued(case_id: int, priority: Priority, minutes: int, **kw: Any) -> Queued:
    return Queued(case_id, priority, T0 + timedelta(minutes=minutes), **kw)


def test_the_queue_goes_most_pressing_first_then_oldest() -> None:
    cases = [
        queued(1, Priority.NORMAL, 0),
        queued(2, Priority.HIGH, 5),
        queued(3, Priority.URGENT, 9),
        queued(4, Priority.NORMAL, -3),
        queued(5, Priority.URGENT, 1),
    ]
    assert [q.case_id for q in queue_order(cases)] == [5, 3, 2, 4, 1]


def test_a_plan_gives_the_queue_in_order_counting_each_assignment() -> None:
    cases = [queued(n, Priority.NORMAL, n) for n in range(1, 6)] + [queued(9, Priority.URGENT, 9)]
    given = plan(cases, [Candidate(A), Candidate(B)], {A: 1}, cap=2)
    # the urgent case first, to the least loaded; then alternately; the rest waits
    assert given == [(9, B), (1, A), (2, B)]


def test_a_heavy_case_nobody_may_take_does_not_hold_up_the_cases_behind_it() -> None:
    cases = [queued(1, Priority.URGENT, 0, heavy=True), queued(2, Priority.NORMAL, 1)]
    assert plan(cases, [Candidate(A, heavy=3)], {}, cap=5, heavy_limit=3) == [(2, A)]
    # and each heavy case given counts towards the limit at once
    heavy = [queued(n, Priority.URGENT, n, heavy=True) for n in range(1, 4)]
    assert plan(heavy, [Candidate(A, heavy=1)], {}, cap=5, heavy_limit=3) == [(1, A), (2, A)]


def test_a_plan_passes_over_the_agent_a_case_was_taken_from() -> None:
    cases = [queued(1, Priority.NORMAL, 0, not_to=A), queued(2, Priority.NORMAL, 1)]
    assert plan(cases, [Candidate(A)], {}, cap=5) == [(2, A)]


# --- response-time targets ---------------------------------------------------------------------


def test_targets_are_read_per_priority_and_refused_when_incomplete_or_wrong() -> None:
    assert TARGETS == {
        Priority.URGENT: timedelta(minutes=5),
        Priority.HIGH: timedelta(minutes=30),
        Priority.NORMAL: timedelta(minutes=240),
    }
    assert parse_first_reply(" NORMAL=1.5, high=2,urgent=0.5")[Priority.URGENT] == timedelta(
        seconds=30
    )
    for wrong in (
        "urgent=5,high=30",
        "urgent=5,high=30,normal=x",
        "low=1",
        "urgent=0,high=1,normal=2",
    ):
        with pytest.raises(ValueError):
            parse_first_reply(wrong)


def test_waits_count_only_within_opening_hours() -> None:
    friday_5pm = datetime(2026, 11, 27, 16, 0)  # 17:00 in Paris (naive UTC, as stored)
    saturday_night = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)
    monday_noon = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    assert open_time(WEEKDAYS, friday_5pm, saturday_night) == timedelta(hours=1)
    assert open_time(WEEKDAYS, friday_5pm, monday_noon) == timedelta(hours=4)
    assert open_time(WEEKDAYS, monday_noon, friday_5pm) == timedelta()
    assert open_time(ALWAYS, friday_5pm, saturday_night) == timedelta(hours=30)


def test_a_wait_across_a_change_of_clocks_is_counted_in_real_time() -> None:
    # Paris went from summer to winter time on Sunday 25 October 2026 at 03:00
    before = datetime(2026, 10, 24, 22, 0)  # Sunday 00:00 in Paris
    after = datetime(2026, 10, 25, 23, 0)  # Monday 00:00 in Paris: 25 real hours later
    assert open_time(ALWAYS, before, after) == timedelta(hours=25)


def a_case(**kw: Any) -> Case:
    values: dict[str, Any] = {
        "id": 1,
        "status": CaseStatus.WAITING,
        "priority": Priority.NORMAL,
        "opened_at": T0,
        "first_agent_reply_at": None,
        "patient_waiting_since": None,
        "breached_at": None,
    }
    return Case(**(values | kw))


def at(minutes: float) -> datetime:
    return (T0 + timedelta(minutes=minutes)).replace(tzinfo=UTC)


def test_a_first_reply_target_is_missed_once_per_wait() -> None:
    case = a_case()
    assert breach(case, at(240), ALWAYS, TARGETS, NEXT) is None  # exactly on time
    missed = breach(case, at(241), ALWAYS, TARGETS, NEXT)
    assert missed is not None and missed.target == Target.FIRST_REPLY
    assert missed.allowed == timedelta(minutes=240)
    case.breached_at = at(241).replace(tzinfo=None)
    case.priority = Priority.HIGH  # raised: the high target has long passed, still once
    assert breach(case, at(500), ALWAYS, TARGETS, NEXT) is None


def test_the_next_reply_target_runs_from_the_patients_unanswered_message() -> None:
    answered = a_case(first_agent_reply_at=T0 + timedelta(minutes=3))
    assert breach(answered, at(600), ALWAYS, TARGETS, NEXT) is None  # nobody waits
    answered.patient_waiting_since = T0 + timedelta(minutes=100)
    assert breach(answered, at(160), ALWAYS, TARGETS, NEXT) is None
    missed = breach(answered, at(161), ALWAYS, TARGETS, NEXT)
    assert missed is not None and missed.target == Target.NEXT_REPLY
    # an earlier breach does not cover a later wait
    answered.breached_at = T0 + timedelta(minutes=50)
    assert breach(answered, at(161), ALWAYS, TARGETS, NEXT) is not None
    assert breach(a_case(status=CaseStatus.CLOSED), at(9999), ALWAYS, TARGETS, NEXT) is None


def test_the_priority_goes_up_one_step_and_urgent_stays() -> None:
    assert one_step_up(Priority.NORMAL) == Priority.HIGH
    assert one_step_up(Priority.HIGH) == Priority.URGENT
    assert one_step_up(Priority.URGENT) == Priority.URGENT


def test_the_check_runs_four_times_per_shortest_target_at_most_every_minute() -> None:
    assert DeskPolicy().check_every() == 60.0
    quick = DeskPolicy(first_reply=parse_first_reply("urgent=0.1,high=1,normal=2"))
    assert quick.check_every() == 1.5
