"""The conversation list: its filters, its keyset cursors and its pages, newest activity first."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, String, cast, exists, func, not_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from review.queries.columns import MAX_ID, patient_language
from storage.cases import RISK_REASONS
from storage.models import Case, Message, Patient
from storage.stats import FALLBACK_INTENT, fell_back

RISK_FLAGS = tuple(sorted(RISK_REASONS))


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
class ConversationPage:
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
) -> ConversationPage:
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
    return ConversationPage(list(rows.values()), next_cursor, prev_cursor)


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
