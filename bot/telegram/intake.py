"""The webhook's intake on PostgreSQL: a patient's update is acknowledged as soon as it is safe,
and handled in this worker's own line, crises first.

Telegram posts a webhook at most `max_connections` (40) updates at a time and holds the rest
until those are answered. Answered only once handled (NLU included), the posts in a surge queue
at Telegram's side for minutes, where nothing of ours can see a crisis. So a patient's update is
answered 200 once claimed (storage/inbound.py) with its redacted copy (storage/inbound_journal.py):
then it is ours, and a worker killed before its turn commits leaves the copy for another worker
to handle. This worker handles the update it holds in memory (the text as typed, which the NLU
and the scam checker need; what the crisis net read in it at intake goes to the engine with it,
so that the net reads each text once), `handlers` at a time:

- first the updates whose text the crisis net reads as at least a possible crisis, with their
  chat's earlier updates still waiting here, in order, by one more task kept for them when the
  others are all busy; a crisis does not wait for its chat's earlier updates in other workers'
  lines (bot/telegram/middlewares.py), only for a turn under way (the engine's per-patient
  lock);
- then those the crisis screen suspects (bot/crisis_screen.py: a crisis the net misses is only
  known once the model has read it, and in a surge the line waits minutes for the NLU), the
  likeliest first, each with its chat's earlier updates, by one more task kept for them too;
- then the others in arrival order, each after its chat's earlier ones (the shared claims'
  order, storage/inbound.py).

The agents' group and everything else that is not a patient's is handled before it is answered,
as before: it is little, and an agent's words are never redacted on their way to a patient.

What a dead worker acknowledged but never handled is handled from the redacted copy: the text's
e-mails, phone numbers and other identifiers are placeholders then, and names are gone. Beyond
BACKLOG updates waiting here the webhook answers 503 (Telegram posts them again later), except
a crisis: it is always taken.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter, deque
from dataclasses import dataclass
from enum import Enum
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.crisis_screen import CrisisScreen, training_screen
from bot.safety import NetReading, Risk, read
from bot.telegram.middlewares import claim_of
from storage.inbound import Claim, SharedInbound, Verdict
from storage.inbound_journal import Orphan, take_orphans
from storage.redaction import redact

log = logging.getLogger(__name__)

BACKLOG = 20_000  # updates waiting in one worker's line; beyond, 503 but for a crisis
RECOVER_EVERY = 2.0  # seconds between two looks for a dead worker's updates
RECOVER_AT_ONCE = 200  # of those, taken at a time
_DROPPED = ("entities", "caption_entities", "last_name", "username", "vcard")
# what a person may have typed: texts, captions, a poll's question, a venue's address
_REDACTED = ("text", "caption", "phone_number", "question", "explanation", "title", "address")


def redacted_copy(update: dict[str, Any]) -> str:
    """Telegram's JSON of an update without the text as typed (storage/redaction.py) nor the
    names: what the journal may keep."""

    def clean(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: clean(v, k) for k, v in value.items() if k not in _DROPPED}
        if isinstance(value, list):
            return [clean(item) for item in value]
        if key in _REDACTED and isinstance(value, str):
            return redact(value)
        if key == "first_name":
            return ""
        if key in ("latitude", "longitude"):
            return 0.0
        return value

    return json.dumps(clean(update), ensure_ascii=False, separators=(",", ":"))


def _words(update: Update) -> str | None:
    event = update.message or update.edited_message
    return (event.text or event.caption) if event is not None else None


def net_reading(update: Update) -> NetReading | None:
    """What the crisis net reads in the update's text (None: no text); the engine reuses it."""
    words = _words(update)
    return read(words) if words else None


def is_urgent(reading: NetReading | None) -> bool:
    """At least a possible crisis."""
    return reading is not None and reading.risk >= Risk.POSSIBLE


class Lane(Enum):
    URGENT = "the crises the net reads, each with its chat's earlier updates"
    SUSPECTS = "what the crisis screen suspects, the likeliest first"
    WAITING = "the others, in arrival order"


EVERY_LANE = (Lane.URGENT, Lane.SUSPECTS, Lane.WAITING)
# the lanes each handling task takes from, in that order: the `handlers` take from every lane;
# one more task takes only crises, and one only suspects, so that neither waits for a turn
# under way to end
OWN_LANES = ((Lane.URGENT,), (Lane.SUSPECTS,))


@dataclass(eq=False)  # an entry is itself: found and removed by identity
class _Entry:
    claim: Claim
    update: Update
    net: NetReading | None  # read at intake, handed to the engine: the net is read once
    # the crisis screen's score, when it suspects a crisis the net did not read; a chat's
    # earlier updates moved with a suspect take its score
    suspicion: float | None = None

    @property
    def urgent(self) -> bool:
        return is_urgent(self.net)


class Intake:
    """This worker's line of acknowledged updates and the tasks that handle them."""

    DRAIN = 10.0  # seconds the updates being handled get to finish at shutdown

    def __init__(self, dp: Dispatcher, inbound: SharedInbound, handlers: int, **data: Any) -> None:
        self.dp, self.inbound = dp, inbound
        self.handlers = handlers
        self.data = data  # for the dispatcher, with each update
        self.bot: Bot | None = None  # set by `start`
        self.screen: CrisisScreen = training_screen()
        self._urgent: deque[_Entry] = deque()
        self._suspects: list[_Entry] = []  # in arrival order; taken the likeliest first
        self._suspect_chats: Counter[str | None] = Counter()  # how many each chat has there
        self._waiting: deque[_Entry] = deque()
        self._waiting_chats: Counter[str | None] = Counter()  # how many each chat has there
        # a handling task's wake-up, by the lanes it takes from
        self._ready = {lanes: asyncio.Event() for lanes in (EVERY_LANE, *OWN_LANES)}
        self._tasks: list[asyncio.Task[None]] = []  # the handling ones
        self._recovering: asyncio.Task[None] | None = None
        self.recovered = 0  # a dead worker's updates handled here
        self._stopping = False

    async def start(self, bot: Bot) -> None:
        """At the dispatcher's start-up (webhook mode): the handlers, and the look for a dead
        worker's updates."""
        self.bot = bot
        await self.inbound.start()
        every = [EVERY_LANE] * self.handlers
        self._tasks = [asyncio.create_task(self._handle(lanes)) for lanes in (*every, *OWN_LANES)]
        self._recovering = asyncio.create_task(self._recover())

    def __len__(self) -> int:
        return len(self._urgent) + len(self._suspects) + len(self._waiting)

    async def accept(self, raw: dict[str, Any], update: Update, claim: Claim) -> bool:
        """Claim a patient's update (`claim_of`) with its redacted copy and queue it; False:
        the line is full (answer 503)."""
        net = net_reading(update)
        if len(self) >= BACKLOG and not is_urgent(net):
            return False
        verdict = await self.inbound.claim(claim, redacted_copy(raw))
        if verdict in (Verdict.DUPLICATE, Verdict.IN_FLIGHT):
            log.info("update %s dropped: a duplicate (%s)", update.update_id, verdict)
            return True
        if verdict is Verdict.TAKEN_OVER:
            log.warning("update %s taken over from a worker gone", update.update_id)
        self._queue(self._entry(claim, update, net))
        return True

    def _entry(self, claim: Claim, update: Update, net: NetReading | None) -> _Entry:
        entry = _Entry(claim, update, net)
        if not entry.urgent and (words := _words(update)):
            score = self.screen.score(words)
            if score > self.screen.threshold:
                entry.suspicion = score
        return entry

    def _queue(self, entry: _Entry) -> None:
        chat = entry.claim.chat
        if entry.urgent:  # its chat's earlier updates still here go first, in order
            earlier = self._earlier(chat)
            self._take_out(earlier)
            self._urgent.extend(earlier)
            self._urgent.append(entry)
            lane = Lane.URGENT
        elif entry.suspicion is not None or self._suspect_chats[chat]:
            # with its chat's earlier updates, all at the highest score among them
            earlier = self._earlier(chat, suspects=False)
            self._take_out(earlier)
            self._suspects.extend([*earlier, entry])
            self._suspect_chats[chat] += len(earlier) + 1
            mine = [e for e in self._suspects if e.claim.chat == chat]
            score = max((e.suspicion for e in mine if e.suspicion is not None), default=None)
            for each in mine:
                each.suspicion = score
            lane = Lane.SUSPECTS
        else:
            self._waiting.append(entry)
            self._waiting_chats[chat] += 1
            lane = Lane.WAITING
        for lanes, ready in self._ready.items():
            if lane in lanes:
                ready.set()

    def _earlier(self, chat: str | None, suspects: bool = True) -> list[_Entry]:
        """The chat's updates waiting in the suspects' lane (`suspects`) and the others', in
        order; the counts spare a look through a long line for a chat that has none there."""
        earlier = []
        if suspects and self._suspect_chats[chat]:
            earlier = [e for e in self._suspects if e.claim.chat == chat]
        if self._waiting_chats[chat]:
            earlier += [e for e in self._waiting if e.claim.chat == chat]
        return earlier

    def _take_out(self, entries: list[_Entry]) -> None:
        for each in entries:
            if each.suspicion is not None:
                self._suspects.remove(each)
                self._left(self._suspect_chats, each)
            else:
                self._waiting.remove(each)
                self._left(self._waiting_chats, each)

    @staticmethod
    def _left(counts: Counter[str | None], entry: _Entry) -> None:
        counts[entry.claim.chat] -= 1
        if not counts[entry.claim.chat]:
            del counts[entry.claim.chat]

    def _next(self, lanes: tuple[Lane, ...]) -> _Entry | None:
        """The next update to handle from the first of `lanes` that holds one; None: none."""
        for lane in lanes:
            if (entry := self._take(lane)) is not None:
                return entry
        return None

    def _take(self, lane: Lane) -> _Entry | None:
        """A crisis, the likeliest suspect (the first of its chat: they share a score), or the
        first in line."""
        if lane is Lane.URGENT:
            return self._urgent.popleft() if self._urgent else None
        if lane is Lane.SUSPECTS:
            if not self._suspects:
                return None
            index = max(
                range(len(self._suspects)),
                key=lambda i: (self._suspects[i].suspicion or 0.0, -i),
            )
            entry = self._suspects.pop(index)
            self._left(self._suspect_chats, entry)
            return entry
        if not self._waiting:
            return None
        entry = self._waiting.popleft()
        self._left(self._waiting_chats, entry)
        return entry

    async def _handle(self, lanes: tuple[Lane, ...]) -> None:
        ready = self._ready[lanes]
        while not self._stopping:
            if (entry := self._next(lanes)) is None:
                ready.clear()
                await ready.wait()
                continue
            assert self.bot is not None
            try:
                result = await self.dp.feed_update(
                    self.bot,
                    entry.update,
                    inbound_claim=entry.claim,
                    inbound_urgent=entry.urgent,
                    inbound_net=entry.net,
                    **self.data,
                )
                if isinstance(result, TelegramMethod):
                    await self.dp.silent_call_request(bot=self.bot, result=result)
            except Exception as error:  # the dispatcher's error handler ran; the line goes on
                log.error("update %s failed: %s", entry.update.update_id, type(error).__name__)

    async def _recover(self) -> None:
        """A dead worker's acknowledged updates, handled here from their redacted copies."""
        while True:
            await asyncio.sleep(RECOVER_EVERY)
            try:
                orphans = await take_orphans(self.inbound, RECOVER_AT_ONCE)
            except Exception as error:  # the database is away: the next look
                log.warning("a dead worker's updates not looked for: %s", type(error).__name__)
                continue
            for orphan in orphans:
                self._adopt(orphan)

    def _adopt(self, orphan: Orphan) -> None:
        update = Update.model_validate(json.loads(orphan.payload), context={"bot": self.bot})
        claim = claim_of(update, orphan.chat_key)
        self.recovered += 1
        log.warning("update %s taken over from a worker gone", orphan.update_id)
        self._queue(self._entry(claim, update, net_reading(update)))

    async def stop(self) -> None:
        """At shutdown: the updates being handled finish (DRAIN seconds at most); what still
        waits stays in the journal, for another worker, or this one started again."""
        self._stopping = True
        for ready in self._ready.values():
            ready.set()
        if len(self):
            log.warning("stopping with %d updates acknowledged, not handled yet", len(self))
        if self._recovering is not None:
            self._recovering.cancel()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=self.DRAIN)
            for task in pending:
                task.cancel()
        recovering = [self._recovering] if self._recovering is not None else []
        await asyncio.gather(*self._tasks, *recovering, return_exceptions=True)
        self._tasks, self._recovering = [], None


class JournalRequestHandler(SimpleRequestHandler):
    """The webhook: a patient's update is answered once `intake` holds it; the others once
    handled."""

    def __init__(self, intake: Intake, bot: Bot, **kwargs: Any) -> None:
        super().__init__(intake.dp, bot, handle_in_background=False, **kwargs)
        self.intake = intake

    async def handle(self, request: web.Request) -> web.Response:
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), bot):
            return web.Response(body="Unauthorized", status=401)
        raw = await request.json(loads=bot.session.json_loads)
        update = Update.model_validate(raw, context={"bot": bot})
        claim = claim_of(update)
        if claim.chat is None:  # handled before it is answered, from the update parsed here
            result = await self.dispatcher.feed_webhook_update(bot, update, **self.data)
            return web.Response(body=self._build_response_writer(bot=bot, result=result))
        if not await self.intake.accept(raw, update, claim):
            return web.Response(status=503, text="busy: post again later")
        return web.json_response({}, dumps=bot.session.json_dumps)

    __call__ = handle
