"""The SQLite database holds leaked-lab patients' messages: its files are the service account's
alone (0600, in a 0700 folder when we make it), whatever the umask, and deleted rows are
overwritten (secure_delete), not left readable in free pages (security review, issue 13)."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, migrate, session_factory
from storage.repositories import MessageRepository, PatientRepository


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def db_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most services run with (022: files 0644, folders 0755)."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


async def write_one_message(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        patient, _ = await PatientRepository(session).get_or_create("telegram", "1", "fr")
        MessageRepository(session).add(patient, "in", "mes résultats ont fuité")


@pytest.mark.usefixtures("usual_umask")
async def test_the_database_its_wal_and_shm_are_0600_in_folders_we_make_0700(
    tmp_path: Path,
) -> None:
    path = tmp_path / "var" / "data" / "helpline.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate(engine)
        await write_one_message(engine)
        wal = path.with_name(path.name + "-wal")
        assert wal.stat().st_size > 0  # the write is in the WAL, which is still there
        assert {p.name: oct(mode(p)) for p in db_files(path)} == {
            p.name: "0o600" for p in db_files(path)
        }
        assert oct(mode(tmp_path / "var")) == oct(mode(path.parent)) == "0o700"
    finally:
        await engine.dispose()


@pytest.mark.usefixtures("usual_umask")
async def test_an_operators_folder_is_left_alone_but_old_world_readable_files_are_tightened(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "var"
    folder.mkdir(mode=0o755)
    path = folder / "helpline.db"
    # a database from before: made with the umask, 0644, its WAL and SHM there too
    before = sqlite3.connect(path)
    before.execute("PRAGMA journal_mode=WAL")
    before.execute("CREATE TABLE t (x)")
    before.execute("INSERT INTO t VALUES (1)")
    before.commit()
    assert all(mode(p) == 0o644 for p in db_files(path))
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate(engine)
        await write_one_message(engine)
        assert {p.name: oct(mode(p)) for p in db_files(path)} == {
            p.name: "0o600" for p in db_files(path)
        }
        assert oct(mode(folder)) == "0o755"  # not ours to change
    finally:
        await engine.dispose()
        before.close()


async def test_every_connection_overwrites_deleted_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Debian's SQLite is built with SECURE_DELETE on, python.org's and many others are not:
    # start every connection from the off default, so only the engine's own PRAGMA counts
    connect = sqlite3.connect

    def built_without_secure_delete(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)
        connection.execute("PRAGMA secure_delete=OFF")
        return connection

    monkeypatch.setattr(sqlite3, "connect", built_without_secure_delete)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/helpline.db")
    try:
        await migrate(engine)
        async with session_factory(engine)() as session:
            assert (await session.execute(text("PRAGMA secure_delete"))).scalar() == 1
    finally:
        await engine.dispose()


def test_a_postgresql_url_touches_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    engine = create_engine("postgresql+asyncpg://helpline:secret@127.0.0.1:1/helpline")
    assert engine.dialect.name == "postgresql"
    assert list(tmp_path.iterdir()) == []
