"""The audit log: who opened, annotated, exported, signed in and out (never what they saw)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ReviewAudit


async def audit(session: AsyncSession, user_name: str, action: str, target: str = "") -> None:
    session.add(ReviewAudit(user_name=user_name, action=action, target=target[:64]))


async def audit_page(
    session: AsyncSession, before_id: int | None, size: int = 100
) -> list[ReviewAudit]:
    query = select(ReviewAudit).order_by(ReviewAudit.id.desc()).limit(size)
    if before_id is not None:
        query = query.where(ReviewAudit.id < before_id)
    return list(await session.scalars(query))
