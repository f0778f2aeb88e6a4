"""While a backlog lasts, what it holds is kept out of the garbage collector's full passes.

In a surge a worker holds for minutes the replies waiting for Telegram's limit and the updates
waiting for their turn. Measured in bench/surge.py (gc callbacks in a worker): ten minutes into
the drain, 585,000 objects, and each full collection walked them all with the event loop
stopped, 0.78 s every 10 s or so, a crisis's answer waiting meanwhile. They are not garbage:
they wait. So while the backlog lasts, what survived so far is frozen (gc.freeze, as at start-up:
bot/app.py) every CHECK_EVERY seconds, and each full collection walks only what came since. Once
the backlog is gone, it is all unfrozen, collected once, and frozen again, as at start-up: the
cyclic garbage frozen meanwhile waits for that (the surge's full collections found 0-300
objects each). Objects freed by their reference count (nearly all) are freed frozen or not."""

from __future__ import annotations

import gc
import logging
from collections.abc import Sized

from bot.app import freeze_startup_objects

log = logging.getLogger(__name__)

CHECK_EVERY = 10.0  # seconds
BACKLOG = 1_000  # sends and updates waiting in this worker: from there, what survives is frozen


class BacklogFreezer:
    """`check()` every CHECK_EVERY seconds; `lines`: where sends and updates wait (the send
    queue, the webhook's intake)."""

    def __init__(self, lines: list[Sized], at_least: int = BACKLOG) -> None:
        self.lines = lines
        self.at_least = at_least
        self.frozen = False  # since the backlog began

    async def check(self) -> None:
        waiting = sum(map(len, self.lines))
        if waiting >= self.at_least:
            if not self.frozen:
                log.info("backlog of %d: what it holds is kept out of full collections", waiting)
            gc.freeze()
            self.frozen = True
        elif self.frozen and waiting == 0:
            gc.unfreeze()
            freeze_startup_objects()
            self.frozen = False
            log.info("backlog gone: collected once")
