"""What the helpline stores. Patient text is stored only after `storage.redaction.redact`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Naive UTC: the same on SQLite (which has no time zones) and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}


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
    status: Mapped[str] = mapped_column(String(8), default="waiting")  # waiting, taken, closed
    priority: Mapped[str] = mapped_column(String(8), default="normal")  # urgent, high, normal
    risk_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="fr")
    assigned_agent_id: Mapped[int | None]
    topic_id: Mapped[int | None]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_agent_reply_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    satisfaction: Mapped[int | None]
    card_message_id: Mapped[int | None]  # the pinned case card in the topic
    taken_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]  # last "still waiting" reminder to the agents
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)  # agents' /note, redacted

    @property
    def number(self) -> str:
        """What agents and patients call the case: never a name."""
        return f"C-{self.id:05d}"


class AgentOutbox(Base):
    """What the bot must post to the agents' group, in order, paced to Telegram's group limit.
    Durable, so a restart neither drops nor repeats a case's messages."""

    __tablename__ = "agent_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # topic, card, text, copy, announce, ...
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
