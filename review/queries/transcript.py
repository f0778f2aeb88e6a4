"""One conversation: whether its patient consented, then its transcript, bot phase and human
phase, with each patient text's intent, confidence and verdict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nlu.client import unsure
from review.queries.annotations import describe
from storage.models import Case, Message, NLUAnnotation, Patient


@dataclass
class TranscriptLine:
    id: int
    at: datetime
    who: str  # patient, bot, agent
    phase: str  # bot, human
    kind: str
    text: str
    intent: str | None
    confidence: float | None
    case_id: int | None
    fell_back: bool
    annotation: str | None  # "relabel -> intent", "discard", ...


@dataclass
class Transcript:
    pseudonym: str
    language: str | None
    consent_improve: bool
    started_at: datetime
    lines: list[TranscriptLine]
    cases: list[Case]
    truncated: bool


async def consent_of(session: AsyncSession, pseudonym: str) -> bool | None:
    """Whether the patient said yes to their messages serving to improve the service
    (`consent_improve`); None if there is no such patient. Read before loading any text."""
    found = await session.scalar(
        select(Patient.consent_improve).where(Patient.pseudonym == pseudonym)
    )
    return None if found is None else bool(found)


async def transcript(
    session: AsyncSession, pseudonym: str, threshold: float, limit: int = 2000
) -> Transcript | None:
    patient = await session.scalar(select(Patient).where(Patient.pseudonym == pseudonym))
    if patient is None:
        return None
    found = (
        await session.execute(
            select(Message, NLUAnnotation)
            .outerjoin(NLUAnnotation, NLUAnnotation.message_id == Message.id)
            .where(Message.patient_id == patient.id)
            .order_by(Message.created_at, Message.id)
            .limit(limit + 1)
        )
    ).all()
    lines = []
    for message, note in found[:limit]:
        if message.direction == "in":
            who = "patient"
        else:
            # the bot's own replies are text; an agent's are "agent" (text) or a photo, ...
            who = "bot" if message.kind == "text" else "agent"
        lines.append(
            TranscriptLine(
                id=message.id,
                at=message.created_at,
                who=who,
                phase="human" if message.case_id is not None else "bot",
                kind=message.kind,
                text=message.text,
                intent=message.intent,
                confidence=message.confidence,
                case_id=message.case_id,
                fell_back=message_fell_back(message, threshold),
                annotation=describe(note),
            )
        )
    cases = list(
        await session.scalars(select(Case).where(Case.patient_id == patient.id).order_by(Case.id))
    )
    return Transcript(
        pseudonym=patient.pseudonym,
        language=patient.language or patient.client_language,
        consent_improve=patient.consent_improve,
        started_at=patient.created_at,
        lines=lines,
        cases=cases,
        truncated=len(found) > limit,
    )


def message_fell_back(message: Message, threshold: float) -> bool:
    return (
        message.direction == "in"
        and message.kind == "text"
        and unsure(message.intent, message.confidence, threshold)
    )
