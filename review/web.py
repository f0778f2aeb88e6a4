"""The review workspace's web server (aiohttp, Jinja2 templates, no JavaScript, nothing external),
composed here from its parts:

- `review.pages.*`: the handlers, one module a part of the site;
- `review.middlewares`: the security headers and the access control every request goes through;
- `review.context`: what a handler reads from its app and request, and `render`;
- `review.params`: reading parameters (400 on nonsense, no open redirect);
- `review.queries.*`: what the pages read and write in the database.

Access control is declared once, in ROUTES: each route names the least role that may use it
(None: public). The middleware refuses an anonymous request with a redirect to the login page,
a role too low with 403, and any POST whose CSRF token is not the session's with 403.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from review.auth import LoginThrottle
from review.config import ReviewConfig
from review.context import CONFIG_KEY, ROLES_KEY, SESSIONS_KEY, TEMPLATES_KEY, THROTTLE_KEY
from review.middlewares import Handler, access_control, security_headers
from review.pages.conversations import conversation, conversations, index
from review.pages.flags import flag_add, flag_remove
from review.pages.inbox import inbox_annotate, inbox_export, inbox_page
from review.pages.live import live_page
from review.pages.login import login, login_page, logout
from review.pages.records import audit_log, retention_page
from review.pages.stats import stats_csv, stats_page

HERE = Path(__file__).resolve().parent

# (method, path, handler, least role; None = public)
ROUTES: list[tuple[str, str, Handler, str | None]] = [
    ("GET", "/login", login_page, None),
    ("POST", "/login", login, None),
    ("POST", "/logout", logout, "reviewer"),
    ("GET", "/", index, "reviewer"),
    ("GET", "/conversations", conversations, "reviewer"),
    ("GET", "/conversations/{pseudonym}", conversation, "reviewer"),
    ("POST", "/conversations/{pseudonym}/flags", flag_add, "supervisor"),
    ("POST", "/conversations/{pseudonym}/flags/remove", flag_remove, "supervisor"),
    ("GET", "/inbox", inbox_page, "reviewer"),
    ("POST", "/inbox/{message_id:\\d+}", inbox_annotate, "reviewer"),
    ("GET", "/inbox/export.yml", inbox_export, "supervisor"),
    ("GET", "/stats", stats_page, "supervisor"),
    ("GET", "/stats.csv", stats_csv, "supervisor"),
    ("GET", "/live", live_page, "supervisor"),  # the agents' desk now, refreshing itself
    ("GET", "/retention", retention_page, "supervisor"),
    ("GET", "/audit", audit_log, "supervisor"),
]


def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda d: d.strftime("%Y-%m-%d %H:%M") if d else ""
    env.filters["pct"] = lambda x: "n/a" if x is None else f"{100 * x:.1f} %"
    env.filters["conf"] = lambda x: "" if x is None else f"{x:.2f}"
    return env


def create_app(
    sessions: async_sessionmaker[AsyncSession],
    cfg: ReviewConfig,
    throttle: LoginThrottle | None = None,
) -> web.Application:
    app = web.Application(middlewares=[security_headers, access_control])
    app[SESSIONS_KEY] = sessions
    app[CONFIG_KEY] = cfg
    app[THROTTLE_KEY] = throttle or LoginThrottle()
    app[TEMPLATES_KEY] = templates()
    roles: dict[tuple[str, str], str | None] = {}
    for method, path, handler, role in ROUTES:
        resource = app.router.add_route(method, path, handler).resource
        assert resource is not None
        roles[(method, resource.canonical)] = role
    app[ROLES_KEY] = roles
    app.router.add_static("/static", HERE / "static")
    return app
