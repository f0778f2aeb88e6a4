"""One line for every message the bot sends: under Telegram's bot-wide limit, crises first.

Telegram accepts about 30 messages a second from one bot, all chats together, and answers 429
with `retry_after` beyond. Each sender retrying on its own sends a crowd back at once when the
wait ends, and after a few refusals a reply was lost. Here every message-sending call of the bot
(the patients' replies, the agents' copies, the agents' group outbox) waits for its turn in one
line, paced below the limit. What Telegram refuses anyway waits `retry_after` (the whole line
with it) and goes again first: a reply is never given up for a 429.

A patient's replies go in order, one turn after the other (`submit`), without holding up the
handling of their next message; a chat with a crisis answer queued goes ahead of the others, its
earlier replies included. Into one patient's chat Telegram takes about a message a second: a
chat's short burst (CHAT_BURST) goes at once, then its next message waits for the chat's window
while the other chats' go. A patient whose reply waits more than `typing_after` seconds sees
"typing…" (a chat action, not paced: it goes at once) until it goes.

Several workers with one token (PostgreSQL): each worker keeps its own line as above, and its
pacer takes a slot at a gate shared through the database (send_budget.py) before each message it
lets go, holding a few ahead (gate_slots.py); when a slot comes, it goes to whoever is
first in the line then (a crisis answer queued meanwhile included: at most one slot's wait).
Arrival order is kept within a worker; across workers the workers with sends waiting take the
gate's slots in turn, a few at a time, not in arrival order: nginx spreads the webhook posts
evenly, so the workers' lines are alike. A 429 for the whole bot holds the gate for every
worker. Should the database fail, the worker paces alone at a share of the rate (it is
most likely not alone) until the budget answers again.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.telegram.gate_slots import GateSlots
from bot.telegram.send_budget import SendBudget

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)
LIMIT, WINDOW = 30, 1.0  # Telegram's bulk limit: messages per second, the bot's chats together
DRAIN = 30.0  # seconds a stopping bot goes on sending what is queued
# a 429 within this many seconds of a chat's last message is that chat's limit, not the bot's
CHAT_WINDOW = 3.0
# messages one patient's chat takes within CHAT_WINDOW: a short burst, then about one a second
# (Telegram's FAQ); beyond, that chat's next message waits its turn in the chat and the others
# go meanwhile (sent anyway, it drew a 429 and cost one of the bot's slots: a four-part answer
# did, thousands of times in a surge)
CHAT_BURST = 3
CHATS_REMEMBERED = 20_000  # then those past CHAT_WINDOW are forgotten
TYPING_AFTER = 3.0  # seconds a patient's reply waits in line before they see "typing…"
TYPING_EVERY = 4.0  # Telegram shows it for 5 s
# then no more: in a surge thousands wait for minutes, and each "typing" is a request too
TYPING_TIMES = 4
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

    def __init__(
        self,
        limit: int = LIMIT,
        window: float = WINDOW,
        *,
        budget: SendBudget | None = None,
        typing_after: float | None = TYPING_AFTER,
    ) -> None:
        self.budget = budget  # several workers: the rate shared through PostgreSQL
        self.typing_after = typing_after  # None: no "typing…" while a reply waits
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
        # when each patient's chat last got a message (a 429 just after is that chat's limit)
        self._chat_sent: dict[int, deque[float]] = {}  # the last CHAT_BURST sends' times
        # several workers: this worker's slots at the shared gate (gate_slots.py)
        self.gate = GateSlots(budget, self.spacing, self.__len__) if budget is not None else None

    def __len__(self) -> int:
        """The sends waiting for their turn."""
        return len(self._waiting) + len(self._going_on)

    @classmethod
    def for_settings(cls, settings: Settings) -> SendQueue:
        """TELEGRAM_GLOBAL_RATE messages a second; shared by the workers on PostgreSQL."""
        rate = settings.telegram_global_rate
        limit = max(1, int(rate))
        return cls(
            limit,
            limit / rate,
            budget=SendBudget.for_database(settings.database_url, rate),
            typing_after=settings.telegram_typing_after,
        )

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
        chat_pause = 0.0  # Telegram's retry_after, for this chat alone
        while True:
            if chat_pause:
                await asyncio.sleep(chat_pause)
                chat_pause = 0.0
            await self._wait_turn(bot, chat_id, again)
            try:
                sent = await make_request(bot, method)
                self._note_sent(chat_id)
                return sent
            except TelegramRetryAfter as error:
                self.refused += 1
                again = True
                if self._chat_just_sent(chat_id):
                    # Telegram's limit in one chat (about a message a second; a first answer
                    # is the notice and the answer): this chat waits, the others go on
                    chat_pause = float(error.retry_after)
                    log.warning("flood control in one chat: it waits %s s", error.retry_after)
                    continue
                # over the bot's limit all the same (another process with the token, or
                # Telegram counting differently): everyone waits, this one goes first after
                until = time.monotonic() + error.retry_after
                self._paused_until = max(self._paused_until, until)
                if self.gate is not None:  # every worker too
                    self.gate.pause(until)
                log.warning(
                    "flood control on %s: every send waits %s s",
                    method.__api_method__,
                    error.retry_after,
                )
            finally:
                self._release()

    def _note_sent(self, chat_id: int | str | None) -> None:
        if isinstance(chat_id, int) and chat_id > 0:  # a patient's private chat
            now = time.monotonic()
            if len(self._chat_sent) >= CHATS_REMEMBERED:
                horizon = now - CHAT_WINDOW
                self._chat_sent = {c: t for c, t in self._chat_sent.items() if t[-1] > horizon}
            if (sent := self._chat_sent.get(chat_id)) is None:
                sent = self._chat_sent[chat_id] = deque(maxlen=CHAT_BURST)
            sent.append(now)

    def _chat_just_sent(self, chat_id: int | str | None) -> bool:
        if not isinstance(chat_id, int) or (sent := self._chat_sent.get(chat_id)) is None:
            return False
        return time.monotonic() - sent[-1] < CHAT_WINDOW

    def _chat_free_at(self, chat_id: int | str | None) -> float:
        """When (time.monotonic()) the chat may take another message: 0 for now."""
        if not isinstance(chat_id, int) or (sent := self._chat_sent.get(chat_id)) is None:
            return 0.0
        return sent[0] + CHAT_WINDOW if len(sent) >= CHAT_BURST else 0.0

    async def _wait_turn(self, bot: Bot, chat_id: int | str | None, again: bool) -> None:
        """Until this send may go. A patient's reply waiting long shows "typing…" meanwhile."""
        chat = self._chat(chat_id)
        typing = None
        if chat is not None and chat_id is not None and self.typing_after is not None:
            typing = _Typing(bot, chat_id, self.typing_after)
        try:
            await self._turn(chat_id, again)
        finally:
            if typing is not None:
                typing.cancel()

    async def _turn(self, chat_id: int | str | None, again: bool) -> None:
        chat = self._chat(chat_id)
        idle = not (self._waiting or self._going_on)
        # with a shared budget, every send waits for the pacer's slot at the gate
        now = time.monotonic()
        free = self._chat_free_at(chat_id) <= now
        if idle and free and self.budget is None and self._wait(now) == 0:
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
        if self.gate is not None:
            self.gate.drop()  # what a former run held is past
        while self._waiting or self._going_on:
            wait = self._wait(time.monotonic())
            if wait is None:
                self._released.clear()
                await self._released.wait()
                continue
            if wait > 0 and not (self.gate is not None and self.gate.pause_to_share):
                await asyncio.sleep(wait)
                continue
            if (free := self._free_from(now := time.monotonic()) - now) > 0:
                await asyncio.sleep(min(free, CHAT_WINDOW))  # every chat waiting had its burst
                continue
            if self.gate is not None:
                if (slot := await self.gate.next(self._last_start) - time.monotonic()) > 0:
                    await asyncio.sleep(slot)
                if self._paused_until > time.monotonic():
                    self.gate.drop()  # a 429 meanwhile: the slots held are lost time
                    continue
            # picked now, after the wait: a crisis answer queued meanwhile takes the slot
            if (waiter := self._next()) is not None:
                self._start(self._chat(waiter.chat_id))
                waiter.granted.set_result(None)

    def _next(self) -> _Waiter | None:
        """The first waiter of a chat with a crisis answer pending, else the first in line;
        of the chats that may take a message now (CHAT_BURST)."""
        lines = (self._going_on, self._waiting)
        for line in lines:
            while line and line[0].granted.done():  # cancelled while waiting
                line.popleft()
        now = time.monotonic()
        if self._urgent_chats:
            for line in lines:
                for index, waiter in enumerate(line):
                    chat = self._chat(waiter.chat_id)
                    if chat is None or not chat.urgent or waiter.granted.done():
                        continue
                    if self._chat_free_at(waiter.chat_id) <= now:
                        del line[index]
                        return waiter
        for line in lines:
            for index, waiter in enumerate(line):
                if not waiter.granted.done() and self._chat_free_at(waiter.chat_id) <= now:
                    del line[index]
                    return waiter
        return None

    def _free_from(self, now: float) -> float:
        """When a waiter's chat may take a message: `now` as soon as one may."""
        soonest = float("inf")
        for line in (self._going_on, self._waiting):
            for waiter in line:
                if waiter.granted.done():  # cancelled while waiting
                    continue
                if (free := self._chat_free_at(waiter.chat_id)) <= now:
                    return now
                soonest = min(soonest, free)
        return soonest

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


class _Typing:
    """ "typing…" in a chat from `after` seconds on, every TYPING_EVERY (TYPING_TIMES at most),
    until cancelled. A timer first: most sends wait less, and start no task."""

    def __init__(self, bot: Bot, chat_id: int | str, after: float) -> None:
        self._bot, self._chat_id = bot, chat_id
        self._task: asyncio.Task[None] | None = None
        self._timer = asyncio.get_running_loop().call_later(after, self._start)

    def _start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._keep_typing())

    async def _keep_typing(self) -> None:
        for _ in range(TYPING_TIMES):
            try:
                await self._bot.send_chat_action(self._chat_id, "typing")
            except TelegramAPIError as error:  # a courtesy: the reply is what matters
                log.info("typing indicator not sent: %s", type(error).__name__)
            await asyncio.sleep(TYPING_EVERY)

    def cancel(self) -> None:
        self._timer.cancel()
        if self._task is not None:
            self._task.cancel()


async def send_queued(bot: Bot) -> None:
    """At the dispatcher's shutdown: the replies still queued go before the bot stops (and the
    shared budget's connections close)."""
    queue = SendQueue.of(bot)
    if queue is not None:
        await queue.drain()
        if queue.budget is not None:
            await queue.budget.close()
