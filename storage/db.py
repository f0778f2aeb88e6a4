"""Database engine and sessions (SQLAlchemy 2 async), and Alembic migrations at start-up."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class InPlaceSQLite(aiosqlite.Connection):
    """aiosqlite runs every call in its own thread and back: one SELECT is four trips (cursor,
    execute, fetchall, close), each dearer than the statement itself (13% of the bot's CPU under
    load, py-spy). A thread is only needed where a call may wait: BEGIN IMMEDIATE waits for the
    write lock while another process (review, purge) holds it, COMMIT writes the WAL and may
    checkpoint. Every transaction here begins IMMEDIATE (`_sqlite_begin`), so inside one the lock
    is already ours and a statement never waits on anyone: it runs in place (a turn's statements
    take microseconds; a review page's query ~10 ms at 10,000 conversations, and the loop waits
    that long, as the one connection made everyone wait before)."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        connection = self._connection
        if connection is not None and fn != connection.commit:
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


def _sqlite_connector(url: URL) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    args, kwargs = SQLiteDialect_aiosqlite().create_connect_args(url)

    async def connect() -> aiosqlite.Connection:
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
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front, so concurrent writers wait (busy_timeout) instead
    # of failing with "database is locked" when a read transaction tries to upgrade.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url)
    if parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
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
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the latest migration (idempotent)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)
