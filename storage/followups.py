"""Messages scheduled for patients (bot/followups.py): a letter's deadline, the check-ins they
opted in to. Written in the turn that asked for them; marked sent in the transaction that
queues them as a delivery (bot/deliveries.py), so that each goes once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CASE_IS_OPEN, Case, FollowupKind, Patient, PatientFollowup

PENDING = PatientFollowup.sent_at.is_(None)


class FollowupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def schedule(
        self,
        patient_id: int,
        kind: FollowupKind,
        due_at: datetime,
        *,
        letter: str | None = None,
        sent_on: date | None = None,
    ) -> None:
        """One pending message of a kind (and letter) per patient: a new date replaces it."""
        same_letter = (
            PatientFollowup.letter.is_(None) if letter is None else PatientFollowup.letter == letter
        )
        await self.session.execute(
            delete(PatientFollowup).where(
                PatientFollowup.patient_id == patient_id,
                PatientFollowup.kind == kind,
                same_letter,
                PENDING,
            )
        )
        self.session.add(
            PatientFollowup(
                patient_id=patient_id, kind=kind, letter=letter, sent_on=sent_on, due_at=due_at
            )
        )

    async def pending(self, patient_id: int) -> list[PatientFollowup]:
        """The patient's messages still to send, soonest first."""
        rows = await self.session.scalars(
            select(PatientFollowup)
            .where(PatientFollowup.patient_id == patient_id, PENDING)
            .order_by(PatientFollowup.due_at, PatientFollowup.id)
        )
        return list(rows)

    async def stop(self, patient_id: int) -> int:
        """/stop: none of the patient's pending messages will go; returns how many there were."""
        result = await self.session.execute(
            delete(PatientFollowup).where(PatientFollowup.patient_id == patient_id, PENDING)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def due(
        self, channel: str, now: datetime, chat_id: str | None = None, limit: int = 100
    ) -> list[tuple[PatientFollowup, Patient]]:
        """The channel's messages due by `now`, oldest first, with their patient; those of a
        patient a person is talking to wait until the case is closed."""
        has_open_case = select(Case.id).where(Case.patient_id == Patient.id, CASE_IS_OPEN).exists()
        query = (
            select(PatientFollowup, Patient)
            .join(Patient, Patient.id == PatientFollowup.patient_id)
            .where(Patient.channel == channel, PENDING, PatientFollowup.due_at <= now)
            .where(~has_open_case)
            .order_by(PatientFollowup.due_at, PatientFollowup.id)
            .limit(limit)
        )
        if chat_id is not None:
            query = query.where(Patient.chat_id == chat_id)
        return [(row[0], row[1]) for row in (await self.session.execute(query)).all()]

    async def drop(self, ids: Iterable[int]) -> None:
        """Never to be sent (the patient blocked the bot, or the retention forgot their chat)."""
        ids = list(ids)
        if ids:
            await self.session.execute(delete(PatientFollowup).where(PatientFollowup.id.in_(ids)))
