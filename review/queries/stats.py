"""The statistics page: daily counts (live messages and the anonymous counts of purged days),
intents, fallback and escalation rates, agents' first reply times and satisfaction, and how the
cases closed in the period ended and what they were about (outcome and categories)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from responses.case_categories import load_case_taxonomy
from storage.models import Case, CaseStatus
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
    # cases closed in the span: (label, count) per outcome and per category, in the file's order
    outcomes: list[tuple[str, int]] = field(default_factory=list)
    categories: list[tuple[str, int]] = field(default_factory=list)

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
    outcomes, categories = await closing_counts(
        session, datetime.combine(start, time()), datetime.combine(stop, time())
    )
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
        outcomes=outcomes,
        categories=categories,
    )


NOT_RECORDED = "not recorded"  # closed before outcomes were asked (issue 17)


async def closing_counts(
    session: AsyncSession, start: datetime, stop: datetime
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Cases closed in [start, stop), counted per outcome and per category (a case counts once
    in each of its categories), labelled in English. Read from the cases themselves: the
    retention period keeps them (only their notes and topics go, storage/retention.py), so
    these counts are not folded into `daily_counts` like the messages' are."""
    taxonomy = load_case_taxonomy()
    closed = and_(Case.status == CaseStatus.CLOSED, Case.closed_at >= start, Case.closed_at < stop)
    outcomes: Counter[str | None] = Counter()
    categories: Counter[str] = Counter()
    for outcome, chosen in await session.execute(
        select(Case.outcome, Case.categories).where(closed)
    ):
        outcomes[outcome and str(outcome)] += 1
        categories.update(set(chosen or ()))
    by_outcome = [(labels["en"], outcomes[str(o)]) for o, labels in taxonomy.outcomes.items()]
    if outcomes[None]:
        by_outcome.append((NOT_RECORDED, outcomes[None]))
    known = [(taxonomy.category_label(c, "en"), categories[c]) for c in taxonomy.categories]
    retired = sorted((c, n) for c, n in categories.items() if c not in taxonomy.categories)
    return by_outcome, known + retired
