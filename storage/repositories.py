"""Queries behind names the engine understands. Every text written here is redacted first."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import (
    CASE_IS_OPEN,
    Case,
    ChannelState,
    HandledUpdate,
    Message,
    Patient,
    utcnow,
)
from storage.redaction import redact
from storage.session import TurnWrites

PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


def new_pseudonym() -> str:
    return "P-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(8))


# built once: composing it took ~4% of the bot's CPU per message (py-spy)
ARRIVE = (
    select(Patient, Case)
    .outerjoin(Case, (Case.patient_id == Patient.id) & CASE_IS_OPEN)
    .where(Patient.channel == bindparam("channel"), Patient.chat_id == bindparam("chat_id"))
)


class PatientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, channel: str, chat_id: str) -> Patient | None:
        return await self.session.scalar(
            select(Patient).where(Patient.channel == channel, Patient.chat_id == chat_id)
        )

    async def get_or_create(
        self, channel: str, chat_id: str, client_language: str | None = None
    ) -> tuple[Patient, bool]:
        """The patient for this chat, and whether they are new. Touches last_seen_at."""
        patient, created, _ = await self.arrive(channel, chat_id, client_language)
        return patient, created

    async def arrive(
        self, channel: str, chat_id: str, client_language: str | None = None
    ) -> tuple[Patient, bool, Case | None]:
        """A patient writes: their record (created if new, last_seen_at touched), whether it is
        new, and their open case, in one query. Changes are written at commit, together: under
        load every statement of a turn is a wait while SQLite's single writer is held."""
        found = (
            await self.session.execute(ARRIVE, {"channel": channel, "chat_id": chat_id})
        ).first()
        patient, case = (found[0], found[1]) if found is not None else (None, None)
        created = patient is None
        if patient is None:
            try:
                async with self.session.begin_nested():  # another process may insert it first
                    patient = Patient(
                        pseudonym=new_pseudonym(), channel=channel, chat_id=chat_id, state={}
                    )
                    self.session.add(patient)
            except IntegrityError:
                patient = await self.find(channel, chat_id)
                assert patient is not None
                created = False
        self.change(
            patient,
            client_language=client_language or patient.client_language,
            last_seen_at=utcnow(),
            blocked_at=None,  # writing to us means they no longer block the bot
        )
        return patient, created, case

    def change(self, patient: Patient, **values: Any) -> None:
        """Change the patient's record: seen at once on `patient`, written with the turn's
        other writes (`storage.session.TurnWrites`)."""
        for key, value in values.items():
            set_committed_value(patient, key, value)  # no ORM history: nothing to flush
        TurnWrites.of(self.session).patients.setdefault(patient.id, {}).update(values)

    async def mark_blocked(self, channel: str, chat_id: str) -> None:
        patient = await self.find(channel, chat_id)
        if patient is not None and patient.blocked_at is None:
            self.change(patient, blocked_at=utcnow())

    async def delete(self, patient: Patient) -> int:
        """Erase the patient and everything stored about them; returns the messages removed."""
        removed = await self.session.execute(
            delete(Message).where(Message.patient_id == patient.id)
        )
        await self.session.delete(patient)
        await self.session.flush()
        return int(removed.rowcount or 0)  # type: ignore[attr-defined]


class MessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(
        self,
        patient: Patient,
        direction: str,
        text: str,
        *,
        kind: str = "text",
        intent: str | None = None,
        confidence: float | None = None,
        case_id: int | None = None,
    ) -> None:
        """Store what the patient sent, redacted (written with the turn's other writes)."""
        self._add(patient, direction, redact(text), kind, intent, confidence, case_id)

    def add_reply(
        self,
        patient: Patient,
        text: str,
        *,
        intent: str | None = None,
        case_id: int | None = None,
    ) -> None:
        """What the bot said: our own text (it never echoes the patient), so kept as is."""
        self._add(patient, "out", text, "text", intent, None, case_id)

    def _add(
        self,
        patient: Patient,
        direction: str,
        text: str,
        kind: str,
        intent: str | None,
        confidence: float | None,
        case_id: int | None,
    ) -> None:
        TurnWrites.of(self.session).messages.append(
            {
                "patient_id": patient.id,
                "direction": direction,
                "kind": kind,
                "text": text,
                "intent": intent,
                "confidence": confidence,
                "case_id": case_id,
                "created_at": utcnow(),
            }
        )

    async def purge_older_than(self, days: int, now: datetime | None = None) -> int:
        """Delete messages older than the retention period; returns how many went."""
        cutoff = (now or utcnow()) - timedelta(days=days)
        result = await self.session.execute(delete(Message).where(Message.created_at < cutoff))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def recent(self, patient: Patient, limit: int) -> list[Message]:
        """The patient's last `limit` messages, oldest first."""
        rows = await self.session.scalars(
            select(Message)
            .where(Message.patient_id == patient.id)
            .order_by(Message.id.desc())
            .limit(limit)
        )
        return list(rows)[::-1]

    async def for_patient(self, patient: Patient) -> list[Message]:
        rows = await self.session.scalars(
            select(Message).where(Message.patient_id == patient.id).order_by(Message.id)
        )
        return list(rows)


class ChannelStateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> str | None:
        row = await self.session.get(ChannelState, key)
        return row.value if row else None

    async def set(self, key: str, value: str) -> None:
        # one UPDATE in the usual case
        result = await self.session.execute(
            update(ChannelState).where(ChannelState.key == key).values(value=value)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            self.session.add(ChannelState(key=key, value=value))


HANDLED_UPDATES = HandledUpdate.__table__


class HandledUpdateRepository:
    """The Telegram updates handled lately: (update id, checksum of its event) pairs."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def since(self, when: datetime) -> list[tuple[int, int, datetime]]:
        """(update id, checksum, handled at) of the updates handled from `when` on."""
        rows = await self.session.execute(
            select(
                HandledUpdate.update_id, HandledUpdate.fingerprint, HandledUpdate.handled_at
            ).where(HandledUpdate.handled_at >= when)
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def add(self, handled: Iterable[tuple[int, int]], at: datetime) -> None:
        """Note a batch of updates handled, in one statement."""
        rows = [{"update_id": u, "fingerprint": f, "handled_at": at} for u, f in handled]
        if rows:
            await self.session.execute(HANDLED_UPDATES.insert(), rows)

    async def forget_before(self, when: datetime) -> int:
        result = await self.session.execute(
            delete(HandledUpdate).where(HandledUpdate.handled_at < when)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
