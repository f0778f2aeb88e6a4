"""One line for every message the bot sends: under Telegram's bot-wide limit, crises first.

Telegram accepts about 30 messages a second from one bot, all chats together, and answers 429
with `retry_after` beyond. Each sender retrying on its own sends a crowd back at once when the
wait ends, and after a few refusals a reply was lost. Here every message-sending call of the bot
(the patients' replies, the agents' copies, the agents' group outbox) waits for its turn in one
line, paced below the limit. What Telegram refuses anyway waits `retry_after` (the whole line
with it) and goes again first: a reply is never given up for a 429.

A patient's replies go in order, one turn after the other (`submit`), without holding up the
handling of their next message; a chat with a crisis answer queued goes ahead of the others, its
earlier replies included.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

log = logging.getLogger(__name__)
LIMIT, WINDOW = 30, 1.0  # Telegram's bulk limit: messages per second, the bot's chats together
DRAIN = 30.0  # seconds a stopping bot goes on sending what is queued
# what Telegram counts as messages; the rest (edits, chat actions, callbacks, getUpdates) is not
# paced: none of it can wait behind a queue of replies
PACED = frozenset(
    {"sendMessage", "copyMessage", "forwardMessage", "createForumTopic", "sendPhoto",
     "sendDocument", "sendVoice", "sendVideo", "sendAudio", "sendSticker", "sendAnimation",
     "sendVideoNote", "sendLocation", "sendVenue", "sendContact", "sendPoll", "sendDice",
     "sendMediaGroup", "copyMessages", "forwardMessages"}
)  # fmt: skip


@dataclass
class _Waiter:
    chat_id: int | str | None
    granted: asyncio.Future[None]


Job = Callable[[], Awaitable[None]]


@dataclass
class _Chat:
    jobs: deque[tuple[Job, bool, asyncio.Future[None]]] = field(default_factory=deque)
    urgent: int = 0  # of the jobs, crisis answers
    worker: asyncio.Task[None] | None = None
    begun: bool = False  # the job running sent something already


class SendQueue(BaseRequestMiddleware):
    """At most `limit` messages in any `window` seconds, spaced `window / limit` apart. A send
    counts from when it is let go until `window` after its answer: Telegram received it in
    between, so our window always covers Telegram's, whatever the network's delays."""

    def __init__(self, limit: int = LIMIT, window: float = WINDOW) -> None:
        self.limit = limit
        self.window = window
        self.spacing = window / limit
        self.refused = 0  # 429s received
        self._waiting: deque[_Waiter] = deque()
        # before those: a turn's next message once its first went (one patient's answer
        # complete before the next patient's notice), and a send refused by a 429
        self._going_on: deque[_Waiter] = deque()
        self._in_flight = 0
        self._ended: deque[float] = deque()  # when the sends of the last window were answered
        self._last_start = float("-inf")
        self._paused_until = 0.0  # a 429's retry_after: nothing goes before
        self._released = asyncio.Event()
        self._pacer: asyncio.Task[None] | None = None
        self._chats: dict[int | str, _Chat] = {}
        self._urgent_chats = 0

    @classmethod
    def of(cls, bot: Bot) -> SendQueue | None:
        """The queue of this bot's session (None: a session without one, sends unpaced)."""
        return next((m for m in bot.session.middleware if isinstance(m, SendQueue)), None)

    def submit(self, chat_id: int, job: Job, *, urgent: bool = False) -> asyncio.Future[None]:
        """Run `job` (a turn's sends to this chat) after the chat's earlier jobs; returns at
        once, with a future done when the job ran. The handler need not wait for its replies
        to go: the patient's next message is handled meanwhile, and if it is a crisis it is
        known at once. `urgent` (a crisis answer) puts the chat's sends ahead of everyone's,
        those of its earlier jobs included."""
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat()
        done = asyncio.get_running_loop().create_future()
        chat.jobs.append((job, urgent, done))
        if urgent:
            chat.urgent += 1
            if chat.urgent == 1:
                self._urgent_chats += 1
        if chat.worker is None or chat.worker.done():  # done: cancelled at a shutdown
            chat.worker = asyncio.create_task(self._run(chat_id, chat))
        return done

    async def _run(self, chat_id: int, chat: _Chat) -> None:
        while chat.jobs:
            job, urgent, done = chat.jobs[0]
            try:
                await job()
            except Exception as error:  # the chat's next replies must still go
                where = traceback.extract_tb(error.__traceback__)[-1]
                log.error(
                    "replies to a patient failed: %s at %s:%s",
                    type(error).__name__,
                    where.filename,
                    where.lineno,
                )
            finally:
                chat.jobs.popleft()
                chat.begun = False
                if urgent:
                    chat.urgent -= 1
                    if chat.urgent == 0:
                        self._urgent_chats -= 1
                if not done.done():
                    done.set_result(None)
        del self._chats[chat_id]

    async def drain(self, timeout: float = DRAIN) -> None:  # noqa: ASYNC109 - a bound, not I/O's
        """At shutdown: the replies still queued go first, for `timeout` seconds at most."""
        workers = [chat.worker for chat in self._chats.values() if chat.worker is not None]
        if not workers:
            return
        log.info("sending the replies queued for %d patients before stopping", len(workers))
        _, pending = await asyncio.wait(workers, timeout=timeout)
        if pending:
            log.error("stopping with replies to %d patients unsent", len(pending))
            for worker in pending:
                worker.cancel()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__ not in PACED:
            return await make_request(bot, method)
        chat_id = getattr(method, "chat_id", None)
        again = False  # refused: goes first when the wait is over
        while True:
            await self._turn(chat_id, again)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                # over the limit all the same (another process with the token, or Telegram
                # counting differently): everyone waits, this one goes first after
                self.refused += 1
                self._paused_until = max(self._paused_until, time.monotonic() + error.retry_after)
                log.warning(
                    "flood control on %s: every send waits %s s",
                    method.__api_method__,
                    error.retry_after,
                )
                again = True
            finally:
                self._release()

    async def _turn(self, chat_id: int | str | None, again: bool) -> None:
        chat = self._chat(chat_id)
        if not (self._waiting or self._going_on) and self._wait(time.monotonic()) == 0:
            self._start(chat)
            return
        waiter = _Waiter(chat_id, asyncio.get_running_loop().create_future())
        if again:
            self._going_on.appendleft(waiter)
        elif chat is not None and chat.begun:
            self._going_on.append(waiter)
        else:
            self._waiting.append(waiter)
        if self._pacer is None or self._pacer.done():
            self._pacer = asyncio.create_task(self._pace())
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter.granted.done() and not waiter.granted.cancelled():
                self._release()  # let go, then cancelled before it could send
            raise

    def _wait(self, now: float) -> float | None:
        """Seconds until the next send may go; None: until a send in flight is answered."""
        while self._ended and now - self._ended[0] >= self.window:
            self._ended.popleft()
        wait = max(0.0, self._paused_until - now, self._last_start + self.spacing - now)
        if self._in_flight + len(self._ended) >= self.limit:
            if not self._ended:
                return None
            wait = max(wait, self._ended[0] + self.window - now)
        return wait

    async def _pace(self) -> None:
        while self._waiting or self._going_on:
            wait = self._wait(time.monotonic())
            if wait is None:
                self._released.clear()
                await self._released.wait()
            elif wait > 0:
                await asyncio.sleep(wait)
            elif (waiter := self._next()) is not None:
                self._start(self._chat(waiter.chat_id))
                waiter.granted.set_result(None)

    def _next(self) -> _Waiter | None:
        """The first waiter of a chat with a crisis answer pending, else the first in line."""
        lines = (self._going_on, self._waiting)
        for line in lines:
            while line and line[0].granted.done():  # cancelled while waiting
                line.popleft()
        if self._urgent_chats:
            for line in lines:
                for index, waiter in enumerate(line):
                    chat = self._chat(waiter.chat_id)
                    if chat is not None and chat.urgent and not waiter.granted.done():
                        del line[index]
                        return waiter
        return next((line.popleft() for line in lines if line), None)

    def _chat(self, chat_id: int | str | None) -> _Chat | None:
        """The chat's line of jobs, if it has one (a patient's, with replies queued)."""
        return self._chats.get(chat_id) if chat_id is not None else None

    def _start(self, chat: _Chat | None) -> None:
        self._in_flight += 1
        self._last_start = time.monotonic()
        if chat is not None and chat.jobs:
            chat.begun = True

    def _release(self) -> None:
        self._in_flight -= 1
        self._ended.append(time.monotonic())
        self._released.set()


async def send_queued(bot: Bot) -> None:
    """At the dispatcher's shutdown: the replies still queued go before the bot stops."""
    queue = SendQueue.of(bot)
    if queue is not None:
        await queue.drain()
