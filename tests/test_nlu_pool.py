"""Several NLU servers behind one parser (nlu/pool.py): the spread, a failing server set aside and
tried again after the pause, and the same error as one server when none answers. Small fake Rasa
servers on loopback stand in for the real ones; one test runs two real Rasa servers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from enum import StrEnum
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import open_helpline
from bot.settings import Settings
from nlu.client import NLUUnavailable
from nlu.pool import NLUPool
from nlu.rasa import RasaServer, auth_token, model_path
from tests.conftest import free_port
from tests.engine_helpers import CATALOGUE, make_engine, say

TEXT = "mon code secret est 4242"  # must never reach the logs


class Mode(StrEnum):
    OK = "ok"
    ERROR = "error"  # HTTP 500
    HANG = "hang"  # answers only when released
    HOLD = "hold"  # like HANG, for parses the test releases itself


class FakeRasa:
    """A loopback server answering Rasa's `POST /model/parse` as the test tells it."""

    def __init__(self, intent: str = "greet") -> None:
        self.intent = intent
        self.mode = Mode.OK
        self.hits = 0
        self.tokens: set[str] = set()
        self.release = asyncio.Event()
        self.arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _parse(self, request: web.Request) -> web.Response:
        self.hits += 1
        self.tokens.add(request.query.get("token", ""))
        async with self.arrived:
            self.arrived.notify_all()
        if self.mode is Mode.ERROR:
            return web.json_response({"status": "failure"}, status=500)
        if self.mode in (Mode.HANG, Mode.HOLD):
            await self.release.wait()
        body = await request.json()
        intent = {"name": self.intent, "confidence": 0.93}
        return web.json_response(
            {"text": body["text"], "intent": intent, "intent_ranking": [intent]}
        )

    async def wait_hits(self, hits: int) -> None:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: self.hits >= hits), timeout=5)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/model/parse", self._parse)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


Fakes = Callable[[int], Awaitable[list[FakeRasa]]]


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    started: list[FakeRasa] = []

    async def make(count: int) -> list[FakeRasa]:
        servers = [FakeRasa(intent=f"intent_{i}") for i in range(count)]
        for server in servers:
            await server.start()
        started.extend(servers)
        return servers

    yield make
    for server in started:
        await server.stop()


def refused() -> str:
    """A loopback URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


async def test_parses_take_turns_over_the_servers(fakes: Fakes) -> None:
    servers = await fakes(3)
    async with NLUPool([s.url for s in servers], token="tok") as pool:
        intents = [(await pool.parse(TEXT)).intent for _ in range(6)]
    assert intents == ["intent_0", "intent_1", "intent_2"] * 2
    assert [s.hits for s in servers] == [2, 2, 2]
    assert [s.parses for s in pool.servers] == [2, 2, 2]
    assert {t for s in servers for t in s.tokens} == {"tok"}


async def test_a_parse_goes_to_the_server_with_the_fewest_in_flight(fakes: Fakes) -> None:
    busy, free = await fakes(2)
    busy.mode = Mode.HOLD
    async with NLUPool([busy.url, free.url], timeout=5) as pool:
        waiting = asyncio.create_task(pool.parse(TEXT))
        await busy.wait_hits(1)
        intents = [(await pool.parse(TEXT)).intent for _ in range(4)]
        assert intents == ["intent_1"] * 4 and busy.hits == 1
        busy.release.set()
        assert (await waiting).intent == "intent_0"


@pytest.mark.parametrize("failure", ["refused", "error", "hang"])
async def test_a_failing_server_is_skipped_and_the_parse_tried_on_another(
    fakes: Fakes, failure: str, caplog: pytest.LogCaptureFixture
) -> None:
    bad, good = await fakes(2)
    if failure == "refused":
        await bad.stop()
        bad.url = refused()
    else:
        bad.mode = Mode.ERROR if failure == "error" else Mode.HANG
    caplog.set_level(logging.INFO, logger="nlu.pool")
    async with NLUPool([bad.url, good.url], timeout=0.3) as pool:
        # the first parse goes to `bad` (the first in turn), fails, and is answered by `good`
        intents = [(await asyncio.wait_for(pool.parse(TEXT), 5)).intent for _ in range(5)]
        assert intents == ["intent_1"] * 5
        assert not pool.servers[0].up and pool.servers[1].up
    assert bad.hits == (0 if failure == "refused" else 1)
    assert good.hits == 5
    assert f"NLU server {bad.url} down" in caplog.text
    assert TEXT not in caplog.text and "4242" not in caplog.text


async def test_a_server_is_tried_again_after_the_pause(
    fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    flaky, steady = await fakes(2)
    flaky.mode = Mode.ERROR
    clock = Clock()
    caplog.set_level(logging.INFO, logger="nlu.pool")
    urls = [flaky.url, steady.url]
    async with NLUPool(urls, retry_seconds=10, clock=clock) as pool:
        await pool.parse(TEXT)
        assert flaky.hits == 1
        flaky.mode = Mode.OK
        clock.now += 9.9
        for _ in range(4):
            await pool.parse(TEXT)
        assert flaky.hits == 1  # still within the pause: skipped

        clock.now += 0.2
        intents = [(await pool.parse(TEXT)).intent for _ in range(4)]
        assert sorted(intents) == ["intent_0", "intent_0", "intent_1", "intent_1"]
        assert pool.servers[0].up
    assert f"NLU server {flaky.url} up again" in caplog.text


async def test_a_server_failing_again_after_the_pause_waits_another(fakes: Fakes) -> None:
    flaky, steady = await fakes(2)
    flaky.mode = Mode.ERROR
    clock = Clock()
    async with NLUPool([flaky.url, steady.url], retry_seconds=10, clock=clock) as pool:
        await pool.parse(TEXT)
        clock.now += 10
        # one of the next two parses tries it, fails over to `steady`, and both are answered
        intents = [(await pool.parse(TEXT)).intent for _ in range(2)]
        assert intents == ["intent_1", "intent_1"] and flaky.hits == 2
        clock.now += 9.9
        for _ in range(4):
            await pool.parse(TEXT)
        assert flaky.hits == 2 and not pool.servers[0].up


async def test_only_one_parse_at_a_time_tries_a_server_again(fakes: Fakes) -> None:
    flaky, steady = await fakes(2)
    flaky.mode = Mode.ERROR
    clock = Clock()
    urls = [flaky.url, steady.url]
    async with NLUPool(urls, timeout=0.3, retry_seconds=10, clock=clock) as pool:
        await pool.parse(TEXT)
        flaky.mode = Mode.HANG
        clock.now += 10
        results = await asyncio.wait_for(asyncio.gather(*(pool.parse(TEXT) for _ in range(4))), 5)
    assert [r.intent for r in results] == ["intent_1"] * 4
    assert flaky.hits == 2  # the first failure, then a single trial


async def test_every_server_down_raises_nlu_unavailable(fakes: Fakes) -> None:
    (broken,) = await fakes(1)
    broken.mode = Mode.ERROR
    clock = Clock()
    async with NLUPool([refused(), broken.url], timeout=0.5, clock=clock) as pool:
        for _ in range(3):  # also once both are marked down
            with pytest.raises(NLUUnavailable):
                await asyncio.wait_for(pool.parse(TEXT), 5)
            clock.now += 1
        assert not any(server.up for server in pool.servers)
    # both on the first parse; then the one down the longest, one each time
    assert broken.hits == 2


async def test_one_server_back_from_a_blip_answers_at_once(fakes: Fakes) -> None:
    """RASA_URL alone behaves as before the pool: one failure costs one turn, not the pause."""
    (server,) = await fakes(1)
    server.mode = Mode.ERROR
    async with NLUPool([server.url], retry_seconds=10, clock=Clock()) as pool:
        with pytest.raises(NLUUnavailable):
            await pool.parse(TEXT)
        server.mode = Mode.OK
        assert (await pool.parse(TEXT)).intent == "intent_0"
        assert pool.servers[0].up


async def test_a_blank_text_needs_no_server() -> None:
    async with NLUPool([refused()]) as pool:
        result = await pool.parse("   ")
    assert result.fell_back and result.confidence == 0.0


def test_rasa_urls_replace_rasa_url_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RASA_URLS", raising=False)
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:5005")
    assert Settings(_env_file=None).nlu_urls() == ["http://127.0.0.1:5005"]
    monkeypatch.setenv("RASA_URLS", " http://127.0.0.1:5005, http://127.0.0.1:5006 ,")
    settings = Settings(_env_file=None)
    assert settings.nlu_urls() == ["http://127.0.0.1:5005", "http://127.0.0.1:5006"]
    assert settings.rasa_retry_seconds == 10.0


async def test_the_helpline_parses_over_every_server_of_rasa_urls(
    fakes: Fakes, tmp_path: Path
) -> None:
    servers = await fakes(2)
    settings = Settings(
        _env_file=None,
        rasa_urls=",".join(s.url for s in servers),
        rasa_token="tok",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
    )
    async with open_helpline(settings, console=True) as helpline:
        nlu = helpline.engine.nlu
        assert isinstance(nlu, NLUPool)
        for _ in range(2):
            await nlu.parse(TEXT)
    assert [s.hits for s in servers] == [1, 1]


async def test_the_patient_is_answered_while_a_server_is_down_and_offered_the_menu_when_all_are(
    fakes: Fakes, sessions: async_sessionmaker[AsyncSession]
) -> None:
    down, up = await fakes(2)
    down.mode = Mode.ERROR
    up.intent = "file_complaint"
    async with NLUPool([down.url, up.url], timeout=0.5, clock=Clock()) as pool:
        engine = make_engine(pool, sessions)[0]
        turn = await say(engine, "je veux porter plainte")
        assert turn.replies[-1].text == CATALOGUE.answer("file_complaint", "fr").text
        up.mode = Mode.ERROR
        turn = await say(engine, "et pour la CNIL ?")
    reply = turn.replies[-1]
    assert reply.text == CATALOGUE.phrase("nlu_down", "fr")
    assert "person" in {b.data for b in reply.buttons}
    assert (down.hits, up.hits) == (1, 2)


@pytest.mark.rasa
async def test_parsing_goes_on_when_one_of_two_real_servers_stops(
    rasa_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Two real Rasa servers (the session's and one started here); the one started here is
    stopped while parses are under way: none fails, the other answers them all."""
    token = auth_token()
    caplog.set_level(logging.INFO, logger="nlu.pool")
    with (tmp_path / "rasa.log").open("wb") as log:
        second = RasaServer(model_path(), port=free_port(), token=token, log=log)
        second.start()
        try:
            await asyncio.to_thread(second.wait_ready)
            async with NLUPool([rasa_url, second.url], timeout=10, token=token) as pool:
                first, other = pool.servers
                for _ in range(6):
                    assert (await pool.parse("bonjour")).intent == "greet"
                assert (first.parses, other.parses) == (3, 3)

                stopped = asyncio.Event()

                async def keep_parsing() -> list[str]:
                    intents = []
                    while not stopped.is_set():
                        intents.append((await pool.parse("bonjour")).intent)
                    for _ in range(5):  # and on, once it is gone
                        intents.append((await pool.parse("bonjour")).intent)
                    return intents

                workers = [asyncio.create_task(keep_parsing()) for _ in range(4)]
                await asyncio.to_thread(second.stop)
                stopped.set()
                results = await asyncio.gather(*workers)
                answered_by_the_other = other.parses
                for _ in range(6):
                    assert (await pool.parse("je veux porter plainte")).intent == "file_complaint"
        finally:
            second.stop()
    assert {intent for intents in results for intent in intents} == {"greet"}
    assert not other.up and other.parses == answered_by_the_other
    assert first.up
    assert f"NLU server {second.url} down" in caplog.text
