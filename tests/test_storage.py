"""Storage round-trips on a real SQLite file, migrated by Alembic like at start-up."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import db
from storage.db import MIGRATIONS, create_engine, migrate, session_factory
from storage.models import Base, Message, utcnow
from storage.repositories import MessageRepository, PatientRepository


async def test_migrations_create_the_file_in_wal_mode_and_are_idempotent(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/db/helpline.db")
    await migrate(engine)
    await migrate(engine)
    async with engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    await engine.dispose()
    assert version == [(ScriptDirectory(str(MIGRATIONS)).get_current_head(),)]
    assert (tmp_path / "db" / "helpline.db").exists()


async def test_migrations_build_exactly_the_models_schema(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/helpline.db")
    await migrate(engine)
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    assert differences == []


async def test_patient_and_redacted_messages_round_trip(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        patient, created = await PatientRepository(session).get_or_create("telegram", "42", "fr")
        assert created
        MessageRepository(session).add(
            patient,
            "in",
            "mon numéro 06 12 34 56 78, mail a.b@example.org",
            intent="help",
            confidence=0.9,
        )
    async with sessions() as session:
        again, created = await PatientRepository(session).get_or_create("telegram", "42")
        assert not created
        assert again.pseudonym == patient.pseudonym and again.pseudonym.startswith("P-")
        assert again.client_language == "fr"
        [message] = await MessageRepository(session).for_patient(again)
        assert message.text == "mon numéro <PHONE>, mail <EMAIL>"
        assert (message.intent, message.confidence, message.direction) == ("help", 0.9, "in")
        raw = (await session.execute(text("SELECT text FROM messages"))).scalars().all()
    assert raw == ["mon numéro <PHONE>, mail <EMAIL>"]


async def test_deleting_a_patient_erases_their_messages_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        patients = PatientRepository(session)
        leaving, _ = await patients.get_or_create("telegram", "1")
        staying, _ = await patients.get_or_create("telegram", "2")
        for who in (leaving, staying):
            MessageRepository(session).add(who, "in", "bonjour")
            MessageRepository(session).add(who, "out", "Bonjour !")
    async with sessions() as session, session.begin():
        patients = PatientRepository(session)
        leaving = await patients.find("telegram", "1")
        assert leaving is not None
        assert await patients.delete(leaving) == 2
    async with sessions() as session:
        assert await PatientRepository(session).find("telegram", "1") is None
        counts = (
            await session.execute(text("SELECT patient_id, count(*) FROM messages GROUP BY 1"))
        ).all()
        kept = await PatientRepository(session).find("telegram", "2")
    assert kept is not None and counts == [(kept.id, 2)]


async def test_purge_deletes_only_messages_older_than_the_retention(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        patient, _ = await PatientRepository(session).get_or_create("telegram", "9")
        MessageRepository(session).add(patient, "in", "vieux message")
        MessageRepository(session).add(patient, "in", "message récent")
        # a statement sees the messages added before it, as with the ORM's autoflush
        await session.execute(
            update(Message)
            .where(Message.text == "vieux message")
            .values(created_at=utcnow() - timedelta(days=91))
        )
    async with sessions() as session, session.begin():
        assert await MessageRepository(session).purge_older_than(90) == 1
    async with sessions() as session:
        rows = (await session.execute(text("SELECT text FROM messages"))).scalars().all()
    assert rows == ["message récent"]


async def test_a_turns_writes_are_stored_at_commit_and_dropped_on_rollback(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    class Failed(Exception):
        pass

    async with sessions() as session, session.begin():
        patient, _, _ = await PatientRepository(session).arrive("telegram", "5", "fr")
        PatientRepository(session).change(patient, state={"pending": "handoff"})
        MessageRepository(session).add(patient, "in", "gardé")
    async with sessions() as session:
        with pytest.raises(Failed):
            async with session.begin():
                patient, _, _ = await PatientRepository(session).arrive("telegram", "5", "fr")
                PatientRepository(session).change(patient, state={}, language="en")
                MessageRepository(session).add(patient, "in", "perdu")
                raise Failed
        async with session.begin():  # nothing left over for the session's next transaction
            patient, _, _ = await PatientRepository(session).arrive("telegram", "5", "fr")
            MessageRepository(session).add(patient, "out", "suivant")
    async with sessions() as session:
        stored = [m.text for m in await MessageRepository(session).for_patient(patient)]
    assert stored == ["gardé", "suivant"]
    assert (patient.state, patient.language) == ({"pending": "handoff"}, None)


async def _one_turn(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        patient, _, _ = await PatientRepository(session).arrive("telegram", "7", "fr")
        messages = MessageRepository(session)
        messages.add(patient, "in", "bonjour")
        messages.add_reply(patient, "Bonjour, je vous écoute.")


def count_thread_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, the name of each call that goes to aiosqlite's thread."""
    trips: list[str] = []
    to_thread = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(fn.__name__)
        return await to_thread(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return trips


async def test_a_turn_never_crosses_to_the_sqlite_thread_when_the_database_is_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/helpline.db")
    await migrate(engine)
    sessions = session_factory(engine)
    await _one_turn(sessions)  # the patient now exists
    trips = count_thread_trips(monkeypatch)
    await _one_turn(sessions)
    turn_trips = list(trips)
    async with sessions() as session:
        stored = (await session.execute(text("SELECT count(*) FROM messages"))).scalar()
    await engine.dispose()
    assert stored == 4
    # BEGIN IMMEDIATE, the SELECT, INSERT and UPDATE, COMMIT: all in place (were 4 trips each
    # through aiosqlite's thread, then 2: BEGIN and COMMIT)
    assert turn_trips == []


async def test_the_wal_is_checkpointed_in_the_thread_every_so_many_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "CHECKPOINT_EVERY", 5)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/helpline.db")
    await migrate(engine)
    sessions = session_factory(engine)
    await _one_turn(sessions)
    trips = count_thread_trips(monkeypatch)
    for _ in range(10):
        await _one_turn(sessions)
    # the database file alone, without its WAL, holds every turn up to the last checkpoint
    alone = tmp_path / "alone.db"
    shutil.copy(tmp_path / "helpline.db", alone)
    in_file = sqlite3.connect(alone).execute("SELECT count(*) FROM messages").fetchone()[0]
    turns_trips = list(trips)
    await engine.dispose()
    assert turns_trips == ["_commit_and_checkpoint"] * 2
    assert 2 * 7 <= in_file <= 2 * 11  # the last checkpoint came with the 7th turn or later


async def test_waiting_for_another_process_lock_leaves_the_event_loop_free(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/helpline.db")
    await migrate(engine)
    sessions = session_factory(engine)
    other_process = sqlite3.connect(tmp_path / "helpline.db", isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # e.g. the review app writing
    turn = asyncio.create_task(_one_turn(sessions))
    ticks = 0
    while ticks < 20 and not turn.done():
        await asyncio.sleep(0.01)  # the loop keeps serving others meanwhile
        ticks += 1
    assert ticks == 20 and not turn.done()
    other_process.execute("COMMIT")
    await turn
    other_process.close()
    async with sessions() as session:
        stored = (await session.execute(text("SELECT count(*) FROM messages"))).scalar()
    await engine.dispose()
    assert stored == 2
