"""Outer middlewares: update de-duplication (durable) and per-patient throttling."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject, Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories import ChannelStateRepository

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
LAST_UPDATE_KEY = "telegram:last_update_id"


class DeduplicationMiddleware(BaseMiddleware):
    """Handle each update once, also across restarts: the last handled id is kept in the database.

    Telegram's update ids increase; an update at or below the last handled one, or one already in
    flight, is a redelivery (polling offset lost in a crash, webhook retry) and is skipped.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.last_handled: int | None = None
        self.in_flight: set[int] = set()

    async def _load(self) -> int:
        if self.last_handled is None:
            async with self.sessions() as session:
                value = await ChannelStateRepository(session).get(LAST_UPDATE_KEY)
            self.last_handled = int(value) if value else 0
        return self.last_handled

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        update_id = event.update_id
        if update_id <= await self._load() or update_id in self.in_flight:
            return None
        self.in_flight.add(update_id)
        try:
            return await handler(event, data)
        finally:
            self.in_flight.discard(update_id)
            # in-flight updates below this one are still handled once: they are in in_flight
            self.last_handled = max(self.last_handled or 0, update_id)
            async with self.sessions() as session, session.begin():
                await ChannelStateRepository(session).set(LAST_UPDATE_KEY, str(self.last_handled))


class ThrottlingMiddleware(BaseMiddleware):
    """At most `limit` messages per `window` seconds per chat get an answer.

    The first message over the limit gets one polite "slow down"; the rest of the flood is stored
    (nothing is lost) but not answered, until the window has room again.
    """

    def __init__(self, limit: int = 6, window: float = 10.0) -> None:
        self.limit = limit
        self.window = window
        self.recent: dict[int, deque[float]] = defaultdict(deque)
        self.warned: set[int] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Message) or event.chat.type != "private":
            return await handler(event, data)
        now = time.monotonic()
        recent = self.recent[event.chat.id]
        while recent and now - recent[0] > self.window:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(now)
            self.warned.discard(event.chat.id)
            return await handler(event, data)
        data["throttled"] = True
        data["warn"] = event.chat.id not in self.warned
        self.warned.add(event.chat.id)
        return await handler(event, data)
