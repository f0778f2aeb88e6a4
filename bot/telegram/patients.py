"""Patients' private chats: every kind of message goes to the engine, the turn comes back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.deliveries import Deliveries
from bot.engine import Engine, Incoming
from bot.safety import NetReading
from bot.telegram.filters import When
from bot.telegram.sending import send_turn

ATTACHMENTS = (
    "photo", "document", "voice", "audio", "video", "video_note", "sticker", "animation",
    "location", "venue", "contact", "poll", "dice",
)  # fmt: skip
# "typing…" only when the answer is slow to come (NLU or database under load): a quick answer
# needs none, and each indicator is one more Bot API call in the hot path
TYPING_AFTER = 0.5  # seconds
TYPING_EVERY = 5.0  # Telegram shows "typing…" for 5 s

log = logging.getLogger(__name__)


def to_incoming(message: Message, net: NetReading | None = None) -> Incoming:
    """`net`: what the crisis net read in the message's text or caption at intake."""
    language = message.from_user.language_code if message.from_user else None
    chat_id = str(message.chat.id)
    kind = next((k for k in ATTACHMENTS if getattr(message, k, None) is not None), None)
    if message.text is not None:
        return Incoming(
            "telegram",
            chat_id,
            message.text,
            client_language=language,
            message_id=message.message_id,
            net=net,
        )
    # the caption goes through the crisis net; neither it nor the file is kept
    return Incoming(
        "telegram",
        chat_id,
        message.caption or "",
        client_language=language,
        attachment=kind or "other",
        message_id=message.message_id,
        net=net,
    )


@contextlib.asynccontextmanager
async def typing_if_slow(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" while the block runs, from TYPING_AFTER seconds on. A timer, not aiogram's
    ChatActionSender: that starts a task per message, and most answers come before the timer."""
    loop = asyncio.get_running_loop()
    typing: list[asyncio.Task[None]] = []
    timer = loop.call_later(
        TYPING_AFTER, lambda: typing.append(loop.create_task(_keep_typing(bot, chat_id)))
    )
    try:
        yield
    finally:
        timer.cancel()
        for task in typing:
            task.cancel()


async def _keep_typing(bot: Bot, chat_id: int) -> None:
    while True:
        try:
            await bot.send_chat_action(chat_id, "typing")
        except TelegramAPIError as error:  # only a courtesy: the answer matters
            log.info("typing indicator not sent: %s", type(error).__name__)
        await asyncio.sleep(TYPING_EVERY)


async def on_message(
    message: Message,
    bot: Bot,
    engine: Engine,
    deliveries: Deliveries,
    throttled: bool = False,
    warn: bool = False,
    album_item: bool = False,
    answer_stored: bool = False,
    inbound_net: NetReading | None = None,
) -> None:
    incoming = to_incoming(message, inbound_net)
    async with typing_if_slow(bot, message.chat.id):
        if answer_stored:  # a flood's last text, stored then: its answer, once the flood is over
            turn = await engine.answer_stored(incoming)
            if turn is None:
                return
        else:
            # a flood is stored (and relayed) unanswered, but a crisis is answered, flood or
            # not; so is an album's item after the first: the album gets one answer
            # (middlewares.py)
            turn = await engine.handle(incoming, throttled=throttled or album_item, warn=warn)
    await send_turn(bot, engine, deliveries, message.chat.id, turn)


PRIVATE = When(F.chat.type == "private")


def make_router() -> Router:
    router = Router(name="patients")
    router.message.register(on_message, PRIVATE)
    # an edit is answered as a new message: the patient meant the corrected text (and it counts
    # as one in the flood window: the throttle is on edits too, bot/telegram/app.py)
    router.edited_message.register(on_message, PRIVATE)
    return router
