"""Outer middlewares: each patient's updates in order, update de-duplication (durable) and
per-patient throttling. On SQLite (one process) in memory; on PostgreSQL shared by every
worker through the database (storage/inbound.py, `shared`)."""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject, Update
from aiogram.types.update import UpdateTypeLookupError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.batches import BatchWriter
from storage.connection_loss import is_lost_connection
from storage.inbound import CURRENT, Claim, SharedInbound, Verdict
from storage.models import utcnow
from storage.repositories import HandledUpdateRepository

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

log = logging.getLogger(__name__)


def private_chat(update: Update) -> int | None:
    """The private chat (a patient's) an update comes from, or None: a group's, a channel's."""
    event = update.message or update.edited_message
    if event is None:
        query = update.callback_query
        event = query.message if query is not None else update.my_chat_member
    chat = event.chat if event is not None else None
    return chat.id if chat is not None and chat.type == "private" else None


def chat_name(chat_id: int) -> str:
    """How the shared inbound state (storage/inbound.py) names a Telegram chat, in memory."""
    return f"telegram:{chat_id}"


class _InFlight:
    __slots__ = ("done", "update_id")

    def __init__(self, update_id: int) -> None:
        self.update_id = update_id
        self.done: asyncio.Event | None = None  # made when an update waits for this one


class OrderMiddleware(BaseMiddleware):
    """Each patient's updates handled one at a time, in the order Telegram numbered them
    (`update_id`), whatever order they arrive in.

    They arrive out of it: a webhook gets up to `max_connections` (40) posts at once, each
    retried until answered; polling hands over a batch whose updates are handled concurrently,
    and after a restart a backlog's next batch races the first (de-duplication reads the
    database before the first update goes on). So this is the outermost middleware: nothing
    awaits before it.

    Per private chat, the updates in flight (arrived, not done) are known; an update goes on
    once those with lower ids are done. It never waits for an id that has not arrived (updates
    may be lost, ids skip), and never longer than WAIT for the ones present: then it goes on
    (the engine's per-patient lock still keeps turns apart). On arrival it first lets the
    updates sent with it arrive too: one loop trip, in which all the tasks of a getUpdates batch
    start; webhook posts sent together arrive a few ms apart, so the webhook server passes a
    longer `arrival_window` (seconds) with its updates (bot/telegram/app.py).

    On PostgreSQL (`shared`) the order is kept across workers by the de-duplication's claims,
    which must be in the database before an update waits (storage/inbound.py): this one then
    lets updates through.
    """

    WAIT = 10.0  # seconds

    def __init__(self, shared: SharedInbound | None = None) -> None:
        self.chats: dict[int, list[_InFlight]] = {}
        self.shared = shared

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        chat = private_chat(event)
        if chat is None or self.shared is not None:
            return await handler(event, data)
        mine = _InFlight(event.update_id)
        in_flight = self.chats.get(chat)
        if in_flight is None:
            in_flight = self.chats[chat] = []
        in_flight.append(mine)
        try:
            await asyncio.sleep(data.get("arrival_window", 0))
            if any(other.update_id < mine.update_id for other in in_flight):
                await self._wait_turn(in_flight, mine)
            return await handler(event, data)
        finally:
            in_flight.remove(mine)
            if not in_flight:
                del self.chats[chat]
            if mine.done is not None:
                mine.done.set()

    async def _wait_turn(self, in_flight: list[_InFlight], mine: _InFlight) -> None:
        try:
            async with asyncio.timeout(self.WAIT):
                while earlier := [o for o in in_flight if o.update_id < mine.update_id]:
                    # the one just before: it went on after those before it, as a rule
                    last = max(earlier, key=lambda other: other.update_id)
                    if last.done is None:
                        last.done = asyncio.Event()
                    await last.done.wait()
        except TimeoutError:
            log.warning(
                "update %s went on before %d earlier one(s) of its chat, still in flight",
                mine.update_id,
                len(earlier),
            )


def fingerprint(update: Update) -> int:
    """A checksum of what the update is about: its kind, its event's ids and times. A
    redelivery has the same; another update that got the same id (ids start again with a new
    bot token) has not. Nothing of it can be read back: no chat, no text is kept."""
    try:
        kind = update.event_type
    except UpdateTypeLookupError:
        return 0
    fields = vars(getattr(update, kind))  # a model's fields (getattr of a missing one is slow)
    chat = fields.get("chat")
    about = (
        kind,
        chat.id if chat is not None else None,
        fields.get("message_id"),
        fields.get("id"),
        fields.get("date"),
        fields.get("edit_date"),
    )
    return zlib.crc32(repr(about).encode())


def claim_of(update: Update, chat_key: int | None = None) -> Claim:
    """The shared claim of an update (storage/inbound.py): its id, its fingerprint and, for a
    patient's, its chat."""
    chat = private_chat(update)
    return Claim(update.update_id, fingerprint(update), chat_name(chat) if chat else None, chat_key)


class DeduplicationMiddleware(BaseMiddleware):
    """Handle each update once, also across restarts.

    Telegram delivers an update again when it may not have reached us (polling offset lost in a
    crash, webhook retry), for 24 hours at most. The updates handled (or in flight) are
    remembered, in memory and in the database (written in batches, read back at start), and an
    exact repeat is dropped: the same id and the same event. Never "every id at or below the
    highest handled": ids start again with a new bot token, and after a week without updates
    Telegram picks the next at random, so the bot would fall silent for good.

    In memory, two generations of KEEP / 2 seconds each: an update is remembered between one
    and two generations, at least Telegram's 24 hours. The database forgets after KEEP.

    On PostgreSQL (`shared`), several workers: each update is claimed in the database first
    (storage/inbound.py: a duplicate or a copy a live worker is handling is dropped, a dead
    worker's is taken over), then waits for the earlier updates of its chat in any worker,
    then is handled; its turn's commit marks it handled. A handler that failed because the
    database connection was lost (PostgreSQL restarted) is run again once it is back, unless
    its turn had committed.
    """

    KEEP = 48 * 3600.0  # seconds
    RETRIES = 2  # handler runs again after a lost database connection

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], shared: SharedInbound | None = None
    ) -> None:
        self.sessions = sessions
        self.shared = shared
        # update id and checksum as one int: `update_id << 32 | fingerprint`
        self.recent: set[int] = set()
        self.older: set[int] = set()
        self._renew_at = 0.0  # time.monotonic() when `recent` becomes `older`
        self._loaded = False
        self._loading = asyncio.Lock()
        # one writer at a time, writing all that was handled meanwhile: under load many
        # updates share one write instead of each waiting for its own (storage.batches)
        self._handled = BatchWriter[tuple[int, int]](sessions, self._persist, "handled updates")
        self._prune = True  # the database's rows older than KEEP, at the next write

    async def _load(self) -> None:
        async with self._loading:  # the first updates all wait for the one read
            if self._loaded:
                return
            now = utcnow()
            async with self.sessions() as session:
                rows = await HandledUpdateRepository(session).since(
                    now - timedelta(seconds=self.KEEP)
                )
            half = timedelta(seconds=self.KEEP / 2)
            for update_id, checksum, handled_at in rows:
                generation = self.recent if now - handled_at < half else self.older
                generation.add(update_id << 32 | checksum)
            self._renew_at = time.monotonic() + self.KEEP / 2
            self._loaded = True

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        if self.shared is not None:
            return await self._shared(self.shared, handler, event, data)
        if not self._loaded:
            await self._load()
        if time.monotonic() >= self._renew_at:
            self.older, self.recent = self.recent, set()
            self._renew_at = time.monotonic() + self.KEEP / 2
            self._prune = True
        update_id, checksum = event.update_id, fingerprint(event)
        key = update_id << 32 | checksum
        # no await between this check and the add: concurrent copies can't both pass
        if key in self.recent or key in self.older:
            log.info("update %s dropped: a duplicate", update_id)
            return None
        self.recent.add(key)
        try:
            return await handler(event, data)
        finally:
            self._handled.add((update_id, checksum))

    async def _shared(
        self, shared: SharedInbound, handler: Handler, event: Update, data: dict[str, Any]
    ) -> Any:
        await shared.start()
        claim = data.get("inbound_claim")  # claimed by the webhook's intake (intake.py)
        if claim is None:
            claim = claim_of(event)
            verdict = await shared.claim(claim)
            if verdict in (Verdict.DUPLICATE, Verdict.IN_FLIGHT):
                log.info("update %s dropped: a duplicate (%s)", event.update_id, verdict)
                return None
            if verdict is Verdict.TAKEN_OVER:
                log.warning("update %s taken over from a worker gone", event.update_id)
        token = CURRENT.set(claim)
        cancelled = False
        try:
            # a crisis goes on at once: only a turn under way holds it (the engine's lock)
            if claim.chat is not None and not data.get("inbound_urgent"):
                await shared.wait_turn(claim, data.get("arrival_window", 0), OrderMiddleware.WAIT)
            for attempt in range(self.RETRIES + 1):
                try:
                    return await handler(event, data)
                except Exception as error:
                    if not is_lost_connection(error) or attempt == self.RETRIES:
                        raise
                    if await shared.handled(claim):  # lost at its commit, which went through
                        raise
                    log.warning("update %s: database connection lost, again", event.update_id)
        except asyncio.CancelledError:  # stopping: left claimed, for another worker to take
            cancelled = True
            raise
        finally:
            CURRENT.reset(token)
            if not cancelled:
                await shared.finish(claim)

    async def _persist(self, session: AsyncSession, handled: list[tuple[int, int]]) -> None:
        repository = HandledUpdateRepository(session)
        now = utcnow()
        await repository.add(handled, now)
        if self._prune:
            self._prune = False
            await repository.forget_before(now - timedelta(seconds=self.KEEP))

    async def flush(self) -> None:
        """Wait for the updates handled to be on disk (at shutdown)."""
        await self._handled.flush()


class ThrottlingMiddleware(BaseMiddleware):
    """At most `limit` messages per `window` seconds per chat get an answer; an edit counts as
    a message (it is answered as one), an album (photos sent together) as one.

    The first message over the limit gets one polite "slow down"; the rest of the flood is stored
    (nothing is lost) but not answered, until the window has room again. Then the flood's last
    text (not a photo, a sticker...) is answered, once: the patient's question is not left
    unanswered. It goes through the handler again with `answer_stored` (already stored: the
    engine answers it without storing it twice), unless the patient wrote again meanwhile and
    got an answer. An album arrives as one message per item: the first to come is the album's
    (counted, answered), the others get `album_item` (stored and relayed, not answered).

    On PostgreSQL (`shared`) the window, the warning, the albums and "the flood's last text" are
    counted in the database for all workers (storage/inbound.py), with its clock: a flood spread
    over workers is throttled as in one, and its last text answered once, by the worker that got
    it. What is throttled goes through the handler the same way (stored, crisis checked).
    """

    ALBUM_SECONDS = 60.0  # an album's items come together: within this, they are one album

    def __init__(
        self,
        limit: int = 6,
        window: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        shared: SharedInbound | None = None,
    ) -> None:
        self.limit = limit
        self.shared = shared
        self.window = window
        self.clock = clock
        self.recent: dict[int, deque[float]] = defaultdict(deque)
        self.warned: set[int] = set()
        self._pruned_at = 0.0  # chats quiet for a window are forgotten, every window at most
        self.albums: dict[tuple[int, str], float] = {}  # (chat, media group) -> first seen
        # per throttled chat: the task answering its last throttled text when the window frees
        self.later: dict[int, asyncio.Task[None]] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Message) or event.chat.type != "private":
            return await handler(event, data)
        if self.shared is not None:
            return await self._shared(self.shared, handler, event, data)
        now = self.clock()
        if event.media_group_id is not None and event.edit_date is None:
            if self._album_seen(event.chat.id, event.media_group_id, now):
                data["album_item"] = True
                return await handler(event, data)
        if now - self._pruned_at > self.window:
            self._prune(now)
        recent = self.recent[event.chat.id]
        while recent and now - recent[0] > self.window:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(now)
            self.warned.discard(event.chat.id)
            if (later := self.later.pop(event.chat.id, None)) is not None:
                later.cancel()  # answered now: the flood's last text is no longer the last word
            return await handler(event, data)
        data["throttled"] = True
        data["warn"] = event.chat.id not in self.warned
        self.warned.add(event.chat.id)
        if event.text is not None:  # a question, not a photo or a sticker: answered later
            self._answer_later(event, handler, data, recent[0] + self.window - now)
        return await handler(event, data)

    async def _shared(
        self, shared: SharedInbound, handler: Handler, event: Message, data: dict[str, Any]
    ) -> Any:
        await shared.start()
        album = event.media_group_id if event.edit_date is None else None
        count = await shared.count(
            chat_name(event.chat.id),
            limit=self.limit,
            window=self.window,
            answerable=event.text is not None,
            album=album,
        )
        if count.album_item:
            data["album_item"] = True
        elif count.admitted:
            if (later := self.later.pop(event.chat.id, None)) is not None:
                later.cancel()
        else:
            data["throttled"], data["warn"] = True, count.warn
            if event.text is not None:
                self._answer_later(event, handler, data, count.wait, count.mark)
        return await handler(event, data)

    def _prune(self, now: float) -> None:
        """Forget the chats with nothing in the window (the dict grew with every patient ever
        seen); a chat waiting for its flood's answer keeps its window."""
        self._pruned_at = now
        quiet = [
            chat
            for chat, times in self.recent.items()
            if (not times or now - times[-1] > self.window) and chat not in self.later
        ]
        for chat in quiet:
            del self.recent[chat]
            self.warned.discard(chat)

    def _answer_later(
        self, event: Message, handler: Handler, data: dict[str, Any], delay: float, mark: int = 0
    ) -> None:
        chat_id = event.chat.id
        if (earlier := self.later.pop(chat_id, None)) is not None:
            earlier.cancel()  # only the latest text of the flood is answered
        later = {**data, "throttled": False, "warn": False, "answer_stored": True}
        self.later[chat_id] = asyncio.create_task(
            self._answer(chat_id, event, handler, later, max(delay, 0.0), mark)
        )

    async def _answer(
        self,
        chat_id: int,
        event: Message,
        handler: Handler,
        data: dict[str, Any],
        delay: float,
        mark: int,
    ) -> None:
        await asyncio.sleep(delay)
        del self.later[chat_id]  # from here on it answers: a new message no longer cancels it
        if self.shared is not None:
            try:
                if await self.shared.answer_now(chat_name(chat_id), mark):
                    await handler(event, data)
            except Exception as error:  # the error type only, as below
                log.error("a flood's last message was not answered: %s", type(error).__name__)
            return
        now = self.clock()
        recent = self.recent[chat_id]
        while recent and now - recent[0] > self.window:
            recent.popleft()
        recent.append(now)  # the answer counts in the window like any other
        self.warned.discard(chat_id)
        try:
            await handler(event, data)
        except Exception as error:  # the error type only: no chat id, no text in the logs
            log.error("a flood's last message was not answered: %s", type(error).__name__)

    async def stop(self) -> None:
        """Cancel the answers still waiting for their window (at shutdown)."""
        for task in list(self.later.values()):
            task.cancel()
        self.later.clear()

    def _album_seen(self, chat_id: int, group: str, now: float) -> bool:
        """Whether another item of this album came before; notes it if not."""
        albums = self.albums
        while albums:  # oldest first: usually none or one to forget
            key, first = next(iter(albums.items()))
            if now - first <= self.ALBUM_SECONDS:
                break
            del albums[key]
        if (chat_id, group) in albums:
            return True
        albums[(chat_id, group)] = now
        return False
