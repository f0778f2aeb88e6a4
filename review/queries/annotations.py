"""Reviewers' verdicts on patient texts: correct, relabel or discard (what `review.export`
turns into NLU training data)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Message, NLUAnnotation, Patient, utcnow

VERDICTS = ("correct", "relabel", "discard")
ANNOTATION_ERRORS = {
    "no-message": "No such patient message.",
    "no-consent": "This patient did not consent to help improve the service.",
    "verdict": "Unknown verdict.",
    "nothing-to-confirm": "This message has no intent to confirm: relabel it.",
    "intent": "Choose one of the intents.",
}


class AnnotationError(ValueError):
    """A verdict refused; `code` is one of ANNOTATION_ERRORS (the web page shows its text)."""

    def __init__(self, code: str) -> None:
        super().__init__(ANNOTATION_ERRORS[code])
        self.code = code


async def annotate(
    session: AsyncSession,
    message_id: int,
    verdict: str,
    intent: str | None,
    reviewer: str,
    intents: list[str],
    *,
    consenting_only: bool = False,
) -> NLUAnnotation:
    """Record (or change) the verdict on a patient text: correct (its intent is right),
    relabel (to `intent`), or discard (not a useful example). `consenting_only` (the web
    workspace): refused on a text of a patient who did not consent, as the inbox never shows
    it."""
    message = await session.get(Message, message_id)
    if message is None or message.direction != "in" or message.kind != "text":
        raise AnnotationError("no-message")
    if consenting_only:
        consent = await session.scalar(
            select(Patient.consent_improve).where(Patient.id == message.patient_id)
        )
        if not consent:
            raise AnnotationError("no-consent")
    if verdict not in VERDICTS:
        raise AnnotationError("verdict")
    label: str | None = None
    if verdict == "correct":
        if message.intent not in intents:
            raise AnnotationError("nothing-to-confirm")
        label = message.intent
    elif verdict == "relabel":
        if intent not in intents:
            raise AnnotationError("intent")
        label = intent
    note = await session.scalar(select(NLUAnnotation).where(NLUAnnotation.message_id == message_id))
    if note is None:
        note = NLUAnnotation(
            message_id=message_id, verdict=verdict, intent=label, reviewer=reviewer
        )
        session.add(note)
    else:
        note.verdict, note.intent, note.reviewer = verdict, label, reviewer
        note.annotated_at = utcnow()
    await session.flush()
    return note


def describe(note: NLUAnnotation | None) -> str | None:
    if note is None:
        return None
    if note.verdict == "discard":
        return "discarded"
    return f"{note.verdict}: {note.intent}"
