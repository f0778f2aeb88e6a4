"""Sending to Telegram: the engine's turns as HTML messages, with Telegram's limits honoured.

Every message goes through the bot's `SendQueue` (send_queue.py): paced under Telegram's bot-wide
limit, crisis answers first, a patient's replies in order, a 429 waited out however many times.
`RetryMiddleware` wraps every Bot API call: 5xx and network errors back off exponentially, a
bounded number of times; so does a 429 on what the queue does not pace (edits, chat actions). A
reply still failing waits and goes again, for as long as it takes. A 403 (the patient blocked the
bot) is never retried: the patient is marked.

What a patient must receive is stored with the turn that made it (bot/deliveries.py) and
forgotten once sent: a crash with replies in the queue loses none, the next start sends them.
With several workers on PostgreSQL each delivery records its worker, and `Resender` (one worker
at a time, storage/job_locks.py) sends again only those of a worker that is dead.
The id of every message sent to a patient is noted for 48 hours, and /delete's turn erases the
chat's recent messages before its confirmation (bot/discretion.py, bot/telegram/discretion.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import partial

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from sqlalchemy.exc import SQLAlchemyError

from bot.deliveries import Copy, Deliveries, EraseChat, Item
from bot.discretion import ChatTrail
from bot.documents import letter_pdf
from bot.engine import Engine, Turn
from bot.replies import LetterFile
from bot.safety import Risk
from bot.schedule import Every
from bot.telegram.discretion import CHANNEL, erase_chat
from bot.telegram.render import CAPTION_LIMIT, TELEGRAM_LIMIT, keyboard, reply_parts
from bot.telegram.send_queue import SendQueue
from storage.job_locks import WorkerLocks

log = logging.getLogger(__name__)
RESEND_AFTER, RESEND_AFTER_MAX = 5.0, 60.0  # seconds: a reply Telegram failed to take goes again
ADOPT_EVERY = 10.0  # seconds between two looks for a dead worker's replies
# seconds a worker must be seen dead before its replies go again: a worker cut from PostgreSQL
# for a moment (a restart) takes its lock again within storage/workers.py's CHECK
ADOPT_AFTER = 15.0
# several workers: a reply waits at most this for the chat's older ones, owed by another worker
ORDER_WAIT, ORDER_POLL = 10.0, 0.05  # seconds
# seconds this worker must have held its own lock before it reads another's missing lock as
# its death (storage/workers.py `settled`): more than a worker takes to reconnect
TRUST_AFTER = 6.0


class RetryMiddleware(BaseRequestMiddleware):
    def __init__(
        self, attempts: int = 5, base_delay: float = 0.5, max_retry_after: float = 60
    ) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_retry_after = max_retry_after

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt == self.attempts or error.retry_after > self.max_retry_after:
                    raise
                log.warning(
                    "flood control on %s: waiting %s s", method.__api_method__, error.retry_after
                )
                await asyncio.sleep(error.retry_after)
            except (TelegramServerError, TelegramNetworkError) as error:
                if attempt == self.attempts or method.__api_method__ == "getUpdates":
                    raise  # polling has its own back-off
                delay = self.base_delay * 2 ** (attempt - 1)
                log.warning(
                    "%s failed (%s): retry in %.1f s",
                    method.__api_method__,
                    type(error).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


async def send(
    bot: Bot,
    deliveries: Deliveries,
    chat_id: int,
    items: Sequence[Item],
    delivery: int | None,
    *,
    urgent: bool = False,
) -> bool:
    """Queue items for a patient after those queued for them before, and wait until they are
    sent; `urgent` (a crisis answer) goes ahead of other patients'. False when the patient
    blocked the bot (403), which is never retried."""
    reached = True

    async def job() -> None:
        nonlocal reached
        reached = await _deliver_once(bot, deliveries, chat_id, items, delivery)

    queue = SendQueue.of(bot)
    if queue is None:
        await job()
    else:
        await queue.submit(chat_id, job, urgent=urgent)
    return reached


async def send_turn(
    bot: Bot, engine: Engine, deliveries: Deliveries, chat_id: int, turn: Turn
) -> None:
    """Queue every reply of a turn (sent in the background, in order); a patient who blocked
    the bot is marked. A crisis, possible or clear, is answered ahead of other patients."""
    if turn.replies:  # a flood being throttled gets none
        await queue_items(
            bot,
            engine,
            deliveries,
            chat_id,
            turn.items(),
            turn.delivery,
            turn.risk >= Risk.POSSIBLE,
        )


async def queue_items(
    bot: Bot,
    engine: Engine,
    deliveries: Deliveries,
    chat_id: int,
    items: Sequence[Item],
    delivery: int | None,
    urgent: bool,
) -> None:
    """Send items in the background, after the chat's earlier ones (at once without a queue)."""

    async def job() -> None:
        if not await _deliver_once(bot, deliveries, chat_id, items, delivery):
            await engine.blocked("telegram", str(chat_id))

    queue = SendQueue.of(bot)
    if queue is None:
        await job()
    else:
        queue.submit(chat_id, job, urgent=urgent)


async def resend_pending(bot: Bot, engine: Engine, deliveries: Deliveries) -> None:
    """At start: what the last run left unsent (it crashed with replies queued) goes first."""
    pending = await deliveries.pending("telegram")
    if pending:
        log.info("sending %d deliveries a previous run left unsent", len(pending))
    for left in pending:
        await queue_items(
            bot, engine, deliveries, int(left.chat_id), left.items, left.id, left.urgent
        )


class Resender:
    """At start, what was left unsent goes first. On SQLite (one process): all of it, as left
    by a crash. On PostgreSQL, every `every` seconds in the worker holding the job "resend":
    the deliveries of workers seen dead for `after` seconds, taken over (`Deliveries.adopt`)
    then sent; those of a live worker are its own to send. `clock`: monotonic, for tests."""

    def __init__(
        self,
        engine: Engine,
        deliveries: Deliveries,
        locks: WorkerLocks | None = None,
        *,
        every: float = ADOPT_EVERY,
        after: float = ADOPT_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.deliveries = deliveries
        self.locks = locks if locks is not None and locks.shared else None
        self.every = every
        self.after = after
        self.clock = clock
        self._dead_since: dict[int | None, float] = {}
        self._job: Every | None = None

    async def start(self, bot: Bot) -> None:
        if self.locks is None:
            await resend_pending(bot, self.engine, self.deliveries)
            return
        run = partial(self.adopt, bot)
        self._job = Every(self.every, run, "resend", at_start=True, locks=self.locks)
        await self._job.start()

    async def stop(self) -> None:
        if self._job is not None:
            await self._job.stop()

    async def adopt(self, bot: Bot) -> int:
        """Send again what dead workers left; returns how many deliveries."""
        assert self.locks is not None
        live = await self.locks.live_workers()
        if live is None:  # this worker's own connection is lost: it knows nothing
            return 0
        now, me = self.clock(), self.locks.worker_id
        waiting = await self.deliveries.owners("telegram") - live - {me}
        self._dead_since = {w: self._dead_since.get(w, now) for w in waiting}
        dead = [w for w, since in self._dead_since.items() if now - since >= self.after]
        if not dead:
            return 0
        pending = await self.deliveries.adopt("telegram", dead, me)
        if pending:
            log.info("sending %d deliveries a dead worker left unsent", len(pending))
        for left in pending:
            await queue_items(
                bot,
                self.engine,
                self.deliveries,
                int(left.chat_id),
                left.items,
                left.id,
                left.urgent,
            )
        return len(pending)


async def _older_first(bot: Bot, deliveries: Deliveries, chat_id: int, delivery: int) -> None:
    """Several workers (PostgreSQL): a patient's replies in the order of their turns, whichever
    worker made each. The chat's older deliveries that another worker owes go first: a live
    one's are waited for (its queue sends them), a dead one's (killed with replies queued)
    are taken over and sent here, at once rather than when the Resender finds them. Its death
    is believed only when this worker has held its own lock for TRUST_AFTER seconds (all of
    them lose theirs while PostgreSQL restarts). ORDER_WAIT seconds at most: then this turn's
    replies go anyway."""
    give_up = time.monotonic() + ORDER_WAIT
    chat = str(chat_id)
    while True:
        try:
            older, me_alive = await deliveries.before(CHANNEL, chat, delivery)
            if not older:
                return
            dead = [(row, owner) for row, owner, alive in older if not alive]
            trusted = me_alive and deliveries.worker is not None
            trusted = trusted and deliveries.worker.settled(TRUST_AFTER)
            if trusted and len(dead) == len(older):  # nothing older in a live worker's queue
                rows, owners = [row for row, _ in dead], {owner for _, owner in dead}
                for left in await deliveries.adopt_rows(rows, owners):
                    log.info("a dead worker's delivery sent before the chat's next")
                    await _deliver_once(bot, deliveries, chat_id, left.items, left.id, False)
                continue
        except (SQLAlchemyError, OSError) as error:
            log.warning("the chat's older replies unknown: %s", type(error).__name__)
        if time.monotonic() >= give_up:
            log.warning("replies sent before the chat's older ones, still owed elsewhere")
            return
        await asyncio.sleep(ORDER_POLL)


async def _deliver_once(
    bot: Bot,
    deliveries: Deliveries,
    chat_id: int,
    items: Sequence[Item],
    delivery: int | None,
    in_order: bool = True,
) -> bool:
    """Send, then forget the stored delivery. A request Telegram rejects for good (400: the
    chat or the message to copy is gone) is not sent again at the next start either."""
    if in_order and delivery is not None and deliveries.worker is not None:
        await _older_first(bot, deliveries, chat_id, delivery)
    progress = None
    if delivery is not None and deliveries.worker is not None and len(items) > 1:

        async def progress(sent: int) -> None:
            """Several workers: a worker killed mid-delivery leaves only the rest to send."""
            if sent < len(items):
                await deliveries.left(delivery, items[sent:])

    try:
        reached = await deliver(bot, chat_id, items, deliveries.trail, progress)
    except TelegramBadRequest as error:
        log.error("a delivery to a patient was rejected: %s", type(error).__name__)
        reached = True
    deliveries.done(delivery)
    return reached


async def deliver(
    bot: Bot,
    chat_id: int,
    items: Iterable[Item],
    trail: ChatTrail | None = None,
    progress: Callable[[int], Awaitable[None]] | None = None,
) -> bool:
    """Send replies, in order (buttons on the last part of a long reply), and copies, or erase
    the chat's recent messages (/delete); False when the patient blocked the bot (403). `trail`
    notes the id of each message sent, so that it can be deleted from the chat later;
    `progress(n)` is awaited once the first n items went."""
    for done, item in enumerate(items, 1):
        if not await _deliver_item(bot, chat_id, item, trail):
            return False
        if progress is not None:
            await progress(done)
    return True


async def _deliver_item(bot: Bot, chat_id: int, item: Item, trail: ChatTrail | None) -> bool:
    if isinstance(item, EraseChat):
        return trail is None or await erase_chat(bot, trail, chat_id)
    if isinstance(item, Copy):
        sent = await _send(bot, chat_id, copy=item)
        if sent is None:
            return False
        if trail is not None:
            trail.sent(CHANNEL, str(chat_id), sent)
        return True
    document = item.document  # a letter: the reply's text is its caption, then messages
    limit = CAPTION_LIMIT if document is not None else TELEGRAM_LIMIT
    parts = reply_parts(item.text, item.lead, limit)
    if document is not None and not parts:
        parts = [""]  # a document without caption
    for index, part in enumerate(parts):
        markup = keyboard(item.buttons) if index == len(parts) - 1 else None
        attached = document if index == 0 else None
        sent = await _send(bot, chat_id, part, markup, document=attached)
        if sent is None:
            return False
        if trail is not None:
            trail.sent(CHANNEL, str(chat_id), sent)
    return True


async def _send(
    bot: Bot,
    chat_id: int,
    text: str = "",
    markup: InlineKeyboardMarkup | None = None,
    *,
    copy: Copy | None = None,
    document: LetterFile | None = None,
) -> int | None:
    """One message, however long Telegram is down: a reply is never given up. Its id in the
    chat; None when the patient blocked the bot. A `document` is made here, as it is sent."""
    wait = RESEND_AFTER
    upload = None
    if document is not None:
        name, pdf = await asyncio.to_thread(letter_pdf, document)
        upload = BufferedInputFile(pdf, filename=name)
    while True:
        try:
            if copy is not None:
                return (await bot.copy_message(chat_id, copy.from_chat, copy.message_id)).message_id
            if upload is not None:
                caption = text or None
                message = await bot.send_document(
                    chat_id, upload, caption=caption, reply_markup=markup
                )
                return message.message_id
            return (await bot.send_message(chat_id, text, reply_markup=markup)).message_id
        except TelegramForbiddenError:
            log.info("a patient blocked the bot; marked, not retried")
            return None
        except (TelegramServerError, TelegramNetworkError) as error:
            # RetryMiddleware's attempts are spent: an outage, not a hiccup
            log.warning(
                "a reply waits for Telegram (%s): again in %.0f s", type(error).__name__, wait
            )
            await asyncio.sleep(wait)
            wait = min(2 * wait, RESEND_AFTER_MAX)
