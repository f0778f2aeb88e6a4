"""Retention with anonymous counts: the purge deletes the old messages, and the statistics of the
days it deleted stay what they were, from `daily_counts` (no patient, no text)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import open_helpline
from bot.settings import Settings
from nlu.rasa import fallback_threshold, intents_from_domain
from review.demo import seed
from review.queries.annotations import annotate
from review.queries.stats import statistics
from storage.db import create_engine, migrate, session_factory
from storage.models import DailyCount, Message, NLUAnnotation, utcnow
from storage.stats import fold_cutoff, fold_daily_counts

THRESHOLD = fallback_threshold()


async def test_purge_keeps_every_days_statistics_and_deletes_the_messages(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = utcnow()
    made = await seed(sessions, 400, days=200, now=now)
    start, end = (now - timedelta(days=201)).date(), now.date()
    async with sessions() as session:
        before = await statistics(session, THRESHOLD, start, end)
        old = await session.scalar(
            select(Message.id).where(Message.created_at < now - timedelta(days=100)).limit(1)
        )
        assert old is not None
    async with sessions() as session, session.begin():
        await annotate(session, old, "discard", None, "rita", intents_from_domain())

    cutoff = fold_cutoff(90, now)
    expected_deleted = sum(1 for c in made for m in c.messages if m.created_at < cutoff)
    assert 0 < expected_deleted < sum(len(c.messages) for c in made)
    async with sessions() as session, session.begin():
        deleted = await fold_daily_counts(session, 90, THRESHOLD, now=now)
    assert deleted == expected_deleted
    async with sessions() as session:
        assert await session.scalar(select(func.min(Message.created_at))) >= cutoff
        # the annotation went with its message
        assert await session.scalar(select(func.count()).select_from(NLUAnnotation)) == 0
        after = await statistics(session, THRESHOLD, start, end)
        kept = set(await session.scalars(select(DailyCount.metric)))
    assert after.per_day == before.per_day
    assert after.totals == before.totals and after.totals["messages_in"] > 0
    assert after.intents == before.intents
    assert {"messages_in", "messages_out", "conversations", "fallbacks", "escalations"} <= kept
    assert any(metric.startswith("intent:") for metric in kept)

    # a second purge finds nothing more to fold and changes no count
    async with sessions() as session, session.begin():
        assert await fold_daily_counts(session, 90, THRESHOLD, now=now) == 0
    async with sessions() as session:
        assert (await statistics(session, THRESHOLD, start, end)).per_day == before.per_day


async def test_daily_counts_hold_no_patient_and_no_text(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = utcnow()
    await seed(sessions, 50, days=150, now=now)
    async with sessions() as session, session.begin():
        await fold_daily_counts(session, 90, THRESHOLD, now=now)
    async with sessions() as session:
        columns = [row[1] for row in await session.execute(text("PRAGMA table_info(daily_counts)"))]
        metrics = set(await session.scalars(select(DailyCount.metric)))
    assert columns == ["day", "metric", "count"]
    allowed = {"messages_in", "messages_out", "texts_in", "conversations", "fallbacks"}
    allowed |= {"escalations", "intent:nlu_fallback"}
    allowed |= {f"intent:{name}" for name in intents_from_domain()}
    assert metrics <= allowed


async def test_fold_takes_whole_days_never_a_message_inside_its_retention(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = utcnow()
    cutoff = fold_cutoff(90, now)
    assert now - timedelta(days=90) < cutoff <= now - timedelta(days=89)
    assert cutoff.time().isoformat() == "00:00:00"


async def test_start_up_purge_folds_counts_first(tmp_path: Path) -> None:
    """What `helpline purge` and every start run (bot/app.py): counts kept, messages gone."""
    url = f"sqlite+aiosqlite:///{tmp_path}/helpline.db"
    settings = Settings(database_url=url, retention_days=30)
    engine = create_engine(url)
    await migrate(engine)
    now = utcnow()
    made = await seed(session_factory(engine), 100, days=60, now=now)
    await engine.dispose()
    expected_in = sum(
        1
        for c in made
        for m in c.messages
        if m.direction == "in" and m.created_at < fold_cutoff(30, now)
    )
    async with open_helpline(settings) as helpline:
        async with helpline.sessions() as session:
            oldest = await session.scalar(select(func.min(Message.created_at)))
            archived_in = await session.scalar(
                select(func.sum(DailyCount.count)).where(DailyCount.metric == "messages_in")
            )
    assert oldest is not None and oldest >= now - timedelta(days=30)
    assert archived_in == expected_in > 0
