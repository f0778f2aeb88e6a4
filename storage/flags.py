"""Flags on a patient ("prefers English", "sensitive: HIV status") and the patient's earlier
cases: what the case card adds about the person behind a case, without saying who they are.

Supervisors set flags in the review workspace, agents from a case's topic (`/flag`). A flag can
expire; an expired one is no longer shown and the retention job deletes it, as it deletes the
flags of a patient it forgets (storage/retention.py). A patient's /delete takes their flags
with them (foreign key, ON DELETE CASCADE). What people read of a kind is in
`responses/patient_flags.yml` (responses/flags.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases import CaseRepository, OutboxRepository
from storage.models import Case, Patient, PatientFlag, utcnow
from storage.outbox import EditCard
from storage.redaction import redact

NOTE_CHARACTERS = 200
MAX_DAYS = 365  # a flag set to expire expires within a year; without expiry, until removed
EARLIER_CASES = 5  # shown on the card, newest first


class FlagKind(StrEnum):
    """The fixed list of flags (their words: responses/patient_flags.yml, the same ids)."""

    PREFERS_ENGLISH = "prefers_english"
    PREFERS_FRENCH = "prefers_french"
    PREFERS_WRITTEN = "prefers_written"
    SHARED_PHONE = "shared_phone"
    HAS_BLOCKED_BEFORE = "has_blocked_before"
    CRISIS_BEFORE = "crisis_before"
    SENSITIVE_HIV = "sensitive_hiv"
    SENSITIVE_PREGNANCY = "sensitive_pregnancy"
    SENSITIVE_GENETIC = "sensitive_genetic"


KNOWN_KINDS = [kind.value for kind in FlagKind]


def naive_utc(moment: datetime) -> datetime:
    """As stored: naive UTC (an injected clock may give an aware time)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


@dataclass(frozen=True, slots=True)
class ContactHistory:
    """What the card says of the patient beyond the case: no identity, ever."""

    earlier: list[Case]  # the patient's cases opened before this one, newest first
    earlier_total: int  # how many there are in all (more than shown when > EARLIER_CASES)
    flags: list[PatientFlag]  # active ones, oldest first


class FlagRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def set(
        self,
        patient_id: int,
        kind: FlagKind,
        set_by: str,
        *,
        days: int | None = None,
        note: str = "",
        now: datetime | None = None,
    ) -> PatientFlag:
        """Set the flag, or set it again (new expiry, note and author) if the patient has it."""
        kind = FlagKind(kind)
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise ValueError(f"a flag expires after 1 to {MAX_DAYS} days")
        now = naive_utc(now) if now is not None else utcnow()
        values = {
            "note": redact(note.strip())[:NOTE_CHARACTERS],
            "set_by": set_by[:80],
            "created_at": now,
            "expires_at": now + timedelta(days=days) if days is not None else None,
        }
        flag = await self._find(patient_id, kind)
        if flag is None:
            try:
                async with self.session.begin_nested():
                    flag = PatientFlag(patient_id=patient_id, kind=kind.value, **values)
                    self.session.add(flag)
                return flag
            except IntegrityError:  # set at the same moment by someone else: set it again
                flag = await self._find(patient_id, kind)
                assert flag is not None
        for name, value in values.items():
            setattr(flag, name, value)
        await self.session.flush()
        return flag

    async def _find(self, patient_id: int, kind: FlagKind) -> PatientFlag | None:
        return await self.session.scalar(
            select(PatientFlag).where(
                PatientFlag.patient_id == patient_id, PatientFlag.kind == kind.value
            )
        )

    async def remove(self, patient_id: int, flag_id: int) -> PatientFlag | None:
        """Delete one of the patient's flags; the flag removed, None if they had no such flag."""
        flag = await self.session.get(PatientFlag, flag_id)
        if flag is None or flag.patient_id != patient_id:
            return None
        await self.session.delete(flag)
        await self.session.flush()
        return flag

    async def active(self, patient_id: int, now: datetime | None = None) -> list[PatientFlag]:
        now = naive_utc(now) if now is not None else utcnow()
        rows = await self.session.scalars(
            select(PatientFlag)
            .where(
                PatientFlag.patient_id == patient_id,
                PatientFlag.kind.in_(KNOWN_KINDS),
                or_(PatientFlag.expires_at.is_(None), PatientFlag.expires_at > now),
            )
            .order_by(PatientFlag.created_at, PatientFlag.id)
        )
        return list(rows)

    async def purge(self, now: datetime, forgotten_prefix: str) -> int:
        """Delete the expired flags, and those of patients the retention period forgot (their
        chat id starts with `forgotten_prefix`: they can never be recognised again, so their
        flags would only keep what was said about them). How many went."""
        now = naive_utc(now)
        # an open case's pinned card still shows the flag: it is shown again without it
        expired = select(PatientFlag.patient_id).where(PatientFlag.expires_at <= now).distinct()
        for patient_id in list(await self.session.scalars(expired)):
            await refresh_card(self.session, patient_id)
        forgotten = select(Patient.id).where(Patient.chat_id.like(forgotten_prefix + "%"))
        done = await self.session.execute(
            delete(PatientFlag)
            .where((PatientFlag.expires_at <= now) | PatientFlag.patient_id.in_(forgotten))
            .execution_options(synchronize_session=False)
        )
        return int(done.rowcount or 0)  # type: ignore[attr-defined]


async def contact_history(session: AsyncSession, case: Case, now: datetime) -> ContactHistory:
    """The patient's earlier cases (the last EARLIER_CASES, and how many in all) and their
    active flags, for the card of `case`."""
    earlier = Case.patient_id == case.patient_id, Case.id < case.id
    total = await session.scalar(select(func.count()).select_from(Case).where(*earlier))
    shown = await session.scalars(
        select(Case).where(*earlier).order_by(Case.id.desc()).limit(EARLIER_CASES)
    )
    flags = await FlagRepository(session).active(case.patient_id, now)
    return ContactHistory(list(shown), int(total or 0), flags)


async def refresh_card(session: AsyncSession, patient_id: int) -> Case | None:
    """A flag changed: the pinned card of the patient's open case, if any, is shown again
    (through the agents' outbox, in the caller's transaction). The open case, or None."""
    patient = await session.get(Patient, patient_id)
    case = await CaseRepository(session).find_open(patient) if patient is not None else None
    if case is not None:
        await OutboxRepository(session).add(case, EditCard())
    return case
