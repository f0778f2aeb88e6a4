"""What the bot runs on: its event loop, and its HTTP session to the Bot API."""

from __future__ import annotations

import asyncio
import gc
import weakref

from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods.base import Response
from aiogram.types import Message, User

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
