"""The real bot in tests: started on the Bot API emulator with aiogram's real polling loop, and
what the tests read back from the emulator."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from aiogram import Bot, Dispatcher
from sqlalchemy import text

from bot.app import Helpline
from bot.settings import Settings
from bot.telegram.app import build_bot, build_dispatcher
from responses import Catalogue
from tests.telegram_emulator import BotAPIEmulator

PATIENT = 5001


@dataclass
class RunningBot:
    emulator: BotAPIEmulator
    helpline: Helpline
    bot: Bot
    dispatcher: Dispatcher
    task: asyncio.Task[None]

    @property
    def catalogue(self) -> Catalogue:
        return self.helpline.engine.catalogue

    async def rows(self, sql: str) -> list[tuple]:
        async with self.helpline.sessions() as session:
            return [tuple(r) for r in (await session.execute(text(sql))).all()]

    async def stop(self) -> None:
        await self.dispatcher.stop_polling()
        await self.task


def settings_for(emulator: BotAPIEmulator, rasa_url: str, db: Path) -> Settings:
    return Settings(
        rasa_url=rasa_url,
        telegram_bot_token=emulator.token,
        telegram_api_url=emulator.base_url,
        database_url=f"sqlite+aiosqlite:///{db}",
        helpline_agents_chat_id=-1001000,
        agents_hours="always",  # the tests must not depend on the time they run at
    )


async def start_bot(emulator: BotAPIEmulator, helpline: Helpline) -> RunningBot:
    bot = build_bot(helpline.settings)
    dispatcher = build_dispatcher(helpline)
    before = len(emulator.calls("getUpdates"))
    task = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=2)
    )
    await emulator.wait_for_calls("getUpdates", before + 1)
    return RunningBot(emulator, helpline, bot, dispatcher, task)


async def replies(running: RunningBot, count: int, chat_id: int = PATIENT) -> list[dict]:
    await running.emulator.wait_for_calls("sendMessage", count, chat_id=chat_id)
    return running.emulator.sent(chat_id)


def button_data(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def plain(text: str) -> str:
    """What the patient reads: the emulator parses our HTML like Telegram, tags gone."""
    return text.replace("**", "")


def html_of(catalogue: Catalogue, intent: str, language: str) -> str:
    return plain(catalogue.answer(intent, language).text)


def push_album(emulator: BotAPIEmulator, chat_id: int, count: int, **kw: object) -> list[dict]:
    """Several photos sent together: one message each, sharing a media_group_id; the caption,
    if any, on the first."""
    caption = kw.pop("caption", None)
    return [
        emulator.push_message(
            chat_id,
            photo=[{"file_id": f"p{n}", "file_unique_id": f"u{n}", "width": 90, "height": 90}],
            media_group_id="13579",
            **({"caption": caption} if caption and n == 0 else {}),
            **kw,
        )
        for n in range(count)
    ]
