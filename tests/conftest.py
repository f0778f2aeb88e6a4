"""Shared fixtures: the real Rasa server with the trained model (started once per test session),
a keyword parser in its place, a fresh database, the Bot API emulator, the real bot polling it,
and a throwaway PostgreSQL cluster. Helpers that are not fixtures live in `tests/*_helpers.py`;
test modules never import one another.

Every test that uses the real server, through `rasa_url` (directly or through another fixture),
is marked `rasa` here at collection, so `pytest -m "not rasa"` can never start it; the tests that
need Rasa in another way (its CLI, a model file) carry the marker themselves.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from itertools import count
from pathlib import Path

import asyncpg
import pytest
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import open_helpline
from nlu import rasa
from nlu.client import NLUClient
from review import auth
from storage.db import create_engine, migrate, session_factory
from tests.agents_helpers import AGENT, AGENTS, agents_settings
from tests.fake_parser import RULES, KeywordParser
from tests.postgres_helpers import Postgres, free_port
from tests.reaper_helpers import forget, kill_group_later
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import RunningBot, settings_for, start_bot


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "rasa_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.rasa)


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
        assert server.pid is not None
        reaper = kill_group_later(server.pid)  # should pytest itself be killed
        yield server.url
    forget(reaper)


@pytest.fixture
async def nlu(rasa_url: str) -> AsyncIterator[NLUClient]:
    """The real NLU client on the real server: for the tests of what the model reads."""
    async with NLUClient(rasa_url, token=rasa.auth_token()) as client:
        yield client


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The review workspace's argon2id at its lowest cost in tests: the same code and checks,
    without 0.14 s of CPU per hash (a third of the fast tests' time). Production keeps the
    library's recommended parameters (review/auth.py)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", cheap)
    monkeypatch.setattr(auth, "_DUMMY_HASH", cheap.hash("not a password"))


@pytest.fixture
def fake_nlu() -> KeywordParser:
    """The engine's parser from keywords (tests/fake_parser.py): for the tests that only need
    "this message is intent X"."""
    return KeywordParser(RULES)


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a fresh SQLite file under var/, migrated like at start-up."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/var/helpline.db")
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    """The Bot API emulator on loopback (tests/telegram_emulator.py), started and stopped."""
    emulator = BotAPIEmulator()
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def running(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    """The real bot, polling the emulator, on a fresh SQLite file and the real NLU server."""
    async with open_helpline(settings_for(emulator, rasa_url, tmp_path / "bot.db")) as helpline:
        running = await start_bot(emulator, helpline)
        yield running
        await running.stop()


@pytest.fixture
async def running_with_agents(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    """The real bot as above, with an agents' forum group where AGENT is a member."""
    emulator.set_member(AGENTS, AGENT, "member")
    settings = agents_settings(emulator, rasa_url, tmp_path / "bot.db")
    async with open_helpline(settings) as helpline:
        running = await start_bot(emulator, helpline)
        yield running
        await running.stop()


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A PostgreSQL cluster on a free loopback port (tests/postgres_helpers.py); yields its base
    URL (no database name)."""
    cluster = Postgres()
    cluster.start()
    try:
        yield cluster.base_url
    finally:
        cluster.stop()


_databases = count(1)


@pytest.fixture
async def database_url(postgres: str) -> AsyncIterator[str]:
    """A fresh, empty database for one test."""
    name = f"helpline_{next(_databases)}"
    admin = await asyncpg.connect(
        postgres.replace("postgresql+asyncpg", "postgresql") + "/postgres"
    )
    await admin.execute(f"CREATE DATABASE {name}")
    await admin.close()
    yield f"{postgres}/{name}"
