"""Helpers of the tests of the patient's plan, letters and follow-ups (issue 19): an engine
with a clock the test moves, and buttons and commands pressed as a patient would."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine import Engine, Incoming, Turn
from bot.handoff import Handoff
from bot.replies import Reply
from nlu.client import ParseResult
from tests.engine_helpers import CATALOGUE, stored

# a Saturday morning in winter (Paris is UTC+1): 10:00 there is 09:00 UTC
START = datetime(2026, 1, 31, 8, 0)


class Clock:
    """The engine's "now" (naive UTC), moved by the test."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class NoParse:
    """Commands and buttons need no NLU: a parse here is a bug."""

    async def parse(self, text: str) -> ParseResult:
        raise AssertionError(f"parsed {len(text)} characters")


def tools_engine(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, handoff: Handoff | None = None
) -> Engine:
    return Engine(CATALOGUE, NoParse(), sessions, handoff=handoff, clock=clock)


async def press(engine: Engine, data: str, *, chat: str = "1", language: str = "fr") -> Turn:
    return await engine.handle(Incoming("test", chat, button=data, client_language=language))


async def command(engine: Engine, text: str, *, chat: str = "1", language: str = "fr") -> Turn:
    return await engine.handle(Incoming("test", chat, text, client_language=language))


def data_of(reply: Reply) -> list[str]:
    return [button.data for button in reply.buttons]


async def rows(sessions: async_sessionmaker[AsyncSession], sql: str) -> list[tuple]:
    return await stored(sessions, sql)


async def followups(sessions: async_sessionmaker[AsyncSession]) -> list[tuple]:
    """(kind, letter, sent_on, due_at, sent_at) of every scheduled message, by due time."""
    return await rows(
        sessions,
        "SELECT kind, letter, sent_on, due_at, sent_at FROM patient_followups ORDER BY due_at, id",
    )


async def delivered_items(sessions: async_sessionmaker[AsyncSession]) -> list[list[dict]]:
    """The stored deliveries' rows, as written (JSON)."""
    found = await rows(sessions, "SELECT items FROM patient_deliveries ORDER BY id")
    return [json.loads(items) for (items,) in found]
