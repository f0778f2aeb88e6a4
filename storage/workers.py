"""Which worker processes are alive, on PostgreSQL: a worker id held by a session advisory lock.

Several bot processes (webhook workers) share one PostgreSQL database. What one of them starts
and may not finish (an update it claimed, a job it runs) must be taken over when it dies, and
only then. So each process, once per database, draws a random worker id and holds the session
advisory lock `(WORKER_SPACE, id)` (the two-int form) on a long-lived connection of its own,
outside the pool: nothing else runs on it, it never idles in a transaction, and the pool's
size is unchanged. Whatever a worker writes down as its own carries its id; another worker
reads "is its owner alive" as "is that lock held" (`alive_sql`, `is_alive`), which PostgreSQL
answers with the truth:

- killed -9 (or crashed): the kernel closes its socket, its backend ends, the lock is free;
- cut off from the database (network, PostgreSQL restarted): the backend goes, the lock with it
  (a silent network cut only once the server's TCP keepalives notice: set
  `tcp_keepalives_idle` on the server for a bound), and the worker counts as dead meanwhile.
  The keeper (a check every CHECK seconds) connects again and takes the same id's lock again,
  so its claims count as alive once more. What another worker took over in between stays taken
  over: the window is the time the connection was lost (see the callers' docstrings).

Ids are never reused: a dead worker's id stays dead. On SQLite there is one process: nothing is
connected, and every worker counts as alive (`alive_sql` is never used there).

Use: `worker = worker_of(engine)` gives the process's one `Worker` for that database (the same
object to every caller: the inbound updates, the background jobs), `await worker.start()` /
`await worker.stop()` (counted: the connection closes at the last stop), `worker.id`.

Advisory lock key spaces (the first int of the two-int form) used in this project, so that
nobody's keys meet another's: WORKER_SPACE (here), CHAT_SPACE and THROTTLE_SPACE
(storage/inbound.py). Pick a new constant for a new use and list it here.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import weakref
import zlib

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# MIGRATE_LOCK = 18_000 (storage/db.py): one worker migrates at start-up, the others wait
# JOB_SPACE = 18_004 (storage/job_locks.py): one worker runs each background job
# RETENTION_LOCK = 18_005 (bot/app.py): one worker applies retention at a time
WORKER_SPACE = 18_001  # (WORKER_SPACE, worker id): held by the live worker
CHAT_SPACE = 18_002  # (CHAT_SPACE, chat key): one patient's turn at a time (storage/inbound.py)
THROTTLE_SPACE = 18_003  # (THROTTLE_SPACE, chat key): one patient's flood count at a time

# the advisory locks taken with two int4 keys in this database, granted
_ADVISORY = (
    "FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
_HELD = "SELECT 1 " + _ADVISORY + " AND l.classid = {space}::oid AND l.objid = ({worker})::oid"
# the ids of the workers alive now
LIVE_WORKERS = text(f"SELECT l.objid {_ADVISORY} AND l.classid = {WORKER_SPACE}")


def alive_sql(worker_column: str) -> str:
    """SQL true when the worker whose id is in `worker_column` (an int column or a bound
    parameter such as `:worker`) holds its lock: it is alive. Reads pg_locks, takes no lock."""
    return f"EXISTS ({_HELD.format(space=WORKER_SPACE, worker=worker_column)})"


async def is_alive(connection: AsyncConnection, worker_id: int) -> bool:
    query = text(f"SELECT {alive_sql(':worker')}")
    return bool((await connection.execute(query, {"worker": worker_id})).scalar())


def lock_key(name: str) -> int:
    """An int4 for the second key of an advisory lock (a chat's, a job's: never stored),
    non-negative, as pg_locks shows it (an oid)."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def new_worker_id() -> int:
    """Positive int4: pg_locks shows the key as an oid (unsigned)."""
    return secrets.randbelow(2**31 - 2) + 1


def is_postgresql(bind: AsyncEngine | AsyncConnection) -> bool:
    return bind.dialect.name == "postgresql"


class Worker:
    """This process's id on one database, and the connection that holds its lock."""

    CHECK = 2.0  # seconds between two checks of the connection
    RETRY = 0.5  # seconds between two attempts to connect again

    def __init__(self, engine: AsyncEngine) -> None:
        self.id = new_worker_id()
        self.shared = is_postgresql(engine)
        # its own engine without a pool: one connection, never lent to anything else
        self._engine = (
            create_async_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
            if self.shared
            else None
        )
        self._connection: AsyncConnection | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._users = 0
        self.holding = asyncio.Event()  # set while the lock is held (tests wait on it)
        self.reconnected = 0  # how many times the lock was taken again
        # monotonic time the lock was last taken; None while it is being taken again
        self.held_since: float | None = None

    async def start(self) -> None:
        """Hold the lock (at the first start); every caller stops once."""
        self._users += 1
        if self._users > 1 or not self.shared:
            return
        await self._take()
        self._keeper = asyncio.create_task(self._keep())

    async def stop(self) -> None:
        self._users -= 1
        if self._users > 0 or not self.shared:
            return
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
            self._keeper = None
        await self._close()
        if self._engine is not None:
            await self._engine.dispose()

    async def _take(self) -> None:
        """Connect and take the lock of this worker's id (the same id after a reconnection:
        the old backend may take a moment to go, so it is tried until it is free)."""
        assert self._engine is not None
        while True:
            try:
                self._connection = await self._engine.connect()
                taken = (
                    await self._connection.execute(
                        text("SELECT pg_try_advisory_lock(:space, :worker)"),
                        {"space": WORKER_SPACE, "worker": self.id},
                    )
                ).scalar()
                if taken:
                    self.holding.set()
                    self.held_since = time.monotonic()
                    return
                log.warning("worker lock still held by the lost connection: trying again")
            except (OSError, SQLAlchemyError) as error:
                log.warning("worker lock not taken: %s", type(error).__name__)
            await self._close()
            await asyncio.sleep(self.RETRY)

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self.CHECK)
            if await self.check():
                continue
            log.warning("the worker's database connection was lost: connecting again")
            self.holding.clear()
            self.held_since = None
            await self._close()
            await self._take()
            self.reconnected += 1

    def settled(self, grace: float) -> bool:
        """Whether this worker has held its lock for `grace` seconds: only then may it read
        another worker's missing lock as its death. Every worker loses its lock when PostgreSQL
        restarts and takes it again within about CHECK + RETRY seconds of its return: one that
        just took its own again may see the others still reconnecting. (Pair it with
        `alive_sql(':me')` read in the same query: the keeper notices a loss CHECK late.)"""
        if not self.shared:
            return True
        return self.held_since is not None and time.monotonic() - self.held_since >= grace

    async def check(self) -> bool:
        """Whether the connection is there and still holds the lock."""
        if self._connection is None:
            return False
        try:
            held = await is_alive(self._connection, self.id)
        except (OSError, DBAPIError):
            return False
        return held

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except (OSError, SQLAlchemyError):
                await connection.invalidate()


_workers: weakref.WeakKeyDictionary[AsyncEngine, Worker] = weakref.WeakKeyDictionary()


def worker_of(engine: AsyncEngine) -> Worker:
    """The process's one worker for this database (made at the first call)."""
    worker = _workers.get(engine)
    if worker is None:
        worker = _workers[engine] = Worker(engine)
    return worker
