"""The NLU inbox: patient texts that fell back or were placed with low confidence, to be given a
verdict (`review.queries.annotations`). Only patients who said yes to `consent_improve`: the bot's
welcome promises the others that their messages will not serve to improve the service, so
reviewers never see them here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from review.queries.annotations import describe
from review.queries.columns import patient_language
from storage.models import Message, NLUAnnotation, Patient
from storage.stats import FALLBACK_INTENT, is_patient_text


@dataclass
class InboxItem:
    message_id: int
    at: datetime
    pseudonym: str
    language: str | None
    text: str
    intent: str | None
    confidence: float | None
    annotation: str | None


def needs_review(threshold: float, low: float) -> ColumnElement[bool]:
    """A patient text that fell back, or that the model placed with low confidence."""
    return and_(
        is_patient_text(),
        Message.text != "",
        or_(
            Message.intent == FALLBACK_INTENT,
            Message.confidence < max(threshold, low),
        ),
    )


async def inbox(
    session: AsyncSession,
    threshold: float,
    low: float,
    *,
    done: bool = False,
    before_id: int | None = None,
    size: int = 50,
) -> list[InboxItem]:
    """Messages to review (not annotated yet), or the annotated ones (`done`), newest first;
    consenting patients' only."""
    annotated = exists().where(NLUAnnotation.message_id == Message.id)
    query = (
        select(Message, Patient.pseudonym, patient_language())
        .join(Patient, Patient.id == Message.patient_id)
        .where(
            Patient.consent_improve.is_(True),
            needs_review(threshold, low),
            annotated if done else not_(annotated),
        )
        .order_by(Message.id.desc())
        .limit(size)
    )
    if before_id is not None:
        query = query.where(Message.id < before_id)
    items = []
    found = (await session.execute(query)).all()
    notes = {}
    if done and found:
        notes = {
            n.message_id: n
            for n in await session.scalars(
                select(NLUAnnotation).where(NLUAnnotation.message_id.in_([m.id for m, *_ in found]))
            )
        }
    for message, pseudonym, language in found:
        items.append(
            InboxItem(
                message_id=message.id,
                at=message.created_at,
                pseudonym=pseudonym,
                language=language,
                text=message.text,
                intent=message.intent,
                confidence=message.confidence,
                annotation=describe(notes.get(message.id)),
            )
        )
    return items
