"""Two webhook workers in one test process, on one PostgreSQL database: each its own helpline
(engine, connection pool), dispatcher (middlewares) and bot, all talking to one Bot API
emulator. An update is handed to a worker as the webhook server hands it over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from sqlalchemy import text

from bot.app import Helpline, open_helpline
from bot.settings import Settings
from bot.telegram.app import WEBHOOK_ARRIVAL_WINDOW, build_bot, build_dispatcher
from bot.telegram.intake import Intake
from bot.telegram.middlewares import DeduplicationMiddleware, ThrottlingMiddleware, claim_of
from bot.telegram.send_queue import SendQueue
from bot.turn import Parser
from storage.inbound import SharedInbound
from storage.workers import Worker, worker_of
from tests.telegram_emulator import BotAPIEmulator

PATIENT = 5001


@dataclass
class WebhookWorker:
    helpline: Helpline
    bot: Bot
    dispatcher: Dispatcher

    async def post(self, update: dict[str, Any]) -> None:
        """One webhook post of `update` reaching this worker."""
        await self.dispatcher.feed_update(
            self.bot, Update.model_validate(update), arrival_window=WEBHOOK_ARRIVAL_WINDOW
        )

    @property
    def intake(self) -> Intake:
        """The worker's webhook intake (bot/telegram/intake.py): `await intake.start(bot)`
        first (the webhook server does it at start-up)."""
        intake = self.dispatcher.workflow_data["intake"]
        assert isinstance(intake, Intake)
        return intake

    async def accept(self, update: dict[str, Any]) -> bool:
        """One webhook post of a patient's `update` reaching this worker's intake: True once
        it is acknowledged (not yet handled)."""
        parsed = Update.model_validate(update, context={"bot": self.bot})
        return await self.intake.accept(update, parsed, claim_of(parsed))

    @property
    def worker(self) -> Worker:
        return worker_of(self.helpline.sessions.kw["bind"])

    @property
    def throttle(self) -> ThrottlingMiddleware:
        [throttle] = [
            m
            for m in self.dispatcher.message.outer_middleware
            if isinstance(m, ThrottlingMiddleware)
        ]
        return throttle

    async def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        async with self.helpline.sessions() as session:
            return [tuple(r) for r in (await session.execute(text(sql), params)).all()]

    @property
    def shared(self) -> SharedInbound:
        [dedup] = [
            m
            for m in self.dispatcher.update.outer_middleware
            if isinstance(m, DeduplicationMiddleware)
        ]
        assert dedup.shared is not None
        return dedup.shared

    async def settle(self) -> None:
        """Wait for what the worker does after an update in the background (sending the
        replies, noting them sent)."""
        queue = SendQueue.of(self.bot)
        if queue is not None:
            await queue.drain()
        await self.helpline.deliveries.flush()

    async def stop(self) -> None:
        await self.intake.stop()
        await self.throttle.stop()
        await self.shared.stop()
        await self.bot.session.close()


def worker_settings(
    emulator: BotAPIEmulator, rasa_url: str, database_url: str, **kw: Any
) -> Settings:
    return Settings(
        rasa_url=rasa_url,
        telegram_bot_token=emulator.token,
        telegram_api_url=emulator.base_url,
        database_url=database_url,
        **kw,
    )


@asynccontextmanager
async def two_workers(
    settings: Settings, nlu: Parser
) -> AsyncIterator[tuple[WebhookWorker, WebhookWorker]]:
    async with AsyncExitStack() as stack:
        workers = []
        for _ in range(2):
            helpline = await stack.enter_async_context(open_helpline(settings))
            helpline.engine.nlu = nlu
            worker = WebhookWorker(helpline, build_bot(settings), build_dispatcher(helpline))
            stack.push_async_callback(worker.stop)
            workers.append(worker)
        yield workers[0], workers[1]


async def kill_liveness(worker: Worker) -> None:
    """What kill -9 does to a worker's liveness: its connection, and the lock, gone for good
    (its keeper stopped, so it never connects again)."""
    assert worker._keeper is not None
    worker._keeper.cancel()
    await worker._close()


MESSAGES = (
    "SELECT m.text FROM messages m JOIN patients p ON p.id = m.patient_id"
    " WHERE p.chat_id = :chat AND m.direction = :direction ORDER BY m.id"
)


async def stored(worker: WebhookWorker, direction: str = "in", chat: int = PATIENT) -> list[str]:
    """The chat's messages in the database, in the order they were stored."""
    rows = await worker.rows(MESSAGES, chat=str(chat), direction=direction)
    return [str(text) for (text,) in rows]


async def until(check: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    """Wait for `check()` to be true (a condition, not a guess of the time it takes)."""
    try:
        async with asyncio.timeout(seconds):
            done = await check()
            while not done:
                await asyncio.sleep(0.05)
                done = await check()
    except TimeoutError:
        raise AssertionError(f"{what}: not within {seconds} s") from None
