"""Database engine and sessions (SQLAlchemy 2 async), and Alembic migrations at start-up."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util import await_only

from storage.session import ON_AGENTS_OUTBOX, HelplineSession

POOL_SIZE, POOL_OVERFLOW = 20, 10  # PostgreSQL connections per worker, kept and in bursts
MIGRATE_LOCK = 18_000  # advisory lock key (the others: storage/workers.py)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

log = logging.getLogger(__name__)


LOCK_WAIT_MS = 5000  # how long a transaction waits for another process's write lock
CHECKPOINT_EVERY = 100  # commits (a turn writes a few pages; SQLite's own default is 1000 pages)


class InPlaceSQLite(aiosqlite.Connection):
    """aiosqlite runs every call in its own thread and back: one SELECT is four trips (cursor,
    execute, fetchall, close), each dearer than the statement itself (13% of the bot's CPU under
    load, py-spy); under load each trip also waits for the GIL. A thread is only needed where a
    call may wait, and here none does unless another process holds the database:

    - BEGIN IMMEDIATE (every transaction begins so, `_sqlite_begin`) is tried in place with no
      busy timeout: it takes the write lock at once, or fails at once if another process (review,
      purge) holds it, and then waits for it in the thread (up to LOCK_WAIT_MS);
    - inside our transaction the lock is ours: statements never wait and run in place (a turn's
      take microseconds; a review page's query ~10 ms at 10,000 conversations);
    - COMMIT appends to the WAL without fsync (synchronous=NORMAL): in place. SQLite's automatic
      checkpoint would copy the WAL into the database file and fsync it inside some COMMIT, so
      it is off on our connections, and every CHECKPOINT_EVERY commits one commit and a
      checkpoint run together in the thread (no other session holds the connection then).
    """

    _commits = 0

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        connection = self._connection
        if connection is None:
            return await super()._execute(fn, *args, **kwargs)
        if fn == connection.commit:
            self._commits += 1
            if self._commits % CHECKPOINT_EVERY:
                return fn()
            return await super()._execute(self._commit_and_checkpoint)
        if args and isinstance(args[0], str) and args[0].startswith("BEGIN"):
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as error:
                if "locked" not in str(error):
                    raise
            return await super()._execute(self._wait_for_lock, fn, *args, **kwargs)
        in_place = (
            connection.in_transaction
            or fn == connection.cursor
            or fn == connection.rollback  # outside a transaction: a no-op
            or (isinstance(getattr(fn, "__self__", None), sqlite3.Cursor)
                and fn.__name__ == "close")
        )  # fmt: skip
        if in_place:
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)

    def _wait_for_lock(self, begin: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """In the thread: BEGIN, waiting up to LOCK_WAIT_MS for another process's lock."""
        assert self._connection is not None
        self._connection.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
        try:
            return begin(*args, **kwargs)
        finally:
            self._connection.execute("PRAGMA busy_timeout=0")

    def _commit_and_checkpoint(self) -> None:
        assert self._connection is not None
        self._connection.commit()
        # PASSIVE: copies what no reader still needs, never waits for readers
        self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)")


# The database holds patients' messages: its files are the service account's alone, whatever the
# umask (SQLite gives the -wal, -shm and -journal files it creates the main file's mode).
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def _make_private_folder(folder: Path) -> None:
    """Create the folder and its missing parents 0700; a folder that exists is not ours to
    change (the operator's var/, /var/lib/...)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        try:
            made.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:  # another process made it first: not ours either
            continue
        made.chmod(PRIVATE_FOLDER)  # mkdir's mode goes through the umask


def _create_private_file(path: Path) -> None:
    """Create the database file 0600 before SQLite does (SQLite would create it 0644 under the
    usual umask, and its WAL and SHM after it)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, PRIVATE_FILE)  # os.open's mode goes through the umask
    finally:
        os.close(fd)


def _make_files_private(path: Path) -> None:
    """The database, its WAL and its shared memory 0600, also when an older release (or the
    operator) made them world-readable."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if stat.S_IMODE(file.stat().st_mode) != PRIVATE_FILE:
                file.chmod(PRIVATE_FILE)
        except FileNotFoundError:
            continue
        except OSError as error:  # not our file, or a file system without modes
            log.warning("cannot make %s private (mode 0600): %s", file.name, error.strerror)


def _sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL; None in memory (or a `file:` URI, left to SQLite)."""
    if url.database in (None, "", ":memory:") or url.database.startswith("file:"):
        return None
    return Path(url.database)


def _sqlite_connector(url: URL) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(url)
    path = _sqlite_file(url)

    async def connect() -> aiosqlite.Connection:
        if path is not None:
            _create_private_file(path)
        connection = InPlaceSQLite(partial(sqlite3.connect, *args, **kwargs), iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy does: never hold up interpreter exit
        return await connection

    return connect


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin); also makes SAVEPOINTs work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
    # WAL + NORMAL: no fsync per commit (one per checkpoint); a power cut may lose the last
    # commits, never corrupt the file. FULL cost ~30 ms of fsync per message under load.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")  # ON DELETE CASCADE for /delete
    # deleted rows (purge, /delete) are overwritten with zeros, not left readable in free pages
    # of the file and the WAL; some builds have it on by default, not all
    cursor.execute("PRAGMA secure_delete=ON")
    # BEGIN waits for another process's lock in aiosqlite's thread, and the checkpoints run
    # there too (InPlaceSQLite): never in place on the event loop
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front, so concurrent writers wait (busy_timeout) instead
    # of failing with "database is locked" when a read transaction tries to upgrade.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _ping(_: Any, record: ConnectionPoolEntry, __: Any) -> None:
    """A pooled PostgreSQL connection is checked before use: after PostgreSQL restarts, the
    workers' pools hold dead connections, and each would fail one request before being replaced
    (without a check, CI's restart-under-load test answered 18 patients twice: not every write
    that fails on a dead connection is retried). SQLAlchemy's `pool_pre_ping` does it in three
    round trips (BEGIN, an empty query, ROLLBACK: for pgbouncer's transaction mode, which this
    does not use), 11 % of a worker's CPU in the surge; one simple query is one round trip (not
    an empty one: asyncpg fails on its answer). A failure is a disconnection: the pool replaces
    the connection and checks out again."""
    try:
        await_only(record.driver_connection.execute("SELECT 1"))
    except Exception as error:  # whatever failed, this connection is not to be used
        raise DisconnectionError(type(error).__name__) from error


def create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # A worker has up to 40 webhook posts in flight: a pool of SQLAlchemy's default 5 opened
        # and closed overflow connections all the time, a PostgreSQL process forked for each
        # (measured in bench/surge.py: 14 a second, half the CPU in the kernel)
        engine = create_async_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
        event.listen(engine.sync_engine.pool, "checkout", _ping)
        return engine
    path = _sqlite_file(parsed)
    if path is not None:
        _make_private_folder(path.parent)
    # SQLite has one writer at a time: queue sessions on one connection, in asyncio, rather than
    # have many connections poll the file lock and fail with "database is locked" under load
    # (measured: 40 concurrent patients). Transactions never wait on the NLU.
    engine = create_async_engine(
        url,
        async_creator=_sqlite_connector(parsed),
        pool_size=1,
        max_overflow=0,
        pool_timeout=120,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    if path is not None:  # after _sqlite_pragmas: the WAL of an existing database is open then
        event.listen(engine.sync_engine, "connect", lambda *_: _make_files_private(path))
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def session_factory(
    engine: AsyncEngine, *, on_agents_outbox: Callable[[], None] | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions of the project's own class (storage.session). `on_agents_outbox` is called
    after each commit that queued something for the agents' group."""
    return async_sessionmaker(
        engine,
        expire_on_commit=False,
        sync_session_class=HelplineSession,
        info={ON_AGENTS_OUTBOX: on_agents_outbox} if on_agents_outbox is not None else None,
    )


def _upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the latest migration (idempotent)."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # several workers start at once: one migrates, the others wait, then find it done
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK}
            )
        await connection.run_sync(_upgrade)
