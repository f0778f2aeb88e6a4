"""The project's session (storage.session): held-back writes go out before any statement and at
commit, and a commit that queued something for the agents' group is announced, once, after it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage.cases import CaseRepository, OutboxRepository
from storage.db import create_engine, migrate, session_factory
from storage.outbox import OpenTopic, TopicText
from storage.repositories import MessageRepository, PatientRepository


async def test_a_commit_that_queued_for_the_agents_is_announced_after_it(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/helpline.db")
    await migrate(engine)
    announced: list[int] = []
    sessions = session_factory(engine, on_agents_outbox=lambda: announced.append(len(announced)))
    try:
        async with sessions() as session, session.begin():
            patient, _, _ = await PatientRepository(session).arrive("telegram", "1")
            case, _, _ = await CaseRepository(session).open(patient, "crisis", "urgent", "fr")
        assert announced == []  # nothing for the agents yet: no announcement

        async with sessions() as session:
            async with session.begin():
                await OutboxRepository(session).add(case, OpenTopic())
                assert announced == []  # not before the commit: the row is not visible yet
            assert announced == [0]
            async with session.begin():  # the same session, a new transaction: nothing queued
                MessageRepository(session).add(patient, "in", "merci")
            assert announced == [0]

        async with sessions() as session:
            async with session.begin():
                await OutboxRepository(session).add(case, TopicText("x"))
                await session.rollback()  # rolled back: nothing to deliver, no announcement
            assert announced == [0]
            rows = await session.execute(text("SELECT kind FROM agent_outbox ORDER BY id"))
            assert [r[0] for r in rows] == ["topic"]
    finally:
        await engine.dispose()


async def test_held_back_writes_are_seen_by_the_next_query(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/helpline.db")
    await migrate(engine)
    sessions = session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            patients = PatientRepository(session)
            patient, _, _ = await patients.arrive("telegram", "1")
            patients.change(patient, language="en")
            MessageRepository(session).add(patient, "in", "hello")
            assert patient.language == "en"  # seen at once on the object
            rows = await session.execute(text("SELECT language FROM patients"))
            assert rows.scalar() == "en"  # and by any statement that follows
            assert len(await MessageRepository(session).for_patient(patient)) == 1
    finally:
        await engine.dispose()
