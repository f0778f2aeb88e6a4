"""The same storage on PostgreSQL, the database to move to when one SQLite writer is not enough
(several bot processes, a busy review workspace). A throwaway cluster is started for these tests
with the machine's PostgreSQL (scripts/setup.sh installs it when missing)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
from sqlalchemy import text, update

from bot.app import open_helpline
from bot.engine import Engine, Incoming
from bot.settings import Settings
from storage.cases import OutboxRepository
from storage.db import create_engine, migrate, session_factory
from storage.models import Message, utcnow

PATIENT = "5001"


def settings(database_url: str, rasa_url: str) -> Settings:
    return Settings(
        rasa_url=rasa_url,
        database_url=database_url,
        helpline_agents_chat_id=-1001000,
        agents_hours="always",
    )


async def test_a_conversation_with_a_case_and_an_erasure(database_url: str, rasa_url: str) -> None:
    async with open_helpline(settings(database_url, rasa_url)) as helpline:
        engine, sessions = helpline.engine, helpline.sessions

        async def say(text: str = "", button: str | None = None) -> list[str]:
            turn = await engine.handle(Incoming("telegram", PATIENT, text, button=button))
            return [reply.text for reply in turn.replies]

        await say("bonjour")
        waiting = (await say("/human"))[-1]
        assert "C-00001" in waiting
        await say("mon iban est FR76 3000 6000 0112 3456 7890 189")
        crisis = await say("je veux mourir")
        assert crisis[0] == engine.catalogue.answer("crisis", "fr").text
        async with sessions() as session:
            stored = (await session.execute(text("SELECT text FROM messages"))).scalars().all()
            cases = (await session.execute(text("SELECT priority, risk_flags FROM cases"))).all()
        assert "mon iban est <IBAN>" in stored and not any("FR76" in t for t in stored)
        assert cases == [("urgent", ["crisis"])]

        async with sessions() as session, session.begin():  # the outbox worker made its topic
            await session.execute(text("UPDATE cases SET topic_id = 77"))
            await session.execute(text("DELETE FROM agent_outbox"))
        await say("/delete")
        assert (await say(button="delete:yes"))[0] == engine.catalogue.phrase("deleted", "fr")
        async with sessions() as session:
            left = [
                (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar()
                for table in ("patients", "messages", "cases")
            ]
            erasure = await OutboxRepository(session).next()
        assert left == [0, 0, 0]
        assert erasure is not None and erasure.kind == "erase_topic"
        assert erasure.case_id is None
        assert erasure.payload == {"topic_id": 77, "number": "C-00001", "quiet": False}


async def test_two_processes_writing_at_once_give_one_patient_and_one_case(
    database_url: str, rasa_url: str
) -> None:
    """Two bot processes (two engines: their per-patient locks don't see each other) get the
    same patient's crisis at the same moment: the database's unique indexes keep one of each."""
    async with (
        open_helpline(settings(database_url, rasa_url)) as first,
        open_helpline(settings(database_url, rasa_url)) as second,
    ):
        engines: list[Engine] = [first.engine, second.engine]
        turns = await asyncio.gather(
            *(e.handle(Incoming("telegram", PATIENT, "je veux en finir")) for e in engines)
        )
        async with first.sessions() as session:
            patients = (await session.execute(text("SELECT count(*) FROM patients"))).scalar()
            cases = (await session.execute(text("SELECT count(*) FROM cases"))).scalar()
    assert patients == 1 and cases == 1
    assert all(t.replies and "3114" in "".join(r.text for r in t.replies) for t in turns)


async def test_retention_folds_old_days_into_counts_then_purges(
    database_url: str, rasa_url: str
) -> None:
    async with open_helpline(settings(database_url, rasa_url)) as helpline:
        await helpline.engine.handle(Incoming("telegram", PATIENT, "bonjour"))
        async with helpline.sessions() as session, session.begin():
            await session.execute(update(Message).values(created_at=utcnow() - timedelta(days=120)))
    async with open_helpline(settings(database_url, rasa_url)) as reopened:  # applies retention
        async with reopened.sessions() as session:
            messages = (await session.execute(text("SELECT count(*) FROM messages"))).scalar()
            counted = (
                await session.execute(
                    text("SELECT sum(count) FROM daily_counts WHERE metric = 'messages_in'")
                )
            ).scalar()
    assert messages == 0 and counted == 1


async def test_migrations_apply_twice(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate(engine)
    await migrate(engine)
    async with session_factory(engine)() as session:
        tables = (
            await session.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema='public'")
            )
        ).scalar()
    await engine.dispose()
    assert tables and tables > 5


async def test_a_pooled_connection_cut_by_a_restart_is_replaced_before_use(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:  # a connection left in the pool
            before = (await session.execute(text("SELECT pg_backend_pid()"))).scalar()
        admin = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
        try:  # what a restart does to it
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", before)
        finally:
            await admin.close()
        async with sessions() as session:  # the cut connections checked, replaced, not failed
            after = (await session.execute(text("SELECT pg_backend_pid()"))).scalar()
        assert after not in (before, None)
    finally:
        await engine.dispose()
