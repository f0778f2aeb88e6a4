"""End to end: the agents' desk (bot/desk.py) in a forum group with several agents, through the
Bot API emulator, with the real NLU server and a real SQLite file. /available and /away in
General, assignment by load under the cap, the queue's order, an away agent's cases handed to
another, a missed response-time target on an injected clock, and the heavy-case threshold."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_helpline
from tests.agents_helpers import AGENTS, agents_settings, in_topic, topic_of_case
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import PATIENT, RunningBot, start_bot

pytestmark = pytest.mark.rasa  # end to end, with the real NLU server

ALICE, BRUNO = 7001, 7002
NAMES = {ALICE: "Alice", BRUNO: "Bruno"}
CRISIS = "je veux mourir, je n'en peux plus"


@asynccontextmanager
async def desk_bot(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path, **settings: Any
) -> AsyncIterator[RunningBot]:
    """The bot with two agents in the group; the group's pacing wide open (the pacing has its
    own tests: here it would only make them wait)."""
    for agent in NAMES:
        emulator.set_member(AGENTS, agent, "member")
    settings = {"agents_rate_limit": 600} | settings
    async with open_helpline(
        agents_settings(emulator, rasa_url, tmp_path / "bot.db", **settings)
    ) as helpline:
        running = await start_bot(emulator, helpline)
        try:
            yield running
        finally:
            await running.stop()


def general(running: RunningBot) -> list[str]:
    """What the bot said in the General topic."""
    return [m["text"] for m in running.emulator.sent(AGENTS) if "message_thread_id" not in m]


async def until_general(running: RunningBot, part: str) -> None:
    await running.emulator.wait_until(
        lambda: any(part in text for text in general(running)), what=f"{part!r} in General"
    )


def says(running: RunningBot, agent: int, text: str, topic: int | None = None) -> None:
    """An agent writes in a case's topic, or in General."""
    running.emulator.push_text(
        AGENTS,
        text,
        user_id=agent,
        chat_type="supergroup",
        first_name=NAMES[agent],
        message_thread_id=topic,
    )


async def available(running: RunningBot, agent: int) -> None:
    says(running, agent, "/available")
    await until_general(running, f"✅ {NAMES[agent]} est disponible")


async def open_case(running: RunningBot, number: int, text: str = "/human") -> int:
    """Patient number `number` asks for a person; their case's topic once it has its card."""
    running.emulator.push_text(PATIENT + number, text)
    return await topic_of_case(running, number)


async def assigned(running: RunningBot) -> list[tuple[int, int | None]]:
    return await running.rows("SELECT id, assigned_agent_id FROM cases ORDER BY id")


def card(running: RunningBot, topic: int) -> str:
    [pinned] = [
        m
        for m in running.emulator.history(AGENTS, thread_id=topic)
        if "Dossier C-" in m.get("text", "")
    ]
    return str(pinned["text"])


async def test_cases_go_by_load_under_the_cap_and_the_queue_serves_urgent_then_oldest(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    async with desk_bot(emulator, rasa_url, tmp_path, agent_max_cases=1) as running:
        await available(running, ALICE)
        await available(running, BRUNO)
        first = await open_case(running, 1)
        second = await open_case(running, 2)
        for number in (3, 4):
            await open_case(running, number)
        await open_case(running, 5, CRISIS)  # urgent, but the latest
        assert await assigned(running) == [(1, ALICE), (2, BRUNO), (3, None), (4, None), (5, None)]
        await until_general(running, "📌 C-00001 (⚪ normal, FR) → Alice")
        assert "Attribué à : Alice" in card(running, first).splitlines()
        # a slot frees (here by /release: the case goes back, never to her): urgent first
        says(running, ALICE, "/release", first)
        await until_general(running, "📌 C-00005 (🔴 URGENT, FR) → Alice")
        says(running, BRUNO, "/release", second)  # then the oldest
        await until_general(running, "📌 C-00001 (⚪ normal, FR) → Bruno")
        assert await assigned(running) == [(1, BRUNO), (2, None), (3, None), (4, None), (5, ALICE)]
        notes = [m["text"] for m in in_topic(running, first)]
        assert "↩️ Alice a remis le dossier dans la file." in notes


async def test_an_away_agents_waiting_case_goes_back_to_the_queue_and_to_another_agent(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    async with desk_bot(emulator, rasa_url, tmp_path) as running:
        await available(running, ALICE)
        topic = await open_case(running, 1)
        await until_general(running, "📌 C-00001 (⚪ normal, FR) → Alice")
        await available(running, BRUNO)
        says(running, ALICE, "/away")
        await until_general(
            running, "💤 Alice n'est plus disponible. Retour dans la file : C-00001."
        )
        await until_general(running, "📌 C-00001 (⚪ normal, FR) → Bruno")
        await emulator.wait_until(lambda: "Attribué à : Bruno" in card(running, topic))
        notes = [m["text"] for m in in_topic(running, topic)]
        assert "↩️ Alice n'est plus disponible : le dossier retourne dans la file." in notes
        assert await assigned(running) == [(1, BRUNO)]


async def test_a_missed_first_reply_is_recalled_in_general_and_raises_the_priority(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    async with desk_bot(emulator, rasa_url, tmp_path) as running:
        topic = await open_case(running, 1)
        escalations = running.helpline.escalations
        later = datetime.now(UTC) + timedelta(minutes=241)  # past the normal target, 240 min
        escalations.now = lambda: later
        assert await escalations.desk.check() == 1
        await until_general(running, "⏱ C-00001 (⚪ normal, FR) : pas de première réponse")
        await emulator.wait_until(
            lambda: "🟠 prioritaire" in (emulator.topic(AGENTS, topic) or {}).get("name", "")
        )
        assert [t for t in general(running) if "Priorité relevée : 🟠 prioritaire." in t]
        assert await escalations.desk.check() == 0  # once per breach
        assert await running.rows("SELECT priority, sla_breaches FROM cases") == [("high", 1)]


async def test_past_the_heavy_case_threshold_an_agent_is_skipped_and_offered_a_break(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    async with desk_bot(emulator, rasa_url, tmp_path, agent_heavy_cases_per_shift=1) as running:
        emulator.block(ALICE)  # she never started a private chat with the bot
        await available(running, BRUNO)
        await open_case(running, 1)
        await open_case(running, 2)
        await available(running, ALICE)
        await open_case(running, 3, CRISIS)  # to her: she has fewer cases
        await until_general(running, "📌 C-00003 (🔴 URGENT, FR) → Alice")
        # the bot cannot write to her: the suggestion is in General, naming no case
        await until_general(running, "💛 Alice, plusieurs situations difficiles")
        await open_case(running, 4, CRISIS)  # she still has fewer cases, but had her share
        await until_general(running, "📌 C-00004 (🔴 URGENT, FR) → Bruno")
        assert await assigned(running) == [(1, BRUNO), (2, BRUNO), (3, ALICE), (4, BRUNO)]
        # he can be written to: his suggestion comes privately
        await emulator.wait_until(lambda: bool(emulator.sent(BRUNO)))
        [private] = emulator.sent(BRUNO)
        assert private["text"].startswith("Bonjour Bruno, vous avez suivi des situations")
        assert "C-0000" not in private["text"]
        [suggestion] = [t for t in general(running) if t.startswith("💛")]
        assert "C-0000" not in suggestion and "Bruno" not in suggestion


async def test_the_targets_are_checked_on_a_schedule(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    targets = "urgent=0.01,high=0.01,normal=0.01"  # checked every half second
    async with desk_bot(emulator, rasa_url, tmp_path, sla_first_reply=targets) as running:
        await open_case(running, 1)
        await until_general(running, "⏱ C-00001 (⚪ normal, FR) : pas de première réponse")
        assert await running.rows("SELECT priority, sla_breaches FROM cases") == [("high", 1)]


async def test_assign_by_replying_to_an_agents_message_or_by_name(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    async with desk_bot(emulator, rasa_url, tmp_path) as running:
        topic = await open_case(running, 1)
        says(running, BRUNO, "!je peux le prendre", topic)  # an internal note: not relayed
        await emulator.wait_until(lambda: bool(notes_in(running, topic)))
        [note] = notes_in(running, topic)
        emulator.push_message(
            AGENTS,
            user_id=ALICE,
            chat_type="supergroup",
            message_thread_id=topic,
            first_name="Alice",
            text="/assign",
            reply_to_message=note,
        )
        await emulator.wait_until(
            lambda: any("attribué à Bruno par Alice" in m["text"] for m in in_topic(running, topic))
        )
        await until_general(running, "📌 C-00001 (⚪ normal, FR) → Bruno")
        assert await assigned(running) == [(1, BRUNO)]
        says(running, BRUNO, "/assign alice", topic)
        await until_general(running, "📌 C-00001 (⚪ normal, FR) → Alice")
        assert await assigned(running) == [(1, ALICE)]


def notes_in(running: RunningBot, topic: int) -> list[dict[str, Any]]:
    """The agents' internal notes in a topic."""
    history = running.emulator.history(AGENTS, thread_id=topic)
    return [m for m in history if m.get("text", "").startswith("!")]
