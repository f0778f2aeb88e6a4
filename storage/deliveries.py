"""What must still reach patients (`PatientDelivery`): written with the change that made it,
deleted once sent, read back at start for what a crash left unsent."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PatientDelivery, utcnow

DELIVERIES = PatientDelivery.__table__
ADD = DELIVERIES.insert().returning(DELIVERIES.c.id)


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, channel: str, chat_id: str, items: list[dict[str, Any]], *, urgent: bool = False
    ) -> int:
        """Queue items for a chat, in the caller's transaction; returns the delivery's id."""
        row = {
            "channel": channel,
            "chat_id": chat_id,
            "items": items,
            "urgent": urgent,
            "created_at": utcnow(),
        }
        return int((await self.session.execute(ADD, row)).scalar_one())

    async def remove(self, ids: Iterable[int]) -> None:
        """Sent (or never sendable): forget them."""
        ids = list(ids)
        if ids:
            await self.session.execute(delete(PatientDelivery).where(PatientDelivery.id.in_(ids)))

    async def pending(self, channel: str) -> list[PatientDelivery]:
        """The channel's deliveries left unsent, oldest first (each chat's in its order)."""
        rows = await self.session.scalars(
            select(PatientDelivery)
            .where(PatientDelivery.channel == channel)
            .order_by(PatientDelivery.id)
        )
        return list(rows)

    async def forget_before(self, when: datetime) -> int:
        result = await self.session.execute(
            delete(PatientDelivery).where(PatientDelivery.created_at < when)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
