"""What must still reach patients (`PatientDelivery`): written with the change that made it,
deleted once sent, read back at start for what a crash left unsent."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PatientDelivery, utcnow
from storage.workers import alive_sql

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

    async def owners(self, channel: str) -> set[int | None]:
        """The workers the channel's unsent deliveries wait for (None: written with none)."""
        rows = await self.session.scalars(
            select(PatientDelivery.worker).where(PatientDelivery.channel == channel).distinct()
        )
        return set(rows)

    async def adopt(
        self, channel: str, owners: Collection[int | None], worker: int
    ) -> list[PatientDelivery]:
        """The deliveries of `owners` (dead workers), now `worker`'s, oldest first."""
        ids = [owner for owner in owners if owner is not None]
        mine = or_(
            PatientDelivery.worker.in_(ids),
            *((PatientDelivery.worker.is_(None),) if None in owners else ()),
        )
        return await self._take(worker, PatientDelivery.channel == channel, mine)

    async def keep(self, delivery: int, items: list[dict[str, Any]]) -> None:
        """What is left of a delivery partly sent."""
        await self.session.execute(
            update(PatientDelivery).where(PatientDelivery.id == delivery).values(items=items)
        )

    async def before(
        self, channel: str, chat_id: str, delivery: int, worker: int
    ) -> tuple[list[tuple[int, int, bool]], bool]:
        """PostgreSQL: the chat's deliveries older than `delivery` that other workers owe
        (id, worker, whether that worker is alive), oldest first; and whether `worker` (this
        one) holds its own lock, read in the same breath."""
        rows = await self.session.execute(
            text(
                f"SELECT id, worker, {alive_sql('worker')} FROM patient_deliveries"
                " WHERE channel = :channel AND chat_id = :chat_id AND id < :delivery"
                " AND worker IS NOT NULL AND worker <> :me ORDER BY id"
            ),
            {"channel": channel, "chat_id": chat_id, "delivery": delivery, "me": worker},
        )
        older = [(int(r[0]), int(r[1]), bool(r[2])) for r in rows]
        if not older:
            return [], True
        me = await self.session.scalar(text(f"SELECT {alive_sql(':me')}"), {"me": worker})
        return older, bool(me)

    async def adopt_rows(
        self, ids: Collection[int], owners: Collection[int], worker: int
    ) -> list[PatientDelivery]:
        """These deliveries, if still `owners`' (dead workers), now `worker`'s, oldest first."""
        return await self._take(
            worker, PatientDelivery.id.in_(list(ids)), PatientDelivery.worker.in_(list(owners))
        )

    async def _take(self, worker: int, *where: ColumnElement[bool]) -> list[PatientDelivery]:
        """The deliveries matching `where`, now `worker`'s, oldest first."""
        taken = await self.session.scalars(
            update(PatientDelivery)
            .where(*where)
            .values(worker=worker)
            .returning(PatientDelivery.id)
        )
        ids = sorted(taken)
        if not ids:
            return []
        rows = await self.session.scalars(
            select(PatientDelivery).where(PatientDelivery.id.in_(ids)).order_by(PatientDelivery.id)
        )
        return list(rows)

    async def forget_before(self, when: datetime) -> int:
        result = await self.session.execute(
            delete(PatientDelivery).where(PatientDelivery.created_at < when)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
