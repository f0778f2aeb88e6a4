"""Background jobs across several workers on one PostgreSQL (issue 18): each job, and each agents'
group's outbox delivery, run by one worker at a time.

A worker holds its locks as PostgreSQL session advisory locks on one connection of its own, kept
out of the pool. A worker that dies (kill -9, power cut) loses its connection and with it every
lock it held: another worker takes them at its next try (`take`, every few seconds). A worker
whose connection breaks (PostgreSQL restarted, backend terminated) finds out at its next `take`
or keep-alive look, forgets what it held and competes again: a holder calls `take` before each
piece of work (each outbox row, each run of a job), so it stops at once.

Which worker this is, and whether another is alive, is storage/workers.py's (the worker's own
lock, on a connection of its own): `live_workers`. Every connection of the worker's pool says
which worker it is (the setting `helpline.worker`), so that a row can record its writer by a
column default: the replies a worker owes patients (`patient_deliveries.worker`).

Locks are keyed by two 32-bit integers (JOB_SPACE, `lock_key` of the job's name): they never meet
a lock taken with one 64-bit key, nor storage/workers.py's spaces. On SQLite (one process)
every lock is granted at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import NullPool, event, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.workers import LIVE_WORKERS, is_postgresql, lock_key, worker_of

log = logging.getLogger(__name__)
JOB_SPACE = 18_004  # the first key of the jobs' locks (storage/workers.py lists the others)
WORKER_SETTING = "helpline.worker"  # on every connection of the worker's pool
KEEP_ALIVE = 5.0  # seconds between two looks at the lock connection
CHECK_TIMEOUT = 5.0  # seconds: a look that takes longer counts as a lost connection

TAKE = text("SELECT pg_try_advisory_lock(:space, :key)")
RELEASE = text("SELECT pg_advisory_unlock(:space, :key)")


class WorkerLocks:
    """One worker's locks, from start() to close(). `clock` (monotonic seconds) is for tests."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        keep_alive: float = KEEP_ALIVE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.shared = is_postgresql(engine)
        self.worker = worker_of(engine)  # this process's id on the database, kept alive
        self.worker_id = self.worker.id
        self.keep_alive = keep_alive
        self.clock = clock
        self._held: set[str] = set()
        self._connection: AsyncConnection | None = None
        self._own: AsyncEngine | None = None  # the lock connection's engine, without a pool
        self._io = asyncio.Lock()  # one statement at a time on the lock connection
        self._watch: asyncio.Task[None] | None = None
        self.lost = 0  # how many times the lock connection was lost (logs, tests)
        if self.shared:
            event.listen(engine.sync_engine, "connect", self._tag)

    @classmethod
    def of(cls, sessions: async_sessionmaker[AsyncSession], **kwargs: Any) -> WorkerLocks:
        engine = sessions.kw["bind"]
        assert isinstance(engine, AsyncEngine)
        return cls(engine, **kwargs)

    def _tag(self, dbapi_connection: Any, _record: Any) -> None:
        setting = f"SET {WORKER_SETTING} = '{self.worker_id}'"
        dbapi_connection.run_async(lambda connection: connection.execute(setting))

    async def start(self) -> None:
        """Before serving: the pool's connections opened before now (migrations, retention)
        are closed, so that every one says which worker it is; the worker's lock is taken."""
        await self.worker.start()
        if not self.shared:
            return
        await self.engine.dispose()
        with contextlib.suppress(Exception):  # no database yet: the keep-alive tries again
            async with self._io:
                await self._open()
        self._watch = asyncio.create_task(self._keep_alive())

    async def close(self) -> None:
        """Every lock released (the connection closed): the other workers take over."""
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        async with self._io:
            await self._drop()
        if self._own is not None:
            await self._own.dispose()
            self._own = None
        await self.worker.stop()

    @property
    def connected(self) -> bool:
        return not self.shared or self._connection is not None

    def holds(self, name: str) -> bool:
        """As of the last look: `take` looks again."""
        return not self.shared or name in self._held

    async def take(self, name: str) -> bool:
        """Whether this worker holds the lock `name` now: taken if free, kept if held (the
        connection is looked at: False if it broke, every lock is then lost)."""
        if not self.shared:
            return True
        # shielded: a caller cancelled (a job stopping) must not cut a statement in the middle
        return await asyncio.shield(self._take(name))

    async def _take(self, name: str) -> bool:
        async with self._io:
            try:
                connection = await self._open()
                if name in self._held:
                    await _timed(connection.execute(text("SELECT 1")))
                    await _timed(connection.commit())
                    return True
                params = {"space": JOB_SPACE, "key": lock_key(name)}
                taken = bool(await _timed(connection.scalar(TAKE, params)))
                await _timed(connection.commit())
            except Exception as error:
                await self._lose(error)
                return False
            if taken:
                self._held.add(name)
                log.info("this worker now runs %s", name)
            return taken

    async def release(self, name: str) -> None:
        if not self.shared or name not in self._held:
            return
        await asyncio.shield(self._release(name))

    async def _release(self, name: str) -> None:
        async with self._io:
            self._held.discard(name)
            if self._connection is None:
                return
            try:
                params = {"space": JOB_SPACE, "key": lock_key(name)}
                await _timed(self._connection.scalar(RELEASE, params))
                await _timed(self._connection.commit())
            except Exception as error:
                await self._lose(error)

    async def live_workers(self) -> set[int] | None:
        """The ids of the workers alive now (holding their own lock); None if unknown (this
        worker's connection is lost: it knows nothing then)."""
        if not self.shared:
            return {self.worker_id}
        return await asyncio.shield(self._live_workers())

    async def _live_workers(self) -> set[int] | None:
        async with self._io:
            try:
                connection = await self._open()
                rows = await _timed(connection.scalars(LIVE_WORKERS))
                await _timed(connection.commit())
            except Exception as error:
                await self._lose(error)
                return None
            return {int(row) for row in rows}

    async def _open(self) -> AsyncConnection:
        if self._connection is not None:
            return self._connection
        if self._own is None:
            self._own = create_async_engine(self.engine.url, poolclass=NullPool)
        self._connection = await _timed(self._own.connect())
        return self._connection

    async def _lose(self, error: BaseException) -> None:
        if self._connection is None and not self._held:
            return
        self.lost += 1
        log.warning(
            "the job locks' connection is lost (%s): %d jobs left to other workers",
            type(error).__name__,
            len(self._held),
        )
        await self._drop()

    async def _drop(self) -> None:
        self._held.clear()
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), CHECK_TIMEOUT)

    async def _keep_alive(self) -> None:
        """A broken connection is noticed within `keep_alive` seconds even when no job asks:
        its locks are for the others to take then."""
        while True:
            await asyncio.sleep(self.keep_alive)
            async with self._io:
                try:
                    connection = await self._open()
                    await _timed(connection.execute(text("SELECT 1")))
                    await _timed(connection.commit())
                except Exception as error:
                    await self._lose(error)


async def _timed(awaitable: Any) -> Any:
    return await asyncio.wait_for(awaitable, CHECK_TIMEOUT)
