"""A throwaway PostgreSQL cluster for the benchmarks (tests/postgres_helpers.py, as the tests'
`postgres` fixture starts one), with room for many workers' connections."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # imported before the benches' own
from tests.postgres_helpers import Postgres


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """A cluster on a free loopback port; yields its base URL (no database name)."""
    cluster = Postgres(prefix="helpline-bench-pg-", settings=("max_connections=200",))
    cluster.start()
    try:
        yield cluster.base_url
    finally:
        cluster.stop()


async def create_database(base_url: str, name: str) -> str:
    """A new empty database in the cluster; returns its SQLAlchemy URL."""
    server = base_url.replace("postgresql+asyncpg", "postgresql")
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    return f"{base_url}/{name}"
