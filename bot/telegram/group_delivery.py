"""Delivers the agents' outbox (`storage.outbox`) to the forum group.

Rows are taken one at a time, urgent cases first and each case in order; each kind has one sender
(`SENDERS`). A row leaves the outbox only once Telegram accepted it, so a slow or failing group
delays messages but never loses them. No database transaction is held while waiting or sending:
the patients' turns never queue behind the group. A crash between a send and its deletion repeats
that one message (at least once). A row this version cannot read (a kind a newer version wrote)
is logged by its kind and left in place, passed over until a version that knows it delivers it.

Pacing to Telegram's group limit (about 20 messages a minute) is not done here: every request
into a group waits its turn in the bot session's `GroupPacing` (group_pacing.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.escalation import Escalations
from storage.cases import OutboxRepository
from storage.models import Case, GroupPost, Patient
from storage.outbox import (
    Announce,
    CopyToTopic,
    EraseTopic,
    GroupPayload,
    OutboxKind,
    TopicText,
    UnreadablePost,
    read,
)

log = logging.getLogger(__name__)
TOPIC_GONE = ("thread not found", "TOPIC_DELETED", "TOPIC_ID_INVALID")
TOPIC_CLOSED = "TOPIC_CLOSED"
HARMLESS = ("not modified", "TOPIC_NOT_MODIFIED")  # the change is already there
MAX_ATTEMPTS = 3  # for a row Telegram refuses as such (e.g. a copy of a deleted message)
SERVED_MEMORY = 500  # cases remembered for taking turns (more open: oldest rows first)
# sent outside any case's topic: the rest needs the case's topic, made again if it was deleted
OUTSIDE_TOPICS = frozenset({OutboxKind.TOPIC, OutboxKind.ANNOUNCE, OutboxKind.ERASE_TOPIC})


@dataclass
class _Job:
    """One outbox row with what sending it needs, read in a short transaction."""

    row_id: int
    kind: OutboxKind
    payload: GroupPayload
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


def _markup(buttons: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data) for label, data in buttons]
        ]
    )


class GroupDelivery:
    """The worker that empties the agents' outbox into the forum group, from start() to stop()."""

    def __init__(
        self,
        escalations: Escalations,
        sessions: async_sessionmaker[AsyncSession],
        chat_id: int | None,
        *,
        written: asyncio.Event | None = None,
    ) -> None:
        """`written`: set after every commit that queued a row (storage.session); the
        delivery wakes on it instead of waiting for its next check."""
        self.escalations = escalations
        self.texts = escalations.texts
        self.sessions = sessions
        self.chat_id = chat_id
        self._wake = written if written is not None else asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0
        # the cases served lately, least recent first: cases of one priority take turns
        self._served: deque[int] = deque(maxlen=SERVED_MEMORY)
        self._aside: set[int] = set()  # rows this version cannot read, left in place

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
        self._task = asyncio.create_task(self._deliver_forever(bot))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

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

    async def _next_job(self) -> _Job | None:
        async with self.sessions() as session, session.begin():
            outbox = OutboxRepository(session)
            while (row := await outbox.next(tuple(self._served), self._aside)) is not None:
                try:
                    payload = read(row.kind, row.payload)
                except UnreadablePost:
                    # its kind only: a payload may hold a patient's (redacted) words
                    log.warning(
                        "agents' outbox: a row of kind %r this version cannot read is left in "
                        "place (written by a newer version?)",
                        row.kind,
                    )
                    self._aside.add(row.id)
                    continue
                return await self._job(session, row, payload)
            return None

    async def _job(self, session: AsyncSession, row: GroupPost, payload: GroupPayload) -> _Job:
        if row.case_id is None:
            return _Job(
                row_id=row.id,
                kind=payload.kind,
                payload=payload,
                attempts=row.attempts,
                case_id=None,
                case_name="",
                topic_id=payload.topic_id if isinstance(payload, EraseTopic) else None,
                card_message_id=None,
                patient_chat_id="",
                card=None,
            )
        case = await session.get(Case, row.case_id)
        assert case is not None  # rows go with their case (ON DELETE CASCADE)
        patient = await session.get(Patient, case.patient_id)
        assert patient is not None
        needs_card = (
            payload.kind in {OutboxKind.CARD, OutboxKind.CARD_EDIT} or case.topic_id is None
        )
        return _Job(
            row_id=row.id,
            kind=payload.kind,
            payload=payload,
            attempts=row.attempts,
            case_id=case.id,
            case_name=self.texts.topic_name(case),
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
            if job.kind not in {OutboxKind.TOPIC, OutboxKind.CARD}:
                await self._send(bot, job)
        except TelegramBadRequest as error:
            if TOPIC_CLOSED in error.message:
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
                row = await session.get(GroupPost, job.row_id)
                if row is not None:
                    row.attempts += 1
            return
        if job.topic_id is not None:
            await bot.send_message(
                self.chat_id,  # type: ignore[arg-type]
                self.texts.phrase("refused", kind=job.kind),
                message_thread_id=job.topic_id,
                parse_mode=None,
            )
        await self._done(job.row_id)

    async def _done(self, row_id: int) -> None:
        async with self.sessions() as session, session.begin():
            row = await session.get(GroupPost, row_id)
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
        topic = await bot.create_forum_topic(self.chat_id, job.case_name)
        job.topic_id = topic.message_thread_id
        if not await self._store(job.case_id, topic_id=job.topic_id):
            await bot.delete_forum_topic(self.chat_id, job.topic_id)
            raise _CaseGone
        await self._post_card(bot, job)

    async def _post_card(self, bot: Bot, job: _Job) -> None:
        assert self.chat_id is not None and job.card is not None
        text, buttons = job.card
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
        assert self.chat_id is not None
        sender = SENDERS[job.kind]
        if job.kind in OUTSIDE_TOPICS:
            await sender(self, bot, job, self.chat_id)
            return
        if job.topic_id is None:
            raise _TopicGone
        try:
            await sender(self, bot, job, self.chat_id)
        except TelegramBadRequest as error:
            if any(gone in error.message for gone in TOPIC_GONE):
                raise _TopicGone from error
            raise

    # --- one sender per kind (SENDERS) ---------------------------------------------------------

    async def _open_topic(self, bot: Bot, job: _Job, chat: int) -> None:
        if job.topic_id is None:
            raise _TopicGone  # made by deliver_one, with its card
        # a topic already exists (a repeated row)

    async def _announce(self, bot: Bot, job: _Job, chat: int) -> None:
        """In the General topic."""
        assert isinstance(job.payload, Announce)
        await bot.send_message(chat, job.payload.text, parse_mode=None)

    async def _erase_topic(self, bot: Bot, job: _Job, chat: int) -> None:
        """Deleting a topic deletes every message in it: the card, the copies, the notes."""
        assert isinstance(job.payload, EraseTopic)
        try:
            await bot.delete_forum_topic(chat, job.topic_id)  # type: ignore[arg-type]
        except TelegramBadRequest as error:
            if not any(gone in error.message for gone in TOPIC_GONE):
                raise  # retried, then said in the topic (see _refused)
        if job.payload.quiet:  # the retention period: nobody asked, nobody is told
            return
        await bot.send_message(
            chat, self.texts.phrase("erased", number=job.payload.number), parse_mode=None
        )

    async def _ensure_card(self, bot: Bot, job: _Job, chat: int) -> None:
        if job.card_message_id is None:
            await self._post_card(bot, job)

    async def _edit_card(self, bot: Bot, job: _Job, chat: int) -> None:
        if job.card_message_id is None or not job.card:
            return  # no card yet: the topic's card is made with the case's current state
        text, buttons = job.card
        await bot.edit_message_text(
            text,
            chat_id=chat,
            message_id=job.card_message_id,
            reply_markup=_markup(buttons),
            parse_mode=None,
        )

    async def _text(self, bot: Bot, job: _Job, chat: int) -> None:
        assert isinstance(job.payload, TopicText)
        await bot.send_message(
            chat,
            job.payload.text,
            message_thread_id=job.topic_id,
            reply_markup=_markup(job.payload.buttons),
            parse_mode=None,
        )

    async def _copy(self, bot: Bot, job: _Job, chat: int) -> None:
        assert isinstance(job.payload, CopyToTopic)
        await bot.copy_message(
            chat,
            int(job.patient_chat_id),
            job.payload.message_id,
            message_thread_id=job.topic_id,
            caption=job.payload.caption,  # as stored (redacted); "" removes one
            parse_mode=None,
        )

    async def _rename(self, bot: Bot, job: _Job, chat: int) -> None:
        await bot.edit_forum_topic(chat, job.topic_id, name=job.case_name)  # type: ignore[arg-type]

    async def _close_topic(self, bot: Bot, job: _Job, chat: int) -> None:
        await bot.close_forum_topic(chat, job.topic_id)  # type: ignore[arg-type]

    async def _reopen_topic(self, bot: Bot, job: _Job, chat: int) -> None:
        await bot.reopen_forum_topic(chat, job.topic_id)  # type: ignore[arg-type]


Sender = Callable[[GroupDelivery, Bot, _Job, int], Awaitable[None]]
# every kind has its sender (tests/test_escalation_types.py checks it)
SENDERS: dict[OutboxKind, Sender] = {
    OutboxKind.TOPIC: GroupDelivery._open_topic,
    OutboxKind.CARD: GroupDelivery._ensure_card,
    OutboxKind.CARD_EDIT: GroupDelivery._edit_card,
    OutboxKind.TEXT: GroupDelivery._text,
    OutboxKind.COPY: GroupDelivery._copy,
    OutboxKind.ANNOUNCE: GroupDelivery._announce,
    OutboxKind.RENAME: GroupDelivery._rename,
    OutboxKind.CLOSE_TOPIC: GroupDelivery._close_topic,
    OutboxKind.REOPEN_TOPIC: GroupDelivery._reopen_topic,
    OutboxKind.ERASE_TOPIC: GroupDelivery._erase_topic,
}
