"""What the agents' group can be sent: one kind of outbox row per thing to do there, each with its
own payload type. The escalation service writes them (`OutboxRepository.add`), the channel's
delivery reads them back (`read`) and has one sender per kind.

A row is stored as its kind's value and its payload's fields as JSON (`GroupPost`). A row this
version cannot read (a kind a newer version wrote, or a payload missing a field) raises
`UnreadablePost`: the delivery leaves it in place, it is never taken for delivered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar, Self


class OutboxKind(StrEnum):
    TOPIC = "topic"  # create the case's topic, with its pinned card
    CARD = "card"  # make sure the case's topic has its pinned card
    CARD_EDIT = "card_edit"  # show the card again, after a change
    TEXT = "text"  # a message in the case's topic
    COPY = "copy"  # a patient's photo, document or voice note, copied into the topic
    ANNOUNCE = "announce"  # a message in the General topic
    RENAME = "rename"  # name the topic again (its priority changed)
    CLOSE_TOPIC = "close_topic"
    REOPEN_TOPIC = "reopen_topic"
    ERASE_TOPIC = "erase_topic"  # delete the topic, every message in it with it
    EDIT_TEXT = "edit_text"  # change a message the bot posted in a topic (bot/case_closing.py)
    AGENT_DM = "agent_dm"  # a private message to an agent, else said in General (bot/desk.py)
    MOVED_OUT = "moved_out"  # a note in a topic the case left (bot/transfer.py), then closed


class UnreadablePost(ValueError):
    """A row of a kind this version does not know, or with a payload it cannot read."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"unreadable agents' group post of kind {kind!r}")
        self.kind = kind


class _Payload:
    """Fields of a payload <-> the JSON of its row. A field left at its default is not written
    (the rows of earlier versions were written so)."""

    __slots__ = ()
    kind: ClassVar[OutboxKind]

    def to_json(self) -> dict[str, Any]:
        values = ((f, getattr(self, f.name)) for f in fields(self))  # type: ignore[arg-type]
        return {f.name: value for f, value in values if f.default is MISSING or value != f.default}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{key: value for key, value in data.items() if key in names})


def _buttons(data: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(label, callback data) pairs as JSON gives them back (lists)."""
    return tuple((str(label), str(value)) for label, value in data.get("buttons") or ())


@dataclass(frozen=True, slots=True)
class OpenTopic(_Payload):
    kind: ClassVar[OutboxKind] = OutboxKind.TOPIC


@dataclass(frozen=True, slots=True)
class PostCard(_Payload):
    kind: ClassVar[OutboxKind] = OutboxKind.CARD


@dataclass(frozen=True, slots=True)
class EditCard(_Payload):
    kind: ClassVar[OutboxKind] = OutboxKind.CARD_EDIT


@dataclass(frozen=True, slots=True)
class TopicText(_Payload):
    """Text as the agents read it (written in the agents' language, patient text redacted)."""

    kind: ClassVar[OutboxKind] = OutboxKind.TEXT
    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (label, callback data), one row
    columns: int = 0  # buttons per row; 0: all on one row

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        return cls(str(data["text"]), _buttons(data), int(data.get("columns") or 0))


@dataclass(frozen=True, slots=True)
class EditTopicText(_Payload):
    """A message the bot posted in a case's topic, changed: a question answered, a choice
    ticked (bot/case_closing.py). Without buttons, its buttons are taken off."""

    kind: ClassVar[OutboxKind] = OutboxKind.EDIT_TEXT
    message_id: int
    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    columns: int = 0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        columns = int(data.get("columns") or 0)
        return cls(int(data["message_id"]), str(data["text"]), _buttons(data), columns)


@dataclass(frozen=True, slots=True)
class CopyToTopic(_Payload):
    kind: ClassVar[OutboxKind] = OutboxKind.COPY
    message_id: int  # in the patient's chat
    caption: str  # as stored (redacted); "" removes one that was all identifiers


@dataclass(frozen=True, slots=True)
class Announce(_Payload):
    """A message in the General topic (urgent cases, reminders)."""

    kind: ClassVar[OutboxKind] = OutboxKind.ANNOUNCE
    text: str


@dataclass(frozen=True, slots=True)
class RenameTopic(_Payload):
    kind: ClassVar[OutboxKind] = OutboxKind.RENAME


@dataclass(frozen=True, slots=True)
class CloseTopic(_Payload):
    kind: ClassVar[OutboxKind] = OutboxKind.CLOSE_TOPIC


@dataclass(frozen=True, slots=True)
class ReopenTopic(_Payload):
    kind: ClassVar[OutboxKind] = OutboxKind.REOPEN_TOPIC


@dataclass(frozen=True, slots=True)
class EraseTopic(_Payload):
    """Kept apart from its case (erased with its patient): only the topic and the number."""

    kind: ClassVar[OutboxKind] = OutboxKind.ERASE_TOPIC
    topic_id: int | None
    number: str
    quiet: bool  # the retention period: nobody asked, nobody is told


@dataclass(frozen=True, slots=True)
class AgentDM(_Payload):
    """A private message to an agent (a suggestion to take a break); `fallback` goes to the
    General topic when the bot cannot write to them (they never started it, or blocked it)."""

    kind: ClassVar[OutboxKind] = OutboxKind.AGENT_DM
    user_id: int
    text: str
    fallback: str


@dataclass(frozen=True, slots=True)
class TopicMovedOut(_Payload):
    """The case was transferred to another agents' group (bot/transfer.py): a note in the topic
    it leaves, which is then closed. Kept apart from the case, which has its new topic."""

    kind: ClassVar[OutboxKind] = OutboxKind.MOVED_OUT
    topic_id: int
    text: str


GroupPayload = (
    OpenTopic
    | PostCard
    | EditCard
    | TopicText
    | CopyToTopic
    | Announce
    | RenameTopic
    | CloseTopic
    | ReopenTopic
    | EraseTopic
    | EditTopicText
    | AgentDM
    | TopicMovedOut
)
PAYLOAD_TYPES: dict[OutboxKind, type[GroupPayload]] = {
    payload.kind: payload
    for payload in (
        OpenTopic,
        PostCard,
        EditCard,
        TopicText,
        CopyToTopic,
        Announce,
        RenameTopic,
        CloseTopic,
        ReopenTopic,
        EraseTopic,
        EditTopicText,
        AgentDM,
        TopicMovedOut,
    )
}


def read(kind: str, data: Mapping[str, Any]) -> GroupPayload:
    """The payload of a stored row; UnreadablePost if this version cannot read it."""
    try:
        payload_type = PAYLOAD_TYPES[OutboxKind(kind)]
        return payload_type.from_json(data)
    except (KeyError, TypeError, ValueError) as error:
        raise UnreadablePost(kind) from error
