"""What goes into the engine and what comes out of it: plain values, the same for every channel.

`Incoming` is what a patient sent (text, a command, a button, an attachment's kind); `Turn` is
the engine's answer to it: the replies, the cases to open, what the channel must do besides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.deliveries import EraseChat, Item
from bot.replies import Reply
from bot.safety import NetReading, Risk
from nlu.client import ParseResult
from storage.models import Patient, Priority

LANGUAGES = ("fr", "en")


class Parser(Protocol):
    async def parse(self, text: str) -> ParseResult: ...


@dataclass(frozen=True, slots=True)
class CaseRequest:
    """The engine asks for a case (a person): why, and how soon. `Escalations` opens it."""

    reason: str
    priority: Priority


@dataclass(frozen=True, slots=True)
class Incoming:
    channel: str
    chat_id: str
    text: str = ""
    button: str | None = None
    client_language: str | None = None
    # what a non-text message carried: "photo", "document", "voice", "sticker", "contact", ...
    # Only the kind is stored, never the content (a shared contact's number included). Its
    # caption, if any, is `text`: read by the crisis net, not stored.
    attachment: str | None = None
    # the channel's id of the message, so that it can be copied to the agents during a case
    message_id: int | None = None
    # what the crisis net read in `text` at the webhook's intake (bot/telegram/intake.py), so
    # that it is read once; None: the engine reads it
    net: NetReading | None = None


@dataclass
class Turn:
    language: str
    replies: list[Reply] = field(default_factory=list)
    escalations: list[CaseRequest] = field(default_factory=list)  # the cases to open
    patient_deleted: bool = False
    risk: Risk = Risk.NONE  # what the net and the model saw in the patient's message
    # something was queued for the agents' group (a case opened, a message to copy, a topic to
    # erase): the channel wakes its delivery, which otherwise waits for its next check
    for_agents: bool = False
    # the replies, stored until the channel says they were sent (bot.deliveries); None: none
    delivery: int | None = None
    # /delete: the channel deletes the chat's recent messages before sending the replies
    erase_chat: bool = False

    def items(self) -> list[Item]:
        """What the channel delivers, in order: the chat erased if asked, then the replies."""
        return [EraseChat(), *self.replies] if self.erase_chat else list(self.replies)


def choose_language(patient: Patient) -> str:
    """The patient's own choice (/language), else the language they clearly write in, else their
    app's language, else French."""
    if patient.language in LANGUAGES:
        return patient.language
    if (writes := patient.state.get("writes")) in LANGUAGES:
        return str(writes)
    return "en" if (patient.client_language or "").lower().startswith("en") else "fr"


def is_command(text: str) -> bool:
    return text.strip().startswith("/")


def is_command_text(incoming: Incoming) -> bool:
    """A command typed as a message (a photo's caption never is one)."""
    return incoming.attachment is None and is_command(incoming.text)
