"""What the retention view shows: the oldest message kept, how many the next purge deletes, and
the span of the anonymous daily counts that purged days leave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DailyCount, Message


@dataclass(frozen=True)
class Retention:
    oldest: datetime | None  # the oldest message kept
    due: int  # messages older than the cutoff
    archived_from: date | None  # the daily counts of purged days
    archived_to: date | None
    archived_rows: int


async def retention(session: AsyncSession, cutoff: datetime) -> Retention:
    oldest = await session.scalar(select(func.min(Message.created_at)))
    due = await session.scalar(
        select(func.count()).select_from(Message).where(Message.created_at < cutoff)
    )
    archived = (
        await session.execute(
            select(func.min(DailyCount.day), func.max(DailyCount.day), func.count())
        )
    ).one()
    return Retention(oldest, due or 0, archived[0], archived[1], archived[2])
