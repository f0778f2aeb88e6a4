"""Telegram's bot-wide limit (about 30 messages a second, 429 with `retry_after` beyond): hundreds
of patients writing at once are all answered, crises first, each patient's replies in order. The
real bot, NLU server and SQLite file, against the Bot API emulator enforcing the limit."""

from __future__ import annotations

import asyncio
import logging
import statistics
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app import Helpline, open_helpline
from bot.telegram import sending
from bot.telegram.app import build_bot, build_dispatcher
from bot.telegram.send_queue import CHAT_WINDOW, SendQueue
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import PATIENT, plain, settings_for

pytestmark = pytest.mark.rasa  # end to end, with the real NLU server
PATIENTS = 300
CRISES = 20  # the last to write: without priority, among the last answered
# Telegram's 30 a second, scaled up so that the test stays short; the bot paces at the same
LIMIT, WINDOW = 100, 1.0
# half of them need no NLU: their replies are ready before the crises' and wait with them
WRITE = ("/start", "bonjour")


@asynccontextmanager
async def limited_bot(emulator: BotAPIEmulator, rasa_url: str, db: Path) -> AsyncIterator[Helpline]:
    """The bot polling an emulator that enforces the bot-wide limit."""
    emulator.limit_bot_rate(LIMIT, WINDOW)
    settings = settings_for(emulator, rasa_url, db)
    async with open_helpline(settings) as helpline:
        bot = build_bot(settings, SendQueue(LIMIT, WINDOW))
        dispatcher = build_dispatcher(helpline)
        task = asyncio.create_task(
            dispatcher.start_polling(bot, handle_signals=False, polling_timeout=2)
        )
        await emulator.wait_until(lambda: emulator.waiting_pollers > 0)
        try:
            yield helpline
        finally:
            await dispatcher.stop_polling()
            await task


async def until_answered(
    emulator: BotAPIEmulator, expected: dict[int, int], caplog: pytest.LogCaptureFixture
) -> None:
    """Until every chat has its number of replies, or an update failed (a reply given up:
    no use waiting for the rest). Read again on each request the emulator gets."""

    def failed() -> bool:
        return any(r.levelno >= logging.ERROR for r in caplog.records)

    def answered() -> bool:
        return all(len(emulator.sent(chat)) >= n for chat, n in expected.items())

    await emulator.wait_until(lambda: answered() or failed(), timeout=50, what="answers")
    unanswered = [chat for chat, n in expected.items() if len(emulator.sent(chat)) < n]
    dropped = "; replies were given up" if failed() else ""
    assert not unanswered, f"{len(unanswered)} of {len(expected)} patients unanswered{dropped}"
    assert not failed()


def case_opened(helpline: Helpline, cases: int) -> Callable[[str], int]:
    """The case number a "case opened" reply gives (its place in the queue may be any)."""
    catalogue = helpline.engine.catalogue
    numbers = {
        plain(catalogue.phrase("case_opened", "fr", number=f"C-{n:05d}", position=str(p))): n
        for n in range(1, cases + 1)
        for p in range(1, cases + 1)
    }
    return numbers.__getitem__


async def test_hundreds_of_patients_at_once_are_all_answered_crises_first(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    chats = [10_000 + p for p in range(PATIENTS)]
    crises = chats[-CRISES:]
    async with limited_bot(emulator, rasa_url, tmp_path / "bot.db") as helpline:
        for chat in chats:
            emulator.push_text(chat, "je veux mourir" if chat in crises else WRITE[chat % 2])
        await until_answered(emulator, {c: 3 if c in crises else 2 for c in chats}, caplog)

    catalogue = helpline.engine.catalogue
    welcome = plain(catalogue.phrase("welcome", "fr"))
    answers = plain(catalogue.phrase("menu", "fr")), plain(catalogue.answer("greet", "fr").text)
    crisis = plain(catalogue.answer("crisis", "fr").text)
    number_in = case_opened(helpline, CRISES)
    numbers = set()
    for chat in chats:
        texts = [m["text"] for m in emulator.sent(chat)]
        if chat in crises:
            first, waiting, notice = texts  # the emergency numbers before the notice
            assert [first, notice] == [crisis, welcome]
            numbers.add(number_in(waiting))
        else:
            assert texts == [welcome, answers[chat % 2]]
    assert len(numbers) == CRISES  # a case each
    assert emulator.rate_refusals == 0  # the bot kept under the limit: no 429 at all

    # the order the patients got their answer (their last reply) in
    answered_at = {chat: emulator.calls("sendMessage", chat_id=chat)[-1].at for chat in chats}
    order = sorted(chats, key=answered_at.__getitem__)
    positions = [order.index(chat) for chat in crises]
    assert statistics.median(positions) < PATIENTS / 4, positions


async def test_a_crisis_takes_the_patients_earlier_replies_ahead_in_their_order(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    others = [10_000 + p for p in range(PATIENTS // 2)]
    async with limited_bot(emulator, rasa_url, tmp_path / "bot.db") as helpline:
        for chat in others:
            emulator.push_text(chat, "/start")
        emulator.push_text(PATIENT, "bonjour")
        emulator.push_text(PATIENT, "je veux mourir")
        await until_answered(emulator, {PATIENT: 4} | dict.fromkeys(others, 2), caplog)

    catalogue = helpline.engine.catalogue
    texts = [m["text"] for m in emulator.sent(PATIENT)]
    assert texts[:3] == [
        plain(catalogue.phrase("welcome", "fr")),
        plain(catalogue.answer("greet", "fr").text),
        plain(catalogue.answer("crisis", "fr").text),
    ]
    assert case_opened(helpline, 1)(texts[3]) == 1
    answered_at = {c: emulator.calls("sendMessage", chat_id=c)[-1].at for c in others}
    sent = emulator.calls("sendMessage", chat_id=PATIENT)
    crisis_at = sent[2].at  # the emergency numbers, ahead of most of the others
    assert sum(at < crisis_at for at in answered_at.values()) < len(others) / 2
    # the case number: a fourth message into the chat, once the chat's burst allows it
    assert sent[-1].at - crisis_at <= CHAT_WINDOW + 1.0


async def test_a_reply_outlives_a_telegram_outage(
    emulator: BotAPIEmulator,
    rasa_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sending, "RESEND_AFTER", 0.1)  # after RetryMiddleware's 5 attempts
    emulator.fail_next("sendMessage", 6, error_code=502, chat_id=PATIENT)
    async with limited_bot(emulator, rasa_url, tmp_path / "bot.db") as helpline:
        emulator.push_text(PATIENT, "bonjour")
        await until_answered(emulator, {PATIENT: 2}, caplog)
    catalogue = helpline.engine.catalogue
    assert [m["text"] for m in emulator.sent(PATIENT)] == [
        plain(catalogue.phrase("welcome", "fr")),
        plain(catalogue.answer("greet", "fr").text),
    ]
    assert [c.ok for c in emulator.calls("sendMessage", chat_id=PATIENT)] == [False] * 6 + [
        True
    ] * 2
