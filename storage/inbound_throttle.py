"""The flood limit counted for all workers on PostgreSQL (issue 18.1): each patient's messages
of the window in `inbound_throttle` (a keyed hash of the chat, times, admitted or not), counted
one at a time per chat under a transaction-scoped advisory lock, with the database's clock.
`SharedInbound` (storage/inbound.py) has it; bot/telegram/middlewares.py's
ThrottlingMiddleware uses it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.workers import THROTTLE_SPACE, lock_key

T = TypeVar("T")


@dataclass
class Count:
    """A message counted against the flood limit."""

    admitted: bool = True
    warn: bool = False
    album_item: bool = False  # another item of an album already counted
    mark: int = 0  # its row, for `answer_now`
    wait: float = 0.0  # seconds until the window has room again


class FloodCounts:
    """Counting messages against the flood limit (a part of `SharedInbound`)."""

    ALBUM_SECONDS = 60.0
    sessions: async_sessionmaker[AsyncSession]

    def chat_key(self, chat: str) -> int:
        raise NotImplementedError

    async def _retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        raise NotImplementedError

    async def count(
        self, chat: str, *, limit: int, window: float, answerable: bool, album: str | None
    ) -> Count:
        """Count a message of `chat`: admitted while fewer than `limit` were in the last
        `window` seconds; else not, with `warn` for the first since the last admitted one.
        An album's items within ALBUM_SECONDS count as one (`album_item`)."""
        return await self._retrying(lambda: self._count(chat, limit, window, answerable, album))

    async def _count(
        self, chat: str, limit: int, window: float, answerable: bool, album: str | None
    ) -> Count:
        key = self.chat_key(chat)
        album_key = self.chat_key(f"{chat}:{album}") if album is not None else None
        async with self.sessions() as session, session.begin():
            now = await self._lock_chat(session, chat)
            horizon = now - timedelta(seconds=max(window, self.ALBUM_SECONDS))
            await session.execute(
                text("DELETE FROM inbound_throttle WHERE chat_key = :key AND at < :horizon"),
                {"key": key, "horizon": horizon},
            )
            rows = (
                await session.execute(
                    text(
                        "SELECT id, at, admitted, album FROM inbound_throttle"
                        " WHERE chat_key = :key ORDER BY id"
                    ),
                    {"key": key},
                )
            ).all()
            album_since = now - timedelta(seconds=self.ALBUM_SECONDS)
            if album_key is not None and any(
                r.album == album_key and r.at >= album_since for r in rows
            ):
                return Count(album_item=True)
            in_window = [r for r in rows if r.admitted and now - r.at <= timedelta(seconds=window)]
            count = Count(admitted=len(in_window) < limit)
            if not count.admitted:
                last = max((r.id for r in rows if r.admitted), default=0)
                count.warn = not any(not r.admitted and r.id > last for r in rows)
                count.wait = (in_window[0].at + timedelta(seconds=window) - now).total_seconds()
            count.mark = await self._mark(session, key, now, count.admitted, answerable, album_key)
            return count

    async def answer_now(self, chat: str, mark: int) -> bool:
        """Whether the throttled text `mark` is still the flood's last word, once the window has
        room: nothing admitted and no text came after it. Then its answer counts (True)."""

        async def decide() -> bool:
            key = self.chat_key(chat)
            async with self.sessions() as session, session.begin():
                now = await self._lock_chat(session, chat)
                later = await session.scalar(
                    text(
                        "SELECT count(*) FROM inbound_throttle WHERE chat_key = :key"
                        " AND id > :mark AND (admitted OR answerable)"
                    ),
                    {"key": key, "mark": mark},
                )
                if later:
                    return False
                await self._mark(session, key, now, True, False, None)
                return True

        return await self._retrying(decide)

    @staticmethod
    async def _lock_chat(session: AsyncSession, chat: str) -> datetime:
        """One count at a time per chat, across workers; "now" read once the lock is held."""
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": THROTTLE_SPACE, "key": lock_key(chat)},
        )
        now = await session.scalar(text("SELECT clock_timestamp() AT TIME ZONE 'UTC'"))
        assert isinstance(now, datetime)
        return now

    @staticmethod
    async def _mark(
        session: AsyncSession,
        key: int,
        now: datetime,
        admitted: bool,
        answerable: bool,
        album: int | None,
    ) -> int:
        mark = await session.scalar(
            text(
                "INSERT INTO inbound_throttle (chat_key, at, admitted, answerable, album)"
                " VALUES (:key, :at, :admitted, :answerable, :album) RETURNING id"
            ),
            {
                "key": key,
                "at": now,
                "admitted": admitted,
                "answerable": answerable,
                "album": album,
            },
        )
        return int(mark or 0)
