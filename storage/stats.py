"""Anonymous daily counts: what the statistics keep of the messages the retention period deletes.

Before the purge, `fold_daily_counts` adds up, per UTC day, the messages that are about to go
(patient and bot messages, patient texts, distinct patients, fallbacks, intents, cases opened) into
`daily_counts`, then deletes those messages in the same transaction, so that every message is
counted exactly once. It folds whole UTC days: the cutoff is the start of the day after
`now - retention_days`, so a message goes up to one day before its 90 days are over, never after,
and a day is either entirely in `daily_counts` or entirely in `messages` (distinct-patient counts
stay exact). The purge that follows (MessageRepository.purge_older_than) then finds nothing left.

How closed cases ended and what they were about (their outcome and categories) is not folded:
the retention period keeps the cases (storage/retention.py empties their notes and deletes their
topics, nothing more), and the statistics count those from the cases (review/queries/stats.py).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Case, DailyCount, Message, utcnow

FALLBACK_INTENT = "nlu_fallback"  # nlu.client.FALLBACK_INTENT (storage does not import nlu)


def fold_cutoff(retention_days: int, now: datetime | None = None) -> datetime:
    """Start of the UTC day after `now - retention_days`: messages before it are folded."""
    oldest_kept = (now or utcnow()) - timedelta(days=retention_days)
    return datetime.combine(oldest_kept.date() + timedelta(days=1), time())


def is_patient_text() -> ColumnElement[bool]:
    return and_(Message.direction == "in", Message.kind == "text")


def fell_back(threshold: float) -> ColumnElement[bool]:
    """A patient text the engine could not place: `nlu.client.unsure`, in SQL."""
    return and_(
        is_patient_text(),
        or_(Message.intent == FALLBACK_INTENT, Message.confidence < threshold),
    )


def as_date(value: object) -> date:
    """`date(created_at)` is a string on SQLite and a date on PostgreSQL."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


async def live_day_counts(
    session: AsyncSession, threshold: float, start: datetime, end: datetime
) -> dict[date, Counter[str]]:
    """Per-day counts of the messages still stored with start <= created_at < end, and of the
    cases opened in that span: the same metrics as `daily_counts`."""
    day = func.date(Message.created_at)
    in_span = and_(Message.created_at >= start, Message.created_at < end)
    counts: dict[date, Counter[str]] = {}

    def at(value: object) -> Counter[str]:
        return counts.setdefault(as_date(value), Counter())

    for direction, metric in (("in", "messages_in"), ("out", "messages_out")):
        result = await session.execute(
            select(day, func.count()).where(in_span, Message.direction == direction).group_by(day)
        )
        for value, n in result:
            at(value)[metric] += n
    result = await session.execute(
        select(day, func.count()).where(in_span, is_patient_text()).group_by(day)
    )
    for value, n in result:
        at(value)["texts_in"] += n
    result = await session.execute(
        select(day, func.count(func.distinct(Message.patient_id))).where(in_span).group_by(day)
    )
    for value, n in result:
        at(value)["conversations"] += n
    result = await session.execute(
        select(day, func.count()).where(in_span, fell_back(threshold)).group_by(day)
    )
    for value, n in result:
        at(value)["fallbacks"] += n
    result = await session.execute(
        select(day, Message.intent, func.count())
        .where(in_span, Message.direction == "in", Message.intent.is_not(None))
        .group_by(day, Message.intent)
    )
    for value, intent, n in result:
        at(value)[f"intent:{intent}"] += n
    opened = func.date(Case.opened_at)
    result = await session.execute(
        select(opened, func.count())
        .where(Case.opened_at >= start, Case.opened_at < end)
        .group_by(opened)
    )
    for value, n in result:
        at(value)["escalations"] += n
    return counts


async def fold_daily_counts(
    session: AsyncSession, retention_days: int, threshold: float, now: datetime | None = None
) -> int:
    """Add the per-day counts of the messages past the retention period to `daily_counts` and
    delete those messages; returns how many were deleted. Runs in the caller's transaction."""
    cutoff = fold_cutoff(retention_days, now)
    oldest = await session.scalar(
        select(func.min(Message.created_at)).where(Message.created_at < cutoff)
    )
    if oldest is None:
        return 0
    # Cases are not deleted with the messages: count a day's cases only with that day's
    # messages, once, as the day is folded (days before `oldest` were folded already).
    start = datetime.combine(oldest.date(), time())
    counts = await live_day_counts(session, threshold, start, cutoff)
    existing = {
        (row.day, row.metric): row
        for row in await session.scalars(
            select(DailyCount).where(DailyCount.day >= start.date(), DailyCount.day < cutoff.date())
        )
    }
    for day, metrics in counts.items():
        for metric, n in metrics.items():
            if (row := existing.get((day, metric))) is not None:
                row.count += n
            else:
                session.add(DailyCount(day=day, metric=metric, count=n))
    result = await session.execute(delete(Message).where(Message.created_at < cutoff))
    await session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def archived_day_counts(
    session: AsyncSession, start: date, end: date
) -> dict[date, Counter[str]]:
    """The anonymous counts kept for start <= day < end."""
    counts: dict[date, Counter[str]] = {}
    for row in await session.scalars(
        select(DailyCount).where(DailyCount.day >= start, DailyCount.day < end)
    ):
        counts.setdefault(row.day, Counter())[row.metric] += row.count
    return counts


async def day_counts(
    session: AsyncSession, threshold: float, start: date, end: date
) -> dict[date, Counter[str]]:
    """Per-day counts for start <= day < end: the anonymous counts of folded days, the live
    messages (and cases) for the others. Cases of folded days are already in their counts."""
    archived = await archived_day_counts(session, start, end)
    live = await live_day_counts(
        session, threshold, datetime.combine(start, time()), datetime.combine(end, time())
    )
    merged: dict[date, Counter[str]] = {}
    for day in sorted(archived.keys() | live.keys()):
        if day in archived:
            merged[day] = Counter(archived[day])
            # messages of a folded day are gone: only its (undeleted) cases show up live
            extra = Counter(
                {k: v for k, v in live.get(day, Counter()).items() if k != "escalations"}
            )
            merged[day].update(extra)
        else:
            merged[day] = Counter(live[day])
    return merged
