"""The webhook's journal in the database (bot/telegram/intake.py): on PostgreSQL, a patient's
update is acknowledged once claimed with its redacted copy (`inbound_claims.payload`, cleared
when its turn commits), then handled in the background. The copies a dead worker still held,
never handled, are taken over here by a live worker, oldest first, each by one worker only.

No text as the patient typed it and no name is ever written (the intake redacts the copy);
the copy is the one place where a chat id sits beside a message, for the minutes between
acknowledgement and commit (the `patients` table keeps chat ids all along)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from storage.inbound import SharedInbound
from storage.models import ClaimState, utcnow
from storage.workers import LIVE_WORKERS

# the live workers' ids read once per statement (a hashed subplan), not once per row: in a
# surge the live workers hold thousands of copies waiting for their turn
_ORPHANS = text(
    "UPDATE inbound_claims SET worker = :worker, claimed_at = :now"
    " WHERE (update_id, fingerprint) IN ("
    " SELECT update_id, fingerprint FROM inbound_claims"
    " WHERE payload IS NOT NULL AND state = :claimed AND worker <> :worker"
    f" AND worker::oid NOT IN ({LIVE_WORKERS.text})"
    " ORDER BY update_id LIMIT :limit FOR UPDATE SKIP LOCKED)"
    " RETURNING update_id, fingerprint, chat_key, payload"
)


@dataclass(frozen=True)
class Orphan:
    """A dead worker's update, now this worker's: its redacted copy (Telegram's JSON)."""

    update_id: int
    fingerprint: int
    chat_key: int | None
    payload: str


async def take_orphans(inbound: SharedInbound, limit: int) -> list[Orphan]:
    """Up to `limit` updates acknowledged by workers now dead and never handled, made this
    worker's (their chats' later updates wait for them as for any claim in flight)."""

    async def take() -> list[Orphan]:
        async with inbound.sessions() as session, session.begin():
            rows = await session.execute(
                _ORPHANS,
                {
                    "worker": inbound.worker.id,
                    "now": utcnow(),
                    "claimed": ClaimState.CLAIMED.value,
                    "limit": limit,
                },
            )
            return sorted((Orphan(*row) for row in rows), key=lambda orphan: orphan.update_id)

    return await inbound._retrying(take)
