"""Discretion on a shared phone: the conversation deleted from the patient's chat itself.

People hiding a diagnosis from a partner or parents write to us on a phone others pick up. So:

- `/delete` also deletes, from the chat, every message of the conversation (theirs and ours)
  that Telegram still lets a bot delete: those sent less than 48 hours ago. The confirmation
  says what is older and how to delete the chat themselves; it is sent after, and stays.
- In discreet mode (`/discreet`, `Patient.discreet_minutes`), the bot deletes the chat's
  messages once they are older than the delay the patient chose (`DELAYS`), and each of its
  messages begins with a neutral line (`Reply.lead`, the phrase `discreet_lead`): what a
  lock screen's preview shows first is never « Sida Info Service… » or « VIH… ».

For this the bot keeps, per chat, the ids of the messages and when they were sent, never their
content (`storage.chat_messages`): the patient's, noted in the engine's turn transaction; the
bot's, noted once Telegram accepted them (`ChatTrail.sent`, written many at a time). They are
forgotten once deleted, and after 48 hours in any case: Telegram no longer lets a bot delete a
message then. The channel deletes (bot/telegram/discretion.py); this module is channel-free.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.replies import Reply
from responses import Catalogue
from storage.batches import BatchWriter
from storage.chat_messages import KEEP, ChatMessageRepository, row
from storage.models import Patient, utcnow

log = logging.getLogger(__name__)

# the delays the patient may choose, in minutes (the buttons of /discreet): under Telegram's 48
# hours, so that every message can still be deleted when it comes due
DELAYS = (60, 1440)

T = TypeVar("T")


def with_discreet_lead(
    catalogue: Catalogue, patient: Patient, language: str, items: Sequence[T]
) -> list[T]:
    """In discreet mode, every reply begins with a neutral line (`Reply.lead`); other items
    (an agent's message to copy) are left as they are. For the engine's turns, and for what
    the escalation service sends a patient (its notices)."""
    if patient.discreet_minutes is None:
        return list(items)
    lead = catalogue.phrase("discreet_lead", language)
    return [replace(item, lead=lead) if isinstance(item, Reply) else item for item in items]


class ChatTrail:
    """The ids of the messages in patients' chats: noted, read back, forgotten.

    The bot's sent messages are noted in memory and written many at a time (storage.batches):
    under load one write for many turns, not one more transaction per message. `clock`
    (naive UTC) is what "now" is for the delays and the 48 hours: tests move it forward."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self._ids = BatchWriter[dict[str, Any]](sessions, _add, "sent message ids")

    def sent(self, channel: str, chat_id: str, message_id: int) -> None:
        """The bot's message is in the chat: note its id (written shortly, with others)."""
        self._ids.add(row(channel, chat_id, message_id, self.clock()))

    async def flush(self) -> None:
        """Wait until the ids noted are written (at shutdown)."""
        await self._ids.flush()

    def _unwritten(self, channel: str, chat_id: str) -> list[int]:
        return [
            r["message_id"]
            for r in (*self._ids.writing, *self._ids.pending)
            if r["channel"] == channel and r["chat_id"] == chat_id
        ]

    async def recent(self, channel: str, chat_id: str) -> list[int]:
        """The chat's messages a bot may still delete (under 48 hours), those noted a moment
        ago and not yet written included: what /delete erases."""
        async with self.sessions() as session:
            stored = await ChatMessageRepository(session).recent(channel, chat_id, self.clock())
        return list(dict.fromkeys([*stored, *self._unwritten(channel, chat_id)]))

    async def due(self, channel: str) -> dict[str, list[int]]:
        """The messages of chats in discreet mode older than the patient's delay, by chat; the
        ids past 48 hours are forgotten on the way."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            messages = ChatMessageRepository(session)
            await messages.forget_before(now - KEEP)
            return await messages.due(channel, now)

    async def forget(self, channel: str, chat_id: str, message_ids: Iterable[int]) -> None:
        """Deleted from the chat (or never deletable: the patient blocked the bot)."""
        ids = set(message_ids)
        if not ids:
            return
        self._ids.pending = [
            r
            for r in self._ids.pending
            if not (r["channel"] == channel and r["chat_id"] == chat_id and r["message_id"] in ids)
        ]
        async with self.sessions() as session, session.begin():
            await ChatMessageRepository(session).forget(channel, chat_id, ids)


async def _add(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await ChatMessageRepository(session).add(rows)
