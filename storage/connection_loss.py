"""What a lost database connection looks like: a write that fails this way is tried again
once the database is back (it restarts, a backend is terminated), where any other failure is
a fault to report."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

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
