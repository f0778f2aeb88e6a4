"""Storage round-trips on a real SQLite file, migrated by Alembic like at start-up."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import MIGRATIONS, create_engine, migrate
from storage.models import Base, utcnow
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
        await MessageRepository(session).add(
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
            await MessageRepository(session).add(who, "in", "bonjour")
            await MessageRepository(session).add(who, "out", "Bonjour !")
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
        old = await MessageRepository(session).add(patient, "in", "vieux message")
        await MessageRepository(session).add(patient, "in", "message récent")
        old.created_at = utcnow() - timedelta(days=91)
    async with sessions() as session, session.begin():
        assert await MessageRepository(session).purge_older_than(90) == 1
    async with sessions() as session:
        rows = (await session.execute(text("SELECT text FROM messages"))).scalars().all()
    assert rows == ["message récent"]
