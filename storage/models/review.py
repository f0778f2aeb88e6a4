"""What the review workspace (review/) stores: its accounts, sessions, audit log, login
failures, NLU annotations and the anonymous daily counts; and the indexes its queries need on
the helpline's tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.core import Base, Case, Message, Patient, utcnow

# Indexes the workspace's queries need on the tables above, declared here so that the classes
# above stay untouched: the conversation list pages patients by last activity (keyset), the
# escalated / risk / satisfaction filters look a patient's cases up, the NLU inbox and the
# statistics read patient messages by time.
Index("ix_patients_last_seen_id", Patient.last_seen_at, Patient.id)
Index("ix_cases_patient_id", Case.patient_id)
Index("ix_cases_opened_at", Case.opened_at)


class ReviewUser(Base):
    """An account of the review workspace, created from the command line."""

    __tablename__ = "review_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # reviewer, supervisor
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored here,
    so a copy of the database does not let anyone sign in."""

    __tablename__ = "review_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("review_users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[ReviewUser] = relationship()


class ReviewAudit(Base):
    """Who did what in the workspace: opened a conversation (by pseudonym), annotated, exported.
    Keeps the account's name, so the trail survives the account's removal."""

    __tablename__ = "review_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(64), default="")


class LoginFailure(Base):
    """A failed sign-in to the review workspace, or one whose password is being checked: the
    attempt is counted before argon2 runs, so simultaneous attempts cannot all get past the
    limit. Here rather than in memory so that every `helpline review` process sees the same
    counts; rows older than the throttle's window are deleted as new attempts come."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_key: Mapped[str] = mapped_column(String(64), index=True)  # see review.auth.name_key
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class NLUAnnotation(Base):
    """A reviewer's verdict on one patient message: the intent it should have had, or discard.
    Goes with the message (retention, /delete)."""

    __tablename__ = "nlu_annotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    verdict: Mapped[str] = mapped_column(String(8))  # correct, relabel, discard
    intent: Mapped[str | None] = mapped_column(String(64))  # None when discarded
    reviewer: Mapped[str] = mapped_column(String(64))
    annotated_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[Message] = relationship()


class DailyCount(Base):
    """Anonymous per-day counts kept when the retention period deletes the messages: no patient,
    no text, only (UTC day, metric) -> count. Metrics: messages_in, messages_out, texts_in,
    conversations, fallbacks, escalations, intent:<name>."""

    __tablename__ = "daily_counts"

    day: Mapped[date] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(80), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
