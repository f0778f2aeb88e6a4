"""The plan, letters and follow-ups through Telegram (the Bot API emulator, the real bot): a
letter arrives as a PDF document (sendDocument, a multipart upload) with its text; follow-ups
scheduled in one run are sent by the next one, once, paced like every reply; a patient who
blocked the bot is not retried. Only buttons and commands: no NLU server is needed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import open_helpline
from bot.letters import LetterKind, chat_texts, draft, reminder_text
from bot.plan import PLAN
from tests.plan_helpers import START, Clock
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import PATIENT, RunningBot, button_data, plain, settings_for, start_bot

pytestmark = pytest.mark.slow  # starts the real bot, started twice on the emulator: seconds each

NO_NLU = "http://127.0.0.1:9"  # nothing is parsed: buttons and commands only
OTHER = 5002


@asynccontextmanager
async def bot_on(emulator: BotAPIEmulator, db: Path, clock: Clock) -> AsyncIterator[RunningBot]:
    async with open_helpline(settings_for(emulator, NO_NLU, db), clock=clock) as helpline:
        running = await start_bot(emulator, helpline)
        try:
            yield running
        finally:
            await running.stop()


async def press(emulator: BotAPIEmulator, data: str, chat: int = PATIENT, replies: int = 1) -> None:
    """Press a button under the chat's last message; wait for that many more messages."""
    before = len(emulator.sent(chat))
    last = emulator.sent(chat)[-1]["message_id"] if before else 1
    emulator.push_callback(chat, data, message_id=last)
    await emulator.wait_until(lambda: len(emulator.sent(chat)) >= before + replies, what=data)


async def write(emulator: BotAPIEmulator, text: str, chat: int = PATIENT, replies: int = 1) -> None:
    before = len(emulator.sent(chat))
    emulator.push_text(chat, text)
    await emulator.wait_until(lambda: len(emulator.sent(chat)) >= before + replies, what=text)


async def test_a_letter_arrives_as_a_pdf_with_its_text_and_the_date_question(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    async with bot_on(emulator, tmp_path / "bot.db", Clock()) as running:
        await write(emulator, "/start", replies=2)  # the welcome, the menu
        await press(emulator, "ltr:access_request", replies=3)
        document, letter, send = emulator.sent(PATIENT)[-3:]
        texts, drafted = (
            chat_texts(LetterKind.ACCESS_REQUEST, "fr"),
            draft(LetterKind.ACCESS_REQUEST, "fr"),
        )
        assert document["document"]["file_name"] == drafted.filename == "courrier-acces.pdf"
        assert document["document"]["mime_type"] == "application/pdf"
        pdf = emulator.file_data(document["document"]["file_id"])
        assert pdf is not None and pdf.startswith(b"%PDF") and len(pdf) > 5000
        assert document["caption"] == plain(texts.here_is)
        assert letter["text"] == plain(drafted.text)
        assert send["text"] == plain(f"{texts.send}\n\n{texts.when_sent}")
        assert button_data(send) == [
            f"sent:access_request:{when}" for when in ("today", "yesterday", "later")
        ]
        [upload] = emulator.calls("sendDocument", chat_id=PATIENT)
        assert upload.ok
        await press(emulator, "sent:access_request:today")
        noted = emulator.sent(PATIENT)[-1]["text"]
        assert noted.startswith("C'est noté : lettre envoyée le 31/01/2026.")
        await running.helpline.deliveries.flush()
        assert await running.rows("SELECT count(*) FROM patient_deliveries") == [(0,)]


async def test_follow_ups_survive_a_restart_and_go_once(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "bot.db"
    async with bot_on(emulator, db, Clock()) as running:
        await write(emulator, "/plan", replies=2)  # the welcome, the question
        await press(emulator, f"{PLAN}x:phone")
        await press(emulator, f"{PLAN}go")
        assert "fu:on" in button_data(emulator.sent(PATIENT)[-1])
        await press(emulator, "fu:on")
        await press(emulator, "ltr:access_request", replies=3)
        await press(emulator, "sent:access_request:today")
        catalogue = running.catalogue
    before = len(emulator.sent(PATIENT))

    # 40 days on, a new process on the same database: what came due is sent at start
    later = Clock(datetime(2026, 3, 12, 12, 0))
    async with bot_on(emulator, db, later) as running:
        await emulator.wait_until(lambda: len(emulator.sent(PATIENT)) >= before + 2, what="due")
        # both due on 28 February at 10:00 in Paris: in the order they were asked for
        checkin, reminder = emulator.sent(PATIENT)[before:]
        assert checkin["text"].startswith(catalogue.phrase("checkin_1m", "fr"))
        assert button_data(checkin)[-1] == "fu:off"
        assert reminder["text"] == plain(
            reminder_text(LetterKind.ACCESS_REQUEST, "fr", START.date())
        )
        assert button_data(reminder) == ["ltr:cnil_complaint"]  # the next step
        await running.helpline.deliveries.flush()
        assert await running.rows("SELECT count(*) FROM patient_deliveries") == [(0,)]

    async with bot_on(emulator, db, later) as running:  # and again: nothing more is due
        assert await running.helpline.followups.take("telegram") == []
        await write(emulator, "/stop")
        assert emulator.sent(PATIENT)[-1]["text"] == catalogue.phrase("stop_done", "fr")
    assert len(emulator.sent(PATIENT)) == before + 2 + 1


async def test_a_patient_who_blocked_the_bot_gets_no_more_follow_ups(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "bot.db"
    async with bot_on(emulator, db, Clock()):
        for chat in (PATIENT, OTHER):
            await write(emulator, "/plan", chat=chat, replies=2)
            await press(emulator, f"{PLAN}x:email", chat=chat)
            await press(emulator, f"{PLAN}go", chat=chat)
            await press(emulator, "fu:on", chat=chat)
    emulator.block(PATIENT)
    month = Clock(datetime(2026, 3, 1, 12, 0))
    async with bot_on(emulator, db, month):
        await emulator.wait_until(lambda: len(emulator.sent(OTHER)) == 6, what="the check-in")
        await emulator.wait_until(
            lambda: any(not c.ok for c in emulator.calls("sendMessage", chat_id=PATIENT)),
            what="the 403",
        )
    async with bot_on(emulator, db, Clock(datetime(2026, 8, 1, 12, 0))) as running:
        await emulator.wait_until(lambda: len(emulator.sent(OTHER)) == 8, what="3 and 6 months")
        [blocked] = await running.rows(
            "SELECT blocked_at IS NOT NULL FROM patients WHERE chat_id = '5001'"
        )
        assert blocked == (1,)
    tries = emulator.calls("sendMessage", chat_id=PATIENT)
    assert len([c for c in tries if not c.ok]) == 1  # tried once, never again
    assert len(emulator.sent(PATIENT)) == 5
