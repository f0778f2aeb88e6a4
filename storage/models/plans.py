"""The patient's plan, letters and follow-ups (issue 19: bot/plan.py, bot/letters_flow.py,
bot/followups.py): only what was ticked, which letter, when; never a detail."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.core import Base, StrEnumText, utcnow


class PatientPlan(Base):
    """The patient's plan (bot/plan.py): the kinds of data they ticked as exposed and the ids of
    the steps they did, nothing else. Goes with the patient (/delete)."""

    __tablename__ = "patient_plans"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    exposed: Mapped[list[str]] = mapped_column(JSON, default=list)  # bot.plan_steps.Exposure
    done: Mapped[list[str]] = mapped_column(JSON, default=list)  # step ids of _plan.yml
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowupKind(StrEnum):
    """A message the patient asked the helpline to send them later. Stored: add, never rename."""

    LETTER_DEADLINE = "letter_deadline"  # the month a lab has to answer a letter is over
    CHECKIN_1M = "checkin_1m"  # check-ins the patient opted in to, 1, 3 and 6 months on
    CHECKIN_3M = "checkin_3m"
    CHECKIN_6M = "checkin_6m"


class PatientFollowup(Base):
    """A message scheduled for a patient (bot/followups.py): what kind, when, and whether it was
    sent. A letter's deadline also keeps which letter (a bot.letters.LetterKind's value) and the
    day the patient says they sent it; never the letter itself. Goes with the patient (/delete);
    /stop deletes those not sent yet."""

    __tablename__ = "patient_followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[FollowupKind] = mapped_column(StrEnumText(FollowupKind, 16))
    letter: Mapped[str | None] = mapped_column(String(24))
    sent_on: Mapped[date | None]  # the day the letter was sent, as the patient said
    due_at: Mapped[datetime] = mapped_column(index=True)  # naive UTC
    sent_at: Mapped[datetime | None]
