"""A failure inside the engine does not leave the patient with silence: they are told, with the
emergency numbers, and the bot goes on with the next message. Buttons are always answered."""

from __future__ import annotations

import pytest

from bot.engine import Incoming, Turn
from tests.telegram_helpers import PATIENT, RunningBot, plain, replies

pytestmark = pytest.mark.rasa  # end to end, with the real NLU server


async def test_a_failed_turn_gets_a_kind_answer_with_the_emergency_numbers(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    engine = running.helpline.engine
    handle = engine.handle

    async def broken(incoming: Incoming, **kw: bool) -> Turn:
        raise RuntimeError(f"database unreachable for {incoming.text}")

    monkeypatch.setattr(engine, "handle", broken)
    running.emulator.push_text(PATIENT, "je reçois des SMS bizarres", language_code="fr")
    [notice] = await replies(running, 1)
    assert notice["text"] == plain(running.catalogue.phrase("something_failed", "fr"))
    assert "3114" in notice["text"] and "112" in notice["text"]
    assert "SMS bizarres" not in caplog.text  # the log names the error, never the message

    monkeypatch.setattr(engine, "handle", handle)
    running.emulator.push_text(PATIENT, "bonjour")
    welcome = (await replies(running, 2))[1]
    assert welcome["text"] == plain(running.catalogue.phrase("welcome", "fr"))


async def test_an_english_speaker_is_told_in_english(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(incoming: Incoming, **kw: bool) -> Turn:
        raise RuntimeError("boom")

    monkeypatch.setattr(running.helpline.engine, "handle", broken)
    running.emulator.push_text(PATIENT, "hello", language_code="en")
    [notice] = await replies(running, 1)
    assert notice["text"] == plain(running.catalogue.phrase("something_failed", "en"))


async def test_every_button_press_is_answered_even_a_forged_one(running: RunningBot) -> None:
    running.emulator.push_text(PATIENT, "/start")
    greet = (await replies(running, 2))[-1]
    running.emulator.push_callback(PATIENT, "forged:data", message_id=greet["message_id"])
    await running.emulator.wait_for_calls("answerCallbackQuery", 1)
    await replies(running, 3)  # the menu, for a stale or forged button
