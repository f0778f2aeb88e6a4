"""Background jobs across several workers on one PostgreSQL (issue 18, storage/job_locks.py):
each agents' group delivered by one worker, each scheduled job run by one, a dead worker's work
taken over and nothing sent twice. Two workers in one process: each its own engine and pool."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.deliveries import to_rows
from bot.replies import Reply
from bot.schedule import Every
from bot.telegram.group_lanes import GroupLanes
from bot.telegram.sending import Resender
from review.auth import LoginThrottle
from review.web import create_app
from storage.db import create_engine, migrate, session_factory
from storage.deliveries import DeliveryRepository
from storage.job_locks import WorkerLocks
from storage.models import GroupPost, PatientDelivery
from tests.cluster_jobs_helpers import (
    GROUP,
    RecordingBot,
    Worker,
    announce,
    terminate_holder,
    until,
    worker,
)
from tests.review_helpers import add_accounts, login, review_config

RETRY = 0.05  # seconds: the lanes' retry, short so that a takeover is quick to see
LANE = f"outbox:{GROUP}"


def lanes(w: Worker, **kwargs: Any) -> GroupLanes:
    h = w.helpline
    return GroupLanes(
        h.escalations,
        h.sessions,
        written=h.agents_outbox_written,
        locks=w.locks,
        retry=RETRY,
        **kwargs,
    )


async def outbox_left(w: Worker) -> int:
    async with w.helpline.sessions() as session:
        return len((await session.scalars(select(GroupPost.id))).all())


async def test_two_workers_one_group_one_delivers_and_the_outbox_drains_once(
    database_url: str,
) -> None:
    sent: list[tuple[int, str]] = []
    texts = [f"announce {i}" for i in range(12)]
    async with worker(database_url) as one, worker(database_url) as two:
        await announce(one.helpline, texts)
        first, second = lanes(one), lanes(two)
        await first.start(RecordingBot(sent))  # type: ignore[arg-type]
        await second.start(RecordingBot(sent))  # type: ignore[arg-type]
        try:
            await until(lambda: len(sent) >= len(texts))
            await announce(two.helpline, ["one more"])
            second.wake()
            first.wake()
            await until(lambda: len(sent) >= len(texts) + 1)
            assert await outbox_left(one) == 0
        finally:
            await first.stop()
            await second.stop()
    assert [text for _, text in sent] == [*texts, "one more"]  # each once, in order
    assert sorted([first.delivered, second.delivered]) == [0, len(texts) + 1]


async def test_the_other_worker_takes_over_when_the_holder_dies(database_url: str) -> None:
    sent: list[tuple[int, str]] = []
    async with worker(database_url) as one, worker(database_url) as two:
        first = lanes(one)
        await first.start(RecordingBot(sent))  # type: ignore[arg-type]
        await until(lambda: one.locks.holds(LANE))  # the first worker delivers the group
        second = lanes(two)
        await second.start(RecordingBot(sent))  # type: ignore[arg-type]
        await announce(one.helpline, ["before"])
        await until(lambda: first.delivered == 1)  # sent and deleted
        # the holder dies: its tasks end, its connections close with the process
        for lane in first.lanes:
            assert lane._task is not None
            lane._task.cancel()
        await one.locks.close()
        await announce(two.helpline, ["after 1", "after 2"])  # no wake: the retry finds them
        try:
            await until(lambda: len(sent) == 3, seconds=5)
        finally:
            await second.stop()
            await first.stop()
        assert await outbox_left(two) == 0
    assert [text for _, text in sent] == ["before", "after 1", "after 2"]
    assert second.delivered == 2


async def test_a_holder_cut_from_postgresql_mid_send_stops_and_nothing_goes_twice(
    database_url: str,
) -> None:
    """Its lock's backend is terminated while Telegram has its row: the worker taking over
    waits for that send (the row's claim) instead of sending it again; the old holder finishes
    it, deletes it, finds its lock gone and delivers nothing more."""
    sent: list[tuple[int, str]] = []
    gate = asyncio.Event()
    slow = RecordingBot(sent, gate=gate)
    async with worker(database_url) as one, worker(database_url) as two:
        await announce(one.helpline, ["first", "second", "third"])
        first = lanes(one)
        await first.start(slow)  # type: ignore[arg-type]
        await until(lambda: slow.sending.is_set())  # "first" is in Telegram's hands
        second = lanes(two)
        await second.start(RecordingBot(sent))  # type: ignore[arg-type]
        assert await terminate_holder(database_url, LANE) == 1
        try:
            await until(lambda: two.locks.holds(LANE))  # taken over
            await until(lambda: second.lanes[0].held_off >= 3)  # ...and waiting for the claim
            assert sent == []
            gate.set()  # Telegram answers the old holder
            await until(lambda: len(sent) == 3)
            assert await outbox_left(two) == 0
        finally:
            await first.stop()
            await second.stop()
    assert [text for _, text in sent] == ["first", "second", "third"]
    assert (first.delivered, second.delivered) == (1, 2)
    assert not one.locks.holds(LANE)


async def test_a_scheduled_job_runs_in_one_worker_then_in_the_other_when_it_dies(
    database_url: str,
) -> None:
    ran: list[str] = []
    async with worker(database_url) as one, worker(database_url) as two:

        def job(name: str) -> Any:
            async def run() -> None:
                ran.append(name)

            return run

        first = Every(0.01, job("one"), "reminders", at_start=True, locks=one.locks)
        second = Every(0.01, job("two"), "reminders", at_start=True, locks=two.locks)
        await first.start()
        await until(lambda: len(ran) >= 1)
        await second.start()
        try:
            await until(lambda: len(ran) >= 30)
            assert set(ran) == {"one"} and second.runs == 0
            await first.stop()  # this worker stops (or dies): its lock goes with it
            await until(lambda: "two" in ran, seconds=5)
        finally:
            await first.stop()
            await second.stop()
    assert ran[: ran.index("two")] == ["one"] * ran.index("two")
    assert set(ran[ran.index("two") :]) == {"two"}


async def test_a_starting_worker_resends_a_dead_workers_replies_not_a_live_ones(
    database_url: str,
) -> None:
    async def owe(w: Worker, text: str) -> None:
        async with w.helpline.sessions() as session, session.begin():
            await DeliveryRepository(session).add("telegram", "42", to_rows([Reply(text)]))

    sent: list[tuple[int, str]] = []
    now = [0.0]
    async with worker(database_url) as live:
        await owe(live, "the live worker's, being sent")
        async with worker(database_url) as dead:
            await owe(dead, "the dead worker's")
        async with worker(database_url) as starting:
            h = starting.helpline
            resender = Resender(h.engine, h.deliveries, starting.locks, clock=lambda: now[0])
            bot = RecordingBot(sent)
            assert await resender.adopt(bot) == 0  # dead for a moment only, so far
            now[0] += resender.after
            assert await resender.adopt(bot) == 1
            assert await resender.adopt(bot) == 0
            await h.deliveries.flush()
            async with h.sessions() as session:
                left = (await session.scalars(select(PatientDelivery))).all()
    assert sent == [(42, "the dead worker's")]
    assert [(row.items[0]["text"], row.worker) for row in left] == [
        ("the live worker's, being sent", live.locks.worker_id)
    ]


async def test_on_sqlite_every_lock_is_granted_at_once(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/helpline.db")
    await migrate(engine)
    locks = WorkerLocks(engine)
    await locks.start()
    try:
        assert await locks.take(LANE) and await locks.take("job:reminders")
        assert await locks.live_workers() == {locks.worker_id}
    finally:
        await locks.close()
        await engine.dispose()


@pytest.mark.usefixtures("cheap_password_hashing")
async def test_the_login_throttle_is_shared_by_two_review_processes_on_postgresql(
    database_url: str,
) -> None:
    """Two `helpline review` processes (two apps, two engines): failures at one count at the
    other, also when they come at once."""
    engines = [create_engine(database_url) for _ in range(2)]
    await migrate(engines[0])
    sessions = [session_factory(engine) for engine in engines]
    await add_accounts(sessions[0])
    apps = [create_app(s, review_config(), LoginThrottle(3, 12, 600)) for s in sessions]
    try:
        async with TestClient(TestServer(apps[0])) as one, TestClient(TestServer(apps[1])) as two:
            clients = [one, two] * 4
            statuses = await asyncio.gather(
                *(login(client, "rita", "wrong password!") for client in clients)
            )
            failed = Counter(s.status for s in statuses)[401]
            assert failed <= 3  # at once, they may also see each other and all be refused
            for client in clients:  # one by one: the limit is reached, never passed
                failed += (await login(client, "rita", "wrong again!")).status == 401
            assert failed == 3
            assert (await login(two, "rita")).status == 429
            assert (await login(one, "rita")).status == 429
            assert (await login(one, "sam")).status == 303
    finally:
        for engine in engines:
            await engine.dispose()
