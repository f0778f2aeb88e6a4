"""Accounts, passwords (argon2id), server-side sessions, CSRF tokens and the login throttle."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from review import ROLES
from storage.models import ReviewSession, ReviewUser, utcnow

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()  # argon2id, the library's current recommended parameters
# verified against when the name is unknown, so both cases take the same time
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two tokens; an absent token never matches."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


async def add_user(session: AsyncSession, name: str, role: str, password: str) -> ReviewUser:
    name = name.strip()
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if not name or len(name) > 64:
        raise AccountError("the name must have 1 to 64 characters")
    if await session.scalar(select(ReviewUser).where(ReviewUser.name == name)) is not None:
        raise AccountError(f"an account named {name!r} exists already")
    password_hash = await asyncio.to_thread(hash_password, password)
    user = ReviewUser(name=name, role=role, password_hash=password_hash)
    session.add(user)
    await session.flush()
    return user


async def set_password(session: AsyncSession, name: str, password: str) -> None:
    user = await session.scalar(select(ReviewUser).where(ReviewUser.name == name))
    if user is None:
        raise AccountError(f"no account named {name!r}")
    user.password_hash = await asyncio.to_thread(hash_password, password)
    # a new password signs every browser out
    await session.execute(delete(ReviewSession).where(ReviewSession.user_id == user.id))


async def remove_user(session: AsyncSession, name: str) -> bool:
    user = await session.scalar(select(ReviewUser).where(ReviewUser.name == name))
    if user is None:
        return False
    await session.execute(delete(ReviewSession).where(ReviewSession.user_id == user.id))
    await session.delete(user)
    return True


async def authenticate(session: AsyncSession, name: str, password: str) -> ReviewUser | None:
    user = await session.scalar(select(ReviewUser).where(ReviewUser.name == name))
    ok = await asyncio.to_thread(
        check_password, user.password_hash if user else _DUMMY_HASH, password
    )
    return user if ok and user is not None else None


async def open_session(session: AsyncSession, user: ReviewUser, hours: float) -> str:
    """A new session for the user; returns the token for the cookie (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    session.add(
        ReviewSession(
            token_hash=token_digest(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    # forget this user's expired sessions while we are at it
    await session.execute(
        delete(ReviewSession).where(
            ReviewSession.user_id == user.id, ReviewSession.expires_at < utcnow()
        )
    )
    return token


async def find_session(session: AsyncSession, token: str | None) -> ReviewSession | None:
    if not token:
        return None
    found = await session.get(ReviewSession, token_digest(token))
    if found is None or found.expires_at < utcnow():
        return None
    await session.refresh(found, ["user"])
    return found


async def close_session(session: AsyncSession, token: str | None) -> None:
    if token:
        await session.execute(
            delete(ReviewSession).where(ReviewSession.token_hash == token_digest(token))
        )


@dataclass
class LoginThrottle:
    """Failed logins per account name and per client address within a sliding window. In memory:
    one `helpline review` process serves the workspace. A name or address over its limit is
    refused, even with the right password, until its oldest failure leaves the window."""

    max_per_name: int = 5
    max_per_address: int = 20
    window: float = 900.0

    def __post_init__(self) -> None:
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked(self, name: str, address: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        return (
            len(self._recent("name:" + name.casefold(), now)) >= self.max_per_name
            or len(self._recent("addr:" + address, now)) >= self.max_per_address
        )

    def failed(self, name: str, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._recent("name:" + name.casefold(), now).append(now)
        self._recent("addr:" + address, now).append(now)

    def succeeded(self, name: str) -> None:
        self._failures.pop("name:" + name.casefold(), None)
