"""Shared by the review workspace's tests: accounts, the app, signing in through the login form."""

from __future__ import annotations

import re

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nlu.rasa import fallback_threshold, intents_from_domain
from review.auth import add_user
from review.config import ReviewConfig

PASSWORDS = {"rita": "reviewer-password-1", "sam": "supervisor-password-1"}
ROLES = {"rita": "reviewer", "sam": "supervisor"}


def review_config(**overrides: object) -> ReviewConfig:
    values: dict[str, object] = {
        "threshold": fallback_threshold(),
        "low_confidence": 0.5,
        "intents": tuple(intents_from_domain()),
        "retention_days": 90,
        "cookie_secure": False,  # the test client speaks plain http
        "page_size": 50,
    }
    values.update(overrides)
    return ReviewConfig(**values)  # type: ignore[arg-type]


async def add_accounts(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        for name, password in PASSWORDS.items():
            await add_user(session, name, ROLES[name], password)


def form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


async def login(
    client: TestClient, name: str, password: str | None = None, next_: str = "/conversations"
) -> ClientResponse:
    page = await client.get("/login")
    token = form_token(await page.text())
    return await client.post(
        "/login",
        data={
            "csrf": token,
            "name": name,
            "password": PASSWORDS.get(name, "") if password is None else password,
            "next": next_,
        },
        allow_redirects=False,
    )


async def session_token(client: TestClient) -> str:
    """The CSRF token of the signed-in session, as the pages carry it."""
    page = await client.get("/conversations")
    assert page.status == 200
    return form_token(await page.text())
