"""What a lost database connection looks like: a write that fails this way is tried again
once the database is back (it restarts, a backend is terminated), where any other failure is
a fault to report."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

# SQLSTATEs of a database going away: connection exceptions (08...), shut down by the
# administrator or a crash, not accepting connections yet (starting up)
_GONE = ("08", "57P01", "57P02", "57P03")


def is_lost_connection(error: BaseException) -> bool:
    """The database went away (restarted, backend terminated, refused while it starts)."""
    if isinstance(error, DBAPIError):
        state = str(getattr(error.orig, "sqlstate", None) or "")
        return (
            error.connection_invalidated
            or isinstance(error.orig, OSError)
            or (bool(state) and state.startswith(_GONE))
        )
    return isinstance(error, OSError)


async def retrying_while_lost(
    attempt: Callable[[], Awaitable[T]],
    retry_for: float,
    every: float,
    on_retry: Callable[[BaseException], None],
) -> T:
    """`attempt()` again every `every` seconds while the database is unreachable (restarting),
    `retry_for` seconds at most, `on_retry` told each time; any other failure, or the last,
    is raised. The pool drops its dead connections at the first failure and connects anew."""
    give_up = time.monotonic() + retry_for
    while True:
        try:
            return await attempt()
        except (DBAPIError, OSError) as error:
            if not is_lost_connection(error) or time.monotonic() > give_up:
                raise
            on_retry(error)
        await asyncio.sleep(every)
