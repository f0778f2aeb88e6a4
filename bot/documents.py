"""The documents a channel sends a patient, made when they are sent: a delivery keeps only
which letter and in which language (bot/replies.py `LetterFile`), never the PDF's bytes."""

from __future__ import annotations

from bot.letters import LetterKind, draft, to_pdf
from bot.replies import LetterFile


def letter_pdf(document: LetterFile) -> tuple[str, bytes]:
    """The letter's file name and its PDF (some 40 ms of CPU: run it off the event loop)."""
    letter = draft(LetterKind(document.kind), document.language)
    return letter.filename, to_pdf(letter)
