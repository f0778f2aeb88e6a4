"""The statistics page: daily counts (live messages and the anonymous counts of purged days),
intents, fallback and escalation rates, agents' first reply times and satisfaction."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case
from storage.stats import day_counts


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
