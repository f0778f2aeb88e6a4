"""Telegram's bot-wide limit across workers (bot/telegram/send_budget.py): two SendQueues, two
"workers", sharing one budget on PostgreSQL, send to a fake Telegram. The pacing is real time
(the budget runs on the database's clock), at rates that keep each test to a few seconds."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings import Settings
from bot.telegram import send_queue
from bot.telegram.send_budget import SendBudget
from bot.telegram.send_queue import SendQueue
from storage.db import create_engine, migrate
from tests.send_budget_helpers import FakeTelegram, Worker

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
    telegram = FakeTelegram()
    budgets = [SendBudget.for_database(budget_url, RATE) for _ in range(2)]
    queues = [SendQueue(int(RATE), budget=b, typing_after=0.3) for b in budgets]
    yield telegram, Worker("a", telegram, queues[0]), Worker("b", telegram, queues[1])
    for budget in budgets:
        assert budget is not None
        await budget.close()


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


async def test_arrival_order_across_workers_is_kept(
    workers: tuple[FakeTelegram, Worker, Worker],
) -> None:
    telegram, a, b = workers
    arrived = []
    for n in range(16):  # worker a's line first...
        a.reply(5000 + n, f"a{n}")
        arrived.append(f"a{n}")
    await telegram.until(lambda: len(telegram.sent) >= 1)
    for n in range(8):  # ...then worker b's, which alone would go at once
        b.reply(6000 + n, f"b{n}")
        arrived.append(f"b{n}")
    await telegram.until(lambda: len(telegram.sent) == len(arrived))
    order = telegram.texts()
    late = [abs(order.index(text) - arrived.index(text)) for text in arrived]
    assert max(late) <= 2, order


async def test_a_crisis_goes_ahead_of_every_workers_line_within_an_interval(
    workers: tuple[FakeTelegram, Worker, Worker],
) -> None:
    telegram, a, b = workers
    for n in range(20):
        a.reply(7000 + n, f"a{n}")
    for n in range(10):
        b.reply(7100 + n, f"b{n}")
    await telegram.until(lambda: len(telegram.sent) >= 3)
    queued_at = telegram.sent[-1].at
    b.reply(7200, "crisis answer", "case opened", urgent=True)
    await telegram.until(lambda: len(telegram.sent) == 32)
    order = telegram.texts()
    crisis = order.index("crisis answer")
    assert telegram.sent_at("crisis answer") - queued_at <= 3 * INTERVAL
    # the rest of the reply straight to the gate too (others may have claimed meanwhile)
    assert crisis < order.index("case opened") <= crisis + 2
    assert crisis <= 5
    assert telegram.most_in_any(1.0) <= RATE + 1  # going ahead took no extra slot


async def test_a_crisis_takes_the_chats_earlier_reply_ahead_with_it(
    workers: tuple[FakeTelegram, Worker, Worker],
) -> None:
    telegram, a, b = workers
    for n in range(20):
        a.reply(8000 + n, f"a{n}")
    b.reply(8100, "greeting")  # behind a's line
    await telegram.until(lambda: len(telegram.sent) >= 2)
    b.reply(8100, "crisis answer", urgent=True)
    await telegram.until(lambda: len(telegram.sent) == 22)
    order = telegram.texts()
    assert order.index("greeting") < order.index("crisis answer") <= 6
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
