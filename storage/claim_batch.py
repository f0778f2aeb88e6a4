"""New claims inserted together (storage/inbound.py): in a surge a worker takes hundreds of
webhook posts a second, and one transaction each (a ping, BEGIN, INSERT, COMMIT: four round
trips through a busy event loop) made Telegram's posts queue at its side, a crisis among them.

Every claim asked for while the previous statement runs joins the next one: a single INSERT
of all of them, in autocommit (one round trip). Which rows it inserted comes back; a claim
whose row was there already (a redelivery, a dead worker's update) is left to the caller's
one-by-one path, which tells a duplicate from one to take over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import ClaimState, utcnow

if TYPE_CHECKING:
    from storage.inbound import Claim

_INSERT = text(
    "INSERT INTO inbound_claims"
    " (update_id, fingerprint, chat_key, worker, state, claimed_at, payload)"
    " SELECT update_id, fingerprint, chat_key, :worker, :claimed, :now, payload"
    " FROM unnest(CAST(:update_ids AS bigint[]), CAST(:fingerprints AS bigint[]),"
    " CAST(:chat_keys AS bigint[]), CAST(:payloads AS text[]))"
    " AS new (update_id, fingerprint, chat_key, payload)"
    " ON CONFLICT DO NOTHING RETURNING update_id, fingerprint"
)


Keys = set[tuple[int, int]]  # (update id, fingerprint) of the rows inserted


class ClaimBatch:
    """`inserted(claim, payload)`: whether the claim's row is new, inserted with the others
    asked for meanwhile; `payload` is the webhook journal's redacted copy."""

    def __init__(
        self,
        engine: AsyncEngine,
        worker: int,
        retrying: Callable[[Callable[[], Awaitable[Keys]]], Awaitable[Keys]],
    ) -> None:
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.worker = worker
        self.retrying = retrying  # the caller's retry while the database restarts
        self._pending: list[tuple[Claim, str | None, asyncio.Future[bool]]] = []
        self._inserting: asyncio.Task[None] | None = None
        self.statements = 0  # for the tests: how many INSERTs the claims took

    async def inserted(self, claim: Claim, payload: str | None) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((claim, payload, future))
        if self._inserting is None or self._inserting.done():
            self._inserting = asyncio.create_task(self._insert_all())
        return await future

    async def _insert_all(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                new = await self.retrying(lambda batch=batch: self._insert(batch))
            except Exception as error:  # each caller sees it, as with a statement of its own
                for *_, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            except asyncio.CancelledError:
                for *_, future in batch:
                    future.cancel()
                raise
            for claim, _, future in batch:
                key = (claim.update_id, claim.fingerprint)
                # two copies in one batch: the first is the new one, the other a duplicate
                if not future.done():
                    future.set_result(key in new)
                new.discard(key)

    async def _insert(self, batch: list[tuple[Claim, str | None, asyncio.Future[bool]]]) -> Keys:
        self.statements += 1
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                _INSERT,
                {
                    "worker": self.worker,
                    "claimed": ClaimState.CLAIMED.value,
                    "now": utcnow(),
                    "update_ids": [c.update_id for c, _, _ in batch],
                    "fingerprints": [c.fingerprint for c, _, _ in batch],
                    "chat_keys": [c.chat_key for c, _, _ in batch],
                    "payloads": [payload for _, payload, _ in batch],
                },
            )
            return {(update_id, fingerprint) for update_id, fingerprint in rows}
