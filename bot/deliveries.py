"""Replies on their way to patients, durable until sent.

The engine (and the escalation service, for the helpline's notices and the agents' messages)
writes what a patient must receive in the same transaction as the change that made it
(`storage.deliveries`). The channel sends it, then says so here (`done`); the rows are deleted
in batches. What a crash (SIGKILL, power cut) left unsent is still there at the next start:
`pending` gives it back, in order, and the channel sends it then. Sending is at least once: a
crash between a send and its deletion sends that turn again, never none.

One process on SQLite: at start it takes every row as left by a crash. Several workers on
PostgreSQL: each row records the worker sending it (storage/job_locks.py), and only a dead
worker's rows are sent again, by one worker (`adopt`, bot/telegram/sending.py `Resender`).

Once sent, a message's id is noted in `trail` (bot/discretion.py) for 48 hours, so that the
bot can delete it from the chat (/delete, discreet mode).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.discretion import ChatTrail
from bot.replies import Button, LetterFile, Reply
from storage.batches import BatchWriter
from storage.deliveries import DeliveryRepository
from storage.workers import Worker, is_postgresql, worker_of

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Copy:
    """A message to copy into the patient's chat (an agent's, from the agents' group)."""

    from_chat: int
    message_id: int


@dataclass(frozen=True, slots=True)
class EraseChat:
    """Delete the chat's messages still deletable (under 48 hours) before what follows: the
    confirmation of /delete, which stays."""


Item = Reply | Copy | EraseChat


def to_rows(items: Sequence[Item]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, Copy):
            rows.append({"copy": [item.from_chat, item.message_id]})
        elif isinstance(item, EraseChat):
            rows.append({"erase": True})
        else:
            reply = {"text": item.text, "buttons": [[b.label, b.data] for b in item.buttons]}
            if item.lead:
                reply["lead"] = item.lead
            if item.document is not None:  # which letter, in which language: never the PDF
                reply["document"] = [item.document.kind, item.document.language]
            rows.append(reply)
    return rows


def from_rows(rows: Sequence[dict[str, Any]]) -> list[Item]:
    items: list[Item] = []
    for row in rows:
        if "copy" in row:
            items.append(Copy(int(row["copy"][0]), int(row["copy"][1])))
        elif "erase" in row:
            items.append(EraseChat())
        else:
            buttons = tuple(Button(str(label), str(data)) for label, data in row["buttons"])
            document = LetterFile(*map(str, row["document"])) if row.get("document") else None
            items.append(Reply(str(row["text"]), buttons, str(row.get("lead") or ""), document))
    return items


@dataclass(frozen=True, slots=True)
class Pending:
    """A delivery a crash left unsent."""

    id: int
    chat_id: str
    items: list[Item]
    urgent: bool


class Deliveries:
    """Forgets what was sent, many at a time (storage.batches): under load one write for many
    turns, instead of one more transaction per turn on SQLite's single writer."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._sent = BatchWriter[int](sessions, self._remove, "sent deliveries")
        engine = sessions.kw.get("bind")
        # several workers (PostgreSQL): this process's worker, whose id the rows it owes carry
        self.worker: Worker | None = (
            worker_of(engine) if isinstance(engine, AsyncEngine) and is_postgresql(engine) else None
        )
        if self.worker is not None:
            # removed at once (what is sent meanwhile joins the next write): a worker killed
            # between a send and its removal has it sent again, and that window is the write's
            self._sent.COALESCE = 0.0
        # the ids of the messages sent, for 48 hours (bot/discretion.py)
        self.trail = ChatTrail(sessions)

    def done(self, delivery: int | None) -> None:
        """Sent, or never sendable (the patient blocked the bot): the row can go."""
        if delivery is not None:
            self._sent.add(delivery)

    async def flush(self) -> None:
        """Wait until what was sent is forgotten (at shutdown), and its ids noted."""
        await self._sent.flush()
        await self.trail.flush()

    async def pending(self, channel: str) -> list[Pending]:
        async with self.sessions() as session:
            rows = await DeliveryRepository(session).pending(channel)
        return [Pending(r.id, r.chat_id, from_rows(r.items), r.urgent) for r in rows]

    async def owners(self, channel: str) -> set[int | None]:
        """The workers whose deliveries are unsent (None: rows written with no worker)."""
        async with self.sessions() as session:
            return await DeliveryRepository(session).owners(channel)

    async def adopt(
        self, channel: str, owners: Collection[int | None], worker: int
    ) -> list[Pending]:
        """Take over the unsent deliveries of dead workers: `worker` sends them now."""
        async with self.sessions() as session, session.begin():
            rows = await DeliveryRepository(session).adopt(channel, owners, worker)
        return [Pending(r.id, r.chat_id, from_rows(r.items), r.urgent) for r in rows]

    async def before(
        self, channel: str, chat_id: str, delivery: int
    ) -> tuple[list[tuple[int, int, bool]], bool]:
        """PostgreSQL: the chat's deliveries older than `delivery` that other workers owe (id,
        worker, alive), and whether this worker's own lock is held (storage.deliveries)."""
        assert self.worker is not None
        async with self.sessions() as session:
            return await DeliveryRepository(session).before(
                channel, chat_id, delivery, self.worker.id
            )

    async def adopt_rows(self, ids: Collection[int], owners: Collection[int]) -> list[Pending]:
        """Take over these deliveries of dead workers, if nobody did: this worker sends them."""
        assert self.worker is not None
        async with self.sessions() as session, session.begin():
            rows = await DeliveryRepository(session).adopt_rows(ids, owners, self.worker.id)
        return [Pending(r.id, r.chat_id, from_rows(r.items), r.urgent) for r in rows]

    async def left(self, delivery: int, items: Sequence[Item]) -> None:
        """Part of a delivery went: only `items` are left to send (should its worker die)."""
        try:
            async with self.sessions() as session, session.begin():
                await DeliveryRepository(session).keep(delivery, to_rows(items))
        except (DBAPIError, OSError) as error:  # at worst, what went is sent again
            log.warning("a delivery's progress not noted: %s", type(error).__name__)

    async def _remove(self, session: AsyncSession, sent: list[int]) -> None:
        # a lost connection keeps the batch for the next try (storage/batches.py): removed
        # later, or the chat's next replies (another worker's) would wait for these as if still
        # owed, and a restart would send them again
        await DeliveryRepository(session).remove(sent)

    async def drop(self, channel: str) -> None:
        """Forget the channel's unsent deliveries (a console's, whose terminal is gone)."""
        for pending in await self.pending(channel):
            self.done(pending.id)
        await self.flush()
