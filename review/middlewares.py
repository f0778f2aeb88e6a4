"""The two middlewares every request goes through, in this order (`review.web.create_app`).

`security_headers`: the headers on every answer, and our own 400 and 500 pages.
`access_control`: each route's least role is declared in `review.web.ROUTES` (None: public); an
anonymous request is sent to the login page, a role too low gets 403, and so does any POST whose
CSRF token is not the session's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from aiohttp import web

from review.auth import find_session, same
from review.context import (
    ROLES_KEY,
    SESSION_COOKIE,
    USER_KEY,
    User,
    render,
    see_other,
    sessions_of,
)
from review.params import BadRequest

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

RANK = {"reviewer": 1, "supervisor": 2}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Server": "helpline",  # instead of aiohttp's banner, which names it and Python with versions
}


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The headers on every answer, errors included; a bad parameter is a 400 page, and an
    unexpected error a 500 page of ours rather than aiohttp's bare one."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(SECURITY_HEADERS)
        raise
    except BadRequest as exc:
        response = render(request, "error.html", status=400, message=str(exc))
    except Exception:
        log.exception("review: error answering a request")  # not its URL: pseudonyms, filters
        response = render(request, "error.html", status=500, message="Something went wrong.")
    response.headers.update(SECURITY_HEADERS)
    return response


@web.middleware
async def access_control(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = request.match_info.route
    if request.match_info.http_exception is not None or route.resource is None:
        return await handler(request)  # 404 / 405: nothing to protect
    canonical = route.resource.canonical
    if canonical.startswith("/static"):
        return await handler(request)
    roles: dict[tuple[str, str], str | None] = request.app[ROLES_KEY]
    needed = roles.get((request.method, canonical), "supervisor")  # undeclared: strictest
    if needed is None:
        return await handler(request)
    token = request.cookies.get(SESSION_COOKIE)
    async with sessions_of(request)() as session:
        found = await find_session(session, token)
        user = (
            User(found.user.name, found.user.role, found.csrf_token, token or "")
            if found is not None
            else None
        )
    if user is None:
        if request.method == "GET":
            raise see_other("/login?" + urlencode({"next": request.path_qs}))
        raise see_other("/login")
    request[USER_KEY] = user
    if request.method == "POST":
        form = await request.post()
        if not same(str(form.get("csrf", "")), user.csrf):
            return render(request, "error.html", status=403, message="Invalid form token.")
    if RANK.get(user.role, 0) < RANK[needed]:
        return render(request, "error.html", status=403, message="Your role cannot open this.")
    return await handler(request)
