"""A job the serving process runs on a schedule (the retention period), outliving its errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


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
    ) -> None:
        self.seconds = seconds
        self.job = job
        self.name = name
        self.at_start = at_start
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _forever(self) -> None:
        if self.at_start:
            await self._run()
        while True:
            await asyncio.sleep(self.seconds)  # a schedule, not a wait for a result
            await self._run()

    async def _run(self) -> None:
        try:
            await self.job()
        except Exception as error:
            log.error("%s failed: %s", self.name, type(error).__name__)
