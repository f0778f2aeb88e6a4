"""What the bot runs on: its event loop, and its HTTP session to the Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import weakref
from pathlib import Path
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

from bot.app import open_helpline, run
from bot.settings import Settings
from bot.telegram.app import run_polling
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


async def test_serving_takes_the_start_up_objects_out_of_the_garbage_collectors_sight(
    tmp_path: Path,
) -> None:
    async with BotAPIEmulator() as emulator:
        settings = Settings(
            rasa_url="http://127.0.0.1:9",  # nothing is parsed here
            telegram_bot_token=emulator.token,
            telegram_api_url=emulator.base_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path}/helpline.db",
        )
        gc.unfreeze()
        async with open_helpline(settings) as helpline:
            serving = asyncio.create_task(run_polling(helpline))
            try:
                await emulator.wait_until(lambda: emulator.waiting_pollers > 0)  # serving
                frozen = gc.get_freeze_count()
            finally:
                serving.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await serving
                gc.unfreeze()
    # aiogram's types, pydantic's schemas, SQLAlchemy's mappers... (~270,000 in the bench)
    assert frozen > 100_000
