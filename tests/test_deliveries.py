"""A reply is stored with the turn that made it and forgotten once sent: a crash with replies
queued (SIGKILL while Telegram holds the bot back) loses none; the next start sends them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import open_helpline
from bot.deliveries import Copy, Deliveries, from_rows, to_rows
from bot.engine import Engine, Incoming
from bot.escalation import Escalations
from bot.hours import OpeningHours
from bot.replies import Button, Reply
from nlu.client import ParseResult
from nlu.rasa import ROOT, intents_from_domain
from responses import load_catalogue
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import plain, settings_for, start_bot

CATALOGUE = load_catalogue(intents_from_domain())


class NoParse:
    """Commands and buttons need no NLU: a parse here is a bug."""

    async def parse(self, text: str) -> ParseResult:
        raise AssertionError(f"parsed {len(text)} characters")


@pytest.fixture
async def engine(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Engine]:
    escalations = Escalations(CATALOGUE, sessions, OpeningHours.parse("always", "Europe/Paris"))
    yield Engine(CATALOGUE, NoParse(), sessions, handoff=escalations)


async def stored(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, list]]:
    async with sessions() as session:
        rows = await session.execute(text("SELECT chat_id, items FROM patient_deliveries"))
        return [(chat, from_rows(json.loads(items))) for chat, items in rows]


def test_items_survive_the_round_trip_through_a_row() -> None:
    items = [Reply("a", (Button("b", "t:greet"),)), Reply("c"), Copy(-100, 7)]
    assert from_rows(to_rows(items)) == items


async def test_a_turns_replies_are_stored_until_sent(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    turn = await engine.handle(Incoming("telegram", "42", "/start"))
    assert turn.delivery is not None
    assert await stored(sessions) == [("42", turn.replies)]
    deliveries = Deliveries(sessions)
    deliveries.done(turn.delivery)
    await deliveries.flush()
    assert await stored(sessions) == []


async def test_the_confirmation_of_delete_outlives_the_patient(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await engine.handle(Incoming("telegram", "42", "/start"))
    deleted = await engine.handle(Incoming("telegram", "42", button="delete:yes"))
    async with sessions() as session:
        assert (await session.execute(text("SELECT count(*) FROM patients"))).scalar() == 0
    # the chat's recent messages are erased before the confirmation (bot/discretion.py)
    assert await stored(sessions) == [("42", first.replies), ("42", deleted.items())]
    assert deleted.replies == [Reply(CATALOGUE.phrase("deleted", "fr"))]


async def test_an_agents_notice_and_message_are_stored_with_the_action(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await engine.handle(Incoming("telegram", "42", "/human"))
    escalations = engine.handoff
    assert isinstance(escalations, Escalations)
    taken = await escalations.take(1, 7, "Ana")
    copied = await escalations.agent_message(1, 7, "bonjour", "text", Copy(-100, 55))
    items = [items for chat, items in await stored(sessions) if chat == "42"]
    assert items[-2:] == [[Reply(CATALOGUE.phrase("case_taken", "fr"))], [Copy(-100, 55)]]
    assert taken.delivery is not None and copied.delivery is not None


def queued(db: Path) -> int:
    """The deliveries stored and not yet sent, read as another process would."""
    with closing(sqlite3.connect(db)) as connection:
        try:
            return int(connection.execute("SELECT count(*) FROM patient_deliveries").fetchone()[0])
        except sqlite3.OperationalError:  # not migrated yet
            return 0


@pytest.mark.rasa
async def test_a_crash_with_replies_queued_loses_none(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    """The bot runs as a process of its own; Telegram holds every send back (a 429 with a long
    retry_after, as on a news day), the patients' turns are handled and their replies wait in
    the queue; SIGKILL. The next start sends every reply, once, in each patient's order."""
    db = tmp_path / "bot.db"
    settings = settings_for(emulator, rasa_url, db)
    chats = [7000 + n for n in range(12)]
    emulator.fail_next("sendMessage", 1, error_code=429, retry_after=600)
    env = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN=emulator.token,
        TELEGRAM_API_URL=emulator.base_url,
        RASA_URL=rasa_url,
        DATABASE_URL=settings.database_url,
        AGENTS_HOURS="always",
    )
    env.pop("HELPLINE_AGENTS_CHAT_ID", None)
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await emulator.wait_until(lambda: emulator.waiting_pollers > 0, timeout=60, what="poll")
        for chat in chats:
            emulator.push_text(chat, "bonjour")

        await emulator.wait_until(lambda: queued(db) == len(chats), timeout=60, what="turns")
        assert emulator.sent() == []  # Telegram took nothing: every reply is in the queue
    finally:
        bot.send_signal(signal.SIGKILL)
        await bot.wait()

    async with open_helpline(settings) as helpline:
        running = await start_bot(emulator, helpline)
        try:
            await emulator.wait_until(
                lambda: all(len(emulator.sent(c)) >= 2 for c in chats),
                timeout=60,  # a loaded machine: the restarted bot, then 24 sends
                what="replies",
            )
            await helpline.deliveries.flush()
            catalogue = helpline.engine.catalogue
            expected = [
                plain(catalogue.phrase("welcome", "fr")),
                plain(catalogue.answer("greet", "fr").text),
            ]
            for chat in chats:
                assert [m["text"] for m in emulator.sent(chat)] == expected
            assert queued(db) == 0
        finally:
            await running.stop()
