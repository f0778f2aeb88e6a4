"""Telegram's bot-wide send limit shared by every worker, through PostgreSQL.

Several webhook workers send with one bot token: Telegram counts their messages together (about
30 a second). Each worker's in-process line (send_queue.py) cannot see the others', so on
PostgreSQL every send takes a slot from one budget in the database (table `send_budget`, one row
per lane holding the lane's next free time, on the database's clock):

- the gate: every message sent, whichever worker sends it, takes the gate's next slot, 1/rate
  after the one before (`next_slot = greatest(next_slot, now()) + 1/rate`, atomic). Slots are
  never closer: all workers together stay within the rate.
- the normal lane: an ordinary reply first takes its place in the line there, in the order the
  workers asked (fair across workers: arrival order), and claims its gate slot when that place
  comes. Until then it holds no gate slot, so what goes ahead takes the gate at once.
- ahead (a crisis answer, the emergency answer, the rest of a reply already begun, a send
  Telegram refused): claims the gate's next slot directly, and pushes the normal lane back by
  one interval in the same statement, which gives the slot back to the rate.

A slot reserved by a worker that dies is lost time, never a message beyond the rate. A wait is
the database's slot minus the database's now(), so the workers' clocks do not matter. Each
reservation is one statement in autocommit, one round trip (bench/send_budget.py measures it);
the places asked for while one is on its way are reserved together, in the order asked, by the
next (arrival order within a worker too).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, TextClause, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.models.send_budget import BudgetLane
from storage.workers import is_postgresql

log = logging.getLogger(__name__)

GATE_MARGIN = 0.9  # of TELEGRAM_GLOBAL_RATE, the shared gate's pace (see SendBudget)
_NOW = "extract(epoch from now())::float8"
_INTERVAL, _PUSH, _PAUSE, _SPAN, _SEEN = (
    f"CAST(:{name} AS float8)" for name in ("interval", "push", "pause", "span", "seen")
)
_GATE, _NORMAL = f"lane = '{BudgetLane.GATE}'", f"lane = '{BudgetLane.NORMAL}'"
# ordinary replies' places in the line, `span` = their number x interval: seconds until the
# first may claim its slot at the gate, and the line's shift so far
_RESERVE = text(
    f"UPDATE send_budget SET next_slot = greatest(next_slot, {_NOW}) + {_SPAN} "
    f"WHERE {_NORMAL} RETURNING next_slot - {_SPAN} - {_NOW}, shift"
)
# a slot at the gate for what goes ahead, not before `pause` seconds from now; the normal line
# goes back `push` (an interval: the slot is given back to the rate), places already given
# included (their `shift`). Both rows in one statement (PostgreSQL runs a data-modifying WITH
# to completion).
_AHEAD = text(
    "WITH normal AS ("
    f" UPDATE send_budget SET next_slot = greatest(next_slot, {_NOW} + {_PAUSE}) + {_PUSH},"
    f" shift = shift + {_PUSH} WHERE {_NORMAL} RETURNING 1) "
    f"UPDATE send_budget SET next_slot = greatest(next_slot, {_NOW} + {_PAUSE}) + {_INTERVAL} "
    f"WHERE {_GATE} RETURNING next_slot - {_INTERVAL} - {_NOW}"
)
# a place in the line has come: its slot at the gate, unless the line went back since the
# place was given (`seen`: its shift then); then no slot, and the shift now
_IN_TURN = text(
    f"WITH line AS (SELECT shift FROM send_budget WHERE {_NORMAL}), "
    "gate AS ("
    f" UPDATE send_budget SET next_slot = greatest(next_slot, {_NOW}) + {_INTERVAL}"
    f" WHERE {_GATE} AND (SELECT shift FROM line) <= {_SEEN}"
    f" RETURNING next_slot - {_INTERVAL} - {_NOW} AS wait) "
    "SELECT (SELECT wait FROM gate), (SELECT shift FROM line)"
)
_LANES = text(
    "INSERT INTO send_budget (lane, next_slot, shift) VALUES "
    f"('{BudgetLane.GATE}', 0, 0), ('{BudgetLane.NORMAL}', 0, 0) ON CONFLICT (lane) DO NOTHING"
)


@dataclass(frozen=True)
class Place:
    """An ordinary reply's place in the line: `wait` seconds from now; `seen`, the line's
    shift when it was given."""

    wait: float
    seen: float


class SendBudget:
    """The bot's send rate shared through the database; waits are in seconds from now."""

    def __init__(self, engine: AsyncEngine, rate: float) -> None:
        if not is_postgresql(engine):
            raise ValueError("a shared send budget needs PostgreSQL")
        # autocommit: one round trip per reservation, no BEGIN/COMMIT around it
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._own = engine
        # a slot is when a send may start; one started late leaves the next slots as they were,
        # so some second would hold one send too many (Telegram's 429 then stops every
        # worker): the gate keeps a margin below the rate (measured in bench/surge.py)
        self.interval = 1.0 / (rate * GATE_MARGIN)
        self._lanes_checked = False
        self._asking: deque[asyncio.Future[Place]] = deque()
        self._reserver: asyncio.Task[None] | None = None

    @classmethod
    def for_database(cls, url: str, rate: float) -> SendBudget | None:
        """A budget on its own small pool for a PostgreSQL URL; None on SQLite (one process:
        the in-process pacing is the budget)."""
        if make_url(url).get_backend_name() != "postgresql":
            return None
        # kept open: an overflow connection closed after each use costs a PostgreSQL fork
        return cls(create_async_engine(url, pool_size=8, max_overflow=2), rate)

    async def reserve(self) -> Place:
        """An ordinary reply's place in the line, in arrival order across workers."""
        place: asyncio.Future[Place] = asyncio.get_running_loop().create_future()
        self._asking.append(place)
        if self._reserver is None or self._reserver.done():
            self._reserver = asyncio.create_task(self._reserve_asked())
        return await place

    async def _reserve_asked(self) -> None:
        while self._asking:
            asked = list(self._asking)
            self._asking.clear()
            try:
                first, seen = await self._run(_RESERVE, span=len(asked) * self.interval)
            except asyncio.CancelledError:
                for place in asked:
                    place.cancel()
                raise
            except Exception as error:  # each asker then paces alone (send_queue.py)
                for place in asked:
                    if not place.done():
                        place.set_exception(error)
                continue
            for index, place in enumerate(asked):
                if not place.done():  # else: cancelled, its place is lost time
                    place.set_result(Place(max(0.0, first) + index * self.interval, seen))

    async def in_turn(self, place: Place) -> float | Place:
        """The place has come: the wait for its slot at the gate, or its new place if the line
        went back meanwhile (what went ahead took those intervals)."""
        wait, shift = await self._run(_IN_TURN, interval=self.interval, seen=place.seen)
        if wait is None:
            return Place(shift - place.seen, shift)
        return max(0.0, wait)

    async def ahead(self, *, pause: float = 0.0) -> float:
        """A slot at the gate at once, ahead of the line (crisis answers, the rest of a reply
        begun, a send refused). `pause`: Telegram asked to wait that long (429): every
        worker's sends wait too."""
        wait, *_ = await self._run(_AHEAD, interval=self.interval, push=self.interval, pause=pause)
        return max(0.0, wait)

    async def _run(self, statement: TextClause, **values: float) -> Row[Any]:
        async with self.engine.connect() as connection:
            if not self._lanes_checked:
                await connection.execute(_LANES)
                self._lanes_checked = True
            return (await connection.execute(statement, values)).one()

    async def close(self) -> None:
        await self._own.dispose()
