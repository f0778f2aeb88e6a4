"""The composition root: settings -> database, NLU client, content, engine."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agents_groups import groups_from_settings
from bot.deliveries import Deliveries
from bot.engine import Engine
from bot.escalation import Escalations
from bot.followup_messages import DueFollowups
from bot.handoff import NoTeam
from bot.hours import OpeningHours
from bot.letters import load_letters
from bot.plan_steps import load_plan
from bot.settings import Settings
from nlu.pool import NLUPool
from nlu.rasa import fallback_threshold, intents_from_domain
from responses import load_catalogue
from storage.db import create_engine, migrate, session_factory
from storage.models import utcnow
from storage.retention import RetentionDone, apply_retention

T = TypeVar("T")
# the engine's fallback bar, read once from config.yml (the model's FallbackClassifier)
THRESHOLD = fallback_threshold()
RETENTION_LOCK = 18_005  # advisory lock key (the others: storage/workers.py)


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run the helpline's event loop: uvloop where it exists (Linux, macOS). Measured under load
    (bench/telegram_throughput.py), it took about 12% off the bot's CPU per message."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def freeze_startup_objects() -> None:
    """Take what start-up built (aiogram's types, pydantic's schemas, SQLAlchemy's mappers, the
    answers: ~270,000 objects) out of the garbage collector's sight, once serving begins. Every
    full collection walked them all: ~0.3 s with the event loop stopped, and ~3% of the CPU
    under load (gc callbacks, 1,600 messages through the emulator)."""
    gc.collect()
    gc.freeze()


@dataclass(frozen=True)
class Helpline:
    engine: Engine
    escalations: Escalations
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    deliveries: Deliveries
    # set after every commit that queued something for the agents' group (storage.session)
    agents_outbox_written: asyncio.Event
    # the messages patients asked for later (bot/followups.py), taken once due
    followups: DueFollowups


async def retention(sessions: async_sessionmaker[AsyncSession], days: int) -> RetentionDone | None:
    """Apply the retention period (storage.retention) in one transaction. On PostgreSQL one
    worker at a time: another starting at the same moment skips it (None), the first does it."""
    async with sessions() as session, session.begin():
        if session.bind.dialect.name == "postgresql":
            taken = await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": RETENTION_LOCK}
            )
            if not taken:
                return None
        return await apply_retention(session, days, THRESHOLD)


@asynccontextmanager
async def open_helpline(
    settings: Settings, *, console: bool = False, clock: Callable[[], datetime] = utcnow
) -> AsyncIterator[Helpline]:
    """Migrate the database, apply the retention period, and wire the engine. Cases are opened
    only where agents can answer them (Telegram with an agents' group): elsewhere the bot would
    fall silent for good after a handoff, so it says who to call instead. `clock` (naive UTC)
    is "now" for the follow-ups patients ask for: tests move it forward."""
    groups = groups_from_settings(settings)  # the agents' groups (bot/agents_groups.py)
    team = not console and bool(groups.chat_ids)
    database = create_engine(settings.database_url)  # SQLAlchemy's; `engine` is the conversation's
    try:
        await migrate(database)
        agents_outbox_written = asyncio.Event()
        sessions = session_factory(database, on_agents_outbox=agents_outbox_written.set)
        await retention(sessions, settings.retention_days)
        catalogue = load_catalogue(intents_from_domain())
        load_letters()  # checked now: a broken edit fails here, not in front of a patient
        load_plan()
        escalations = Escalations(
            catalogue,
            sessions,
            OpeningHours.parse(settings.agents_hours, settings.agents_timezone),
            reminder_after=timedelta(minutes=settings.case_reminder_minutes),
            agents_language=settings.agents_language,
            groups=groups,
        )
        async with NLUPool(
            settings.nlu_urls(),
            timeout=settings.nlu_timeout,
            token=settings.nlu_token(),
            retry_seconds=settings.rasa_retry_seconds,
        ) as nlu:
            engine = Engine(
                catalogue,
                nlu,
                sessions,
                threshold=THRESHOLD,
                handoff=escalations if team else NoTeam(),
                operator=settings.helpline_operator,
                clock=clock,
            )
            deliveries = Deliveries(sessions)
            followups = DueFollowups(catalogue, sessions, clock)
            try:
                yield Helpline(
                    engine,
                    escalations,
                    sessions,
                    settings,
                    deliveries,
                    agents_outbox_written,
                    followups,
                )
            finally:
                await deliveries.flush()
    finally:
        await database.dispose()
