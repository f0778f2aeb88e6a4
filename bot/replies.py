"""What the helpline says to a patient: text, and buttons under it. Channel-independent."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True, slots=True)
class LetterFile:
    """A letter sent as a PDF (bot/letters.py): only which letter and in which language. The
    PDF is made again when it is sent (bot/documents.py): never stored, nor anything typed."""

    kind: str  # a bot.letters.LetterKind's value
    language: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    # a neutral first line shown above the text of each message the reply makes (discreet mode,
    # bot/discretion.py: what a lock screen's preview shows); "" for none
    lead: str = ""
    # a document sent with `text` as its caption (a letter: bot/letters_flow.py); None: a message
    document: LetterFile | None = None
