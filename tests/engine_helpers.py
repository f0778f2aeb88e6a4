"""Helpers of the engine, escalation and crisis tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine import Engine, Incoming, Parser, Turn
from bot.escalation import Escalations
from bot.hours import OpeningHours
from nlu.dataset import intents_contract
from responses import load_catalogue

CATALOGUE = load_catalogue(intents_contract())
ALWAYS = OpeningHours.parse("always")
# a Saturday evening in Paris, for a team that works Monday to Friday
SATURDAY_EVENING = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)


async def stored(sessions: async_sessionmaker[AsyncSession], sql: str) -> list[tuple]:
    async with sessions() as session:
        return [tuple(row) for row in (await session.execute(text(sql))).all()]


def make_engine(
    nlu: Parser,
    sessions: async_sessionmaker[AsyncSession],
    hours: OpeningHours = ALWAYS,
    now: datetime | None = None,
) -> tuple[Engine, Escalations]:
    """An engine with the agents' team behind it (cases open), and its escalation service."""
    clock = (lambda: now) if now is not None else (lambda: datetime.now(UTC))
    escalations = Escalations(CATALOGUE, sessions, hours, now=clock)
    return Engine(CATALOGUE, nlu, sessions, threshold=0.3, handoff=escalations), escalations


async def say(engine: Engine, text: str = "", *, button: str | None = None, chat: str = "1",
              message_id: int | None = None) -> Turn:  # fmt: skip
    """A French-phone patient (chat "1" unless told) sends `text` or presses `button`."""
    return await engine.handle(Incoming("test", chat, text, button, "fr", message_id=message_id))
