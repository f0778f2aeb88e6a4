"""Sending to Telegram: the engine's turns as HTML messages, with Telegram's limits honoured.

`RetryMiddleware` wraps every Bot API call: 429 waits `retry_after` and tries again, 5xx and network
errors back off exponentially, both a bounded number of times. A 403 (the patient blocked the bot)
is never retried: the caller marks the patient.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.engine import Engine, Reply, Turn
from bot.telegram.render import keyboard, to_html_parts

log = logging.getLogger(__name__)


class RetryMiddleware(BaseRequestMiddleware):
    def __init__(
        self, attempts: int = 5, base_delay: float = 0.5, max_retry_after: float = 60
    ) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_retry_after = max_retry_after

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt == self.attempts or error.retry_after > self.max_retry_after:
                    raise
                log.warning(
                    "flood control on %s: waiting %s s", method.__api_method__, error.retry_after
                )
                await asyncio.sleep(error.retry_after)
            except (TelegramServerError, TelegramNetworkError) as error:
                if attempt == self.attempts or method.__api_method__ == "getUpdates":
                    raise  # polling has its own back-off
                delay = self.base_delay * 2 ** (attempt - 1)
                log.warning(
                    "%s failed (%s): retry in %.1f s",
                    method.__api_method__,
                    type(error).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


async def send_replies(bot: Bot, chat_id: int, replies: Iterable[Reply]) -> bool:
    """Send replies to a patient, in order (buttons on the last part of a long reply); False
    when the patient blocked the bot (403), which is never retried."""
    try:
        for reply in replies:
            parts = to_html_parts(reply.text)
            for index, part in enumerate(parts):
                markup = keyboard(reply.buttons) if index == len(parts) - 1 else None
                await bot.send_message(chat_id, part, reply_markup=markup)
    except TelegramForbiddenError:
        log.info("a patient blocked the bot; marked, not retried")
        return False
    return True


async def send_turn(bot: Bot, engine: Engine, chat_id: int, turn: Turn) -> None:
    """Send every reply of a turn; a patient who blocked the bot is marked."""
    if not await send_replies(bot, chat_id, turn.replies):
        await engine.blocked("telegram", str(chat_id))
