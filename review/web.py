"""The review workspace's web server (aiohttp, Jinja2 templates, no JavaScript, nothing external).

Access control is declared once, in ROUTES: each route names the least role that may use it
(None: public). The middleware refuses an anonymous request with a redirect to the login page,
a role too low with 403, and any POST whose CSRF token is not the session's with 403.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from yarl import URL

from review import charts
from review.auth import (
    LoginThrottle,
    authenticate,
    close_session,
    find_session,
    open_session,
    same,
)
from review.export import export_nlu, known_examples
from review.queries import (
    ANNOTATION_ERRORS,
    MAX_ID,
    RISK_FLAGS,
    AnnotationError,
    Filters,
    annotate,
    audit,
    audit_page,
    consent_of,
    decode_cursor,
    inbox,
    list_conversations,
    statistics,
    transcript,
)
from storage.models import DailyCount, Message, utcnow
from storage.stats import fold_cutoff

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "helpline_review"
LOGIN_COOKIE = "helpline_review_login"  # double-submit CSRF token of the login form
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
HOME = "/conversations"
# days a page accepts: far from those that date arithmetic cannot reach (year 1 and 9999)
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ReviewConfig:
    threshold: float  # the engine's fallback bar (config.yml's FallbackClassifier)
    low_confidence: float  # the inbox also shows patient texts placed under this
    intents: tuple[str, ...]
    retention_days: int
    session_hours: float = 8.0
    cookie_secure: bool = True
    page_size: int = 50


KEYS_DB = web.AppKey("db", async_sessionmaker[AsyncSession])
KEYS_CONFIG = web.AppKey("config", ReviewConfig)
KEYS_THROTTLE = web.AppKey("throttle", LoginThrottle)
KEYS_TEMPLATES = web.AppKey("templates", Environment)
KEYS_ROLES = web.AppKey("roles", dict)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    csrf: str
    token: str

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


# aiohttp >= 3.12 wants typed keys for what a request carries
USER_KEY: Any = web.RequestKey("user", User) if hasattr(web, "RequestKey") else "user"


def user_of(request: web.Request) -> User:
    user = request.get(USER_KEY)
    assert isinstance(user, User)  # the middleware let only signed-in users through
    return user


def db(request: web.Request) -> async_sessionmaker[AsyncSession]:
    return request.app[KEYS_DB]


def config(request: web.Request) -> ReviewConfig:
    return request.app[KEYS_CONFIG]


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    env = request.app[KEYS_TEMPLATES]
    user = request.get(USER_KEY)
    html = env.get_template(template).render(
        user=user,
        path=request.path,
        retention_days=config(request).retention_days,
        **context,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def see_other(location: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location)


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


# --- middlewares ------------------------------------------------------------------------------


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
    roles: dict[tuple[str, str], str | None] = request.app[KEYS_ROLES]
    needed = roles.get((request.method, canonical), "supervisor")  # undeclared: strictest
    if needed is None:
        return await handler(request)
    token = request.cookies.get(SESSION_COOKIE)
    async with db(request)() as session:
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


# --- sign in and out --------------------------------------------------------------------------


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
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=config(request).cookie_secure,
        path="/login",
        max_age=3600,
    )
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    return login_form(request)


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    if not same(str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE)):
        return render(request, "error.html", status=403, message="Invalid form token.")
    name = str(form.get("name", "")).strip()[:64]
    password = str(form.get("password", ""))[:1024]
    throttle = request.app[KEYS_THROTTLE]
    # counted as failed before argon2 runs, then forgotten if the password is right
    if not await throttle.reserve(db(request), name, request.remote or "?"):
        log.warning("review login throttled")
        return login_form(request, 429, "Too many failed attempts. Try again later.")
    async with db(request)() as session, session.begin():
        user = await authenticate(session, name, password)
        if user is None:
            return login_form(request, 401, "Wrong name or password.")
        await throttle.succeeded(session, name)
        token = await open_session(session, user, config(request).session_hours)
        await audit(session, user.name, "login")
    response = see_other(safe_next(str(form.get("next", ""))))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=config(request).cookie_secure,
        path="/",
        max_age=int(config(request).session_hours * 3600),
    )
    response.del_cookie(LOGIN_COOKIE, path="/login")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    user = user_of(request)
    async with db(request)() as session, session.begin():
        await close_session(session, user.token)
        await audit(session, user.name, "logout")
    response = see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


# --- pages ------------------------------------------------------------------------------------


async def index(_request: web.Request) -> web.StreamResponse:
    raise see_other(HOME)


def query_cursor(request: web.Request, key: str) -> str | None:
    """A conversation-list cursor in the query string; None when absent."""
    value = request.query.get(key, "")
    if not value:
        return None
    if decode_cursor(value) is None:
        raise BadRequest("This page link is not valid.")
    return value


async def conversations(request: web.Request) -> web.StreamResponse:
    cfg = config(request)
    filters = Filters.parse(request.query, list(cfg.intents))
    after, before = query_cursor(request, "after"), query_cursor(request, "before")
    async with db(request)() as session:
        page = await list_conversations(
            session, filters, cfg.threshold, after=after, before=before, size=cfg.page_size
        )
    base = filters.query()
    return render(
        request,
        "conversations.html",
        page=page,
        filters=filters,
        intents=cfg.intents,
        risk_flags=RISK_FLAGS,
        threshold=cfg.threshold,
        next_url="?" + urlencode({**base, "after": page.next_cursor}) if page.next_cursor else None,
        prev_url="?" + urlencode({**base, "before": page.prev_cursor})
        if page.prev_cursor
        else None,
        first_url="?" + urlencode(base),
    )


NO_CONSENT = (
    "This patient did not consent to their messages being used to improve the service: "
    "only a supervisor may open this conversation."
)


async def conversation(request: web.Request) -> web.StreamResponse:
    """A transcript. The bot promises patients who did not say yes to `consent_improve` that
    their messages will not serve to improve the service: theirs is for supervisors only (a
    reviewer gets 403 before any text is read), and a supervisor's opening is audited as such."""
    pseudonym = request.match_info["pseudonym"]
    user = user_of(request)
    async with db(request)() as session, session.begin():
        consent = await consent_of(session, pseudonym)
        if consent is None:
            return render(request, "error.html", status=404, message="No such conversation.")
        if not consent and not user.is_supervisor:
            return render(request, "error.html", status=403, message=NO_CONSENT)
        found = await transcript(session, pseudonym, config(request).threshold)
        if found is None:
            return render(request, "error.html", status=404, message="No such conversation.")
        action = "open_conversation" if consent else "open_conversation_no_consent"
        await audit(session, user.name, action, found.pseudonym)
    return render(request, "transcript.html", t=found, threshold=config(request).threshold)


async def inbox_page(request: web.Request) -> web.StreamResponse:
    """Patient texts (consenting patients only); every view is audited, by its tab and page,
    never by what it shows."""
    cfg = config(request)
    user = user_of(request)
    done = request.query.get("view") == "done"
    before_id = query_id(request, "before")
    async with db(request)() as session, session.begin():
        items = await inbox(
            session,
            cfg.threshold,
            cfg.low_confidence,
            done=done,
            before_id=before_id,
            size=cfg.page_size,
        )
        view = "annotated" if done else "to-review"
        page = "" if before_id is None else f" before message {before_id}"
        await audit(session, user.name, "open_inbox", view + page)
    more = len(items) == cfg.page_size
    return render(
        request,
        "inbox.html",
        items=items,
        done=done,
        intents=cfg.intents,
        low=max(cfg.threshold, cfg.low_confidence),
        next_url=(
            "?" + urlencode({**({"view": "done"} if done else {}), "before": items[-1].message_id})
            if more
            else None
        ),
        # only our own messages: a link must not make the page say what its author wants
        error=ANNOTATION_ERRORS.get(request.query.get("error", "")),
    )


async def inbox_annotate(request: web.Request) -> web.StreamResponse:
    user = user_of(request)
    form = await request.post()
    message_id = row_id(request.match_info["message_id"])
    if message_id is None:
        raise BadRequest("No such patient message.")
    back = "/inbox" + ("?view=done" if form.get("view") == "done" else "")
    async with db(request)() as session, session.begin():
        try:
            await annotate(
                session,
                message_id,
                str(form.get("verdict", "")),
                str(form.get("intent", "")) or None,
                user.name,
                list(config(request).intents),
                consenting_only=True,
            )
        except AnnotationError as exc:
            sep = "&" if "?" in back else "?"
            raise see_other(back + sep + urlencode({"error": exc.code})) from None
        await audit(session, user.name, "annotate", f"message {message_id}")
    raise see_other(back)


async def inbox_export(request: web.Request) -> web.StreamResponse:
    user = user_of(request)
    async with db(request)() as session, session.begin():
        exported = await export_nlu(session, await asyncio.to_thread(known_examples))
        await audit(session, user.name, "export_nlu", f"{exported.count} examples")
    return web.Response(
        text=exported.yaml,
        content_type="application/x-yaml",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="nlu-review.yml"'},
    )


def stats_span(request: web.Request) -> tuple[date, date]:
    end = query_day(request, "to") or utcnow().date()
    start = query_day(request, "from") or end - timedelta(days=29)
    if start > end:
        start, end = end, start
    return max(start, end - timedelta(days=366)), end  # a year at most per page


async def stats_page(request: web.Request) -> web.StreamResponse:
    start, end = stats_span(request)
    async with db(request)() as session:
        stats = await statistics(session, config(request).threshold, start, end)
    labels = [d.strftime("%m-%d") for d in stats.days]

    def daily(metric: str) -> list[float]:
        return [stats.per_day.get(d, {}).get(metric, 0) for d in stats.days]

    satisfaction = [(f"{score} / 5", stats.satisfaction.get(score, 0)) for score in range(1, 6)]
    return render(
        request,
        "stats.html",
        stats=stats,
        messages_chart=charts.columns(
            "Messages per day",
            labels,
            [("from patients", daily("messages_in")), ("bot and agents", daily("messages_out"))],
        ),
        conversations_chart=charts.columns(
            "Conversations and escalations per day",
            labels,
            [("conversations", daily("conversations")), ("escalations", daily("escalations"))],
        ),
        fallback_chart=charts.columns(
            "Fallbacks per day", labels, [("fallbacks", daily("fallbacks"))]
        ),
        intents_chart=charts.bars("Intents of patient messages", stats.intents),
        satisfaction_chart=charts.bars("Satisfaction (closed cases)", satisfaction),
        query=urlencode({"from": start.isoformat(), "to": end.isoformat()}),
    )


async def stats_csv(request: web.Request) -> web.StreamResponse:
    start, end = stats_span(request)
    user = user_of(request)
    async with db(request)() as session, session.begin():
        stats = await statistics(session, config(request).threshold, start, end)
        await audit(session, user.name, "export_csv", f"{start}..{end}")
    out = io.StringIO()
    csv.writer(out).writerows(stats.csv_rows())
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="helpline-{start}-{end}.csv"'},
    )


async def retention_page(request: web.Request) -> web.StreamResponse:
    cfg = config(request)
    cutoff = fold_cutoff(cfg.retention_days)
    async with db(request)() as session:
        oldest = await session.scalar(select(func.min(Message.created_at)))
        due = await session.scalar(
            select(func.count()).select_from(Message).where(Message.created_at < cutoff)
        )
        archived = (
            await session.execute(
                select(func.min(DailyCount.day), func.max(DailyCount.day), func.count())
            )
        ).one()
    return render(
        request,
        "retention.html",
        cutoff=cutoff,
        oldest=oldest,
        due=due,
        archived_from=archived[0],
        archived_to=archived[1],
        archived_rows=archived[2],
    )


async def audit_log(request: web.Request) -> web.StreamResponse:
    before = query_id(request, "before")
    async with db(request)() as session:
        entries = await audit_page(session, before)
    return render(
        request,
        "audit.html",
        entries=entries,
        next_url=f"?before={entries[-1].id}" if len(entries) == 100 else None,
    )


# (method, path, handler, least role; None = public)
ROUTES: list[tuple[str, str, Handler, str | None]] = [
    ("GET", "/login", login_page, None),
    ("POST", "/login", login, None),
    ("POST", "/logout", logout, "reviewer"),
    ("GET", "/", index, "reviewer"),
    ("GET", "/conversations", conversations, "reviewer"),
    ("GET", "/conversations/{pseudonym}", conversation, "reviewer"),
    ("GET", "/inbox", inbox_page, "reviewer"),
    ("POST", "/inbox/{message_id:\\d+}", inbox_annotate, "reviewer"),
    ("GET", "/inbox/export.yml", inbox_export, "supervisor"),
    ("GET", "/stats", stats_page, "supervisor"),
    ("GET", "/stats.csv", stats_csv, "supervisor"),
    ("GET", "/retention", retention_page, "supervisor"),
    ("GET", "/audit", audit_log, "supervisor"),
]


def create_app(
    sessions: async_sessionmaker[AsyncSession],
    cfg: ReviewConfig,
    throttle: LoginThrottle | None = None,
) -> web.Application:
    app = web.Application(middlewares=[security_headers, access_control])
    app[KEYS_DB] = sessions
    app[KEYS_CONFIG] = cfg
    app[KEYS_THROTTLE] = throttle or LoginThrottle()
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda d: d.strftime("%Y-%m-%d %H:%M") if d else ""
    env.filters["pct"] = lambda x: "n/a" if x is None else f"{100 * x:.1f} %"
    env.filters["conf"] = lambda x: "" if x is None else f"{x:.2f}"
    app[KEYS_TEMPLATES] = env
    roles: dict[tuple[str, str], str | None] = {}
    for method, path, handler, role in ROUTES:
        resource = app.router.add_route(method, path, handler).resource
        assert resource is not None
        roles[(method, resource.canonical)] = role
    app[KEYS_ROLES] = roles
    app.router.add_static("/static", HERE / "static")
    return app
