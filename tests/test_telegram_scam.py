"""The scam checker through Telegram (the Bot API emulator, the real bot and NLU server): asked
for with /check or pasted unasked, the verdict comes with its steps, defanged addresses, and the
pasted message is not stored."""

from __future__ import annotations

from tests.telegram_helpers import PATIENT, RunningBot, button_data, replies

SMS = (
    "ameli: Votre remboursement de 48,50€ est en attente. Confirmez vos coordonnées bancaires "
    "sous 24h sur https://ameli-remboursement-fr.com/dossier Madame Lefort"
)


async def test_a_pasted_scam_sms_gets_the_verdict_and_is_not_stored(running: RunningBot) -> None:
    running.emulator.push_text(PATIENT, "bonjour")
    await replies(running, 2)  # the welcome, the greeting
    running.emulator.push_text(PATIENT, "/check")
    asked = (await replies(running, 3))[-1]
    assert "Collez ici le message suspect" in asked["text"]
    running.emulator.push_text(PATIENT, SMS)
    verdict = (await replies(running, 4))[-1]
    assert "arnaque" in verdict["text"] and "ameli-remboursement-fr[.]com" in verdict["text"]
    assert "33700" in verdict["text"] and "scam:check" in button_data(verdict)
    running.emulator.push_text(PATIENT, SMS)  # unasked: its link is flagged all the same
    again = (await replies(running, 5))[-1]
    assert again["text"] == verdict["text"]
    stored = " ".join(text for (text,) in await running.rows("SELECT text FROM messages"))
    assert "Lefort" not in stored and "remboursement-fr" not in stored
    assert await running.rows("SELECT count(*) FROM messages WHERE kind = 'pasted'") == [(2,)]
