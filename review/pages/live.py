"""The supervisors' live view of the agents' desk (review/queries/live.py), refreshing itself.

It refreshes with `<meta http-equiv="refresh">`, not a script: the workspace's Content Security
Policy (review/middlewares.py) is `default-src 'none'` with no `script-src` nor `connect-src`, so
neither a script file nor a fetch would run, and loosening the policy of every page for one
table is not worth it. A full reload of this small server-made page every few seconds costs
the same queries a fetch would; it keeps working with scripts off, and an expired session
lands on the login page, which brings the supervisor back here.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from review.context import config_of, render, sessions_of
from review.params import BadRequest
from review.queries.live import live_view
from storage.models import utcnow

REFRESH = 10  # seconds between two refreshes; ?every=N for a wall screen (or a test)
FASTEST, SLOWEST = 1, 600


def refresh_seconds(request: web.Request) -> int:
    value = request.query.get("every", "")
    if not value:
        return REFRESH
    if not (value.isascii() and value.isdigit() and len(value) <= 3):
        raise BadRequest("This page link is not valid.")
    return min(SLOWEST, max(FASTEST, int(value)))


def span(delta: timedelta | None) -> str:
    """ "<1 min", "12 min", "2 h 05"."""
    if delta is None:
        return "n/a"
    total = int(delta.total_seconds() // 60)
    if total < 1:
        return "<1 min"
    if total < 60:
        return f"{total} min"
    return f"{total // 60} h {total % 60:02d}"


async def live_page(request: web.Request) -> web.StreamResponse:
    every = refresh_seconds(request)
    async with sessions_of(request)() as session:
        view = await live_view(session, config_of(request).live, utcnow())
    return render(request, "live.html", view=view, every=every, span=span)
