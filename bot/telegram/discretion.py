"""Deleting a conversation's messages from the patient's Telegram chat: at /delete, and after
the patient's delay in discreet mode (bot/discretion.py says why, and what is kept for it).

Telegram lets a bot delete the messages of a private chat, its own and the patient's, for 48
hours after they were sent; `deleteMessages` takes up to 100 ids a call and skips those it
cannot find (a message the patient deleted already). Logs carry counts and error types, never
a chat id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from functools import partial

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.discretion import ChatTrail
from bot.schedule import Every, Locks

log = logging.getLogger(__name__)
CHANNEL = "telegram"
MAX_IDS = 100  # deleteMessages: 1 to 100 ids a call
SWEEP_EVERY = 60.0  # seconds between two looks for messages past their discreet delay
RETRY_AFTER, RETRY_AFTER_MAX = 5.0, 60.0  # seconds: /delete's erasure waits out an outage


async def delete_messages(
    bot: Bot, chat_id: int, message_ids: Sequence[int], *, persist: bool = False
) -> bool:
    """Delete messages from a chat, 100 a call. False when the patient blocked the bot (then
    nothing can be deleted). A request Telegram rejects (400) is logged and the rest goes on.
    `persist`: an outage is waited out, however long (the /delete confirmation waits behind
    it); otherwise it raises, and the sweep tries again next time."""
    wait = RETRY_AFTER
    start = 0
    while start < len(message_ids):
        batch = list(message_ids[start : start + MAX_IDS])
        try:
            await bot.delete_messages(chat_id, batch)
        except TelegramForbiddenError:
            return False
        except TelegramBadRequest as error:
            log.warning("%d messages not deleted from a chat: %s", len(batch), type(error).__name__)
        except (TelegramServerError, TelegramNetworkError, TelegramRetryAfter) as error:
            if not persist:
                raise
            why = type(error).__name__
            log.warning("deleting messages waits for Telegram (%s): again in %.0f s", why, wait)
            await asyncio.sleep(wait)
            wait = min(2 * wait, RETRY_AFTER_MAX)
            continue
        start += MAX_IDS
    return True


async def erase_chat(bot: Bot, trail: ChatTrail, chat_id: int) -> bool:
    """/delete: every message of the chat still deletable goes, theirs and ours. False when the
    patient blocked the bot."""
    ids = await trail.recent(CHANNEL, str(chat_id))
    reached = await delete_messages(bot, chat_id, ids, persist=True)
    await trail.forget(CHANNEL, str(chat_id), ids)
    log.info("/delete: %d recent messages deleted from a chat", len(ids))
    return reached


class Sweeper:
    """Discreet mode: every `every` seconds (and once at start, for what came due while the bot
    was stopped), the messages older than their chat's delay are deleted from the chats. What
    is due is read from the database (`chat_messages`, every worker's messages): with several
    workers, `locks` (storage/job_locks.py) has one of them sweep for all."""

    def __init__(
        self, trail: ChatTrail, every: float = SWEEP_EVERY, *, locks: Locks | None = None
    ) -> None:
        self.trail = trail
        self.every = every
        self.locks = locks
        self._job: Every | None = None

    async def sweep(self, bot: Bot) -> int:
        """Delete what came due; returns how many messages went."""
        deleted = chats = 0
        for chat_id, ids in (await self.trail.due(CHANNEL)).items():
            try:
                await delete_messages(bot, int(chat_id), ids)
            except TelegramAPIError as error:  # an outage: the ids stay, the next sweep retries
                log.warning("discreet mode: a chat's messages wait (%s)", type(error).__name__)
                continue
            await self.trail.forget(CHANNEL, chat_id, ids)  # deleted, or the bot is blocked
            deleted += len(ids)
            chats += 1
        if deleted:
            log.info("discreet mode: %d messages deleted from %d chats", deleted, chats)
        return deleted

    async def start(self, bot: Bot) -> None:
        self._job = Every(
            self.every, partial(self.sweep, bot), "discreet mode", at_start=True, locks=self.locks
        )
        await self._job.start()

    async def stop(self) -> None:
        if self._job is not None:
            await self._job.stop()
