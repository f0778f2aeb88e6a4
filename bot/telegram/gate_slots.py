"""One worker's side of the shared send budget (send_budget.py): the slots it holds at the gate,
a 429 carried to every worker, and its own pace while the database does not answer.

Held ahead (SLOTS_AHEAD at most, asked for in the background while the worker waits for the
first), a slot is reserved a few intervals before it comes: a worker whose loop is busy in a
surge still finds its next one reserved, where one asked for only once the previous came was
often past already (the gate wasted a third of its slots). A slot held past SLOT_LATE is lost
time. Should the budget fail, the worker paces alone at FALLBACK_SHARE of the rate (it is most
likely not alone), said once, and tries the budget aside every BUDGET_RETRY seconds until it
answers, said once too.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from bot.telegram.send_budget import SendBudget

# the send line's logger: what an operator reads about sending is in one place
log = logging.getLogger("bot.telegram.send_queue")

BUDGET_TIMEOUT = 5.0  # seconds a slot at the shared gate may take before this worker paces alone
# of the rate, a worker's pace while the shared budget fails: the other workers most likely
# send meanwhile too
FALLBACK_SHARE = 0.25
BUDGET_RETRY = 2.0  # seconds between tries of a failing budget (in the background)
BUDGET_ERRORS = (SQLAlchemyError, OSError, TimeoutError)
SLOTS_AHEAD = 3  # slots a worker holds at the shared gate at most
# a slot held past this many seconds is lost time: used so late, it would make one send too many
# in some second (the gate's 10% margin takes about that much)
SLOT_LATE = 0.1


class GateSlots:
    """`spacing`: the worker's own interval at the full rate; `waiting`: how many of its sends
    wait (no more slots are held than that)."""

    def __init__(self, budget: SendBudget, spacing: float, waiting: Callable[[], int]) -> None:
        self.budget = budget
        self.spacing = spacing
        self.waiting = waiting
        self.failing = False
        self._tried = float("-inf")  # while failing: when the budget was last tried
        self._probe: asyncio.Task[None] | None = None
        self._slots: list[float] = []  # held: when each comes (time.monotonic()), sorted
        self._filling: asyncio.Task[None] | None = None
        self._pause = 0.0  # a 429's end (time.monotonic()), until the gate has it

    async def next(self, last_start: float) -> float:
        """When (time.monotonic()) this worker's next send may go. `last_start`: when its last
        one went (its own pace while the budget fails)."""
        stale = time.monotonic() - SLOT_LATE  # used, it would crowd the next ones
        while self._slots and self._slots[0] < stale:
            self._slots.pop(0)
        if not self._slots:
            bisect.insort(self._slots, time.monotonic() + await self._slot(last_start))
        at = self._slots.pop(0)
        if not self.failing and (self._filling is None or self._filling.done()):
            self._filling = asyncio.create_task(self._hold_ahead(last_start))
        return at

    def drop(self) -> None:
        """The slots held are lost time (a 429 paused everyone, or the line ran out)."""
        self._slots.clear()

    def pause(self, until: float) -> None:
        """Telegram refused a send for the whole bot: the gate gives nobody a slot before
        `until` (time.monotonic()), once this worker's next ask carries it there."""
        self._pause = max(self._pause, until)

    @property
    def pause_to_share(self) -> bool:
        """A 429 not yet at the gate: it goes there at once, before this worker's own pause."""
        return bool(self._pause) and not self.failing

    async def _hold_ahead(self, last_start: float) -> None:
        while not self.failing and len(self._slots) < min(SLOTS_AHEAD, self.waiting()):
            bisect.insort(self._slots, time.monotonic() + await self._slot(last_start))

    async def _slot(self, last_start: float) -> float:
        """Seconds until the next slot at the gate; while the budget fails, until the next
        send paced alone at FALLBACK_SHARE of the rate."""
        if not self.failing:
            try:
                return await self._ask_gate()
            except BUDGET_ERRORS as error:
                self.failing = True
                self._tried = time.monotonic()
                log.warning(
                    "shared send budget unavailable (%s): this worker paces alone at %d%% of "
                    "the rate until it answers",
                    type(error).__name__,
                    FALLBACK_SHARE * 100,
                )
        elif (self._probe is None or self._probe.done()) and (
            time.monotonic() - self._tried >= BUDGET_RETRY
        ):
            # tried aside: a database that hangs must not hold this worker's sends meanwhile
            self._probe = asyncio.create_task(self._try_budget())
        alone = last_start + self.spacing / FALLBACK_SHARE
        return max(0.0, alone - time.monotonic())

    async def _ask_gate(self) -> float:
        pause = self._pause
        async with asyncio.timeout(BUDGET_TIMEOUT):
            wait = await self.budget.slot(pause=max(0.0, pause - time.monotonic()))
        if self._pause == pause:  # else a later 429 still to carry
            self._pause = 0.0
        return wait

    async def _try_budget(self) -> None:
        """The failing budget again; its slot, if any, is lost time."""
        try:
            await self._ask_gate()
        except BUDGET_ERRORS:
            self._tried = time.monotonic()
            return
        self.failing = False
        log.warning("shared send budget answers again: the workers share the rate again")
