"""Telegram's bot-wide send limit, shared by every worker on PostgreSQL
(bot/telegram/send_budget.py): the gate's row holds its next free send time. Nothing about
patients."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Float
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.core import Base, StrEnumText


class BudgetLane(StrEnum):
    # every message sent takes a slot here, spaced 1/rate apart: the limit itself
    GATE = "gate"
    # unused since the one-gate budget (issue 18 point 4); migration 0017 inserted its row in
    # every database, and StrEnumText cannot read a row whose value is not a member
    NORMAL = "normal"


class SendBudgetLane(Base):
    __tablename__ = "send_budget"

    lane: Mapped[BudgetLane] = mapped_column(StrEnumText(BudgetLane, 16), primary_key=True)
    # the database clock's epoch seconds (PostgreSQL's now()), never a worker's
    next_slot: Mapped[float] = mapped_column(Float, default=0.0)
    # unused since the one-gate budget (was the normal lane's shift); kept: migrations are
    # append-only
    shift: Mapped[float] = mapped_column(Float, default=0.0)
