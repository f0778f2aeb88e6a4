"""Sending the follow-ups patients asked for (bot/followups.py) once they are due: a look every
`every` seconds, and one at start for what came due while the bot was stopped. Each goes through
the same path as every reply (bot/telegram/sending.py): the bot-wide pacing, each patient's
order, the durable delivery; a patient who blocked the bot is marked and never retried. With
several workers (`locks`, storage/job_locks.py), one of them sends them."""

from __future__ import annotations

import logging
from functools import partial

from aiogram import Bot

from bot.deliveries import Deliveries
from bot.engine import Engine
from bot.followup_messages import DueFollowups
from bot.schedule import Every, Locks
from bot.telegram.discretion import CHANNEL
from bot.telegram.sending import queue_items

log = logging.getLogger(__name__)
CHECK_EVERY = 60.0  # seconds: follow-ups are due at a time of day, a minute late is on time


class FollowupSender:
    def __init__(
        self,
        followups: DueFollowups,
        engine: Engine,
        deliveries: Deliveries,
        every: float = CHECK_EVERY,
        *,
        locks: Locks | None = None,
    ) -> None:
        self.followups = followups
        self.engine = engine
        self.deliveries = deliveries
        self.every = every
        self.locks = locks
        self._job: Every | None = None

    async def send_due(self, bot: Bot) -> int:
        """Queue what came due (sent in the background, paced); returns how many."""
        due = await self.followups.take(CHANNEL)
        for out in due:
            await queue_items(
                bot, self.engine, self.deliveries, int(out.chat_id), out.items, out.delivery, False
            )
        if due:
            log.info("%d follow-ups queued", len(due))
        return len(due)

    async def start(self, bot: Bot) -> None:
        self._job = Every(
            self.every, partial(self.send_due, bot), "follow-ups", at_start=True, locks=self.locks
        )
        await self._job.start()

    async def stop(self) -> None:
        if self._job is not None:
            await self._job.stop()
