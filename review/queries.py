"""What the workspace reads and writes. A conversation is one patient's messages (all of them,
bot phase and human phase); patients appear only by pseudonym, text as stored (redacted)."""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any

from sqlalchemy import Select, String, and_, cast, exists, func, not_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.cases import RISK_REASONS
from storage.models import (
    Case,
    Message,
    NLUAnnotation,
    Patient,
    ReviewAudit,
    utcnow,
)
from storage.stats import FALLBACK_INTENT, day_counts, fell_back, is_patient_text

RISK_FLAGS = tuple(sorted(RISK_REASONS))
VERDICTS = ("correct", "relabel", "discard")
MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL


# --- conversations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    language: str | None = None
    intent: str | None = None
    confidence_min: float | None = None
    confidence_max: float | None = None
    fell_back: bool | None = None
    escalated: bool | None = None
    risk: str | None = None
    satisfaction: int | None = None

    @classmethod
    def parse(cls, query: Any, intents: list[str]) -> Filters:
        """From the list page's query string; values that make no sense are ignored."""

        def text(key: str) -> str:
            return str(query.get(key, "") or "").strip()

        def day(key: str) -> date | None:
            try:
                return date.fromisoformat(text(key)) if text(key) else None
            except ValueError:
                return None

        def number(key: str) -> float | None:
            try:
                value = float(text(key)) if text(key) else None
            except ValueError:
                return None
            return value if value is not None and 0.0 <= value <= 1.0 else None

        def yes_no(key: str) -> bool | None:
            return {"yes": True, "no": False}.get(text(key))

        satisfaction = text("satisfaction")
        return cls(
            date_from=day("from"),
            date_to=day("to"),
            language=text("language") or None,
            intent=text("intent") if text("intent") in [*intents, FALLBACK_INTENT] else None,
            confidence_min=number("cmin"),
            confidence_max=number("cmax"),
            fell_back=yes_no("fallback"),
            escalated=yes_no("escalated"),
            risk=text("risk") if text("risk") in RISK_FLAGS else None,
            satisfaction=int(satisfaction) if satisfaction in {"1", "2", "3", "4", "5"} else None,
        )

    def query(self) -> dict[str, str]:
        """The query string that gives these filters back (for paging links)."""
        values = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "language": self.language or "",
            "intent": self.intent or "",
            "cmin": "" if self.confidence_min is None else f"{self.confidence_min:g}",
            "cmax": "" if self.confidence_max is None else f"{self.confidence_max:g}",
            "fallback": {True: "yes", False: "no", None: ""}[self.fell_back],
            "escalated": {True: "yes", False: "no", None: ""}[self.escalated],
            "risk": self.risk or "",
            "satisfaction": "" if self.satisfaction is None else str(self.satisfaction),
        }
        return {k: v for k, v in values.items() if v}


def patient_language() -> ColumnElement[str | None]:
    return func.coalesce(Patient.language, Patient.client_language)


def _conditions(filters: Filters, threshold: float) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    of_patient = Message.patient_id == Patient.id
    case_of_patient = Case.patient_id == Patient.id
    if filters.date_from is not None:  # active in the range: the conversation's span overlaps it
        conditions.append(Patient.last_seen_at >= datetime.combine(filters.date_from, time()))
    if filters.date_to is not None:  # time.max, not the next midnight: 9999-12-31 has none
        conditions.append(Patient.created_at <= datetime.combine(filters.date_to, time.max))
    if filters.language is not None:
        conditions.append(patient_language() == filters.language)
    message_terms: list[ColumnElement[bool]] = []
    if filters.intent is not None:
        message_terms.append(Message.intent == filters.intent)
    if filters.confidence_min is not None:
        message_terms.append(Message.confidence >= filters.confidence_min)
    if filters.confidence_max is not None:
        message_terms.append(Message.confidence <= filters.confidence_max)
    if message_terms:  # one patient message that has the intent and the confidence asked
        conditions.append(exists().where(of_patient, Message.direction == "in", *message_terms))
    if filters.fell_back is not None:
        fallback = exists().where(of_patient, fell_back(threshold))
        conditions.append(fallback if filters.fell_back else not_(fallback))
    if filters.escalated is not None:
        escalated = exists().where(case_of_patient)
        conditions.append(escalated if filters.escalated else not_(escalated))
    if filters.risk is not None:
        # risk_flags is a JSON list of names: '["crisis", "blackmail"]'
        flag = cast(Case.risk_flags, String).like(f'%"{filters.risk}"%')
        conditions.append(exists().where(case_of_patient, flag))
    if filters.satisfaction is not None:
        conditions.append(
            exists().where(case_of_patient, Case.satisfaction == filters.satisfaction)
        )
    return conditions


def encode_cursor(last_seen_at: datetime, patient_id: int) -> str:
    raw = f"{last_seen_at.isoformat()}|{patient_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        seen, patient_id = raw.split("|")
        found = datetime.fromisoformat(seen), int(patient_id)
    except (ValueError, UnicodeDecodeError):
        return None
    # what the database can compare: a naive UTC time, an id that fits its integers
    if found[0].tzinfo is not None or not 0 < found[1] <= MAX_ID:
        return None
    return found


@dataclass
class ConversationRow:
    pseudonym: str
    language: str | None
    started_at: datetime
    last_seen_at: datetime
    messages: int = 0
    fallbacks: int = 0
    cases: int = 0
    risk_flags: list[str] = field(default_factory=list)
    satisfaction: int | None = None
    consent_improve: bool = False


@dataclass
class Page:
    rows: list[ConversationRow]
    next_cursor: str | None  # older conversations
    prev_cursor: str | None  # newer conversations (None on the first page)


def page_query(
    filters: Filters, threshold: float, after: str | None = None, before: str | None = None
) -> tuple[Select[Any], bool, bool]:
    """The query of one page (without its LIMIT), whether it runs backwards (`before`), and
    whether a cursor was given."""
    key = tuple_(Patient.last_seen_at, Patient.id)
    query: Select[Any] = select(
        Patient.id,
        Patient.pseudonym,
        patient_language(),
        Patient.created_at,
        Patient.last_seen_at,
        Patient.consent_improve,
    ).where(*_conditions(filters, threshold))
    backwards = False
    if (cursor := decode_cursor(before)) is not None:
        backwards = True
        query = query.where(key > tuple_(*cursor)).order_by(
            Patient.last_seen_at.asc(), Patient.id.asc()
        )
    else:
        if (cursor := decode_cursor(after)) is not None:
            query = query.where(key < tuple_(*cursor))
        query = query.order_by(Patient.last_seen_at.desc(), Patient.id.desc())
    return query, backwards, cursor is not None


async def list_conversations(
    session: AsyncSession,
    filters: Filters,
    threshold: float,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = 50,
) -> Page:
    """Conversations by last activity, newest first, keyset-paged on (last_seen_at, id): each
    page costs the same however deep it is (index ix_patients_last_seen_id)."""
    query, backwards, has_cursor = page_query(filters, threshold, after, before)
    found = list((await session.execute(query.limit(size + 1))).all())
    more = len(found) > size
    found = found[:size]
    if backwards:
        found.reverse()
    rows = {
        r.id: ConversationRow(
            r.pseudonym,
            r[2],
            r.created_at,
            r.last_seen_at,
            consent_improve=bool(r.consent_improve),
        )
        for r in found
    }
    if rows:
        await _fill_counts(session, rows, threshold)
    ids = list(rows)
    first_page = not has_cursor or (backwards and not more)
    next_cursor = prev_cursor = None
    if ids and (more or backwards):
        last = rows[ids[-1]]
        next_cursor = encode_cursor(last.last_seen_at, ids[-1])
    if ids and not first_page:
        first = rows[ids[0]]
        prev_cursor = encode_cursor(first.last_seen_at, ids[0])
    return Page(list(rows.values()), next_cursor, prev_cursor)


async def _fill_counts(
    session: AsyncSession, rows: dict[int, ConversationRow], threshold: float
) -> None:
    ids = list(rows)
    counted = await session.execute(
        select(
            Message.patient_id,
            func.count(),
            func.count().filter(fell_back(threshold)),
        )
        .where(Message.patient_id.in_(ids))
        .group_by(Message.patient_id)
    )
    for patient_id, messages, fallbacks in counted:
        rows[patient_id].messages = messages
        rows[patient_id].fallbacks = fallbacks
    for case in await session.scalars(
        select(Case).where(Case.patient_id.in_(ids)).order_by(Case.id)
    ):
        row = rows[case.patient_id]
        row.cases += 1
        row.risk_flags = sorted({*row.risk_flags, *case.risk_flags})
        if case.satisfaction is not None:
            row.satisfaction = case.satisfaction


# --- one conversation -------------------------------------------------------------------------


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
        and (
            message.intent == FALLBACK_INTENT
            or (message.confidence is not None and message.confidence < threshold)
        )
    )


def describe(note: NLUAnnotation | None) -> str | None:
    if note is None:
        return None
    if note.verdict == "discard":
        return "discarded"
    return f"{note.verdict}: {note.intent}"


async def audit(session: AsyncSession, user_name: str, action: str, target: str = "") -> None:
    session.add(ReviewAudit(user_name=user_name, action=action, target=target[:64]))


async def audit_page(
    session: AsyncSession, before_id: int | None, size: int = 100
) -> list[ReviewAudit]:
    query = select(ReviewAudit).order_by(ReviewAudit.id.desc()).limit(size)
    if before_id is not None:
        query = query.where(ReviewAudit.id < before_id)
    return list(await session.scalars(query))


# --- NLU inbox --------------------------------------------------------------------------------
# Only patients who said yes to `consent_improve`: the bot's welcome promises the others that
# their messages will not serve to improve the service, so reviewers never see them here.


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


# --- statistics -------------------------------------------------------------------------------


@dataclass
class Statistics:
    start: date
    end: date  # inclusive
    days: list[date]
    per_day: dict[date, Counter[str]]
    intents: list[tuple[str, int]]
    totals: Counter[str]
    fallback_rate: float | None
    escalation_rate: float | None
    first_reply_minutes: list[float]
    first_reply_median: float | None
    satisfaction: Counter[int]

    def csv_rows(self) -> list[list[str]]:
        intents = [name for name, _ in self.intents]
        header = [
            "day",
            "messages_in",
            "messages_out",
            "conversations",
            "texts_in",
            "fallbacks",
            "escalations",
            *(f"intent:{name}" for name in intents),
        ]
        rows = [header]
        for day in self.days:
            counts = self.per_day.get(day, Counter())
            rows.append([day.isoformat(), *(str(counts[m]) for m in header[1:])])
        return rows


async def statistics(session: AsyncSession, threshold: float, start: date, end: date) -> Statistics:
    """Counts for start..end (inclusive): anonymous daily counts of purged days plus the live
    messages; agent reply times and satisfaction from the cases opened in that span."""
    stop = end + timedelta(days=1)
    per_day = await day_counts(session, threshold, start, stop)
    days = [start + timedelta(days=i) for i in range((stop - start).days)]
    totals: Counter[str] = Counter()
    for counts in per_day.values():
        totals.update(counts)
    intents = sorted(
        ((k.removeprefix("intent:"), v) for k, v in totals.items() if k.startswith("intent:")),
        key=lambda item: (-item[1], item[0]),
    )
    span = and_(
        Case.opened_at >= datetime.combine(start, time()),
        Case.opened_at < datetime.combine(stop, time()),
    )
    replies = [
        (replied - opened).total_seconds() / 60
        for opened, replied in await session.execute(
            select(Case.opened_at, Case.first_agent_reply_at).where(
                span, Case.first_agent_reply_at.is_not(None)
            )
        )
    ]
    satisfaction: Counter[int] = Counter(
        dict(
            (
                await session.execute(
                    select(Case.satisfaction, func.count())
                    .where(span, Case.satisfaction.is_not(None))
                    .group_by(Case.satisfaction)
                )
            ).all()
        )
    )
    texts, conversations = totals["texts_in"], totals["conversations"]
    return Statistics(
        start=start,
        end=end,
        days=days,
        per_day=per_day,
        intents=intents,
        totals=totals,
        fallback_rate=totals["fallbacks"] / texts if texts else None,
        escalation_rate=totals["escalations"] / conversations if conversations else None,
        first_reply_minutes=sorted(replies),
        first_reply_median=median(replies) if replies else None,
        satisfaction=satisfaction,
    )
