"""Each patient's updates are handled in the order Telegram numbered them (`update_id`), whatever
order they reach the bot in: webhook posts made at once (up to 40 connections, in any order), a
getUpdates batch, a backlog after a restart. End to end through the Bot API emulator with the
real NLU server and a real SQLite file; then the reorder buffer (OrderMiddleware) on its own."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import TelegramObject, Update
from aiohttp import web
from pydantic import SecretStr

from bot.app import open_helpline
from bot.settings import Settings
from bot.telegram.app import WEBHOOK_PATH, build_bot, build_dispatcher, build_webhook_app
from bot.telegram.middlewares import OrderMiddleware
from tests.agents_helpers import AGENT, AGENTS, agents_settings, open_case_by_button
from tests.conftest import free_port
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import PATIENT, RunningBot, start_bot

SECRET = "s3cret-token_for-tests"
TEXTS = [f"message {n}" for n in range(10)]
SEED = 7  # random.Random(7).shuffle(list(range(10))) starts with 8


@pytest.fixture
def running(running_with_agents: RunningBot) -> RunningBot:
    return running_with_agents  # a case in the agents' forum group


def relayed(emulator: BotAPIEmulator, topic: int) -> list[str]:
    """The patient's "message n" texts, as the agents read them in the case's topic."""
    return [
        m["text"].removeprefix("💬 ")
        for m in emulator.sent(AGENTS, thread_id=topic)
        if m.get("text", "").startswith("💬 message ")
    ]


async def until_relayed(emulator: BotAPIEmulator, topic: int) -> list[str]:
    await emulator.wait_until(
        lambda: len(relayed(emulator, topic)) >= len(TEXTS), timeout=30, what="the texts relayed"
    )
    return relayed(emulator, topic)


# --- webhook ----------------------------------------------------------------------------------


def webhook_settings(emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path) -> Settings:
    emulator.set_member(AGENTS, AGENT, "member")
    return agents_settings(
        emulator, rasa_url, tmp_path / "bot.db", telegram_webhook_secret=SecretStr(SECRET)
    )


@asynccontextmanager
async def serving(settings: Settings, port: int) -> AsyncIterator[None]:
    """The bot in webhook mode on `port`, as run_webhook serves it, its webhook set."""
    async with open_helpline(settings) as helpline:
        bot, dp = build_bot(settings), build_dispatcher(helpline)
        runner = web.AppRunner(build_webhook_app(helpline, bot, dp))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
            await bot.set_webhook(url, secret_token=SECRET)
            yield
        finally:
            await runner.cleanup()


async def open_case_by_webhook(emulator: BotAPIEmulator) -> int:
    emulator.push_text(PATIENT, "bonjour")
    await emulator.deliver_webhook_updates()
    await emulator.wait_for_calls("sendMessage", 2, chat_id=PATIENT)
    greet = emulator.sent(PATIENT)[-1]
    emulator.push_callback(PATIENT, "person", message_id=greet["message_id"])
    await emulator.deliver_webhook_updates()
    [pin] = await emulator.wait_for_calls("pinChatMessage", 1, chat_id=AGENTS)
    card = emulator.message(AGENTS, pin.params["message_id"])
    assert card is not None
    return int(card["message_thread_id"])


@pytest.mark.rasa
async def test_webhook_posts_arriving_in_any_order_reach_the_agents_in_order(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    async with serving(webhook_settings(emulator, rasa_url, tmp_path), free_port()):
        topic = await open_case_by_webhook(emulator)
        for text in TEXTS:
            emulator.push_text(PATIENT, text)
        posts = await emulator.deliver_webhook_updates(shuffle=random.Random(SEED).shuffle)
        assert posts == len(TEXTS)  # all posted at once, each answered 200 at the first post
        assert await until_relayed(emulator, topic) == TEXTS


@pytest.mark.rasa
async def test_webhook_posts_retried_while_the_bot_restarts_reach_the_agents_in_order(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    settings, port = webhook_settings(emulator, rasa_url, tmp_path), free_port()
    async with serving(settings, port):
        topic = await open_case_by_webhook(emulator)
    for text in TEXTS:
        emulator.push_text(PATIENT, text)
    delivering = asyncio.create_task(
        emulator.deliver_webhook_updates(shuffle=random.Random(SEED).shuffle)
    )
    await asyncio.sleep(0.2)  # the bot is down: every post refused, posted again
    async with serving(settings, port):
        posts = await delivering
        texts = await until_relayed(emulator, topic)
    assert posts > 2 * len(TEXTS)
    assert texts == TEXTS


# --- polling ----------------------------------------------------------------------------------


@pytest.mark.rasa
async def test_a_getupdates_batch_in_any_order_is_handled_in_update_id_order(
    running: RunningBot,
) -> None:
    topic = await open_case_by_button(running)
    order = list(range(len(TEXTS)))
    random.Random(SEED).shuffle(order)
    # queued while the bot waits in its long poll, all before it wakes: its next getUpdates
    # takes them in one batch, listed in this order, numbered in the texts' order
    pushed = {n: running.emulator.push_text(PATIENT, TEXTS[n]) for n in order}
    ids = sorted(update["update_id"] for update in pushed.values())
    for n, update in pushed.items():
        update["update_id"] = ids[n]
    assert await until_relayed(running.emulator, topic) == TEXTS


@pytest.mark.rasa
async def test_a_backlog_after_a_restart_is_handled_in_order_across_batches(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    """What Telegram kept while the bot was down comes in batches of 100: the second batch's
    updates used to overtake the first's, all waiting for de-duplication's first database read."""
    emulator.set_member(AGENTS, AGENT, "member")
    settings = agents_settings(emulator, rasa_url, tmp_path / "bot.db")
    async with open_helpline(settings) as helpline:
        first = await start_bot(emulator, helpline)
        topic = await open_case_by_button(first)
        await first.stop()
    for _ in range(95):  # another chat's, ignored: the patient's texts straddle two batches
        emulator.push_text(-2002, "salut", chat_type="group")
    for text in TEXTS:
        emulator.push_text(PATIENT, text)
    async with open_helpline(settings) as helpline:
        second = await start_bot(emulator, helpline)
        try:
            texts = await until_relayed(emulator, topic)
        finally:
            await second.stop()
    assert texts == TEXTS


# --- the reorder buffer on its own ------------------------------------------------------------


def update(update_id: int, chat_id: int = PATIENT, chat_type: str = "private") -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1_700_000_000,
                "chat": {"id": chat_id, "type": chat_type},
                "text": f"update {update_id}",
            },
        }
    )


class Recorder:
    """A handler that notes the updates it gets, in order; `hold` ids wait for `release`."""

    def __init__(self, hold: frozenset[int] = frozenset()) -> None:
        self.seen: list[int] = []
        self.hold = hold
        self.release = asyncio.Event()

    async def __call__(self, event: TelegramObject, data: dict[str, Any]) -> None:
        assert isinstance(event, Update)
        self.seen.append(event.update_id)
        if event.update_id in self.hold:
            await self.release.wait()
        await asyncio.sleep(0.001)  # a turn awaits (NLU, database): the others get the loop


async def feed(order: OrderMiddleware, handler: Recorder, *updates: Update) -> None:
    await asyncio.gather(*(order(handler, u, {}) for u in updates))


async def test_updates_started_together_go_in_update_id_order() -> None:
    handler, ids = Recorder(), list(range(100, 110))
    random.Random(SEED).shuffle(ids)
    await feed(OrderMiddleware(), handler, *(update(i) for i in ids))
    assert handler.seen == sorted(ids)


async def test_an_update_never_waits_for_one_that_has_not_arrived() -> None:
    handler, order = Recorder(), OrderMiddleware()
    async with asyncio.timeout(1):  # 102 is lost: 103 goes on after 101, at once
        await feed(order, handler, update(103), update(101))
    assert handler.seen == [101, 103]
    assert order.chats == {}  # nothing kept once done


async def test_a_stuck_update_holds_the_next_ones_only_a_bounded_time() -> None:
    handler, order = Recorder(hold=frozenset({1})), OrderMiddleware()
    order.WAIT = 0.2
    stuck = asyncio.create_task(order(handler, update(1), {}))
    async with asyncio.timeout(2):
        await feed(order, handler, update(2), update(3))
    assert handler.seen == [1, 2, 3]
    handler.release.set()
    await stuck


async def test_only_a_patients_own_updates_wait_for_each_other() -> None:
    handler, order = Recorder(hold=frozenset({1, 2})), OrderMiddleware()
    held = [
        asyncio.create_task(order(handler, update(1), {})),
        asyncio.create_task(order(handler, update(2, chat_id=-2002, chat_type="group"), {})),
    ]
    async with asyncio.timeout(1):  # another patient, and the same group, go on meanwhile
        await feed(order, handler, update(3, chat_id=PATIENT + 1), update(4, -2002, "supergroup"))
    assert sorted(handler.seen) == [1, 2, 3, 4]
    handler.release.set()
    await asyncio.gather(*held)


async def test_copies_of_one_update_do_not_wait_for_each_other() -> None:
    """A redelivery in flight with its original: both reach de-duplication, which drops one."""
    handler, order = Recorder(hold=frozenset({5})), OrderMiddleware()
    async with asyncio.timeout(1):
        first = asyncio.create_task(order(handler, update(5), {}))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(order(handler, update(5), {}))
        await asyncio.sleep(0.01)
        assert handler.seen == [5, 5]
        handler.release.set()
        await asyncio.gather(first, second)
