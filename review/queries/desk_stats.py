"""The agents' desk on the statistics page: time to the first agent reply and to resolution,
and the cases that missed a response-time target (bot/sla.py), per priority and per agent, for
the cases opened in the span. Times are wall-clock minutes (the targets themselves count only
opening hours); a case is counted under its last priority and its last agent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Agent, Case, Priority

NOBODY = "(nobody)"


@dataclass(frozen=True)
class DeskRow:
    label: str  # a priority, or the name an agent goes by in the group
    cases: int
    first_reply_median: float | None  # minutes
    resolution_median: float | None  # minutes, closed cases only
    missed_targets: int  # cases that missed a response-time target at least once


@dataclass(frozen=True)
class DeskStatistics:
    by_priority: list[DeskRow]
    by_agent: list[DeskRow]


@dataclass(frozen=True)
class _Timing:
    first_reply: float | None
    resolution: float | None
    missed: bool


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 60


def _row(label: str, timings: list[_Timing]) -> DeskRow:
    def middle(values: Iterable[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return median(present) if present else None

    return DeskRow(
        label,
        len(timings),
        middle(t.first_reply for t in timings),
        middle(t.resolution for t in timings),
        sum(t.missed for t in timings),
    )


async def desk_statistics(session: AsyncSession, start: date, end: date) -> DeskStatistics:
    """For the cases opened from `start` to `end` (inclusive)."""
    rows = await session.execute(
        select(
            Case.priority,
            Case.assigned_agent_id,
            Agent.name,
            Case.opened_at,
            Case.first_agent_reply_at,
            Case.closed_at,
            Case.sla_breaches,
        )
        .outerjoin(Agent, Agent.user_id == Case.assigned_agent_id)
        .where(
            Case.opened_at >= datetime.combine(start, time()),
            Case.opened_at < datetime.combine(end + timedelta(days=1), time()),
        )
    )
    by_priority: dict[str, list[_Timing]] = defaultdict(list)
    by_agent: dict[str, list[_Timing]] = defaultdict(list)
    for priority, agent_id, name, opened, replied, closed, breaches in rows:
        timing = _Timing(_minutes(opened, replied), _minutes(opened, closed), bool(breaches))
        by_priority[str(priority)].append(timing)
        label = NOBODY if agent_id is None else (name or f"#{agent_id}")
        by_agent[label].append(timing)
    priorities = [p.value for p in Priority if p.value in by_priority]  # most pressing first
    return DeskStatistics(
        by_priority=[_row(p, by_priority[p]) for p in priorities],
        by_agent=[_row(label, by_agent[label]) for label in sorted(by_agent)],
    )
