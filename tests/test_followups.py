"""Follow-ups the patient asks for (bot/followups.py, bot/followup_messages.py): opt-in check-ins
at 1, 3 and 6 months, due by an injected clock, sent once as durable deliveries, never to a
patient who blocked the bot, after a person's case, with the neutral lead in discreet mode, and
stopped by /stop or /delete."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.escalation import Escalations
from bot.followup_messages import DueFollowups
from bot.followups import FOLLOWUP, local_day, months_later, send_time
from bot.plan import PLAN
from bot.plan_steps import steps_for
from storage.retention import FORGOTTEN, apply_retention
from tests.engine_helpers import ALWAYS, CATALOGUE
from tests.plan_helpers import START, Clock, command, data_of, followups, press, rows, tools_engine


async def opt_in(engine, *, chat: str = "1"):
    """A plan (phone number leaked), then the check-ins' button under it."""
    await command(engine, "/plan", chat=chat)
    await press(engine, f"{PLAN}x:phone", chat=chat)
    plan = await press(engine, f"{PLAN}go", chat=chat)
    assert f"{FOLLOWUP}on" in data_of(plan.replies[0])
    return await press(engine, f"{FOLLOWUP}on", chat=chat)


def test_months_later_keeps_the_day_or_takes_the_last_of_a_short_month() -> None:
    assert months_later(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert months_later(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert months_later(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert send_time(date(2026, 7, 1)) == datetime(2026, 7, 1, 8, 0)  # 10:00 in Paris, summer
    assert local_day(datetime(2026, 7, 1, 22, 30)) == date(2026, 7, 2)


async def test_check_ins_are_opt_in_at_1_3_and_6_months(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    engine = tools_engine(sessions, Clock())
    await command(engine, "/plan")
    await press(engine, f"{PLAN}x:phone")
    await press(engine, f"{PLAN}go")
    assert await followups(sessions) == []  # offered, not scheduled
    on = await press(engine, f"{FOLLOWUP}on")
    assert on.replies[0].text == CATALOGUE.phrase(
        "checkins_on", "fr", first="28/02/2026", second="30/04/2026", third="31/07/2026"
    )
    assert [(kind, due) for kind, _, _, due, _ in await followups(sessions)] == [
        ("checkin_1m", "2026-02-28 09:00:00.000000"),
        ("checkin_3m", "2026-04-30 08:00:00.000000"),  # summer time in Paris
        ("checkin_6m", "2026-07-31 08:00:00.000000"),
    ]
    again = await command(engine, "/plan")
    assert f"{FOLLOWUP}on" not in data_of(again.replies[0])  # not offered twice
    twice = await press(engine, f"{FOLLOWUP}on")
    assert twice.replies[0].text == CATALOGUE.phrase("checkins_already", "fr", next="28/02/2026")
    assert len(await followups(sessions)) == 3


async def test_a_check_in_is_sent_once_when_due_with_what_is_left_of_the_plan(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    engine = tools_engine(sessions, clock)
    due = DueFollowups.of(engine)
    await opt_in(engine)
    await press(engine, f"{PLAN}d:scam_messages")
    assert await due.take("test") == []
    clock.now = datetime(2026, 2, 28, 9, 0)
    [checkin] = await due.take("test")
    assert checkin.chat_id == "1" and len(checkin.items) == 1
    reply = checkin.items[0]
    assert reply.text.startswith(CATALOGUE.phrase("checkin_1m", "fr"))
    assert CATALOGUE.phrase("checkin_check", "fr") in reply.text
    left = [s.title for s in steps_for(["phone"], "fr") if s.id != "scam_messages"]
    assert reply.text.endswith("\n".join(f"- {title}" for title in left))
    remaining = reply.text.split(CATALOGUE.phrase("checkin_check", "fr"))[1]
    assert "Méfiez-vous des appels" not in remaining  # done
    assert data_of(reply) == [f"{PLAN}show", "t:phishing_report", "t:identity_theft", "fu:off"]
    assert reply.lead == ""
    assert await due.take("test") == []  # once
    clock.now = datetime(2026, 8, 1)
    later = await due.take("test")
    assert [o.items[0].text.split("\n")[0] for o in later] == [
        CATALOGUE.phrase("checkin_3m", "fr"),
        CATALOGUE.phrase("checkin_6m", "fr"),
    ]
    sent = await rows(sessions, "SELECT count(*) FROM patient_followups WHERE sent_at IS NOT NULL")
    assert sent == [(3,)]
    # the transcript keeps what the bot said
    said = await rows(sessions, "SELECT text FROM messages WHERE direction = 'out'")
    assert (reply.text,) in said


async def test_a_discreet_patient_s_follow_up_begins_with_the_neutral_line(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    engine = tools_engine(sessions, clock)
    await opt_in(engine)
    await press(engine, "discreet:60")
    clock.move(days=40)
    [checkin] = await DueFollowups.of(engine).take("test")
    assert checkin.items[0].lead == CATALOGUE.phrase("discreet_lead", "fr")


@pytest.mark.parametrize("how", ["/stop", "button"])
async def test_stop_cancels_every_follow_up(
    sessions: async_sessionmaker[AsyncSession], how: str
) -> None:
    clock = Clock()
    engine = tools_engine(sessions, clock)
    await opt_in(engine)
    await press(engine, "ltr:access_request")
    await press(engine, "sent:access_request:today")
    assert len(await followups(sessions)) == 4
    await opt_in(engine, chat="2")  # another patient's go on
    stopped = await (command(engine, "/stop") if how == "/stop" else press(engine, "fu:off"))
    assert stopped.replies[0].text == CATALOGUE.phrase("stop_done", "fr")
    clock.move(days=400)
    assert {o.chat_id for o in await DueFollowups.of(engine).take("test")} == {"2"}
    nothing = await command(engine, "/stop")
    assert nothing.replies[0].text == CATALOGUE.phrase("stop_nothing", "fr")


async def test_delete_erases_the_plan_and_the_follow_ups(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    engine = tools_engine(sessions, Clock())
    await opt_in(engine)
    await press(engine, f"{PLAN}d:scam_messages")
    await press(engine, "delete:yes")
    for table in ("patients", "patient_plans", "patient_followups"):
        assert await rows(sessions, f"SELECT count(*) FROM {table}") == [(0,)], table


async def test_a_patient_who_blocked_the_bot_or_was_forgotten_is_not_retried(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    engine = tools_engine(sessions, clock)
    await opt_in(engine, chat="1")
    await opt_in(engine, chat="2")
    await opt_in(engine, chat="3")
    await engine.blocked("test", "1")
    async with sessions() as session, session.begin():  # the retention period forgot chat 2
        await session.execute(
            text("UPDATE patients SET chat_id = :forgotten WHERE chat_id = '2'"),
            {"forgotten": FORGOTTEN + "P-X"},
        )
    clock.move(days=40)
    assert [o.chat_id for o in await DueFollowups.of(engine).take("test")] == ["3"]
    # theirs are dropped as they come due, not left to pile up
    assert await rows(sessions, "SELECT count(*) FROM patient_followups") == [(9 - 2,)]
    clock.move(days=400)
    assert [o.chat_id for o in await DueFollowups.of(engine).take("test")] == ["3", "3"]
    assert await rows(sessions, "SELECT count(*) FROM patient_followups") == [(3,)]


async def test_a_patient_talking_to_a_person_gets_the_follow_up_after_the_case(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    escalations = Escalations(CATALOGUE, sessions, ALWAYS)
    engine = tools_engine(sessions, clock, handoff=escalations)
    await opt_in(engine)
    await command(engine, "/human")
    clock.move(days=40)
    due = DueFollowups.of(engine)
    assert await due.take("test") == []
    await escalations.close(1, confirmed=True)
    assert len(await due.take("test")) == 1


async def test_follow_ups_are_taken_per_channel_and_chat(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock(START)
    engine = tools_engine(sessions, clock)
    await opt_in(engine, chat="1")
    await opt_in(engine, chat="2")
    clock.move(days=40)
    due = DueFollowups.of(engine)
    assert await due.take("telegram") == []
    assert [o.chat_id for o in await due.take("test", "2")] == ["2"]
    assert [o.chat_id for o in await due.take("test")] == ["1"]


async def test_retention_keeps_the_chat_id_of_a_patient_awaiting_a_check_in_they_asked_for(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Silent for the retention period, a patient who opted in still gets the 6-month check-in;
    once the last one is sent, their chat id goes like anyone's."""
    engine = tools_engine(sessions, Clock())
    await opt_in(engine)
    await command(engine, "/help", chat="2")  # another patient, no follow-up
    later = datetime(2026, 6, 1)  # about 120 days of silence for both
    async with sessions() as session, session.begin():
        await session.execute(text("UPDATE patients SET last_seen_at = :at"), {"at": START})
        await apply_retention(session, 90, 0.3, now=later)
    chats = dict(await rows(sessions, "SELECT chat_id, pseudonym FROM patients"))
    assert "1" in chats and "2" not in chats
    async with sessions() as session, session.begin():
        await session.execute(text("UPDATE patient_followups SET sent_at = :at"), {"at": later})
        await apply_retention(session, 90, 0.3, now=later)
    assert "1" not in dict(await rows(sessions, "SELECT chat_id, pseudonym FROM patients"))
