"""Telegram updates across several webhook workers on one PostgreSQL (issue 18.1): each update
handled once, each patient's updates one at a time in `update_id` order, the flood limit
counted for all workers together, whichever worker Telegram's posts reach.

In the database (storage/models/inbound.py), no chat id in clear and no text:

- `inbound_claims`: an update a worker took, keyed by (update id, event checksum) as
  `handled_updates` is (ids start again with a new bot token: never "every id below the
  highest"), with the worker's id (storage/workers.py), the keyed hash of its private chat and
  its state: CLAIMED, then HANDLED in the very transaction of its turn (`hold_turn`, called
  by the engine), then FINISHED when its handler returned. Forgotten after KEEP.
- `inbound_throttle`: each patient's messages of the flood window (admitted or not).

Claiming (`claim`): a new update is inserted CLAIMED, with the other claims asked for meanwhile
in one statement (storage/claim_batch.py). A copy of one HANDLED or FINISHED is a
duplicate. A copy of one still CLAIMED is a retry: if its worker is alive (holds its advisory
lock) it is being handled, and this copy is answered without handling it; if its worker is dead
(killed -9 mid-turn: its turn never committed, since HANDLED commits with the turn) this worker
takes it over and handles it.

Order (`wait_turn`): after the arrival window (the posts sent together all claim first), an
update waits while a lower id of its chat is not FINISHED and either still CLAIMED (its turn
not committed: in a live worker's hands, or a dead worker's and about to be posted again, since
the webhook never answered it; nginx posts it to another worker at once) or HANDLED by a live
worker, at most `wait` seconds (a HANDLED one of a dead worker is not waited for: its copy is a
duplicate, and its replies, still owed, go first by bot/telegram/sending.py's order); polling
with a short backoff (a pooled connection per poll, none held while waiting), woken at once
when one of this worker's own updates of the chat finishes.
The turns themselves never interleave: the engine takes `hold_turn`, a transaction-scoped
advisory lock keyed by the chat, first thing in its transaction (it holds no connection while
the NLU parses, and releases with the commit or with a dead worker's connection).

The windows left, written down honestly:
- an update whose handler runs no turn (an agent's command in the group, a button handled
  without the engine) is marked done when the handler returns: a worker killed between its
  commit and that mark has its update handled again on redelivery;
- a turn committed but its replies not yet sent when its worker dies: the replies are durable
  (patient_deliveries); the worker sending the chat's next replies sends them first
  (bot/telegram/sending.py), else whoever resends a dead worker's pending replies;
- a worker whose liveness connection is lost (not the worker itself) counts as dead until it
  connects again (storage/workers.py): a redelivery of its update in flight in that gap is
  handled by another worker too, and its chat's next updates stop waiting for it;
- an update that arrives after a later one of its chat went on (beyond the arrival window) is
  handled after it, as in one process.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
import weakref
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.claim_batch import ClaimBatch
from storage.connection_loss import retrying_while_lost
from storage.inbound_throttle import FloodCounts
from storage.models import ClaimState, utcnow
from storage.workers import CHAT_SPACE, Worker, alive_sql, is_postgresql, lock_key, worker_of

log = logging.getLogger(__name__)
T = TypeVar("T")

KEY_STATE = "inbound:chat_key"  # channel_state: the random key of the chats' hashes


class Verdict(StrEnum):
    NEW = "new"
    TAKEN_OVER = "taken_over"  # its worker died before its turn committed
    DUPLICATE = "duplicate"  # handled already
    IN_FLIGHT = "in_flight"  # a live worker is handling it


@dataclass
class Claim:
    update_id: int
    fingerprint: int
    chat: str | None  # "telegram:<chat id>", in memory only (the database has `chat_key`)
    chat_key: int | None = None


# the claim whose handler runs in this context: its turn's transaction marks it HANDLED
CURRENT: ContextVar[Claim | None] = ContextVar("inbound_claim", default=None)


async def hold_turn(session: AsyncSession, channel: str, chat_id: str) -> None:
    """First thing in a turn's transaction: on PostgreSQL, wait for the patient's other turns
    (any worker's) to commit, and mark the update being handled HANDLED with this turn."""
    if session.bind.dialect.name != "postgresql":
        return
    chat = f"{channel}:{chat_id}"
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:space, :key)"),
        {"space": CHAT_SPACE, "key": lock_key(chat)},
    )
    claim = CURRENT.get()
    if claim is not None and claim.chat == chat:
        await session.execute(
            text(
                "UPDATE inbound_claims SET state = :handled, payload = NULL"
                " WHERE update_id = :update_id AND fingerprint = :fingerprint"
                " AND state = :claimed"
            ),
            {
                "handled": ClaimState.HANDLED.value,
                "claimed": ClaimState.CLAIMED.value,
                "update_id": claim.update_id,
                "fingerprint": claim.fingerprint,
            },
        )


class SharedInbound(FloodCounts):
    """The inbound updates' shared state, on PostgreSQL only (`for_sessions` is None else)."""

    KEEP = 48 * 3600.0  # seconds: Telegram keeps an undelivered update 24 hours at most
    POLL_FIRST = 0.005  # seconds: the first wait for an earlier update, doubled up to POLL_MAX
    POLL_MAX = 0.05
    RETRY_FOR = 60.0  # seconds a claim is retried while the database is unreachable
    RETRY_EVERY = 0.5

    def __init__(self, sessions: async_sessionmaker[AsyncSession], worker: Worker) -> None:
        self.sessions = sessions
        self.worker = worker
        self._key = b""
        self._started = False
        self._starting = asyncio.Lock()
        self._prune_at = 0.0
        engine = sessions.kw["bind"]
        assert isinstance(engine, AsyncEngine)
        self.batch = ClaimBatch(engine, worker.id, self._retrying)
        # per chat key: set when one of this worker's updates of the chat finishes
        self._finished: weakref.WeakValueDictionary[int, asyncio.Event] = (
            weakref.WeakValueDictionary()
        )

    @classmethod
    def for_sessions(cls, sessions: async_sessionmaker[AsyncSession]) -> SharedInbound | None:
        engine = sessions.kw["bind"]
        assert isinstance(engine, AsyncEngine)
        if not is_postgresql(engine):
            return None
        return cls(sessions, worker_of(engine))

    async def start(self) -> None:
        """Hold the worker's liveness lock and read the chats' key (once, at the first
        update: the middlewares call it)."""
        async with self._starting:
            if self._started:
                return
            await self.worker.start()
            self._key = await self._retrying(self._load_key)
            self._started = True

    async def stop(self) -> None:
        if self._started:
            self._started = False
            await self.worker.stop()

    async def _load_key(self) -> bytes:
        async with self.sessions() as session, session.begin():
            await session.execute(
                text(
                    "INSERT INTO channel_state (key, value) VALUES (:key, :value)"
                    " ON CONFLICT DO NOTHING"
                ),
                {"key": KEY_STATE, "value": secrets.token_hex(32)},
            )
            value = await session.scalar(
                text("SELECT value FROM channel_state WHERE key = :key"), {"key": KEY_STATE}
            )
        return bytes.fromhex(str(value))

    def chat_key(self, chat: str) -> int:
        """The keyed hash of a chat: the same in every worker, not reversible without the key."""
        digest = hashlib.blake2b(chat.encode(), key=self._key, digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    async def _retrying(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """`attempt()` again while the database is unreachable (restarting), RETRY_FOR at most."""

        def say(error: BaseException) -> None:
            log.warning("database unreachable (%s): trying again", type(error).__name__)

        return await retrying_while_lost(attempt, self.RETRY_FOR, self.RETRY_EVERY, say)

    # --- each update once --------------------------------------------------------------------

    async def claim(self, claim: Claim, payload: str | None = None) -> Verdict:
        """`payload`: the update's redacted copy, kept until its turn commits (the webhook's
        journal, bot/telegram/intake.py); None when the update is handled before the answer."""
        if claim.chat is not None:
            claim.chat_key = self.chat_key(claim.chat)
        if await self.batch.inserted(claim, payload):
            verdict = Verdict.NEW
        else:  # its row was there: a duplicate, or a dead worker's to take over
            verdict = await self._retrying(lambda: self._settle(claim))
        if time.monotonic() >= self._prune_at:
            self._prune_at = time.monotonic() + self.KEEP / 2
            await self._retrying(self._prune)
        return verdict

    async def _settle(self, claim: Claim) -> Verdict:
        """A claim whose row was there already: handled, in a live worker's hands, or a dead
        worker's to take over."""
        key = {"update_id": claim.update_id, "fingerprint": claim.fingerprint}
        async with self.sessions() as session, session.begin():
            found = (
                await session.execute(
                    text(
                        f"SELECT state, worker, {alive_sql('worker')} FROM inbound_claims"
                        " WHERE update_id = :update_id AND fingerprint = :fingerprint"
                    ),
                    key,
                )
            ).first()
            if found is None or found[0] != ClaimState.CLAIMED.value:
                return Verdict.DUPLICATE
            if found[2]:
                return Verdict.IN_FLIGHT
            taken = await session.scalar(
                text(
                    "UPDATE inbound_claims SET worker = :worker, claimed_at = :now"
                    " WHERE update_id = :update_id AND fingerprint = :fingerprint"
                    " AND state = :claimed AND worker = :dead RETURNING 1"
                ),
                {
                    **key,
                    "now": utcnow(),
                    "worker": self.worker.id,
                    "dead": found[1],
                    "claimed": ClaimState.CLAIMED.value,
                },
            )
            return Verdict.TAKEN_OVER if taken else Verdict.IN_FLIGHT

    async def _prune(self) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                text("DELETE FROM inbound_claims WHERE claimed_at < :before"),
                {"before": utcnow() - timedelta(seconds=self.KEEP)},
            )
            await session.execute(  # the chats gone quiet (each chat's own go as it counts)
                text("DELETE FROM inbound_throttle WHERE at < :before"),
                {"before": utcnow() - timedelta(days=1)},
            )

    async def handled(self, claim: Claim) -> bool:
        """Whether the claim's turn committed (a lost connection may have hidden it)."""

        async def read() -> bool:
            async with self.sessions() as session:
                state = await session.scalar(
                    text(
                        "SELECT state FROM inbound_claims"
                        " WHERE update_id = :update_id AND fingerprint = :fingerprint"
                    ),
                    {"update_id": claim.update_id, "fingerprint": claim.fingerprint},
                )
            return state != ClaimState.CLAIMED.value

        return await self._retrying(read)

    async def finish(self, claim: Claim) -> None:
        """The handler returned: the claim is done, its chat's next update may go on."""

        async def mark() -> None:
            async with self.sessions() as session, session.begin():
                await session.execute(
                    text(
                        "UPDATE inbound_claims SET state = :finished, payload = NULL"
                        " WHERE update_id = :update_id AND fingerprint = :fingerprint"
                    ),
                    {
                        "finished": ClaimState.FINISHED.value,
                        "update_id": claim.update_id,
                        "fingerprint": claim.fingerprint,
                    },
                )

        try:
            await self._retrying(mark)
        except (DBAPIError, OSError) as error:  # its chat's next updates wait WAIT at most
            log.error("update %s not marked done: %s", claim.update_id, type(error).__name__)
        if claim.chat_key is not None and (event := self._finished.pop(claim.chat_key, None)):
            event.set()  # its waiters look again (the next ones wait on a new event)

    # --- each patient's updates in order -----------------------------------------------------

    async def wait_turn(self, claim: Claim, arrival_window: float, wait: float) -> None:
        """Wait while an earlier update of the claim's chat is in a live worker's hands, or
        claimed by a dead one (to be posted again)."""
        await asyncio.sleep(arrival_window)
        give_up, delay, earlier = time.monotonic() + wait, self.POLL_FIRST, 0
        while earlier := await self._retrying(lambda: self._earlier(claim)):
            if time.monotonic() >= give_up:
                log.warning(
                    "update %s went on before %d earlier one(s) of its chat, still in flight",
                    claim.update_id,
                    earlier,
                )
                return
            assert claim.chat_key is not None
            event = self._finished.get(claim.chat_key)
            if event is None:
                event = self._finished[claim.chat_key] = asyncio.Event()
            try:
                async with asyncio.timeout(delay):
                    await event.wait()
            except TimeoutError:
                delay = min(delay * 2, self.POLL_MAX)

    async def _earlier(self, claim: Claim) -> int:
        async with self.sessions() as session:
            return int(
                await session.scalar(
                    text(
                        "SELECT count(*) FROM inbound_claims WHERE chat_key = :chat_key"
                        " AND update_id < :update_id AND state <> :finished"
                        f" AND (state = :claimed OR {alive_sql('worker')})"
                    ),
                    {
                        "chat_key": claim.chat_key,
                        "update_id": claim.update_id,
                        "finished": ClaimState.FINISHED.value,
                        "claimed": ClaimState.CLAIMED.value,
                    },
                )
                or 0
            )
