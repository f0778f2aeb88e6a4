"""Delivers the agents' outbox (`storage.outbox`) to the forum group.

Rows are taken one at a time, urgent cases first and each case in order; each kind has one sender
(`SENDERS`). A row leaves the outbox only once Telegram accepted it, so a slow or failing group
delays messages but never loses them. No database transaction is held while waiting or sending:
the patients' turns never queue behind the group. A crash between a send and its deletion repeats
that one message (at least once). A row this version cannot read (a kind a newer version wrote)
is logged by its kind and left in place, passed over until a version that knows it delivers it.

Pacing to Telegram's group limit (about 20 messages a minute) is not done here: every request
into a group waits its turn in the bot session's `GroupPacing` (group_pacing.py).

Several workers on one PostgreSQL (`locks`, storage/job_locks.py): one delivers each group, the
holder of the lock `outbox:<group>`; the others try every `retry` seconds (and when woken) and
the first to try after the holder died takes over. The holder looks at its lock before each row
and stops at once when it lost it (its connection broke), then competes again. Telegram has no
idempotency key, so what is left is the window between a send and the row's deletion:
- before each send the row is claimed (`job_claims`: which row, which worker, since when), in
  the transaction that reads it; the claim goes with the row. A worker taking the group over
  while another worker's claim is younger than `claim_grace` waits: a holder that lost its lock
  mid-send finishes that send and deletes the row (a deletion that failed is retried, without
  the lock: the row was sent) rather than see it sent twice;
- a holder that stops (a restart) lets the row it is sending finish first (`STOP_WAIT`);
- what remains: a worker killed (or cut from PostgreSQL longer than `claim_grace`) after
  Telegram took a message and before the deletion committed: that message goes twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.escalation import Escalations
from bot.telegram.group_senders import (
    HARMLESS,
    OUTSIDE_TOPICS,
    SENDERS,
    TOPIC_CLOSED,
    TOPIC_GONE,
    CaseGone,
    Job,
    TopicGone,
    markup,
)
from storage.agents_groups import in_group
from storage.cases import OutboxRepository
from storage.job_locks import WorkerLocks
from storage.models import Case, GroupPost, JobClaim, Patient, utcnow
from storage.outbox import (
    EraseTopic,
    GroupPayload,
    OutboxKind,
    UnreadablePost,
    read,
)

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3  # for a row Telegram refuses as such (e.g. a copy of a deleted message)
SERVED_MEMORY = 500  # cases remembered for taking turns (more open: oldest rows first)
LOCK_RETRY = 5.0  # seconds between two tries at a group another worker delivers
CLAIM_GRACE = 30.0  # seconds: longer than a send, its pacing and its retries take
STOP_WAIT = 10.0  # seconds a stopping delivery gives the row it is sending


class GroupDelivery:
    """The worker that empties the agents' outbox into the forum group, from start() to stop().
    With several agents' groups (bot/agents_groups.py) there is one per group, each taking its
    group's rows only (group_lanes.py): a group at its limit holds up no other."""

    def __init__(
        self,
        escalations: Escalations,
        sessions: async_sessionmaker[AsyncSession],
        chat_id: int | None,
        *,
        written: asyncio.Event | None = None,
        locks: WorkerLocks | None = None,
        retry: float = LOCK_RETRY,
        claim_grace: float = CLAIM_GRACE,
    ) -> None:
        """`written`: set after every commit that queued a row (storage.session); the
        delivery wakes on it instead of waiting for its next check. `locks`: this worker's,
        when several workers share the database."""
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
        # this group's rows; the default group's also those with no group recorded
        self._default = escalations.groups.is_default(chat_id)
        self._rows = in_group(GroupPost.group_chat_id, chat_id, self._default)
        self.locks = locks if locks is not None and locks.shared else None
        self.lock_name = f"outbox:{chat_id}"
        self.retry = retry
        self.claim_grace = claim_grace
        self._stopping = False
        self._idle = asyncio.Event()  # not in the middle of a row
        self._idle.set()
        self._sent_row: int | None = None  # sent, its deletion failed: retried first
        self.held_off = 0  # times another worker's claim made it wait (tests)

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
            self._stopping = True
            with contextlib.suppress(TimeoutError):  # the row being sent, sent and deleted
                await asyncio.wait_for(self._idle.wait(), STOP_WAIT)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
            self._stopping = False
        if self.locks is not None:
            await self.locks.release(self.lock_name)

    async def _deliver_forever(self, bot: Bot) -> None:
        backoff = 1.0
        while not self._stopping:
            self._wake.clear()  # before reading: a row written meanwhile wakes us again
            if self._sent_row is None and not await self._holds():
                await self._wait(self.retry)  # another worker delivers this group
                continue
            self._idle.clear()
            try:
                if self._sent_row is not None:
                    await self._done(self._sent_row)
                delivered = await self.deliver_one(bot)
                backoff = 1.0
            except Exception as error:  # e.g. the bot was removed from the group: keep rows
                log.error("agents' outbox: %s; retry in %.0f s", type(error).__name__, backoff)
                self._idle.set()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
                continue
            self._idle.set()
            if delivered is None:  # another worker's claim: its send is still under way
                self.held_off += 1
                await self._wait(self.retry)
            elif not delivered:
                await self._wait(30)

    async def _holds(self) -> bool:
        return self.locks is None or await self.locks.take(self.lock_name)

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def _next_job(self) -> Job | bool | None:
        """The next row, claimed; None when there is none; False while another worker's
        claim holds the group (it may be sending its row)."""
        async with self.sessions() as session, session.begin():
            if self.locks is not None and await self._claimed_elsewhere(session):
                return False
            outbox = OutboxRepository(session)
            served = tuple(self._served)
            while (row := await outbox.next(served, self._aside, self._rows)) is not None:
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
                if row.case_id is not None and await self._moved(session, row):
                    continue
                if self.locks is not None:
                    await self._claim(session, row.id)
                return await self._job(session, row, payload)
            return None

    async def _claimed_elsewhere(self, session: AsyncSession) -> bool:
        assert self.locks is not None
        claim = await session.get(JobClaim, self.lock_name)
        if claim is None or claim.worker == self.locks.worker_id:
            return False
        if await session.get(GroupPost, claim.item) is None:
            return False
        return claim.since > utcnow() - timedelta(seconds=self.claim_grace)

    async def _claim(self, session: AsyncSession, row_id: int) -> None:
        assert self.locks is not None
        worker, now = self.locks.worker_id, utcnow()
        claim = await session.get(JobClaim, self.lock_name)
        if claim is None:
            session.add(JobClaim(name=self.lock_name, item=row_id, worker=worker, since=now))
        else:
            claim.item, claim.worker, claim.since = row_id, worker, now

    async def _moved(self, session: AsyncSession, row: GroupPost) -> bool:
        """Whether the row's case went to another group (/transfer) after it was written: it
        follows the case there, an edit of a message here is dropped (bot/transfer.py)."""
        case = await session.get(Case, row.case_id)
        stored = case.agents_chat_id if case is not None else None
        if stored == self.chat_id or (stored is None and self._default):
            return False
        if row.kind == OutboxKind.EDIT_TEXT:
            await session.delete(row)
        else:
            row.group_chat_id = stored
        await session.flush()
        return True

    async def _job(self, session: AsyncSession, row: GroupPost, payload: GroupPayload) -> Job:
        if row.case_id is None:
            return Job(
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
        return Job(
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

    async def deliver_one(self, bot: Bot) -> bool | None:
        """Send the next row; False when the outbox is empty, None while another worker's
        claim holds the group."""
        job = await self._next_job()
        if job is False:
            return None
        if not isinstance(job, Job):
            return False
        try:
            await self._send(bot, job)
        except TopicGone:
            try:
                await self._new_topic(bot, job)
            except CaseGone:
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
        self._sent_row = job.row_id
        await self._done(job.row_id)
        self._took_turn(job.case_id)
        return True

    def _took_turn(self, case_id: int | None) -> None:
        if case_id is None:
            return
        with contextlib.suppress(ValueError):
            self._served.remove(case_id)
        self._served.append(case_id)

    async def _refused(self, bot: Bot, job: Job, error: TelegramBadRequest) -> None:
        """Telegram refuses this row as it is: try again a few times, then say so in the
        topic rather than drop it silently."""
        log.warning("agents' outbox: %s refused (%s)", job.kind, error.message[:80])
        if job.attempts + 1 < MAX_ATTEMPTS:
            async with self.sessions() as session, session.begin():
                row = await session.get(GroupPost, job.row_id)
                if row is not None:
                    row.attempts += 1
                claim = await session.get(JobClaim, self.lock_name)
                if claim is not None and claim.item == job.row_id:
                    await session.delete(claim)
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
            claim = await session.get(JobClaim, self.lock_name)
            if claim is not None and claim.item == row_id:
                await session.delete(claim)
        self._sent_row = None
        self.delivered += 1

    async def _new_topic(self, bot: Bot, job: Job) -> None:
        """Create the case's topic (first time, or after someone deleted it) with its card."""
        assert self.chat_id is not None
        if job.card is None:
            async with self.sessions() as session, session.begin():
                case = await session.get(Case, job.case_id)
                if case is None:
                    raise CaseGone
                job.card = await self.escalations.card(session, case)
        topic = await bot.create_forum_topic(self.chat_id, job.case_name)
        job.topic_id = topic.message_thread_id
        if not await self._store(job.case_id, topic_id=job.topic_id):
            await bot.delete_forum_topic(self.chat_id, job.topic_id)
            raise CaseGone
        await self.post_card(bot, job)

    async def post_card(self, bot: Bot, job: Job) -> None:
        assert self.chat_id is not None and job.card is not None
        text, buttons = job.card
        card = await bot.send_message(
            self.chat_id,
            text,
            message_thread_id=job.topic_id,
            reply_markup=markup(buttons),
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

    async def _send(self, bot: Bot, job: Job) -> None:
        assert self.chat_id is not None
        sender = SENDERS[job.kind]
        if job.kind in OUTSIDE_TOPICS:
            await sender(self, bot, job, self.chat_id)
            return
        if job.topic_id is None:
            raise TopicGone
        try:
            await sender(self, bot, job, self.chat_id)
        except TelegramBadRequest as error:
            if any(gone in error.message for gone in TOPIC_GONE):
                raise TopicGone from error
            raise
