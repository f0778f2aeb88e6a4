"""The agents' side of the end-to-end tests: their forum group on the emulator, a case's topic,
what the agents read there and what they type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.settings import Settings
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import PATIENT, RunningBot, replies, settings_for

AGENTS = -1001000
AGENT = 7001
PHOTO = {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]}


def agents_settings(emulator: BotAPIEmulator, rasa_url: str, db: Path, **kw: Any) -> Settings:
    return settings_for(emulator, rasa_url, db).model_copy(update=kw)


async def topic_of_case(running: RunningBot, number: int = 1) -> int:
    """Wait for the case's topic and its pinned card; returns the topic id."""
    calls = await running.emulator.wait_for_calls("pinChatMessage", number, chat_id=AGENTS)
    return int(
        running.emulator.message(AGENTS, calls[number - 1].params["message_id"])[
            "message_thread_id"
        ]
    )


def in_topic(running: RunningBot, topic: int) -> list[dict]:
    return running.emulator.sent(AGENTS, thread_id=topic)


def relayed(running: RunningBot, topic: int) -> list[str]:
    """The patient's texts as the agents read them in the topic (the bot's redacted relay)."""
    return [
        m["text"].removeprefix("💬 ")
        for m in in_topic(running, topic)
        if m.get("text", "").startswith("💬 ")
    ]


async def until_relayed(running: RunningBot, topic: int, count: int = 1) -> list[str]:
    await running.emulator.wait_until(
        lambda: len(relayed(running, topic)) >= count, what=f"{count} relayed text(s)"
    )
    return relayed(running, topic)


def agent_says(running: RunningBot, topic: int, text: str, user_id: int = AGENT) -> None:
    running.emulator.push_text(
        AGENTS, text, user_id=user_id, chat_type="supergroup", message_thread_id=topic
    )


async def open_case_by_button(running: RunningBot, language: str = "fr") -> int:
    hello = "bonjour" if language == "fr" else "hello"
    running.emulator.push_text(PATIENT, hello, first_name="Jeanne", language_code=language)
    _, greet = await replies(running, 2)
    running.emulator.push_callback(
        PATIENT, "person", message_id=greet["message_id"], language_code=language
    )
    return await topic_of_case(running)
