"""The conversation, the cases, the agents' outbox and desk (storage/models/__init__.py has
the rest)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Naive UTC: the same on SQLite (which has no time zones) and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}


E = TypeVar("E", bound=StrEnum)


class Priority(StrEnum):
    """How soon a case needs a person, most pressing first (the agents' queue's order)."""

    URGENT = "urgent"  # a crisis, blackmail, or an agent's /urgent
    HIGH = "high"  # a person asked for after the bot offered one (a scam, a photo...)
    NORMAL = "normal"


class CaseStatus(StrEnum):
    WAITING = "waiting"  # for an agent to take it
    TAKEN = "taken"
    CLOSED = "closed"


class Outcome(StrEnum):
    """How a case ended, chosen by the agent at close (bot/case_closing.py; the labels are in
    responses/case_categories.yml). Stored: add members, never rename one."""

    INFORMED = "informed"
    COMPLAINT_HELP = "complaint_help"
    SCAM_HANDLED = "scam_handled"
    IDENTITY_THEFT_HANDLED = "identity_theft"
    EMOTIONAL_SUPPORT = "emotional_support"
    REFERRED = "referred"  # referred elsewhere
    NO_REPLY = "no_reply"  # the patient stopped answering


class StrEnumText(TypeDecorator[E]):
    """A StrEnum in a plain string column: the database holds its value (no native enum type,
    no migration), Python gets the member back."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


class Patient(Base):
    """A person writing to the helpline, known by a pseudonym; the chat id is only for replying."""

    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    client_language: Mapped[str | None] = mapped_column(String(8))
    consent_improve: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # set when Telegram said the patient blocked the bot (403); cleared when they write again
    blocked_at: Mapped[datetime | None]
    # small conversation state the engine keeps between turns (pending question, fallback rounds)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # discreet mode (/discreet): the chat's messages are deleted from the chat this many minutes
    # after they were sent (bot/discretion.py); None: off
    discreet_minutes: Mapped[int | None]

    messages: Mapped[list[Message]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", passive_deletes=True
    )


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_patient_created", "patient_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))  # "in" (patient) or "out" (bot)
    kind: Mapped[str] = mapped_column(String(16), default="text")  # text, button, command, ...
    text: Mapped[str] = mapped_column(default="")  # redacted
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # set while a person handles the patient: the human phase of the conversation
    case_id: Mapped[int | None] = mapped_column(index=True)

    patient: Mapped[Patient] = relationship(back_populates="messages")


class ChannelState(Base):
    """Small durable facts about a channel, e.g. the last Telegram update handled."""

    __tablename__ = "channel_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(default="")


class HandledUpdate(Base):
    """A Telegram update handled lately, so that a redelivery is not handled twice: its id and
    a checksum of its event (which tells a repeat from another update given the same id), no
    chat and no text. Kept two days: Telegram keeps an undelivered update 24 hours at most."""

    __tablename__ = "handled_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    fingerprint: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class PatientDelivery(Base):
    """What must still reach a patient: the replies of a turn, an agent's message to copy, the
    helpline's notices. Written in the transaction of what made it, deleted once the channel
    sent it: a crash in between leaves the row, and the next start sends it. Keyed by the chat,
    not the patient: the confirmation of /delete outlives the patient's row. The bot's own text
    (never the patient's), and only for seconds as a rule."""

    __tablename__ = "patient_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    # [{"text": ..., "buttons": [[label, data], ...]}] or [{"copy": [from chat, message id]}]
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(default=False)  # a crisis answer: sent first
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # issue 18, background jobs: the worker sending it (storage/job_locks.py), written by the
    # column's default on PostgreSQL; NULL on SQLite (one process)
    worker: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ChatMessage(Base):
    """A message in a patient's chat, theirs or the bot's, that the bot may have to delete from
    the chat itself (/delete, discreet mode: bot/discretion.py): the channel's id of the message
    and when it was sent, never its content. Forgotten after 48 hours, when Telegram no longer
    lets a bot delete it. Keyed by the chat, not the patient: /delete erases the patient's row
    before the chat is cleaned."""

    __tablename__ = "chat_messages"
    __table_args__ = (Index("ix_chat_messages_chat", "channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int] = mapped_column(BigInteger)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Case(Base):
    """A request for a person: one open case per patient at a time (partial unique index)."""

    __tablename__ = "cases"
    __table_args__ = (
        Index(
            "ux_cases_one_open_per_patient",
            "patient_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    status: Mapped[CaseStatus] = mapped_column(
        StrEnumText(CaseStatus, 8), default=CaseStatus.WAITING
    )
    priority: Mapped[Priority] = mapped_column(StrEnumText(Priority, 8), default=Priority.NORMAL)
    risk_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="fr")
    # a Telegram user id: 64 bits (SQLite's INTEGER has them; migration 0011)
    assigned_agent_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite")
    )
    topic_id: Mapped[int | None]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_agent_reply_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    satisfaction: Mapped[int | None]
    card_message_id: Mapped[int | None]  # the pinned case card in the topic
    taken_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]  # last "still waiting" reminder to the agents
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)  # agents' /note, redacted
    # --- the agents' desk (bot/desk.py): assignment and response-time targets ---
    assigned_at: Mapped[datetime | None]  # when the current assignee got it
    # the agent it was last taken back from (released, gone away, no answer in time): the
    # automatic assignment never gives it back to them
    handed_back_by: Mapped[int | None] = mapped_column(BigInteger)
    # the patient's oldest message not answered yet by an agent; None once one answers
    patient_waiting_since: Mapped[datetime | None]
    sla_breaches: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    breached_at: Mapped[datetime | None]  # the last response-time target missed
    # chosen by the agent at close (bot/case_closing.py); None on cases closed before
    outcome: Mapped[Outcome | None] = mapped_column(StrEnumText(Outcome, 24))
    # ids of responses/case_categories.yml: what the case was about
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    # --- several agents' groups (bot/agents_groups.py, bot/transfer.py; migration 0014) ---
    # the forum group the case is followed in; None: the default group (cases opened before)
    agents_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    # [group, topic] of the topics it was transferred away from: erased with the case's own
    former_topics: Mapped[list[list[int]]] = mapped_column(JSON, default=list)

    @property
    def number(self) -> str:
        """What agents and patients call the case: never a name."""
        return f"C-{self.id:05d}"


# A case still open, written as the partial index's own condition. With a bound parameter for
# "closed", SQLite re-prepares the statement at every execution (it must check the partial index
# against each value): 75-95 µs instead of 14 µs for the patient's lookup, measured.
CASE_IS_OPEN = Case.status != literal_column(f"'{CaseStatus.CLOSED}'")


class GroupPost(Base):
    """Something the bot must post to the agents' group (one row of its outbox), in order,
    paced to Telegram's group limit. Durable, so a restart neither drops nor repeats a case's
    messages. `kind` and `payload` are a `storage.outbox` payload, written by
    `OutboxRepository.add` and read back by `storage.outbox.read`."""

    __tablename__ = "agent_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    # an OutboxKind's value; a plain string, so that a kind this version does not know (written by
    # a newer one) can still be read, and left in place
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    # the group it goes to, fixed when written (bot/agents_groups.py); None: the default group
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger)


class PatientFlag(Base):
    """A flag a supervisor or an agent set on a patient ("prefers English", "sensitive: HIV
    status"), shown on their case card while active (storage/flags.py). One per kind and
    patient; goes with the patient (/delete); expired ones are purged by the retention job."""

    __tablename__ = "patient_flags"
    __table_args__ = (UniqueConstraint("patient_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    # a storage.flags.FlagKind's value; a plain string, so that a kind taken off the list
    # later is only not shown
    kind: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(200), default="")  # redacted
    set_by: Mapped[str] = mapped_column(String(80))  # "review:<name>" or "agent:<telegram id>"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(index=True)  # None: until removed


class Agent(Base):
    """A member of the agents' group the bot has seen there (bot/desk.py): their Telegram user
    id and the name they go by in the group (an agent's @username or first name, never a
    patient's), and whether they take cases now."""

    __tablename__ = "agents"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(64))
    available: Mapped[bool] = mapped_column(default=False)  # /available, /away
    since: Mapped[datetime] = mapped_column(default=utcnow)  # when `available` last changed
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    break_suggested_at: Mapped[datetime | None]  # after many crisis or blackmail cases
    # the agents' groups the bot saw them write in (bot/agents_groups.py); empty: the default
    groups: Mapped[list[int]] = mapped_column(JSON, default=list)


# the desk's queue and loads: open cases by status and assignee
Index("ix_cases_desk", Case.status, Case.assigned_agent_id)
