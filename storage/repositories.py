"""Queries behind names the engine understands. Every text written here is redacted first."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, ChannelState, Message, Patient, utcnow
from storage.redaction import redact

PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


def new_pseudonym() -> str:
    return "P-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(8))


# built once: composing it took ~4% of the bot's CPU per message (py-spy)
ARRIVE = (
    select(Patient, Case)
    .outerjoin(Case, (Case.patient_id == Patient.id) & (Case.status != "closed"))
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
        patient.client_language = client_language or patient.client_language
        patient.last_seen_at = utcnow()
        patient.blocked_at = None  # writing to us means they no longer block the bot
        return patient, created, case

    async def mark_blocked(self, channel: str, chat_id: str) -> None:
        patient = await self.find(channel, chat_id)
        if patient is not None and patient.blocked_at is None:
            patient.blocked_at = utcnow()

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

    async def add(
        self,
        patient: Patient,
        direction: str,
        text: str,
        *,
        kind: str = "text",
        intent: str | None = None,
        confidence: float | None = None,
        case_id: int | None = None,
    ) -> Message:
        message = Message(
            patient_id=patient.id,
            direction=direction,
            kind=kind,
            text=redact(text),
            intent=intent,
            confidence=confidence,
            case_id=case_id,
        )
        self.session.add(message)  # written at commit, with the turn's other rows
        return message

    async def add_reply(
        self,
        patient: Patient,
        text: str,
        *,
        intent: str | None = None,
        case_id: int | None = None,
    ) -> Message:
        """What the bot said: our own text (it never echoes the patient), so kept as is."""
        message = Message(
            patient_id=patient.id, direction="out", text=text, intent=intent, case_id=case_id
        )
        self.session.add(message)
        return message

    async def purge_older_than(self, days: int) -> int:
        """Delete messages older than the retention period; returns how many went."""
        cutoff = utcnow() - timedelta(days=days)
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
        # one UPDATE in the usual case (this runs for every batch of Telegram updates)
        result = await self.session.execute(
            update(ChannelState).where(ChannelState.key == key).values(value=value)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            self.session.add(ChannelState(key=key, value=value))
