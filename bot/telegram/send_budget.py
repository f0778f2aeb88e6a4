"""Telegram's bot-wide send limit shared by every worker, through PostgreSQL.

Several webhook workers send with one bot token: Telegram counts their messages together (about
30 a second). Each worker paces its own line (send_queue.py), and before each send it lets go,
its pacer takes a slot at one gate in the database (table `send_budget`, the row `gate`, holding
the next free slot on the database's clock): `next_slot = greatest(next_slot, now() + pause) +
1/rate`, atomic, one statement in autocommit, one round trip per message (bench/send_budget.py
measures it). Slots are never closer than 1/rate: all workers together stay within the rate.

- A wait is the database's slot minus the database's now(), so the workers' clocks do not
  matter.
- Each worker's pacer holds a few slots ahead at most (gate_slots.SLOTS_AHEAD): the workers
  with sends waiting take the gate's slots in turn, a few at a time. Which of its sends takes
  a slot is the worker's own choice, made when the slot comes (a crisis first, then the rest
  of a reply begun, then arrival order).
- `pause` (Telegram's retry_after after a 429): the gate gives no slot before then, to any
  worker.
- A slot taken by a worker that dies, or that it has nobody left to give to, is lost time,
  never a message beyond the rate.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.models.send_budget import BudgetLane
from storage.workers import is_postgresql

log = logging.getLogger(__name__)

GATE_MARGIN = 0.9  # of TELEGRAM_GLOBAL_RATE, the shared gate's pace (see SendBudget)
_NOW = "extract(epoch from now())::float8"
_INTERVAL, _PAUSE = (f"CAST(:{name} AS float8)" for name in ("interval", "pause"))
# the gate's next slot, not before `pause` seconds from now: the seconds to wait for it
_SLOT = text(
    f"UPDATE send_budget SET next_slot = greatest(next_slot, {_NOW} + {_PAUSE}) + {_INTERVAL} "
    f"WHERE lane = '{BudgetLane.GATE}' RETURNING next_slot - {_INTERVAL} - {_NOW}"
)
_LANES = text(
    "INSERT INTO send_budget (lane, next_slot, shift) "
    f"VALUES ('{BudgetLane.GATE}', 0, 0) ON CONFLICT (lane) DO NOTHING"
)


class SendBudget:
    """The bot's send rate shared through the database; waits are in seconds from now."""

    def __init__(self, engine: AsyncEngine, rate: float) -> None:
        if not is_postgresql(engine):
            raise ValueError("a shared send budget needs PostgreSQL")
        # autocommit: one round trip per slot, no BEGIN/COMMIT around it
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._own = engine
        # a slot is when a send may start; one started late leaves the next slots as they were,
        # so some second would hold one send too many (Telegram's 429 then stops every
        # worker): the gate keeps a margin below the rate (measured in bench/surge.py)
        self.interval = 1.0 / (rate * GATE_MARGIN)
        self._lanes_checked = False

    @classmethod
    def for_database(cls, url: str, rate: float) -> SendBudget | None:
        """A budget on its own small pool for a PostgreSQL URL; None on SQLite (one process:
        the in-process pacing is the budget)."""
        if make_url(url).get_backend_name() != "postgresql":
            return None
        # kept open: an overflow connection closed after each use costs a PostgreSQL fork
        return cls(create_async_engine(url, pool_size=8, max_overflow=2), rate)

    async def slot(self, pause: float = 0.0) -> float:
        """The gate's next slot: the seconds to wait for it. `pause`: Telegram asked to wait
        that long (429): no worker gets a slot before."""
        async with self.engine.connect() as connection:
            if not self._lanes_checked:
                await connection.execute(_LANES)
                self._lanes_checked = True
            result = await connection.execute(_SLOT, {"interval": self.interval, "pause": pause})
            return max(0.0, result.scalar_one())

    async def close(self) -> None:
        await self._own.dispose()
