"""The retention period reaches everything we keep (storage.retention): messages, the closed
cases' forum topics and notes, the chat ids of patients gone silent; and the serving process
applies it by itself, through the Bot API emulator."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import open_helpline
from storage.cases import CaseRepository
from storage.models import utcnow
from storage.repositories import MessageRepository, PatientRepository
from storage.retention import FORGOTTEN, apply_retention
from tests.agents_helpers import AGENT, AGENTS, agents_settings, open_case_by_button
from tests.desk_helpers import close_with
from tests.engine_helpers import stored
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import start_bot

LONG_AGO = timedelta(days=100)


async def make_patient(
    sessions: async_sessionmaker[AsyncSession], chat_id: str, *, case: str | None, topic: int
) -> None:
    """A patient with a message and, if `case`, a case ("closed" or "waiting") with a topic and
    a note; all of it 100 days old."""
    async with sessions() as session, session.begin():
        patient, _ = await PatientRepository(session).get_or_create("telegram", chat_id, "fr")
        MessageRepository(session).add(patient, "in", "bonjour")
        if case is not None:
            opened, _, _ = await CaseRepository(session).open(
                patient, "human_handoff", "normal", "fr"
            )
            opened.topic_id = topic
            opened.notes = ["rappeler mardi"]
            opened.status = case
            opened.closed_at = utcnow() - LONG_AGO if case == "closed" else None
    async with sessions() as session, session.begin():
        old = utcnow() - LONG_AGO
        await session.execute(
            text("UPDATE patients SET last_seen_at = :old, created_at = :old WHERE chat_id = :c"),
            {"old": old, "c": chat_id},
        )
        await session.execute(text("UPDATE messages SET created_at = :old"), {"old": old})
        await session.execute(text("UPDATE cases SET opened_at = :old"), {"old": old})


async def test_past_the_period_topics_notes_and_chat_ids_go_and_open_cases_stay(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await make_patient(sessions, "111", case="closed", topic=55)
    await make_patient(sessions, "222", case="waiting", topic=66)  # still being helped
    await make_patient(sessions, "333", case=None, topic=0)
    async with sessions() as session, session.begin():
        done = await apply_retention(session, 90, 0.3)
    assert (done.messages, done.topics, done.notes, done.patients) == (3, 1, 1, 2)
    outbox = await stored(sessions, "SELECT case_id, kind, payload FROM agent_outbox")
    assert outbox == [(None, "erase_topic", '{"topic_id": 55, "number": "C-00001", "quiet": true}')]
    cases = await stored(sessions, "SELECT id, topic_id, notes FROM cases ORDER BY id")
    assert cases == [(1, None, "[]"), (2, 66, '["rappeler mardi"]')]
    chats = await stored(sessions, "SELECT chat_id, pseudonym FROM patients ORDER BY id")
    assert [c for c, _ in chats] == [FORGOTTEN + chats[0][1], "222", FORGOTTEN + chats[2][1]]
    # nothing left to do the second time
    async with sessions() as session, session.begin():
        again = await apply_retention(session, 90, 0.3)
    assert (again.messages, again.topics, again.notes, again.patients) == (0, 0, 0, 0)
    # a forgotten patient who writes again starts afresh: nothing links them to the old record
    async with sessions() as session, session.begin():
        patient, created = await PatientRepository(session).get_or_create("telegram", "111", "fr")
    assert created and patient.pseudonym != chats[0][1]


@pytest.mark.rasa  # the whole bot, with the real NLU server
async def test_the_running_bot_deletes_an_old_closed_cases_topic_by_itself(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    emulator.set_member(AGENTS, AGENT, "member")
    settings = agents_settings(
        emulator, rasa_url, tmp_path / "bot.db", retention_check_minutes=0.005
    )
    async with open_helpline(settings) as helpline:
        running = await start_bot(emulator, helpline)
        topic = await open_case_by_button(running)
        await close_with(running, topic)  # /close, then the outcome and categories
        await emulator.wait_for_calls("closeForumTopic", 1, chat_id=AGENTS)
        assert emulator.calls("deleteForumTopic") == []  # a recent closed case keeps its topic
        async with helpline.sessions() as session, session.begin():
            await session.execute(
                text("UPDATE cases SET closed_at = :old"), {"old": utcnow() - LONG_AGO}
            )
        [deleted] = await emulator.wait_for_calls("deleteForumTopic", 1, chat_id=AGENTS)
        await running.stop()
    assert deleted.params["message_thread_id"] == topic
    assert emulator.topic(AGENTS, topic)["deleted"]
    # quietly: no notice per old case in General (the group's 20 messages a minute)
    assert not any("effacé" in m.get("text", "") for m in emulator.sent(AGENTS))
