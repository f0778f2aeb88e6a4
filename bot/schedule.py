"""A job the serving process runs on a schedule (the retention period), outliving its errors.

With several workers on one PostgreSQL (storage/job_locks.py), a job given `locks` runs in one
worker at a time: before each run its worker takes (or keeps) the lock named after the job; the
others skip their run, and the first of them to try after the holder died takes the job over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)


class Locks(Protocol):
    """storage.job_locks.WorkerLocks, as a job sees it."""

    async def take(self, name: str) -> bool: ...

    async def release(self, name: str) -> None: ...


class Every:
    """Runs `job` every `seconds`, from start() to stop(); a failing run is logged (its error
    type only: no personal data) and the next one comes as planned. `at_start`: a first run
    at once, in the background (start() does not wait for it: the first updates go first)."""

    def __init__(
        self,
        seconds: float,
        job: Callable[[], Awaitable[object]],
        name: str,
        *,
        at_start: bool = False,
        locks: Locks | None = None,
    ) -> None:
        self.seconds = seconds
        self.job = job
        self.name = name
        self.at_start = at_start
        self.locks = locks
        self.runs = 0  # in this worker (tests, logs)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.locks is not None:  # another worker takes the job at its next run
            await self.locks.release(self.lock_name)

    @property
    def lock_name(self) -> str:
        return f"job:{self.name}"

    async def _forever(self) -> None:
        if self.at_start:
            await self._run()
        while True:
            await asyncio.sleep(self.seconds)  # a schedule, not a wait for a result
            await self._run()

    async def _run(self) -> None:
        try:
            if self.locks is not None and not await self.locks.take(self.lock_name):
                return  # another worker runs it
            self.runs += 1
            await self.job()
        except Exception as error:
            log.error("%s failed: %s", self.name, type(error).__name__)
