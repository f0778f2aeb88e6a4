"""Inline-keyboard presses. The engine checks callback data; anything unknown gets the menu."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery

from bot.deliveries import Deliveries
from bot.engine import Engine, Incoming
from bot.telegram.sending import send_turn


async def on_button(
    query: CallbackQuery,
    bot: Bot,
    engine: Engine,
    deliveries: Deliveries,
) -> None:
    message = query.message
    if message is None or message.chat.type != "private":
        return
    incoming = Incoming(
        "telegram",
        str(message.chat.id),
        button=query.data or "",
        client_language=query.from_user.language_code,
    )
    turn = await engine.handle(incoming)
    await send_turn(bot, engine, deliveries, message.chat.id, turn)


def make_router() -> Router:
    router = Router(name="buttons")
    router.callback_query.register(on_button)
    return router
