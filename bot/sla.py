"""Response-time targets: how long a patient may wait for an agent's first reply
(`SLA_FIRST_REPLY`, per priority) and for an answer to their latest message once a
conversation has begun (`SLA_NEXT_REPLY`). Waits are counted within the agents' opening hours
(`AGENTS_HOURS`): a case opened on Friday evening is not late on Saturday morning. Pure
functions; the desk (bot/desk.py) acts on a breach.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from bot.hours import OpeningHours
from storage.models import Case, CaseStatus, Priority


class Target(StrEnum):
    FIRST_REPLY = "first_reply"  # nobody has answered the case yet
    NEXT_REPLY = "next_reply"  # the patient's latest message is unanswered


def parse_first_reply(spec: str) -> dict[Priority, timedelta]:
    """ "urgent=5,high=30,normal=240" (minutes, every priority) -> targets."""
    targets: dict[Priority, timedelta] = {}
    for part in spec.split(","):
        name, _, minutes = part.partition("=")
        try:
            priority, value = Priority(name.strip().lower()), float(minutes)
        except ValueError:
            raise ValueError(
                f"SLA_FIRST_REPLY must look like 'urgent=5,high=30,normal=240', not {spec!r}"
            ) from None
        if value <= 0:
            raise ValueError(f"SLA_FIRST_REPLY: {name.strip()} must be more than 0 minutes")
        targets[priority] = timedelta(minutes=value)
    if missing := [p.value for p in Priority if p not in targets]:
        raise ValueError(f"SLA_FIRST_REPLY gives no target for {', '.join(missing)}")
    return targets


def aware(at: datetime) -> datetime:
    """The database's naive UTC as an aware datetime."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def open_time(hours: OpeningHours, start: datetime, end: datetime) -> timedelta:
    """How much of start..end falls within the opening hours (naive means UTC)."""
    start, end = aware(start), aware(end)
    if end <= start:
        return timedelta()
    total = timedelta()
    day = start.astimezone(hours.zone).date()
    last = end.astimezone(hours.zone).date()
    while day <= last:
        if day.weekday() in hours.days:
            # in UTC before subtracting: aware datetimes of one zone subtract as wall times,
            # which is an hour off across a change of clocks
            opens = datetime.combine(day, hours.start, hours.zone).astimezone(UTC)
            closes = (
                datetime.combine(day + timedelta(days=1), time(), hours.zone)  # "always"
                if hours.end == time.max
                else datetime.combine(day, hours.end, hours.zone)
            ).astimezone(UTC)
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return total


@dataclass(frozen=True, slots=True)
class Wait:
    target: Target
    since: datetime  # naive UTC, as stored
    allowed: timedelta


@dataclass(frozen=True, slots=True)
class Breach:
    target: Target
    waited: timedelta  # within opening hours
    allowed: timedelta


def current_wait(
    case: Case, first_reply: Mapping[Priority, timedelta], next_reply: timedelta
) -> Wait | None:
    """What the patient of an open case is waiting for, if anything."""
    if case.status == CaseStatus.CLOSED:
        return None
    if case.first_agent_reply_at is None:
        return Wait(Target.FIRST_REPLY, case.opened_at, first_reply[Priority(case.priority)])
    if case.patient_waiting_since is not None:
        return Wait(Target.NEXT_REPLY, case.patient_waiting_since, next_reply)
    return None


def breach(
    case: Case,
    now: datetime,
    hours: OpeningHours,
    first_reply: Mapping[Priority, timedelta],
    next_reply: timedelta,
) -> Breach | None:
    """The case's target passed and not yet recalled for this wait (one breach per wait)."""
    wait = current_wait(case, first_reply, next_reply)
    if wait is None:
        return None
    if case.breached_at is not None and case.breached_at >= wait.since:
        return None  # recalled already
    waited = open_time(hours, wait.since, now)
    if waited <= wait.allowed:
        return None
    return Breach(wait.target, waited, wait.allowed)


def one_step_up(priority: Priority) -> Priority:
    """normal -> high -> urgent (which stays)."""
    order = list(Priority)  # most pressing first
    return order[max(0, order.index(Priority(priority)) - 1)]
