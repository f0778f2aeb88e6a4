"""Delivers the agents' outbox to the forum group, paced to Telegram's group limit.

Telegram accepts about 20 messages a minute into one group (creating a topic counts). Rows are
taken one at a time, urgent cases first and each case in order; a row leaves the outbox only once
Telegram accepted it, so a slow or failing group delays messages but never loses them. No
database transaction is held while waiting or sending: the patients' turns never queue behind
the group. A crash between a send and its deletion repeats that one message (at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.escalation import Escalations, topic_name
from storage.cases import OutboxRepository
from storage.models import AgentOutbox, Case, Patient

log = logging.getLogger(__name__)
TOPIC_GONE = ("thread not found", "TOPIC_DELETED", "TOPIC_ID_INVALID")
TOPIC_CLOSED = "TOPIC_CLOSED"
HARMLESS = ("not modified", "TOPIC_NOT_MODIFIED")  # the change is already there
MAX_ATTEMPTS = 3  # for a row Telegram refuses as such (e.g. a copy of a deleted message)
SERVED_MEMORY = (
    500  # cases remembered for taking turns (more open cases than this: oldest rows first)
)


@dataclass
class _Job:
    """One outbox row with what sending it needs, read in a short transaction."""

    row_id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    case_id: int | None  # None: erasing the topic of a case erased with its patient
    case_name: str
    topic_id: int | None
    card_message_id: int | None
    patient_chat_id: str
    card: tuple[str, list[tuple[str, str]]] | None


class _TopicGone(Exception):
    pass


class _CaseGone(Exception):
    """The case was erased (its patient used /delete) while its topic was being made."""


def _markup(buttons: list[tuple[str, str]] | list[list[str]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data) for label, data in buttons]
        ]
    )


class AgentsOutbox:
    def __init__(
        self,
        escalations: Escalations,
        sessions: async_sessionmaker[AsyncSession],
        chat_id: int | None,
        *,
        limit: int = 20,
        window: float = 60.0,
        reminder_check: float = 60.0,
        written: asyncio.Event | None = None,
    ) -> None:
        """`written`: set after every commit that queued a row (storage.session); the
        delivery wakes on it instead of waiting for its next check."""
        self.escalations = escalations
        self.sessions = sessions
        self.chat_id = chat_id
        self.limit = limit
        self.window = window
        self.reminder_check = reminder_check
        self._sent: deque[float] = deque()
        self._wake = written if written is not None else asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.delivered = 0
        # the cases served lately, least recent first: cases of one priority take turns
        self._served: deque[int] = deque(maxlen=SERVED_MEMORY)

    def wake(self) -> None:
        """Something was written to the outbox: deliver it without waiting for the next check."""
        self._wake.set()

    async def start(self, bot: Bot) -> None:
        if self.chat_id is None:
            log.warning(
                "HELPLINE_AGENTS_CHAT_ID is not set: no case is opened, patients asking for a "
                "person are given France Victimes (116 006) and the emergency numbers"
            )
            return
        self._tasks = [
            asyncio.create_task(self._deliver_forever(bot)),
            asyncio.create_task(self._remind_forever()),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _remind_forever(self) -> None:
        while True:
            await asyncio.sleep(self.reminder_check)  # a schedule, not a wait for a result
            try:
                if await self.escalations.remind_waiting():
                    self.wake()
            except Exception as error:  # the reminders must outlive a database hiccup
                log.error("reminders failed: %s", type(error).__name__)

    async def _deliver_forever(self, bot: Bot) -> None:
        backoff = 1.0
        while True:
            self._wake.clear()  # before reading: a row written meanwhile wakes us again
            try:
                delivered = await self.deliver_one(bot)
                backoff = 1.0
            except Exception as error:  # e.g. the bot was removed from the group: keep rows
                log.error("agents' outbox: %s; retry in %.0f s", type(error).__name__, backoff)
                delivered = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            if not delivered:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=30)

    @contextlib.asynccontextmanager
    async def _paced(self) -> AsyncIterator[None]:
        """At most `limit` sends in any `window` seconds. A send counts from when it ended:
        Telegram received it earlier than that, so our window never starts before its own."""
        while len(self._sent) >= self.limit:
            wait = self._sent[0] + self.window - time.monotonic()
            if wait <= 0:
                self._sent.popleft()
            else:
                await asyncio.sleep(wait)
        try:
            yield
        finally:
            self._sent.append(time.monotonic())

    async def _next_job(self) -> _Job | None:
        async with self.sessions() as session, session.begin():
            row = await OutboxRepository(session).next(tuple(self._served))
            if row is None:
                return None
            if row.case_id is None:
                return _Job(
                    row_id=row.id,
                    kind=row.kind,
                    payload=dict(row.payload),
                    attempts=row.attempts,
                    case_id=None,
                    case_name="",
                    topic_id=row.payload.get("topic_id"),
                    card_message_id=None,
                    patient_chat_id="",
                    card=None,
                )
            case = await session.get(Case, row.case_id)
            assert case is not None  # rows go with their case (ON DELETE CASCADE)
            patient = await session.get(Patient, case.patient_id)
            assert patient is not None
            needs_card = row.kind in {"card", "card_edit"} or case.topic_id is None
            return _Job(
                row_id=row.id,
                kind=row.kind,
                payload=dict(row.payload),
                attempts=row.attempts,
                case_id=case.id,
                case_name=topic_name(case),
                topic_id=case.topic_id,
                card_message_id=case.card_message_id,
                patient_chat_id=patient.chat_id,
                card=await self.escalations.card(session, case) if needs_card else None,
            )

    async def deliver_one(self, bot: Bot) -> bool:
        """Send the next row; False when the outbox is empty."""
        job = await self._next_job()
        if job is None:
            return False
        try:
            await self._send(bot, job)
        except _TopicGone:
            try:
                await self._new_topic(bot, job)
            except _CaseGone:
                await self._done(job.row_id)
                return True
            if job.kind not in {"topic", "card"}:
                await self._send(bot, job)
        except TelegramBadRequest as error:
            if TOPIC_CLOSED in error.message:
                async with self._paced():
                    await bot.reopen_forum_topic(self.chat_id, job.topic_id)  # type: ignore[arg-type]
                await self._send(bot, job)
            elif not any(h in error.message for h in HARMLESS):
                await self._refused(bot, job, error)
                return True
        except TelegramForbiddenError:
            raise  # the bot is not in the group (any more): keep everything, retry later
        await self._done(job.row_id)
        self._took_turn(job.case_id)
        return True

    def _took_turn(self, case_id: int | None) -> None:
        if case_id is None:
            return
        with contextlib.suppress(ValueError):
            self._served.remove(case_id)
        self._served.append(case_id)

    async def _refused(self, bot: Bot, job: _Job, error: TelegramBadRequest) -> None:
        """Telegram refuses this row as it is: try again a few times, then say so in the
        topic rather than drop it silently."""
        log.warning("agents' outbox: %s refused (%s)", job.kind, error.message[:80])
        if job.attempts + 1 < MAX_ATTEMPTS:
            async with self.sessions() as session, session.begin():
                row = await session.get(AgentOutbox, job.row_id)
                if row is not None:
                    row.attempts += 1
            return
        if job.topic_id is not None:
            async with self._paced():
                await bot.send_message(
                    self.chat_id,  # type: ignore[arg-type]
                    f"⚠️ Un élément ({job.kind}) n'a pas pu être transmis par Telegram.",
                    message_thread_id=job.topic_id,
                    parse_mode=None,
                )
        await self._done(job.row_id)

    async def _done(self, row_id: int) -> None:
        async with self.sessions() as session, session.begin():
            row = await session.get(AgentOutbox, row_id)
            if row is not None:
                await session.delete(row)
        self.delivered += 1

    async def _new_topic(self, bot: Bot, job: _Job) -> None:
        """Create the case's topic (first time, or after someone deleted it) with its card."""
        assert self.chat_id is not None
        if job.card is None:
            async with self.sessions() as session, session.begin():
                case = await session.get(Case, job.case_id)
                if case is None:
                    raise _CaseGone
                job.card = await self.escalations.card(session, case)
        async with self._paced():
            topic = await bot.create_forum_topic(self.chat_id, job.case_name)
        job.topic_id = topic.message_thread_id
        if not await self._store(job.case_id, topic_id=job.topic_id):
            async with self._paced():
                await bot.delete_forum_topic(self.chat_id, job.topic_id)
            raise _CaseGone
        await self._post_card(bot, job)

    async def _post_card(self, bot: Bot, job: _Job) -> None:
        assert self.chat_id is not None and job.card is not None
        text, buttons = job.card
        async with self._paced():
            card = await bot.send_message(
                self.chat_id,
                text,
                message_thread_id=job.topic_id,
                reply_markup=_markup(buttons),
                parse_mode=None,
            )
        job.card_message_id = card.message_id
        await self._store(job.case_id, card_message_id=card.message_id)
        await bot.pin_chat_message(self.chat_id, card.message_id, disable_notification=True)

    async def _store(self, case_id: int | None, **values: int) -> bool:
        """Set the case's columns; False when the case is no more."""
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is None:
                return False
            for key, value in values.items():
                setattr(case, key, value)
            return True

    async def _send(self, bot: Bot, job: _Job) -> None:
        chat = self.chat_id
        assert chat is not None
        if job.kind == "erase_topic":
            await self._erase_topic(bot, job, chat)
            return
        if job.kind == "topic":
            if job.topic_id is None:
                raise _TopicGone
            return  # a topic already exists (a repeated row)
        if job.kind == "announce":  # the General topic
            async with self._paced():
                await bot.send_message(chat, job.payload["text"], parse_mode=None)
            return
        if job.topic_id is None:
            raise _TopicGone
        try:
            await self._send_in_topic(bot, job, chat)
        except TelegramBadRequest as error:
            if any(gone in error.message for gone in TOPIC_GONE):
                raise _TopicGone from error
            raise

    async def _erase_topic(self, bot: Bot, job: _Job, chat: int) -> None:
        """Deleting a topic deletes every message in it: the card, the copies, the notes."""
        try:
            async with self._paced():
                await bot.delete_forum_topic(chat, job.topic_id)  # type: ignore[arg-type]
        except TelegramBadRequest as error:
            if not any(gone in error.message for gone in TOPIC_GONE):
                raise  # retried, then said in the topic (see _refused)
        if job.payload.get("quiet"):  # the retention period: nobody asked, nobody is told
            return
        async with self._paced():
            await bot.send_message(
                chat,
                f"🗑 Dossier {job.payload['number']} effacé à la demande de la personne "
                "(droit à l'effacement) : son sujet a été supprimé.",
                parse_mode=None,
            )

    async def _send_in_topic(self, bot: Bot, job: _Job, chat: int) -> None:
        topic = job.topic_id
        if job.kind == "card":  # make sure the topic has its card
            if job.card_message_id is None:
                await self._post_card(bot, job)
            return
        async with self._paced():
            if job.kind == "copy":
                await bot.copy_message(
                    chat,
                    int(job.patient_chat_id),
                    job.payload["message_id"],
                    message_thread_id=topic,
                    # the caption as stored (redacted); "" removes one that was all identifiers
                    caption=job.payload.get("caption"),
                    parse_mode=None,
                )
            elif job.kind == "text":
                await bot.send_message(
                    chat,
                    job.payload["text"],
                    message_thread_id=topic,
                    reply_markup=_markup(job.payload.get("buttons") or []),
                    parse_mode=None,
                )
            elif job.kind == "card_edit" and job.card_message_id is not None and job.card:
                text, buttons = job.card
                await bot.edit_message_text(
                    text,
                    chat_id=chat,
                    message_id=job.card_message_id,
                    reply_markup=_markup(buttons),
                    parse_mode=None,
                )
            elif job.kind == "rename":
                await bot.edit_forum_topic(chat, topic, name=job.case_name)  # type: ignore[arg-type]
            elif job.kind == "close_topic":
                await bot.close_forum_topic(chat, topic)  # type: ignore[arg-type]
            elif job.kind == "reopen_topic":
                await bot.reopen_forum_topic(chat, topic)  # type: ignore[arg-type]
