"""The retention period, applied everywhere we keep something: the database and Telegram.

Past `RETENTION_DAYS`:
- messages are folded into anonymous daily counts, then deleted (storage.stats);
- a closed case's forum topic (its card, the copies of the patient's messages, the notes) is
  deleted from the agents' group through the outbox, and the case's notes are emptied;
- replies a patient was never sent (bot/deliveries.py) are dropped with their chat id;
- the ids of messages in patients' chats (bot/discretion.py) go after 48 hours already, when
  Telegram no longer lets the bot delete those messages;
- a patient who has not written since forgets their Telegram chat id: the pseudonymous row stays
  for the statistics, nothing can reach or recognise them any more. If they write again, they
  start afresh, as a new pseudonym. Their flags (storage/flags.py) are deleted then, and any
  flag once it has expired.

Run at start-up, by `helpline purge`, and every hour by the serving process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases import OutboxRepository
from storage.chat_messages import KEEP, ChatMessageRepository
from storage.deliveries import DeliveryRepository
from storage.flags import FlagRepository
from storage.models import CASE_IS_OPEN, Case, CaseStatus, Patient, PatientFollowup, utcnow
from storage.repositories import MessageRepository
from storage.stats import fold_daily_counts

FORGOTTEN = "forgotten:"  # a chat id no channel can have


@dataclass(frozen=True, slots=True)
class RetentionDone:
    messages: int
    topics: int
    notes: int
    patients: int
    flags: int = 0  # flags on patients expired, or on patients forgotten (storage/flags.py)


async def apply_retention(
    session: AsyncSession, days: int, threshold: float, now: datetime | None = None
) -> RetentionDone:
    """Everything past the retention period, in the caller's transaction."""
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    messages = await fold_daily_counts(session, days, threshold, now)
    messages += await MessageRepository(session).purge_older_than(days, now)

    old_cases = list(
        await session.scalars(
            select(Case).where(
                Case.status == CaseStatus.CLOSED,
                Case.closed_at < cutoff,
                # JSON has no equality on PostgreSQL: compare its text (as written, "[]")
                (Case.topic_id.is_not(None)) | (cast(Case.notes, String) != "[]"),
            )
        )
    )
    topics = notes = 0
    outbox = OutboxRepository(session)
    for case in old_cases:
        if case.topic_id is not None:
            await outbox.add_erasure(case, retention=True)
            case.topic_id = None
            topics += 1
        if case.notes:
            case.notes = []
            notes += 1

    has_open_case = select(Case.id).where(Case.patient_id == Patient.id, CASE_IS_OPEN).exists()
    # a check-in the patient asked for (up to 6 months on) needs their chat id until it is sent
    awaits_followup = (
        select(PatientFollowup.id)
        .where(PatientFollowup.patient_id == Patient.id, PatientFollowup.sent_at.is_(None))
        .exists()
    )
    forgotten = await session.execute(
        update(Patient)
        .where(
            Patient.last_seen_at < cutoff,
            Patient.chat_id.not_like(FORGOTTEN + "%"),
            ~has_open_case,
            ~awaits_followup,
        )
        .values(chat_id=FORGOTTEN + Patient.pseudonym, state={}, blocked_at=None)
        .execution_options(synchronize_session=False)
    )
    # replies never sent (the bot could not start again for that long): their chat ids go too
    await DeliveryRepository(session).forget_before(cutoff)
    await ChatMessageRepository(session).forget_before(now - KEEP)
    flags = await FlagRepository(session).purge(now, FORGOTTEN)
    await session.flush()
    return RetentionDone(messages, topics, notes, int(forgotten.rowcount or 0), flags)  # type: ignore[attr-defined]
