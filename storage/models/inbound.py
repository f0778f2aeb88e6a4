"""Telegram updates shared by several webhook workers on PostgreSQL (issue 18.1,
storage/inbound.py): who handles which update, and each patient's recent messages counted for
the flood limit. Neither holds a chat id in clear (a keyed hash) nor any text."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.core import Base, StrEnumText, utcnow


class ClaimState(StrEnum):
    CLAIMED = "claimed"  # a worker is handling it
    HANDLED = "handled"  # the turn committed (in its transaction): a redelivery is a duplicate
    FINISHED = "finished"  # its handler returned: the chat's next update may go on


class InboundClaim(Base):
    """An update a worker took: its id and event checksum (as `HandledUpdate`), the keyed hash
    of its private chat (NULL for a group's), the worker's id (storage/workers.py) and state.
    Kept two days, like `HandledUpdate`, which SQLite keeps using.

    `payload`: the webhook's journal (bot/telegram/intake.py). A patient's update acknowledged
    before it is handled keeps its copy here, redacted (storage/redaction.py: no text as typed,
    no name), until its turn commits: a dead worker's are handled by another from it."""

    __tablename__ = "inbound_claims"
    __table_args__ = (
        Index("ix_inbound_claims_chat_key", "chat_key", "update_id"),
        Index(
            "ix_inbound_claims_journal",
            "worker",
            postgresql_where=text("payload IS NOT NULL"),
            sqlite_where=text("payload IS NOT NULL"),
        ),
    )

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    fingerprint: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_key: Mapped[int | None] = mapped_column(BigInteger)
    worker: Mapped[int]
    state: Mapped[ClaimState] = mapped_column(
        StrEnumText(ClaimState, 8), default=ClaimState.CLAIMED
    )
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    payload: Mapped[str | None] = mapped_column(Text)


class ThrottleMark(Base):
    """A patient's message counted by the flood limit: admitted (answered) or not, whether a
    text (answered once the flood is over), and its album's keyed hash. Kept one window."""

    __tablename__ = "inbound_throttle"
    __table_args__ = (Index("ix_inbound_throttle_chat_key", "chat_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_key: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime]
    admitted: Mapped[bool]
    answerable: Mapped[bool] = mapped_column(default=False)
    album: Mapped[int | None] = mapped_column(BigInteger)
