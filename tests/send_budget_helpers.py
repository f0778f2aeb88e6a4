"""A fake Telegram for the send line (bot/telegram/send_queue.py): each `Worker` stands for one
bot process (its own SendQueue) and for its Bot (what the queue calls back: chat actions); the
`FakeTelegram` they share notes when each message arrived, and can refuse beyond a rate (429).
`shared_workers` makes two of them sharing one budget on PostgreSQL (send_budget.py),
`count_statements` counts what the budgets ask the database, `FlakyBudget` fails on demand."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendMessage, TelegramMethod
from sqlalchemy import event

from bot.telegram.send_budget import SendBudget
from bot.telegram.send_queue import SendQueue


@dataclass
class Sent:
    chat_id: int
    text: str
    at: float  # time.monotonic()
    worker: str


@dataclass
class FakeTelegram:
    sent: list[Sent] = field(default_factory=list)
    actions: list[tuple[int, str, float]] = field(default_factory=list)  # chat, action, at
    refusals: int = 0
    refused_at: list[float] = field(default_factory=list)
    # beyond `limit` messages in the last `window` seconds: 429 with this retry_after
    limit: tuple[int, float, int] | None = None
    _accepted: deque[float] = field(default_factory=deque)
    refuse_next: int = 0  # the next n messages are refused (retry_after 1) whatever the rate

    def accept(self, chat_id: int, text: str, worker: str, method: TelegramMethod[Any]) -> None:
        now = time.monotonic()
        if self.refuse_next:
            self.refuse_next -= 1
            self.refusals += 1
            self.refused_at.append(now)
            raise TelegramRetryAfter(method, "Too Many Requests", 1)
        if self.limit is not None:
            count, window, retry_after = self.limit
            while self._accepted and now - self._accepted[0] >= window:
                self._accepted.popleft()
            if len(self._accepted) >= count:
                self.refusals += 1
                self.refused_at.append(now)
                raise TelegramRetryAfter(method, "Too Many Requests", retry_after)
            self._accepted.append(now)
        self.sent.append(Sent(chat_id, text, now, worker))

    def texts(self) -> list[str]:
        return [s.text for s in self.sent]

    def sent_at(self, text: str) -> float:
        return next(s.at for s in self.sent if s.text == text)

    def most_in_any(self, window: float) -> int:
        """The most messages sent within any `window` seconds (half-open)."""
        times = sorted(s.at for s in self.sent)
        most, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= window:
                start += 1
            most = max(most, end - start + 1)
        return most

    async def until(self, done: Callable[[], bool], timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Until `done()`: checked every few milliseconds (the sends happen in real time)."""
        async with asyncio.timeout(timeout):
            while not done():  # noqa: ASYNC110 - the sends are the code under test's
                await asyncio.sleep(0.005)


class Worker:
    """One bot process: its queue, its sends, and the Bot the queue sends chat actions with."""

    def __init__(self, name: str, telegram: FakeTelegram, queue: SendQueue) -> None:
        self.name, self.telegram, self.queue = name, telegram, queue

    async def send(self, chat_id: int, text: str) -> None:
        method = SendMessage(chat_id=chat_id, text=text)

        async def request(bot: Any, method: SendMessage) -> None:
            self.telegram.accept(chat_id, text, self.name, method)

        await self.queue(request, self, method)  # type: ignore[arg-type]

    def reply(self, chat_id: int, *texts: str, urgent: bool = False) -> asyncio.Future[None]:
        """A patient's turn: its replies, in order, as bot/telegram/sending.py queues them."""

        async def job() -> None:
            for text in texts:
                await self.send(chat_id, text)

        return self.queue.submit(chat_id, job, urgent=urgent)

    async def send_chat_action(self, chat_id: int, action: str) -> bool:
        self.telegram.actions.append((chat_id, action, time.monotonic()))
        return True


@asynccontextmanager
async def shared_workers(
    url: str, rate: float, *, typing_after: float | None = 0.3
) -> AsyncIterator[tuple[FakeTelegram, Worker, Worker]]:
    """Two workers (each its own queue and budget connections) and the Telegram they share."""
    telegram = FakeTelegram()
    budgets = [SendBudget.for_database(url, rate) for _ in range(2)]
    queues = [SendQueue(int(rate), budget=b, typing_after=typing_after) for b in budgets]
    try:
        yield telegram, Worker("a", telegram, queues[0]), Worker("b", telegram, queues[1])
    finally:
        for budget in budgets:
            assert budget is not None
            await budget.close()


def count_statements(*workers: Worker) -> list[str]:
    """The statements the workers' budgets send to the database from now on (kept growing)."""
    statements: list[str] = []

    def executed(*args: Any) -> None:
        statements.append(args[2])  # conn, cursor, statement, parameters, context, many

    for worker in workers:
        assert worker.queue.budget is not None
        event.listen(worker.queue.budget.engine.sync_engine, "before_cursor_execute", executed)
    return statements


class FlakyBudget:
    """A shared budget whose database is down while `down`; up, every slot is free at once."""

    def __init__(self) -> None:
        self.down = True
        self.asked = 0

    async def slot(self, pause: float = 0.0) -> float:
        self.asked += 1
        if self.down:
            raise ConnectionRefusedError("the budget's database is down")
        return 0.0

    async def close(self) -> None:
        pass
