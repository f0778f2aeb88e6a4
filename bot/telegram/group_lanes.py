"""The agents' outbox delivered to several agents' groups (bot/agents_groups.py): one
`GroupDelivery` per group, each taking only its group's rows, so that a group at Telegram's limit
(about 20 messages a minute, paced per group by group_pacing.py) holds up no other. Relay
capacity grows with the number of groups (bench/agents_groups.py). With several workers on
PostgreSQL (`locks`), each group is delivered by one worker at a time (group_delivery.py).
"""

from __future__ import annotations

import asyncio
import contextlib

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.escalation import Escalations
from bot.telegram.group_delivery import CLAIM_GRACE, LOCK_RETRY, GroupDelivery
from storage.job_locks import WorkerLocks


class GroupLanes:
    """One delivery per agents' group, woken together by every commit that queued a row."""

    def __init__(
        self,
        escalations: Escalations,
        sessions: async_sessionmaker[AsyncSession],
        *,
        written: asyncio.Event | None = None,
        locks: WorkerLocks | None = None,
        retry: float = LOCK_RETRY,
        claim_grace: float = CLAIM_GRACE,
    ) -> None:
        chats: list[int | None] = list(escalations.groups.chat_ids) or [None]
        self.lanes = [
            GroupDelivery(
                escalations,
                sessions,
                chat,
                written=asyncio.Event(),
                locks=locks,
                retry=retry,
                claim_grace=claim_grace,
            )
            for chat in chats
        ]
        self._written = written if written is not None else asyncio.Event()
        self._relay: asyncio.Task[None] | None = None

    @property
    def delivered(self) -> int:
        return sum(lane.delivered for lane in self.lanes)

    def wake(self) -> None:
        for lane in self.lanes:
            lane.wake()

    async def start(self, bot: Bot) -> None:
        for lane in self.lanes:
            await lane.start(bot)
        self._relay = asyncio.create_task(self._wake_all())

    async def stop(self) -> None:
        if self._relay is not None:
            self._relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay
            self._relay = None
        for lane in self.lanes:
            await lane.stop()

    async def _wake_all(self) -> None:
        """Each lane clears its own event before reading; one shared event would let a lane
        miss a wake another one cleared."""
        while True:
            await self._written.wait()
            self._written.clear()
            self.wake()
