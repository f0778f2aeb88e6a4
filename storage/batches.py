"""Writes many at a time: what a hot path notes (an update handled, a reply sent, a message id)
is written shortly after, together with whatever was noted meanwhile, in one transaction.

Under load each of these would otherwise be one more transaction per message, waiting for
SQLite's single writer as often as the turns themselves. A write the database lost (it
restarts) is tried again until it answers, RETRY_FOR at most: dropped, a "sent" mark would leave
a delivery owed, and it would go to the patient twice. Any other failure is logged by error type
(never the rows: they hold chat ids) and the next batch goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.connection_loss import retrying_while_lost

T = TypeVar("T")
log = logging.getLogger(__name__)


class BatchWriter(Generic[T]):
    """`add` notes an item; `write(session, items)` writes a batch in one transaction."""

    COALESCE = 0.1  # seconds: the items noted meanwhile join the write
    RETRY_FOR = 60.0  # seconds a batch is tried again while the database is unreachable
    RETRY_EVERY = 0.5

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        write: Callable[[AsyncSession, list[T]], Awaitable[None]],
        what: str,
    ) -> None:
        self.sessions = sessions
        self.write = write
        self.what = what  # for the log: "handled updates", ...
        self.pending: list[T] = []  # noted, not yet in a write
        self.writing: list[T] = []  # in the write under way
        self._writer: asyncio.Task[None] | None = None

    def add(self, item: T) -> None:
        self.pending.append(item)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())

    async def _write(self) -> None:
        while self.pending:
            await asyncio.sleep(self.COALESCE)
            self.writing, self.pending = self.pending, []
            try:
                await self._write_batch()
            finally:
                self.writing = []

    async def _write_batch(self) -> None:
        async def attempt() -> None:
            async with self.sessions() as session, session.begin():
                await self.write(session, self.writing)

        def say(_: BaseException) -> None:
            log.warning(
                "%d %s not written yet, the database is away: trying again",
                len(self.writing),
                self.what,
            )

        try:
            await retrying_while_lost(attempt, self.RETRY_FOR, self.RETRY_EVERY, say)
        except (SQLAlchemyError, OSError) as error:
            log.error("%d %s not written: %s", len(self.writing), self.what, type(error).__name__)

    async def flush(self) -> None:
        """Wait until what was noted is written (at shutdown)."""
        if self._writer is not None:
            await self._writer
