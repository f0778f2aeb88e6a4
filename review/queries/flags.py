"""The flags on a conversation's patient, as the transcript page shows them (active ones only:
an expired flag is as good as gone, and the retention job deletes it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.flags import FlagRepository
from storage.models import Patient, PatientFlag


async def patient_id_of(session: AsyncSession, pseudonym: str) -> int | None:
    return await session.scalar(select(Patient.id).where(Patient.pseudonym == pseudonym))


async def flags_of(session: AsyncSession, pseudonym: str) -> list[PatientFlag]:
    patient_id = await patient_id_of(session, pseudonym)
    return [] if patient_id is None else await FlagRepository(session).active(patient_id)
