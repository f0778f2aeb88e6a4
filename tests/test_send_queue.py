"""The send line's courtesies under Telegram's limits.

Telegram limits one private chat to about a message a second, besides the bot's 30 a second:
a chat's short burst (CHAT_BURST) goes at once, its next message waits here for the chat's
window while the others go. A 429 just after a chat got a message is that chat's limit all the
same: that chat waits, the others go on (before, every 429 paused the whole bot, and in a surge
where each first answer is the privacy notice then the answer, the bot was paused most of the
time). A patient whose reply waits sees "typing…", a few times, not for ever."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.telegram import send_queue
from bot.telegram.send_queue import TYPING_TIMES, SendQueue
from tests.telegram_emulator import BotAPIEmulator

PATIENT, OTHERS = 4242, range(5000, 5020)


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    emu = BotAPIEmulator()
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
async def bot(emulator: BotAPIEmulator) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    session.middleware(SendQueue(typing_after=None))
    real_bot = Bot(emulator.token, session=session)
    yield real_bot
    await real_bot.session.close()


async def test_a_chats_own_limit_holds_up_that_chat_only(
    emulator: BotAPIEmulator, bot: Bot
) -> None:
    emulator.limit_chat_rate(1, 1.0)
    await bot.send_message(PATIENT, "the privacy notice")
    second = asyncio.create_task(bot.send_message(PATIENT, "the answer"))  # refused: 429
    await emulator.wait_until(lambda: emulator.rate_refusals == 1, what="the chat's 429")
    # meanwhile the other patients' answers go, none of them waits the chat's second
    others = await asyncio.gather(*(bot.send_message(chat, "answer") for chat in OTHERS))
    assert not second.done()
    assert len(others) == len(OTHERS)
    assert emulator.rate_refusals == 1  # the others were never refused, nor held back by it
    await second  # then the chat's own message, once its second passed
    texts = [message["text"] for message in emulator.sent(PATIENT)]
    assert texts == ["the privacy notice", "the answer"]


async def test_a_long_answer_waits_for_its_chat_without_a_429_while_the_others_go(
    emulator: BotAPIEmulator, bot: Bot
) -> None:
    """A four-part answer into one chat: its fourth part waits for the chat's window here,
    instead of drawing a 429 (which cost one of the bot's slots, thousands in a surge)."""
    emulator.limit_chat_rate(send_queue.CHAT_BURST, send_queue.CHAT_WINDOW)
    parts = [f"part {n}" for n in range(send_queue.CHAT_BURST + 1)]

    async def answer() -> None:
        for part in parts:
            await bot.send_message(PATIENT, part)

    long = asyncio.create_task(answer())
    await emulator.wait_until(
        lambda: len(emulator.sent(PATIENT)) == send_queue.CHAT_BURST, what="the chat's burst"
    )
    others = await asyncio.gather(*(bot.send_message(chat, "answer") for chat in OTHERS))
    assert len(others) == len(OTHERS) and not long.done()  # they went while it waits
    await long
    assert [message["text"] for message in emulator.sent(PATIENT)] == parts
    assert emulator.rate_refusals == 0


async def test_a_429_that_is_not_a_chats_holds_up_everyone(
    emulator: BotAPIEmulator, bot: Bot
) -> None:
    """The bot's own limit (no message to that chat just before): every send waits."""
    emulator.fail_next("sendMessage", error_code=429, retry_after=1)
    first = asyncio.create_task(bot.send_message(PATIENT, "hello"))
    await emulator.wait_until(lambda: len(emulator.calls("sendMessage")) == 1, what="the 429")
    later = asyncio.create_task(bot.send_message(OTHERS[0], "answer"))
    await asyncio.gather(first, later)
    calls = emulator.calls("sendMessage")
    # the refused one went again first, before the other chat's
    assert [c.params["chat_id"] for c in calls] == [PATIENT, PATIENT, OTHERS[0]]


async def test_a_long_wait_shows_typing_a_few_times_not_for_ever(
    emulator: BotAPIEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a surge thousands wait for minutes: "typing" every 4 s for each is thousands of
    requests a second. Shown TYPING_TIMES times, then the reply comes when it comes."""
    monkeypatch.setattr(send_queue, "TYPING_EVERY", 0.05)  # Telegram's 4 s, shortened
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    queue = SendQueue(1, 1.0, typing_after=0.1)  # one message a second
    session.middleware(queue)
    slow = Bot(emulator.token, session=session)
    chats = list(OTHERS)[:3]

    def turn(chat: int) -> Callable[[], Awaitable[None]]:  # a patient's turn, as sending.py
        async def job() -> None:
            await slow.send_message(chat, "answer")

        return job

    try:
        await asyncio.gather(*(queue.submit(chat, turn(chat)) for chat in chats))
    finally:
        await slow.session.close()
    last = chats[-1]  # waited about 2 s: 40 times "typing" if nothing stopped it
    assert len(emulator.calls("sendChatAction", chat_id=last)) == TYPING_TIMES
    assert not emulator.calls("sendChatAction", chat_id=chats[0])  # went at once
