"""The ids of the messages in patients' chats (`ChatMessage`), so that the bot can delete them
from the chat itself (bot/discretion.py): ids and times only, never content, for 48 hours."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChatMessage, Patient, utcnow
from storage.session import TurnWrites

CHAT_MESSAGES = ChatMessage.__table__
ADD = CHAT_MESSAGES.insert()
# Telegram lets a bot delete a message of a private chat (its own or the patient's) only this
# long after it was sent: past it, an id is of no use and is forgotten
KEEP = timedelta(hours=48)


def row(channel: str, chat_id: str, message_id: int, at: datetime | None = None) -> dict[str, Any]:
    return {
        "channel": channel,
        "chat_id": chat_id,
        "message_id": message_id,
        "sent_at": at or utcnow(),
    }


class ChatMessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def note(self, channel: str, chat_id: str, message_id: int) -> None:
        """A message the patient sent, written with the turn's other writes."""
        TurnWrites.of(self.session).chat_messages.append(row(channel, chat_id, message_id))

    async def add(self, rows: Sequence[dict[str, Any]]) -> None:
        """Messages sent (rows from `row`), in one statement."""
        if rows:
            await self.session.execute(ADD, list(rows))

    async def recent(self, channel: str, chat_id: str, now: datetime) -> list[int]:
        """The chat's messages still under 48 hours old, oldest first, each once (an edited
        message was noted twice)."""
        ids = await self.session.scalars(
            select(ChatMessage.message_id)
            .where(
                ChatMessage.channel == channel,
                ChatMessage.chat_id == chat_id,
                ChatMessage.sent_at > now - KEEP,
            )
            .order_by(ChatMessage.message_id)
        )
        return list(dict.fromkeys(ids))

    async def due(self, channel: str, now: datetime) -> dict[str, list[int]]:
        """The messages of chats in discreet mode sent longer ago than their delay (and less
        than 48 hours ago), by chat: what the bot must delete now. One query per delay in use
        (the buttons offer two), so that no date arithmetic depends on the database."""
        delays = await self.session.scalars(
            select(Patient.discreet_minutes)
            .where(Patient.channel == channel, Patient.discreet_minutes.is_not(None))
            .distinct()
        )
        due: dict[str, dict[int, None]] = {}  # ordered sets: an edited message was noted twice
        for minutes in list(delays):
            rows = await self.session.execute(
                select(ChatMessage.chat_id, ChatMessage.message_id)
                .join(
                    Patient,
                    (Patient.channel == ChatMessage.channel)
                    & (Patient.chat_id == ChatMessage.chat_id),
                )
                .where(
                    ChatMessage.channel == channel,
                    Patient.discreet_minutes == minutes,
                    ChatMessage.sent_at <= now - timedelta(minutes=minutes),
                    ChatMessage.sent_at > now - KEEP,
                )
                .order_by(ChatMessage.message_id)
            )
            for chat_id, message_id in rows:
                due.setdefault(chat_id, {})[message_id] = None
        return {chat_id: list(ids) for chat_id, ids in due.items()}

    async def forget(self, channel: str, chat_id: str, message_ids: Iterable[int]) -> None:
        """Deleted from the chat (or never deletable): their ids go."""
        ids = list(message_ids)
        for start in range(0, len(ids), 500):  # under every database's parameter limit
            await self.session.execute(
                delete(ChatMessage).where(
                    ChatMessage.channel == channel,
                    ChatMessage.chat_id == chat_id,
                    ChatMessage.message_id.in_(ids[start : start + 500]),
                )
            )

    async def forget_before(self, when: datetime) -> int:
        result = await self.session.execute(delete(ChatMessage).where(ChatMessage.sent_at <= when))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
