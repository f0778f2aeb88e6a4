"""The agents' desk in the tests (issue 17): pressing the buttons the bot puts in a case's topic,
closing a case the way agents do (outcome and categories first), a second agent and an
English-speaking patient, the outbox read back."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine import Engine, Incoming
from storage.models import GroupPost
from storage.outbox import GroupPayload, read
from tests.agents_helpers import AGENT, AGENTS, agent_says, in_topic, topic_of_case
from tests.telegram_helpers import RunningBot, button_data, replies


def with_button(running: RunningBot, topic: int, data: str) -> dict | None:
    """The latest message in the topic (as it is now, edits applied) with this button."""
    found = [m for m in in_topic(running, topic) if data in button_data(m)]
    return found[-1] if found else None


def label_of(message: dict, data: str) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return next(b["text"] for row in rows for b in row if b.get("callback_data") == data)


async def press(running: RunningBot, topic: int, data: str, user_id: int = AGENT) -> dict:
    """Wait for a message in the topic with this button, and press it; returns that message."""
    await running.emulator.wait_until(
        lambda: with_button(running, topic, data) is not None, what=f"a button {data}"
    )
    message = with_button(running, topic, data)
    assert message is not None
    running.emulator.push_callback(AGENTS, data, message_id=message["message_id"], user_id=user_id)
    return message


async def tick(running: RunningBot, topic: int, case_id: int, category: str, **kw: int) -> None:
    """Tick a category and wait for the question to show it ticked."""
    data = f"case:cat:{case_id}:{category}"
    message = await press(running, topic, data, **kw)

    def ticked() -> bool:
        now = running.emulator.message(AGENTS, message["message_id"])
        return now is not None and label_of(now, data).startswith("✅")

    await running.emulator.wait_until(ticked, what=f"{category} ticked")


async def close_with(
    running: RunningBot,
    topic: int,
    outcome: str = "informed",
    categories: Sequence[str] = ("other",),
    *,
    case_id: int = 1,
    user_id: int = AGENT,
) -> None:
    """/close, then the outcome, the categories and "done", as an agent does."""
    agent_says(running, topic, "/close", user_id=user_id)
    await press(running, topic, f"case:outcome:{case_id}:{outcome}", user_id)
    for category in categories:
        await tick(running, topic, case_id, category, user_id=user_id)
    await press(running, topic, f"case:done:{case_id}", user_id)


# --- shared by the desk's service tests (no Telegram) and end-to-end tests --------------------

OTHER_PATIENT = 5002  # an English-speaking patient, next to PATIENT
OTHER_AGENT = 7002  # a second agent in the group


async def open_case(engine: Engine, chat: str, language: str = "fr", text: str = "/human") -> None:
    """A patient of this phone language asks for a person (or writes `text`)."""
    await engine.handle(Incoming("test", chat, text, None, language))


async def outbox(sessions: async_sessionmaker[AsyncSession]) -> list[GroupPayload]:
    """The agents' outbox, read back as payloads, oldest first."""
    async with sessions() as session:
        rows = list(await session.scalars(select(GroupPost).order_by(GroupPost.id)))
    return [read(row.kind, row.payload) for row in rows]


async def open_english_case(running: RunningBot, number: int) -> int:
    """OTHER_PATIENT, an English phone, asks for a person; returns the case's topic."""
    emulator = running.emulator
    emulator.push_text(OTHER_PATIENT, "hello", first_name="Ann", language_code="en")
    _, greet = await replies(running, 2, OTHER_PATIENT)
    emulator.push_callback(
        OTHER_PATIENT, "person", message_id=greet["message_id"], language_code="en"
    )
    return await topic_of_case(running, number)


def texts_to(running: RunningBot, chat: int) -> list[str]:
    return [m.get("text", "") for m in running.emulator.sent(chat)]
