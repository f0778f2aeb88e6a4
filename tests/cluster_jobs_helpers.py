"""Shared by the tests of background jobs across workers (tests/test_cluster_jobs.py): a worker
on a PostgreSQL database (its own engine and pool), a bot that only records what it sends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import asyncpg

from bot.app import Helpline, open_helpline
from bot.settings import Settings
from storage.cases import OutboxRepository
from storage.job_locks import JOB_SPACE, WorkerLocks
from storage.outbox import Announce
from storage.workers import lock_key

GROUP = -1001000


@dataclass
class RecordingBot:
    """Sends nothing anywhere: records (chat, text) in `sent`, shared by the workers' bots.
    `gate`, when set to an unset event, holds every send until it is set."""

    sent: list[tuple[int, str]]
    gate: asyncio.Event | None = None
    sending: asyncio.Event = field(default_factory=asyncio.Event)
    session: Any = field(default_factory=lambda: SimpleNamespace(middleware=[]))
    _ids: int = 0

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Any:
        self.sending.set()
        if self.gate is not None:
            await self.gate.wait()
        self.sent.append((chat_id, text))
        self._ids += 1
        return SimpleNamespace(message_id=self._ids)


@dataclass
class Worker:
    helpline: Helpline
    locks: WorkerLocks


@asynccontextmanager
async def worker(database_url: str) -> AsyncIterator[Worker]:
    """A worker process as the jobs see it: its Helpline (engine, pool) and its locks."""
    settings = Settings(
        rasa_url="http://127.0.0.1:9",  # never asked: no message is handled here
        database_url=database_url,
        helpline_agents_chat_id=GROUP,
        agents_hours="always",
    )
    async with open_helpline(settings) as helpline:
        locks = WorkerLocks.of(helpline.sessions, keep_alive=0.05)
        await locks.start()
        try:
            yield Worker(helpline, locks)
        finally:
            await locks.close()


async def announce(helpline: Helpline, texts: list[str]) -> None:
    async with helpline.sessions() as session, session.begin():
        for text in texts:
            await OutboxRepository(session).add_general(Announce(text), GROUP)


async def until(condition: Callable[[], object], seconds: float = 10.0) -> None:
    """Wait for a condition the code under test brings about (never a fixed sleep)."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - the condition is the code under test's
            await asyncio.sleep(0.01)


async def terminate_holder(database_url: str, name: str) -> int:
    """PostgreSQL ends the backend holding the job lock `name` (as a restart would); returns
    how many backends it ended."""
    url = database_url.replace("postgresql+asyncpg", "postgresql")
    admin = await asyncpg.connect(url)
    try:
        return int(
            await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE "
                "locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                JOB_SPACE,
                lock_key(name),
            )
        )
    finally:
        await admin.close()
