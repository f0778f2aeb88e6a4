"""Two webhook workers on one PostgreSQL database (issue 18.1): whichever worker Telegram's posts
reach, each update is handled once (a dead worker's taken over), each patient's updates in
update_id order, a flood throttled as in one worker, and a worker cut from the database goes
on. Each worker has its own helpline (engine, pool), dispatcher (middlewares) and bot
(tests/cluster_inbound_helpers.py), on the Bot API emulator, with the keyword parser."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import asyncpg
import pytest

from nlu.client import ParseResult
from storage.workers import is_alive
from tests.cluster_inbound_helpers import (
    PATIENT,
    kill_liveness,
    stored,
    two_workers,
    until,
    worker_settings,
)
from tests.fake_parser import KeywordParser
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import plain

SEED = 7


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


async def test_an_update_handled_by_one_worker_is_dropped_when_redelivered_to_the_other(
    emulator: BotAPIEmulator, rasa_url: str, database_url: str, fake_nlu: KeywordParser
) -> None:
    settings = worker_settings(emulator, rasa_url, database_url)
    async with two_workers(settings, fake_nlu) as (one, two):
        await two.post(emulator.push_text(PATIENT + 1, "bonjour"))  # the second one is running
        update = emulator.push_text(PATIENT, "bonjour")
        await one.post(update)
        answers = await stored(one, "out")
        await two.post(dict(update))  # Telegram got no 200 from the first: it posts again
        assert await stored(two) == ["bonjour"]
        assert answers and await stored(two, "out") == answers


class Hanging:
    """An NLU server that never answers: the turn stays in flight."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()

    async def parse(self, text: str) -> ParseResult:
        self.asked.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_a_dead_workers_update_in_flight_is_handled_by_the_other_on_redelivery(
    emulator: BotAPIEmulator, rasa_url: str, database_url: str, fake_nlu: KeywordParser
) -> None:
    settings = worker_settings(emulator, rasa_url, database_url)
    async with two_workers(settings, fake_nlu) as (one, two):
        one.helpline.engine.nlu = hanging = Hanging()
        update = emulator.push_text(PATIENT, "bonjour")
        in_flight = asyncio.create_task(one.post(update))
        async with asyncio.timeout(10):
            await hanging.asked.wait()
        # Telegram's retry while the first worker is alive and at it: answered, not handled
        await two.post(dict(update))
        assert await stored(two) == [] and await stored(two, "out") == []
        await kill_liveness(one.worker)  # killed -9 mid-turn: its turn never committed
        await two.post(dict(update))  # the next retry: the other worker handles it
        assert await stored(two) == ["bonjour"]
        answers = await stored(two, "out")
        assert answers
        await two.post(dict(update))  # and once only
        assert await stored(two) == ["bonjour"] and await stored(two, "out") == answers
        in_flight.cancel()
        await asyncio.gather(in_flight, return_exceptions=True)


async def test_a_patients_updates_split_across_workers_are_handled_in_update_id_order(
    emulator: BotAPIEmulator, rasa_url: str, database_url: str, fake_nlu: KeywordParser
) -> None:
    settings = worker_settings(emulator, rasa_url, database_url, throttle_messages=100)
    async with two_workers(settings, fake_nlu) as (one, two):
        await one.post(emulator.push_text(PATIENT, "bonjour"))
        texts = [f"message {n}" for n in range(10)]
        updates = [emulator.push_text(PATIENT, text) for text in texts]
        order = list(range(len(updates)))
        random.Random(SEED).shuffle(order)
        # Telegram's posts all at once, in any order, half to each worker
        await asyncio.gather(*((one, two)[n % 2].post(updates[n]) for n in order))
        assert await stored(one) == ["bonjour", *texts]


async def test_a_flood_split_across_workers_is_throttled_as_in_one(
    emulator: BotAPIEmulator, rasa_url: str, database_url: str, fake_nlu: KeywordParser
) -> None:
    settings = worker_settings(
        emulator, rasa_url, database_url, throttle_messages=6, throttle_seconds=5.0
    )
    async with two_workers(settings, fake_nlu) as (one, two):
        workers = (one, two)
        slow_down = one.helpline.engine.catalogue.phrase("slow_down", "fr")
        texts = [f"question {n}" for n in range(10)]
        for n, text in enumerate(texts[:6]):  # the window's six, every other one on each
            await workers[n % 2].post(emulator.push_text(PATIENT, text))
        answered = len(await stored(one, "out"))
        for n, text in enumerate(texts[6:]):
            await workers[n % 2].post(emulator.push_text(PATIENT, text))
        assert (await stored(one, "out"))[answered:] == [slow_down]  # once, nothing else
        assert await stored(one) == texts  # nothing lost

        # once the window has room, the flood's last text is answered, by one worker only
        async def last_answered() -> bool:
            return len(await stored(one, "out")) > answered + 1

        await until(last_answered, 20, "the flood's last text answered")

        async def settled() -> bool:
            return not one.throttle.later and not two.throttle.later

        await until(settled, 20, "the answers waiting for the window")
        after = (await stored(one, "out"))[answered + 1 :]
        assert after and slow_down not in after
        # its answer counted in the window once: six, then one, whichever worker answered
        admitted = await one.rows("SELECT count(*) FROM inbound_throttle WHERE admitted")
        assert admitted == [(7,)]


async def terminate_backends(database_url: str) -> int:
    """What a PostgreSQL restart does to the workers: every connection to the database cut."""
    admin = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return int(
            await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await admin.close()


async def test_a_worker_cut_from_the_database_connects_again_and_goes_on(
    emulator: BotAPIEmulator, rasa_url: str, database_url: str, fake_nlu: KeywordParser
) -> None:
    settings = worker_settings(emulator, rasa_url, database_url)
    async with two_workers(settings, fake_nlu) as (one, two):
        await one.post(emulator.push_text(PATIENT, "bonjour"))
        await two.post(emulator.push_text(PATIENT + 1, "bonjour"))
        await one.settle()  # nothing in the background meets the cut connections first
        await two.settle()
        assert await terminate_backends(database_url) >= 2  # the pools' and the liveness'
        await one.post(emulator.push_text(PATIENT, "je veux porter plainte"))
        await two.post(emulator.push_text(PATIENT + 1, "je veux porter plainte"))
        failed = plain(one.helpline.engine.catalogue.phrase("something_failed", "fr"))
        for chat in (PATIENT, PATIENT + 1):  # not "something failed" (sent at once if so)
            assert failed not in [m["text"] for m in emulator.sent(chat)]
            assert await stored(one, "in", chat) == ["bonjour", "je veux porter plainte"]

        # each worker holds its liveness lock again, on a new connection
        async def locks_taken_again() -> bool:
            return one.worker.reconnected > 0 and two.worker.reconnected > 0

        await until(locks_taken_again, 20, "the liveness locks taken again")
        async with two.helpline.sessions() as session:
            assert await is_alive(await session.connection(), one.worker.id)
