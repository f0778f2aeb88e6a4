"""The HTTP session every Bot API call goes through: aiogram's, minus a hidden cost per call."""

from __future__ import annotations

from typing import Any, ClassVar

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType


class HelplineSession(AiohttpSession):
    """aiogram reads each answer with the generic model `Response[T]`, and pydantic keeps such
    classes only in a weak cache: after a garbage collection the next answer rebuilds the class
    and its schema (about 4 ms). Under load that was 11% of the bot's CPU (py-spy). Holding the
    classes here makes it once per result type."""

    _response_types: ClassVar[dict[Any, type]] = {}

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._response_types:
            self._response_types[returning] = Response[returning]  # type: ignore[name-defined]
        return super().check_response(bot, method, status_code, content)
