"""Cases and the agents' outbox, through the engine and the escalation service, without
Telegram: the keyword parser (tests/fake_parser.py) in place of the NLU server, a real SQLite
file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine import Engine
from bot.escalation import Escalations
from bot.hours import OpeningHours
from storage.cases import OutboxRepository
from storage.models import Case, GroupPost
from tests.engine_helpers import CATALOGUE, SATURDAY_EVENING, make_engine, say, stored
from tests.fake_parser import KeywordParser


@pytest.fixture
def engine(fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]) -> Engine:
    return make_engine(fake_nlu, sessions)[0]


async def outbox(sessions: async_sessionmaker[AsyncSession]) -> list[tuple]:
    return await stored(sessions, "SELECT case_id, kind FROM agent_outbox ORDER BY id")


async def test_a_handoff_opens_one_case_and_tells_the_patient_their_place(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "/human", chat="1")
    turn = await say(engine, "/human", chat="2")
    assert turn.replies[-1].text == CATALOGUE.phrase(
        "case_opened", "fr", number="C-00002", position="2"
    )
    again = await say(engine, "", button="person", chat="2")
    assert [r.text for r in again.replies] == [
        CATALOGUE.phrase("case_waiting", "fr", number="C-00002", position="2")
    ]
    assert await stored(sessions, "SELECT id, status, priority FROM cases") == [
        (1, "waiting", "normal"),
        (2, "waiting", "normal"),
    ]
    assert await outbox(sessions) == [(1, "topic"), (2, "topic")]


async def test_a_person_asked_for_after_a_scam_is_a_high_priority_case(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    scam = await say(engine, "j'ai cliqué sur le lien du faux sms et on m'a débité 300 euros")
    assert "person" in [b.data for b in scam.replies[-1].buttons]
    await say(engine, button="person")
    assert await stored(sessions, "SELECT reason, priority FROM cases") == [("scam_victim", "high")]


async def test_during_a_case_the_bot_relays_and_answers_only_a_crisis(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "/human")
    quiet = await say(engine, "comment porter plainte ?", message_id=41)
    assert quiet.replies == []
    crisis = await say(engine, "je veux mourir", message_id=42)
    assert crisis.replies[0].text == CATALOGUE.answer("crisis", "fr").text
    assert "C-00001" in crisis.replies[-1].text
    assert await outbox(sessions) == [
        (1, "topic"),
        (1, "text"),  # the patient's texts, relayed redacted
        (1, "text"),
        (1, "rename"),
        (1, "card_edit"),
        (1, "text"),
        (1, "announce"),
    ]
    assert await stored(sessions, "SELECT priority, risk_flags FROM cases") == [
        ("urgent", '["crisis"]')
    ]
    relayed = await stored(sessions, "SELECT text, case_id FROM messages WHERE direction = 'in'")
    assert ("comment porter plainte ?", 1) in relayed


async def test_a_turn_says_whether_it_queued_anything_for_the_agents(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # the channel wakes the agents' delivery only then: not one more transaction per message
    assert not (await say(engine, "comment porter plainte ?")).for_agents
    assert (await say(engine, "/human")).for_agents  # a case opens
    assert (await say(engine, "merci", message_id=7)).for_agents  # copied to the case's topic
    assert not (await say(engine, "/start", chat="2")).for_agents
    assert await outbox(sessions) == [(1, "topic"), (1, "text")]


async def test_out_of_hours_the_patient_is_told_when_a_person_answers(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    hours = OpeningHours.parse("mon-fri 09:00-18:00", "Europe/Paris")
    engine, _ = make_engine(fake_nlu, sessions, hours, now=SATURDAY_EVENING)
    turn = await say(engine, "/human")
    assert turn.replies[-1].text == CATALOGUE.phrase(
        "case_out_of_hours", "fr", number="C-00001", opening="lundi à 09:00"
    )


def test_opening_hours() -> None:
    hours = OpeningHours.parse("mon-fri 09:00-18:00", "Europe/Paris")
    monday_morning = datetime(2026, 11, 30, 8, 30, tzinfo=UTC)  # 09:30 in Paris
    assert hours.is_open(monday_morning) and not hours.is_open(SATURDAY_EVENING)
    assert hours.next_opening(SATURDAY_EVENING) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert hours.describe_opening(SATURDAY_EVENING, "en") == "Monday at 09:00"
    assert OpeningHours.parse("always").is_open(SATURDAY_EVENING)
    for wrong in ("weekdays", "mon-fri 18:00-09:00", "xyz 09:00-10:00"):
        with pytest.raises(ValueError):
            OpeningHours.parse(wrong)


async def test_urgent_cases_go_first_and_each_case_keeps_its_order(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "/human", chat="1")
    await say(engine, "premier", chat="1", message_id=1)
    await say(engine, "je veux en finir", chat="2", message_id=2)
    order = []
    async with sessions() as session, session.begin():
        repository = OutboxRepository(session)
        while (row := await repository.next()) is not None:
            order.append((row.case_id, row.kind))
            await session.delete(row)
            await session.flush()
    assert order == [(2, "topic"), (2, "announce"), (1, "topic"), (1, "text")]


async def test_a_risk_case_needs_confirmation_and_satisfaction_is_asked_once(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    escalations = engine.handoff
    assert isinstance(escalations, Escalations)
    await say(engine, "on me fait du chantage avec mes résultats, ils veulent de l'argent")
    refused = await escalations.close(1)
    assert refused.notices == [] and refused.case is not None
    assert await stored(sessions, "SELECT status FROM cases") == [("waiting",)]
    closed = await escalations.close(1, confirmed=True)
    [notice] = closed.notices
    assert [data for _, data in notice.buttons] == [f"sat:{n}" for n in range(1, 6)]
    rated = await say(engine, button="sat:5")
    assert rated.replies[0].text == CATALOGUE.phrase("rated", "fr")
    again = await say(engine, button="sat:1")
    assert again.replies[0].text == CATALOGUE.phrase("rate_stale", "fr")
    assert await stored(sessions, "SELECT status, satisfaction FROM cases") == [("closed", 5)]
    answered = await say(engine, "comment porter plainte ?")  # the bot is back
    assert answered.replies[0].text == CATALOGUE.answer("file_complaint", "fr").text


async def test_waiting_cases_are_recalled_once_per_delay(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    escalations = engine.handoff
    assert isinstance(escalations, Escalations)
    await say(engine, "/human")
    assert await escalations.remind_waiting() == 0  # not waiting long yet
    async with sessions() as session, session.begin():
        case = await session.get(Case, 1)
        assert case is not None
        case.opened_at -= timedelta(minutes=11)
    assert await escalations.remind_waiting() == 1
    assert await escalations.remind_waiting() == 0  # reminded a moment ago
    async with sessions() as session:
        rows = list(await session.scalars(GroupPost.__table__.select()))
    assert len(rows) == 2


async def test_the_card_shows_context_but_no_identity(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "j'ai reçu un sms de l'ameli qui demande mon numéro 06 12 34 56 78")
    await say(engine, "/human")
    escalations = engine.handoff
    assert isinstance(escalations, Escalations)
    await escalations.note(1, "rappeler au 06 12 34 56 78 ?")
    async with sessions() as session:
        case = await session.get(Case, 1)
        assert case is not None
        text, buttons = await escalations.card(session, case)
    assert "Dossier C-00001" in text and "phishing_report" in text
    assert "06 12 34 56 78" not in text and "<PHONE>" in text
    assert "Notes de l'équipe" in text
    # what the patient asked for, in words an agent reads at a glance (no raw markup)
    assert "Motif : human_handoff" in text and "Patient : /human" in text
    assert "**" not in text
    assert [data for _, data in buttons] == ["case:take:1", "case:close:1", "case:urgent:1"]
