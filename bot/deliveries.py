"""Replies on their way to patients, durable until sent.

The engine (and the escalation service, for the helpline's notices and the agents' messages)
writes what a patient must receive in the same transaction as the change that made it
(`storage.deliveries`). The channel sends it, then says so here (`done`); the rows are deleted
in batches. What a crash (SIGKILL, power cut) left unsent is still there at the next start:
`pending` gives it back, in order, and the channel sends it then. Sending is at least once: a
crash between a send and its deletion sends that turn again, never none.

One serving process per database for now: at start it takes every row as left by a crash.

Once sent, a message's id is noted in `trail` (bot/discretion.py) for 48 hours, so that the
bot can delete it from the chat (/delete, discreet mode).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.discretion import ChatTrail
from bot.replies import Button, LetterFile, Reply
from storage.batches import BatchWriter
from storage.deliveries import DeliveryRepository


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
        self._sent = BatchWriter[int](sessions, _remove, "sent deliveries")
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

    async def drop(self, channel: str) -> None:
        """Forget the channel's unsent deliveries (a console's, whose terminal is gone)."""
        for pending in await self.pending(channel):
            self.done(pending.id)
        await self.flush()


async def _remove(session: AsyncSession, sent: list[int]) -> None:
    await DeliveryRepository(session).remove(sent)
