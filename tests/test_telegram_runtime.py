"""What the bot runs on: its event loop, and its HTTP session to the Bot API."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods.base import Response
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    User,
)

from bot.app import run
from bot.telegram.session import HelplineSession
from tests.telegram_emulator import BotAPIEmulator


async def test_response_classes_survive_garbage_collection() -> None:
    async with BotAPIEmulator() as emulator:
        session = HelplineSession(api=TelegramAPIServer.from_base(emulator.base_url))
        bot = Bot(emulator.token, session=session)
        try:
            me = await bot.get_me()
            sent = await bot.send_message(5001, "bonjour")
        finally:
            await session.close()
    assert me.is_bot and sent.text == "bonjour"
    read_with = [weakref.ref(Response[User]), weakref.ref(Response[Message])]
    gc.collect()
    # pydantic caches these weakly: without the session holding them, both would be gone here
    # and rebuilt (schema and all, ~4 ms) on the next answer
    assert all(ref() is not None for ref in read_with)


def test_the_helpline_runs_on_uvloop() -> None:
    async def loop_module() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert run(loop_module()).startswith("uvloop")


async def test_requests_go_as_json_and_uploads_as_a_form() -> None:
    async with BotAPIEmulator() as emulator:
        seen: list[str] = []
        read_params = emulator._read_params

        async def spy(request: Any) -> Any:
            seen.append(request.content_type)
            return await read_params(request)

        emulator._read_params = spy  # type: ignore[method-assign]
        session = HelplineSession(api=TelegramAPIServer.from_base(emulator.base_url))
        # parse_mode from the bot's defaults: aiogram's sentinel must be resolved in JSON too
        bot = Bot(emulator.token, session=session, default=DefaultBotProperties(parse_mode="HTML"))
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Oui", callback_data="c:yes")]]
        )
        try:
            sent = await bot.send_message(5001, "Bonjour, <b>vous</b> ?", reply_markup=keyboard)
            await bot.send_document(5001, BufferedInputFile(b"%PDF-1.4", filename="guide.pdf"))
        finally:
            await session.close()
    assert seen == ["application/json", "multipart/form-data"]
    assert sent.text == "Bonjour, vous ?" and sent.reply_markup is not None
    button = sent.reply_markup.inline_keyboard[0][0]
    assert (button.text, button.callback_data) == ("Oui", "c:yes")
