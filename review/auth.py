"""Accounts, passwords (argon2id), server-side sessions, CSRF tokens and the login throttle."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from review import ROLES
from storage.models import LoginFailure, ReviewSession, ReviewUser, utcnow

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


def name_key(name: str) -> str:
    """How the throttle knows an account name: hashed, as a password typed in the name field by
    mistake would otherwise sit in the database for the window's length."""
    return hashlib.sha256(name.casefold().encode()).hexdigest()


@dataclass(frozen=True)
class LoginThrottle:
    """Failed logins within a sliding window, in the table `login_failures` that every
    `helpline review` process shares. A name with `max_per_name` failures is refused, even with
    the right password, until its oldest failure leaves the window. An address is refused only
    when it failed `max_per_address` times on `min_names_per_address` names or more: behind a
    reverse proxy the whole team has one address, and one account failing must not lock the
    others out, while guessing across many names must still be held."""

    max_per_name: int = 5
    max_per_address: int = 20
    window: float = 900.0
    min_names_per_address: int = 3

    async def reserve(
        self, sessions: async_sessionmaker[AsyncSession], name: str, address: str
    ) -> bool:
        """Count an attempt as failed before its password is checked (`succeeded` forgets it);
        False, and nothing counted, if the name or the address is over its limit.

        The row is committed, then counted with the others: of attempts made at the same time,
        each sees at least those committed before it, so no more than the limit get through on
        any database or isolation level (fewer may, when they see each other)."""
        key, address = name_key(name), address[:64]
        async with sessions() as session, session.begin():
            since = utcnow() - timedelta(seconds=self.window)
            await session.execute(delete(LoginFailure).where(LoginFailure.at <= since))
            if await self._over(session, key, address, since):
                return False  # without writing a row: a flood of refused attempts stays cheap
            attempt = LoginFailure(name_key=key, address=address, at=utcnow())
            session.add(attempt)
            await session.flush()
            attempt_id = attempt.id
        async with sessions() as session, session.begin():
            if await self._over(session, key, address, since, attempt_id):
                await session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))
                return False
        return True

    async def _over(
        self,
        session: AsyncSession,
        key: str,
        address: str,
        since: datetime,
        attempt: int | None = None,
    ) -> bool:
        """Whether the failures before this attempt (all but its own row) reach a limit."""
        recent = [LoginFailure.at > since]
        if attempt is not None:
            recent.append(LoginFailure.id != attempt)
        per_name = await session.scalar(
            select(func.count()).where(LoginFailure.name_key == key, *recent)
        )
        if (per_name or 0) >= self.max_per_name:
            return True
        failures, names = (
            await session.execute(
                select(func.count(), func.count(distinct(LoginFailure.name_key))).where(
                    LoginFailure.address == address, *recent
                )
            )
        ).one()
        return failures >= self.max_per_address and names >= self.min_names_per_address

    async def succeeded(self, session: AsyncSession, name: str) -> None:
        """The right password: this attempt and the name's earlier failures are forgotten (from
        every address, so a colleague's typos do not count against the team's address)."""
        await session.execute(delete(LoginFailure).where(LoginFailure.name_key == name_key(name)))
