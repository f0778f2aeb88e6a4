"""Telegram's bot-wide limit across workers (bot/telegram/send_budget.py): two SendQueues, two
"workers", sharing one budget on PostgreSQL, send to a fake Telegram. The pacing is real time
(the budget runs on the database's clock), at rates that keep each test to a few seconds."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from itertools import pairwise
from typing import Any

import pytest

from bot.settings import Settings
from bot.telegram import gate_slots, send_queue
from bot.telegram.gate_slots import FALLBACK_SHARE, SLOTS_AHEAD
from bot.telegram.send_budget import SendBudget
from bot.telegram.send_queue import SendQueue
from storage.db import create_engine, migrate
from tests.postgres_helpers import free_port
from tests.send_budget_helpers import (
    FakeTelegram,
    FlakyBudget,
    Worker,
    count_statements,
    shared_workers,
)

RATE = 20.0  # messages a second, both workers together
INTERVAL = 1 / RATE


@pytest.fixture
async def budget_url(database_url: str) -> str:
    engine = create_engine(database_url)
    await migrate(engine)
    await engine.dispose()
    return database_url


@pytest.fixture
async def workers(budget_url: str) -> AsyncIterator[tuple[FakeTelegram, Worker, Worker]]:
    """Two workers (each its own queue and budget connections) and the Telegram they share."""
    async with shared_workers(budget_url, RATE) as shared:
        yield shared


async def test_two_workers_together_stay_under_the_global_rate(
    workers: tuple[FakeTelegram, Worker, Worker],
) -> None:
    telegram, a, b = workers
    for n in range(20):  # each worker alone could send its 20 within the second
        a.reply(1000 + n, f"a{n}")
        b.reply(2000 + n, f"b{n}")
    await telegram.until(lambda: len(telegram.sent) == 40)
    assert telegram.most_in_any(1.0) <= RATE + 1  # one at each end of a window, at most
    span = telegram.sent[-1].at - telegram.sent[0].at
    assert span >= 39 * INTERVAL * 0.9
    assert sorted(telegram.texts()) == sorted(
        [f"a{n}" for n in range(20)] + [f"b{n}" for n in range(20)]
    )


async def test_a_burst_beyond_the_rate_is_queued_never_dropped_nor_refused(
    workers: tuple[FakeTelegram, Worker, Worker],
) -> None:
    telegram, a, b = workers
    telegram.limit = (int(RATE) + 1, 1.0, 1)  # Telegram refuses (429) beyond the rate
    expected = []
    for n in range(30):  # 60 at once: three seconds of the budget
        for worker in (a, b):
            text = f"{worker.name}{n}"
            worker.reply(3000 + len(expected), text)
            expected.append(text)
    await telegram.until(lambda: len(telegram.sent) == len(expected))
    assert sorted(telegram.texts()) == sorted(expected)  # each once
    assert telegram.refusals == 0


async def test_a_refusal_in_one_worker_pauses_the_other_too(
    workers: tuple[FakeTelegram, Worker, Worker],
) -> None:
    """A 429 still waits its retry_after and goes again, and no worker sends meanwhile."""
    telegram, a, b = workers
    telegram.refuse_next = 1  # retry_after 1 s
    a.reply(4000, "refused first")
    await telegram.until(lambda: telegram.refusals == 1)
    for n in range(5):
        b.reply(4100 + n, f"b{n}")
    await telegram.until(lambda: len(telegram.sent) == 6)
    assert telegram.texts()[0] == "refused first"  # it goes first when the wait is over
    assert all(s.at - telegram.refused_at[0] >= 0.95 for s in telegram.sent)
    assert telegram.most_in_any(1.0) <= RATE + 1  # and the others follow at the rate


async def test_arrival_order_is_kept_in_each_worker_and_the_workers_take_turns(
    workers: tuple[FakeTelegram, Worker, Worker],
) -> None:
    """Each worker's pacer holds SLOTS_AHEAD slots at the gate at most: a worker with a long
    line does not hold back another's, which goes once those slots are past."""
    telegram, a, b = workers
    for n in range(16):  # worker a's line first...
        a.reply(5000 + n, f"a{n}")
    await telegram.until(lambda: len(telegram.sent) >= 1)
    queued_at = time.monotonic()
    for n in range(8):  # ...then worker b's
        b.reply(6000 + n, f"b{n}")
    await telegram.until(lambda: len(telegram.sent) == 24)
    order = telegram.texts()
    assert [t for t in order if t[0] == "a"] == [f"a{n}" for n in range(16)]
    assert [t for t in order if t[0] == "b"] == [f"b{n}" for n in range(8)]
    # a's slots held ahead, then b's own
    assert telegram.sent_at("b0") - queued_at <= (SLOTS_AHEAD + 1.5) * INTERVAL
    # while both have a line, they take turns (a few slots each: those held ahead)
    b_at = [order.index(f"b{n}") for n in range(8)]
    a_between = [later - earlier - 1 for earlier, later in pairwise(b_at)]
    assert max(a_between) <= SLOTS_AHEAD + 1, order  # a's slots held ahead, at most
    assert order.index("b7") < order.index("a15"), order  # b's line never waited for a's
    assert telegram.most_in_any(1.0) <= RATE + 1


async def test_a_surge_costs_one_statement_per_message_sent(budget_url: str) -> None:
    """The storm of issue 18: every send going ahead (a crisis, the second message of a reply
    begun) used to push back every place already given in the shared line, and each waiting
    place asked the database again and again, until its pool timed out. Now: one slot a
    message, whatever goes ahead."""
    rate = 60.0  # a few seconds of sends
    async with shared_workers(budget_url, rate, typing_after=None) as (telegram, a, b):
        statements = count_statements(a, b)
        for n in range(60):  # 120 replies, half of them two messages, and a few crises
            for chat, worker in ((10_000 + n, a), (20_000 + n, b)):
                if n % 2:
                    worker.reply(chat, f"{chat} notice", f"{chat} answer")
                else:
                    worker.reply(chat, f"{chat} answer")
                if n % 20 == 10:
                    worker.reply(chat, f"{chat} crisis answer", urgent=True)
        expected = 120 + 60 + 6
        await telegram.until(lambda: len(telegram.sent) == expected)
    # one slot per message, plus each budget's check of the gate's row and the slots each
    # still held ahead when its line ran out (or skipped as late: lost time)
    assert len(statements) <= expected + 2 + 2 * SLOTS_AHEAD, len(statements)
    span = telegram.sent[-1].at - telegram.sent[0].at
    gate = 1 / (rate * 0.9)
    assert span <= expected * gate * 1.5  # drained near the gate's rate, not a third of it
    assert telegram.most_in_any(1.0) <= rate + 1


async def test_a_slow_round_trip_to_the_gate_wastes_no_slot(budget_url: str) -> None:
    """In a surge the workers' loops are busy and each slot is asked for late: asked only when
    the previous one came, a third of the gate's slots were past already (20 of 27 a second
    sent). Held ahead (SLOTS_AHEAD), they are all used."""
    rate = 20.0
    async with shared_workers(budget_url, rate, typing_after=None) as (telegram, a, b):
        for worker in (a, b):
            budget = worker.queue.budget
            assert budget is not None
            asked = budget.slot

            async def late(pause: float = 0.0, asked: Any = asked) -> float:
                await asyncio.sleep(3 / rate)  # a busy loop, a slow round trip
                return float(await asked(pause=pause))

            budget.slot = late  # type: ignore[method-assign]
        for n in range(40):
            (a if n % 2 else b).reply(9000 + n, f"m{n}")
        await telegram.until(lambda: len(telegram.sent) == 40, timeout=20)
    span = telegram.sent[-1].at - telegram.sent[0].at
    # the gate: 0.9 of the rate; asked one at a time, 10 a second went
    assert 39 / span >= 0.75 * rate * 0.9, f"{39 / span:.1f}/s"
    assert telegram.most_in_any(1.0) <= rate + 1


async def test_an_unreachable_budget_paces_alone_at_a_share_of_the_rate_warned_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Most likely the other workers still send: this one takes a share of the rate, never all
    of it, and says so once, not once a message."""
    monkeypatch.setattr(gate_slots, "BUDGET_RETRY", 0.1)  # tried again during the test
    caplog.set_level(logging.INFO, logger=send_queue.__name__)
    budget = SendBudget.for_database(f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/x", RATE)
    assert budget is not None
    telegram = FakeTelegram()
    worker = Worker("a", telegram, SendQueue(int(RATE), budget=budget, typing_after=None))
    try:
        for n in range(6):
            worker.reply(9600 + n, f"m{n}")
        await telegram.until(lambda: len(telegram.sent) == 6)
    finally:
        await budget.close()
    assert telegram.texts() == [f"m{n}" for n in range(6)]
    gaps = [b.at - a.at for a, b in pairwise(telegram.sent)]
    assert min(gaps) >= 0.95 / (RATE * FALLBACK_SHARE)
    messages = [r.getMessage() for r in caplog.records if r.name == send_queue.__name__]
    assert len([m for m in messages if "unavailable" in m]) == 1, messages


async def test_a_budget_answering_again_is_shared_again_and_said_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gate_slots, "BUDGET_RETRY", 0.05)
    caplog.set_level(logging.INFO, logger=send_queue.__name__)
    budget = FlakyBudget()
    telegram = FakeTelegram()
    queue = SendQueue(int(RATE), budget=budget, typing_after=None)  # type: ignore[arg-type]
    worker = Worker("a", telegram, queue)
    for n in range(3):
        worker.reply(9700 + n, f"down{n}")
    await telegram.until(lambda: len(telegram.sent) == 3)
    budget.down = False
    for n in range(8):
        worker.reply(9800 + n, f"up{n}")
    await telegram.until(lambda: len(telegram.sent) == 11)
    messages = [r.getMessage() for r in caplog.records if r.name == send_queue.__name__]
    assert len([m for m in messages if "unavailable" in m]) == 1, messages
    assert len([m for m in messages if "answers again" in m]) == 1, messages
    last = telegram.sent[-5:]  # paced by the budget again, at the rate, not a share of it
    assert last[-1].at - last[0].at < 4 / (RATE * FALLBACK_SHARE) * 0.75
    assert budget.asked >= 8


async def test_a_crisis_goes_ahead_of_every_workers_line_within_an_interval(
    workers: tuple[FakeTelegram, Worker, Worker],
) -> None:
    telegram, a, b = workers
    for n in range(20):
        a.reply(7000 + n, f"a{n}")
    for n in range(10):
        b.reply(7100 + n, f"b{n}")
    await telegram.until(lambda: len(telegram.sent) >= 3)
    before = len(telegram.sent)
    b.reply(7200, "crisis answer", "case opened", urgent=True)
    await telegram.until(lambda: len(telegram.sent) == 32)
    order = telegram.texts()
    crisis = order.index("crisis answer")
    # its worker's next slot: behind the few each worker holds ahead at most (counted in
    # sends, not seconds: a loaded machine slows the gate, not the order)
    assert crisis <= before + 2 * SLOTS_AHEAD + 1  # of 32: far ahead of both lines
    # the rest of the reply next in its worker (the other's slots held ahead may come first)
    assert crisis < order.index("case opened") <= crisis + SLOTS_AHEAD + 2
    assert telegram.most_in_any(1.0) <= RATE + 1  # going ahead took no extra slot


async def test_a_crisis_takes_the_chats_earlier_reply_ahead_with_it(
    workers: tuple[FakeTelegram, Worker, Worker],
) -> None:
    telegram, a, b = workers
    for n in range(20):
        a.reply(8000 + n, f"a{n}")
    b.reply(8100, "greeting")  # behind a's line
    await telegram.until(lambda: len(telegram.sent) >= 2)
    before = len(telegram.sent)  # counted as it is queued: a loaded machine looks late
    b.reply(8100, "crisis answer", urgent=True)
    await telegram.until(lambda: len(telegram.sent) == 22)
    order = telegram.texts()
    # ahead of a's line: a few slots held ahead by each worker at most go first
    assert order.index("greeting") < order.index("crisis answer")
    assert order.index("crisis answer") <= before + 2 * SLOTS_AHEAD + 1
    assert before + 2 * SLOTS_AHEAD + 1 < 21  # the bound says something: a's line is longer
    assert telegram.most_in_any(1.0) <= RATE + 1


async def test_a_waiting_patient_sees_typing_until_their_reply_goes(
    workers: tuple[FakeTelegram, Worker, Worker], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(send_queue, "TYPING_EVERY", 0.2)  # Telegram's 4 s, shortened
    telegram, a, b = workers
    for n in range(10):  # half a second of the budget: the last wait past typing_after
        a.reply(9000 + n, f"a{n}")
        b.reply(9100 + n, f"b{n}")
    await telegram.until(lambda: len(telegram.sent) == 20)
    typing = {chat for chat, action, _ in telegram.actions if action == "typing"}
    assert telegram.sent[0].chat_id not in typing  # sent at once: no "typing…"
    assert {s.chat_id for s in telegram.sent[-5:]} <= typing
    last = telegram.sent[-1].chat_id  # waited about a second: shown again and again
    assert sum(chat == last for chat, _, _ in telegram.actions) >= 3
    for chat, _, at in telegram.actions:
        sent = next(s.at for s in telegram.sent if s.chat_id == chat)
        assert at < sent


async def test_one_process_sees_typing_too_and_keeps_its_own_pacing() -> None:
    """SQLite, one process: no budget, the in-process line paces; "typing…" all the same."""
    telegram = FakeTelegram()
    queue = SendQueue.for_settings(
        Settings(database_url="sqlite+aiosqlite:///unused.db", telegram_global_rate=10,
                 telegram_typing_after=0.3)
    )  # fmt: skip
    assert queue.budget is None and (queue.limit, queue.window) == (10, 1.0)
    worker = Worker("a", telegram, queue)
    for n in range(8):
        worker.reply(9500 + n, f"m{n}")
    await telegram.until(lambda: len(telegram.sent) == 8)
    assert telegram.most_in_any(1.0) <= 10
    assert 9507 in {chat for chat, _, _ in telegram.actions}
    assert 9500 not in {chat for chat, _, _ in telegram.actions}


def test_postgresql_gets_a_shared_budget_from_the_url() -> None:
    settings = Settings(database_url="postgresql+asyncpg://u@127.0.0.1/db", telegram_global_rate=25)
    queue = SendQueue.for_settings(settings)
    # a margin below the rate: a send started late must not make one too many in a second
    assert queue.budget is not None and queue.budget.interval == pytest.approx(1 / (25 * 0.9))
