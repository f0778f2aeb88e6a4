"""Signing in and out: the login form (with its own double-submit CSRF cookie), the throttled
password check, the session cookie."""

from __future__ import annotations

import logging
import secrets

from aiohttp import web

from review.auth import authenticate, close_session, open_session, same
from review.context import (
    SESSION_COOKIE,
    THROTTLE_KEY,
    config_of,
    render,
    see_other,
    sessions_of,
    user_of,
)
from review.params import safe_next
from review.queries.audit import audit

log = logging.getLogger(__name__)

LOGIN_COOKIE = "helpline_review_login"  # double-submit CSRF token of the login form


def set_strict_cookie(
    request: web.Request,
    response: web.StreamResponse,
    name: str,
    value: str,
    *,
    path: str,
    max_age: int,
) -> None:
    """Both cookies of the workspace: out of scripts' reach, never sent by another site, and
    over HTTPS only (unless configured otherwise for plain-http tests)."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="Strict",
        secure=config_of(request).cookie_secure,
        path=path,
        max_age=max_age,
    )


def login_form(request: web.Request, status: int = 200, error: str | None = None) -> web.Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        status=status,
        login_csrf=token,
        next=safe_next(request.query.get("next")),
        error=error,
    )
    set_strict_cookie(request, response, LOGIN_COOKIE, token, path="/login", max_age=3600)
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    return login_form(request)


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    if not same(str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE)):
        return render(request, "error.html", status=403, message="Invalid form token.")
    name = str(form.get("name", "")).strip()[:64]
    password = str(form.get("password", ""))[:1024]
    throttle = request.app[THROTTLE_KEY]
    # counted as failed before argon2 runs, then forgotten if the password is right
    if not await throttle.reserve(sessions_of(request), name, request.remote or "?"):
        log.warning("review login throttled")
        return login_form(request, 429, "Too many failed attempts. Try again later.")
    async with sessions_of(request)() as session, session.begin():
        user = await authenticate(session, name, password)
        if user is None:
            return login_form(request, 401, "Wrong name or password.")
        await throttle.succeeded(session, name)
        token = await open_session(session, user, config_of(request).session_hours)
        await audit(session, user.name, "login")
    response = see_other(safe_next(str(form.get("next", ""))))
    max_age = int(config_of(request).session_hours * 3600)
    set_strict_cookie(request, response, SESSION_COOKIE, token, path="/", max_age=max_age)
    response.del_cookie(LOGIN_COOKIE, path="/login")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    user = user_of(request)
    async with sessions_of(request)() as session, session.begin():
        await close_session(session, user.token)
        await audit(session, user.name, "logout")
    response = see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response
