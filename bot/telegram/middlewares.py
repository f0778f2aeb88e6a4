"""Outer middlewares: update de-duplication (durable) and per-patient throttling."""

from __future__ import annotations

import asyncio
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
    """Handle each update once, also across restarts.

    Within a process, the ids seen (handled or in flight) are remembered. Across restarts, the
    highest id handled is kept in the database and everything at or below it is a redelivery
    (polling offset lost in a crash, webhook retry). Updates are handled concurrently, so the
    floor is the one loaded at start: an id below another already handled is not a duplicate.
    """

    KEEP = 10_000  # ids remembered in memory
    COALESCE = 0.1  # seconds

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.floor: int | None = None
        self.highest = 0
        self.seen: set[int] = set()
        self._writer: asyncio.Task[None] | None = None

    async def _floor(self) -> int:
        if self.floor is None:
            async with self.sessions() as session:
                value = await ChannelStateRepository(session).get(LAST_UPDATE_KEY)
            if self.floor is None:  # another update may have loaded it meanwhile
                self.floor = int(value) if value else 0
                self.highest = max(self.highest, self.floor)
        return self.floor

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        update_id = event.update_id
        floor = await self._floor()
        # no await between this check and the add: concurrent copies can't both pass
        if update_id <= floor or update_id in self.seen:
            return None
        self.seen.add(update_id)
        try:
            return await handler(event, data)
        finally:
            self.highest = max(self.highest, update_id)
            if len(self.seen) > self.KEEP:
                self.seen = {i for i in self.seen if i > self.highest - self.KEEP // 2}
            # one writer at a time, always writing the latest value: under load many updates
            # share one write instead of each waiting for its own
            if self._writer is None or self._writer.done():
                self._writer = asyncio.create_task(self._persist())

    async def _persist(self) -> None:
        written = -1
        while written != self.highest:
            # gather the updates finishing meanwhile into this write: under load the writer
            # would otherwise hold SQLite's single writer as often as the turns themselves
            await asyncio.sleep(self.COALESCE)
            written = self.highest
            async with self.sessions() as session, session.begin():
                await ChannelStateRepository(session).set(LAST_UPDATE_KEY, str(written))

    async def flush(self) -> None:
        """Wait for the last handled id to be on disk (at shutdown)."""
        if self._writer is not None:
            await self._writer


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
