"""Shared fixtures: the real Rasa server with the trained model, started once per test session."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nlu import rasa
from storage.db import create_engine, migrate, session_factory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def rasa_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real Rasa server serving the model trained from the current data and config.

    HELPLINE_TEST_RASA_URL reuses a server already running (faster local iterations).
    """
    if url := os.environ.get("HELPLINE_TEST_RASA_URL"):
        yield url
        return
    model = rasa.model_path()
    if not model.exists():
        pytest.fail(f"no model for the current data at {model}: run `make test` (it trains first)")
    log_path: Path = tmp_path_factory.mktemp("rasa") / "rasa.log"
    with log_path.open("wb") as log, rasa.RasaServer(model, port=free_port(), log=log) as server:
        yield server.url


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a fresh SQLite file under var/, migrated like at start-up."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/var/helpline.db")
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()
