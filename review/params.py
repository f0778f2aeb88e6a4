"""Reading a request's parameters: what cannot be what it should is a `BadRequest` (answered 400
by `review.middlewares.security_headers`), and the page after signing in is always one of ours."""

from __future__ import annotations

from datetime import date

from aiohttp import web
from yarl import URL

from review.queries.columns import MAX_ID
from review.queries.conversations import decode_cursor

HOME = "/conversations"
# days a page accepts: far from those that date arithmetic cannot reach (year 1 and 9999)
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


class BadRequest(Exception):
    """A parameter that cannot be what it should: answered 400 with this message."""


def safe_next(value: str | None) -> str:
    """Only a path on this site, never '//host' or 'https://...' (open redirect). Checked as
    aiohttp will send it: its URL parser drops tabs and newlines ('/\t/host' is '//host'), so
    control characters are refused outright, as are spaces and backslashes (a '/' to browsers)."""
    if not value or not value.isprintable() or " " in value or "\\" in value:
        return HOME
    try:
        location = str(URL(value))  # what aiohttp writes in the Location header
    except ValueError:  # '//[' and the like
        return HOME
    if not location.startswith("/") or location.startswith("//") or URL(location).is_absolute():
        return HOME
    return location


def row_id(value: str) -> int | None:
    """A database id read from a URL; None if it cannot be one (the driver would overflow)."""
    if value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) <= MAX_ID:
        return int(value)
    return None


def query_id(request: web.Request, key: str) -> int | None:
    """An id in the query string; None when absent."""
    value = request.query.get(key, "")
    if not value:
        return None
    if (found := row_id(value)) is None:
        raise BadRequest("This page link is not valid.")
    return found


def query_day(request: web.Request, key: str) -> date | None:
    """A day in the query string; None when absent."""
    value = request.query.get(key, "")
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadRequest("This is not a date.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BadRequest(f"Choose days from {FIRST_DAY} to {LAST_DAY}.")
    return day


def query_cursor(request: web.Request, key: str) -> str | None:
    """A conversation-list cursor in the query string; None when absent."""
    value = request.query.get(key, "")
    if not value:
        return None
    if decode_cursor(value) is None:
        raise BadRequest("This page link is not valid.")
    return value
