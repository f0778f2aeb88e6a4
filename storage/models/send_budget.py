"""Telegram's bot-wide send limit, shared by every worker on PostgreSQL
(bot/telegram/send_budget.py): one row per lane, holding the lane's next free send time.
Nothing about patients."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Float
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.core import Base, StrEnumText


class BudgetLane(StrEnum):
    # every message sent takes a slot here, spaced 1/rate apart: the limit itself
    GATE = "gate"
    # the line of ordinary replies: a place in arrival order, before its slot at the gate
    NORMAL = "normal"


class SendBudgetLane(Base):
    __tablename__ = "send_budget"

    lane: Mapped[BudgetLane] = mapped_column(StrEnumText(BudgetLane, 16), primary_key=True)
    # the database clock's epoch seconds (PostgreSQL's now()), never a worker's
    next_slot: Mapped[float] = mapped_column(Float, default=0.0)
    # the normal lane: how far it went back so far for what went ahead of it, so that the
    # places already given go back too
    shift: Mapped[float] = mapped_column(Float, default=0.0)
