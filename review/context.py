"""What a handler reads from its application and its request, and how it answers with a page.

The application carries the database sessions, the configuration, the login throttle, the
templates and the least role of each route (all set by `review.web.create_app`); a request
carries the signed-in user (set by `review.middlewares.access_control`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from review.auth import LoginThrottle
from review.config import ReviewConfig

SESSION_COOKIE = "helpline_review"

SESSIONS_KEY = web.AppKey("sessions", async_sessionmaker[AsyncSession])
CONFIG_KEY = web.AppKey("config", ReviewConfig)
THROTTLE_KEY = web.AppKey("throttle", LoginThrottle)
TEMPLATES_KEY = web.AppKey("templates", Environment)
ROLES_KEY = web.AppKey("roles", dict)


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


def sessions_of(request: web.Request) -> async_sessionmaker[AsyncSession]:
    return request.app[SESSIONS_KEY]


def config_of(request: web.Request) -> ReviewConfig:
    return request.app[CONFIG_KEY]


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    env = request.app[TEMPLATES_KEY]
    user = request.get(USER_KEY)
    html = env.get_template(template).render(
        user=user,
        path=request.path,
        retention_days=config_of(request).retention_days,
        **context,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def see_other(location: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location)
