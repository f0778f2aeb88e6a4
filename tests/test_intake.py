"""The webhook's intake on PostgreSQL (bot/telegram/intake.py): a patient's update acknowledged
before it is handled, its copy in the journal redacted and cleared at the commit, a crisis
handled ahead of the line, what the crisis screen suspects next, a dead worker's acknowledged
updates handled by another, a full line refusing all but a crisis. Two workers in one process
(tests/cluster_inbound_helpers.py), the Bot API emulator, the keyword parser."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram.types import Update
from aiohttp.test_utils import TestClient, TestServer

from bot import engine as engine_module
from bot.safety import NetReading, Risk, read
from bot.telegram import intake as intake_module
from bot.telegram.app import WEBHOOK_PATH, build_webhook_app
from bot.telegram.intake import redacted_copy
from nlu.client import ParseResult
from tests.cluster_inbound_helpers import (
    PATIENT,
    WebhookWorker,
    kill_liveness,
    stored,
    two_workers,
    until,
    worker_settings,
)
from tests.fake_parser import KeywordParser
from tests.telegram_emulator import BotAPIEmulator

SECRET = "intake-secret"
TYPED = "écrivez-moi à jean.dupont@gmail.com ou au 06 12 34 56 78 svp"


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


class Gate:
    """An NLU server whose answers wait for `open` (the first `held` parses), then the keyword
    parser's."""

    def __init__(self, parser: KeywordParser, held: int = 1) -> None:
        self.parser, self.held = parser, held
        self.open = asyncio.Event()
        self.asked = asyncio.Event()

    async def parse(self, text: str) -> ParseResult:
        self.asked.set()
        if self.held > 0:
            self.held -= 1
            await self.open.wait()
        return await self.parser.parse(text)


def with_names(update: dict[str, Any]) -> dict[str, Any]:
    update["message"]["from"].update(first_name="Jeanne", last_name="Dupont", username="jdupont")
    update["message"]["chat"].update(first_name="Jeanne", last_name="Dupont", username="jdupont")
    update["message"]["entities"] = [{"type": "email", "offset": 14, "length": 20}]
    return update


async def journal(worker: WebhookWorker) -> list[str | None]:
    """The claims' copies, in update order (None: cleared)."""
    rows = await worker.rows("SELECT payload FROM inbound_claims ORDER BY update_id")
    return [payload for (payload,) in rows]


def test_the_journals_copy_holds_neither_the_text_as_typed_nor_the_names() -> None:
    emulator = BotAPIEmulator()
    update = with_names(emulator.push_text(PATIENT, TYPED))
    copy = redacted_copy(update)
    for secret in ("dupont", "Jeanne", "06 12", "12 34 56 78", "gmail"):
        assert secret.lower() not in copy.lower()
    venue = emulator.push_text(PATIENT, "ici")
    venue["message"]["venue"] = {
        "location": {"latitude": 48.85, "longitude": 2.35},
        "title": "chez Jeanne Dupont 06 12 34 56 78",
        "address": "12 rue des Lilas, jean.dupont@gmail.com",
    }
    venue_copy = redacted_copy(venue)
    for secret in ("06 12", "gmail", "48.85", "2.35"):
        assert secret not in venue_copy
    assert Update.model_validate(json.loads(venue_copy)).message is not None
    parsed = Update.model_validate(json.loads(copy))
    assert parsed.message is not None and parsed.message.chat.id == PATIENT
    assert "<EMAIL>" in (parsed.message.text or "") and "<PHONE>" in (parsed.message.text or "")


async def test_an_update_is_acknowledged_before_it_is_handled_then_its_copy_cleared(
    emulator: BotAPIEmulator,
    rasa_url: str,
    database_url: str,
    fake_nlu: KeywordParser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine_reads: list[str] = []  # the crisis net is read at intake, and only there

    def read_in_engine(text: str) -> NetReading:
        engine_reads.append(text)
        return read(text)

    monkeypatch.setattr(engine_module, "read", read_in_engine)
    settings = worker_settings(emulator, rasa_url, database_url, telegram_webhook_secret=SECRET)
    async with two_workers(settings, fake_nlu) as (one, _):
        one.helpline.engine.nlu = gate = Gate(fake_nlu)
        app = build_webhook_app(one.helpline, one.bot, one.dispatcher)
        async with TestClient(TestServer(app)) as client:
            update = with_names(emulator.push_text(PATIENT, TYPED))
            refused = await client.post(WEBHOOK_PATH, json=update)
            assert refused.status == 401  # no secret: not Telegram
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            answered = await client.post(WEBHOOK_PATH, json=update, headers=headers)
            assert answered.status == 200
            async with asyncio.timeout(10):
                await gate.asked.wait()  # answered while the turn waits for the NLU
            [copy] = await journal(one)
            assert copy is not None and "dupont" not in copy.lower() and "<PHONE>" in copy
            assert await stored(one) == []
            again = await client.post(WEBHOOK_PATH, json=update, headers=headers)
            assert again.status == 200  # a redelivery: acknowledged, never handled twice
            gate.open.set()

            async def handled() -> bool:
                return len(await stored(one)) == 1 and await journal(one) == [None]

            await until(handled, 10, "the update handled and its copy cleared")
            [text] = await stored(one)
            assert "dupont" not in text.lower()
            await one.settle()
            assert len(await stored(one, "out")) >= 1
            assert engine_reads == []


async def test_a_crisis_is_handled_at_once_with_its_chats_earlier_message_all_handlers_busy(
    emulator: BotAPIEmulator, rasa_url: str, database_url: str, fake_nlu: KeywordParser
) -> None:
    settings = worker_settings(emulator, rasa_url, database_url, webhook_handlers=1)
    async with two_workers(settings, fake_nlu) as (one, _):
        one.helpline.engine.nlu = gate = Gate(fake_nlu)
        await one.intake.start(one.bot)
        crisis_chat, others = PATIENT + 100, range(PATIENT + 1, PATIENT + 11)
        assert await one.accept(emulator.push_text(PATIENT, "bonjour"))
        async with asyncio.timeout(10):
            await gate.asked.wait()  # the one handler is busy
        for chat in others:
            assert await one.accept(emulator.push_text(chat, "je veux porter plainte"))
        assert await one.accept(emulator.push_text(crisis_chat, "j'ai reçu un SMS bizarre"))
        assert await one.accept(emulator.push_text(crisis_chat, "je veux mourir"))
        order = (
            "SELECT p.chat_id FROM messages m JOIN patients p ON p.id = m.patient_id"
            " WHERE m.direction = 'in' ORDER BY m.id"
        )

        def handled(count: int) -> Callable[[], Awaitable[bool]]:
            async def enough() -> bool:
                return len(await one.rows(order)) == count

            return enough

        # the task kept for crises handles it while the one handler is still busy
        await until(handled(2), 20, "the crisis handled with the handler busy")
        assert not gate.open.is_set()
        texts = await stored(one, chat=crisis_chat)
        assert texts == ["j'ai reçu un SMS bizarre", "je veux mourir"]
        gate.open.set()
        await until(handled(13), 20, "every update handled")
        chats = [int(chat) for (chat,) in await one.rows(order)]
        assert chats[:3] == [crisis_chat, crisis_chat, PATIENT]
        assert sorted(chats[3:]) == list(others)


class Turnstile:
    """An NLU server whose every parse waits until `let_one` lets it through, one at a time and
    in the order asked: each handling task busy until the test says, and what a freed task
    takes next is the next text asked."""

    def __init__(self, parser: KeywordParser) -> None:
        self.parser = parser
        self.asked: list[str] = []
        self._waiting: list[asyncio.Event] = []
        self._changed = asyncio.Condition()

    async def parse(self, text: str) -> ParseResult:
        passed = asyncio.Event()
        async with self._changed:
            self.asked.append(text)
            self._waiting.append(passed)
            self._changed.notify_all()
        await passed.wait()
        return await self.parser.parse(text)

    async def until_asked(self, count: int) -> None:
        async with asyncio.timeout(10), self._changed:
            await self._changed.wait_for(lambda: len(self.asked) >= count)

    async def let_one(self, index: int, then_asked: int) -> None:
        """Let the `index`th parse asked through, then wait for `then_asked` parses asked."""
        self._waiting[index].set()
        await self.until_asked(then_asked)


async def test_what_the_screen_suspects_is_handled_ahead_the_likeliest_first_with_its_chat(
    emulator: BotAPIEmulator, rasa_url: str, database_url: str, fake_nlu: KeywordParser
) -> None:
    likeliest, likely = "j'ai préparé mes médicaments pour ce soir", "ce soir j'arrête tout"
    ordinary, sms = "je veux porter plainte", "j'ai reçu un SMS bizarre"
    settings = worker_settings(emulator, rasa_url, database_url, webhook_handlers=1)
    async with two_workers(settings, fake_nlu) as (one, _):
        screen = one.intake.screen
        # what the test stands on: the net reads nothing in either, the screen suspects both
        assert read(likeliest).risk is read(likely).risk is read(ordinary).risk is Risk.NONE
        assert screen.score(likeliest) > screen.score(likely) > screen.threshold
        assert not screen.suspect(ordinary) and not screen.suspect(sms)
        one.helpline.engine.nlu = turnstile = Turnstile(fake_nlu)
        await one.intake.start(one.bot)
        first, second, early = PATIENT + 100, PATIENT + 200, PATIENT + 300
        others = range(PATIENT + 1, PATIENT + 7)
        assert await one.accept(emulator.push_text(PATIENT, "bonjour"))
        await turnstile.until_asked(1)  # the one handler is busy
        assert await one.accept(emulator.push_text(early, likely))
        # the task kept for crises and suspects takes it while the one handler is busy
        await turnstile.until_asked(2)
        for chat in others[:3]:
            assert await one.accept(emulator.push_text(chat, ordinary))
        assert await one.accept(emulator.push_text(first, sms))
        assert await one.accept(emulator.push_text(second, likely))
        assert await one.accept(emulator.push_text(first, likeliest))
        for chat in others[3:]:
            assert await one.accept(emulator.push_text(chat, ordinary))
        # each turn the suspects' task ends, it takes the likeliest next, with its chat
        await turnstile.let_one(1, then_asked=3)
        await turnstile.let_one(2, then_asked=4)
        await turnstile.let_one(3, then_asked=5)
        assert turnstile.asked == ["bonjour", likely, sms, likeliest, likely]
        order = (
            "SELECT p.chat_id FROM messages m JOIN patients p ON p.id = m.patient_id"
            " WHERE m.direction = 'in' ORDER BY m.id"
        )

        def handled(count: int) -> Callable[[], Awaitable[bool]]:
            async def enough() -> bool:
                return len(await one.rows(order)) == count

            return enough

        await turnstile.let_one(4, then_asked=5)  # no suspect left: that task waits
        await until(handled(4), 20, "the suspects handled")
        await turnstile.let_one(0, then_asked=6)  # the handler takes the line in order
        for index in range(5, 10):
            await turnstile.let_one(index, then_asked=index + 2)
        await turnstile.let_one(10, then_asked=11)
        assert turnstile.asked[5:] == [ordinary] * 6
        await until(handled(11), 20, "every update handled")
        chats = [int(chat) for (chat,) in await one.rows(order)]
        assert chats == [early, first, first, second, PATIENT, *others]
        assert await stored(one, chat=first) == [sms, likeliest]


async def test_a_dead_workers_acknowledged_updates_are_handled_by_another_in_order(
    emulator: BotAPIEmulator,
    rasa_url: str,
    database_url: str,
    fake_nlu: KeywordParser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(intake_module, "RECOVER_EVERY", 0.1)
    settings = worker_settings(emulator, rasa_url, database_url, webhook_handlers=1)
    texts = ["bonjour", "je veux porter plainte", "comment saisir la CNIL ?"]
    async with two_workers(settings, fake_nlu) as (one, two):
        one.helpline.engine.nlu = gate = Gate(fake_nlu)
        await one.intake.start(one.bot)
        for text in texts:
            assert await one.accept(emulator.push_text(PATIENT, text))
        async with asyncio.timeout(10):
            await gate.asked.wait()
        # killed -9 with one turn under way and two waiting: acknowledged, never handled
        await kill_liveness(one.worker)
        one.intake.DRAIN = 0.0
        await one.intake.stop()
        assert await stored(one) == []
        assert all(copy is not None for copy in await journal(one))
        await two.intake.start(two.bot)

        async def recovered() -> bool:
            return await stored(two) == texts

        await until(recovered, 20, "the dead worker's updates handled, in order")
        assert two.intake.recovered == 3
        assert await journal(two) == [None, None, None]
        await two.settle()
        assert len(await stored(two, "out")) >= 3


async def test_a_full_line_refuses_ordinary_updates_but_never_a_crisis(
    emulator: BotAPIEmulator,
    rasa_url: str,
    database_url: str,
    fake_nlu: KeywordParser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(intake_module, "BACKLOG", 2)
    settings = worker_settings(emulator, rasa_url, database_url, webhook_handlers=1)
    async with two_workers(settings, fake_nlu) as (one, _):
        one.helpline.engine.nlu = gate = Gate(fake_nlu, held=10)
        await one.intake.start(one.bot)
        assert await one.accept(emulator.push_text(PATIENT, "bonjour"))
        async with asyncio.timeout(10):
            await gate.asked.wait()
        assert await one.accept(emulator.push_text(PATIENT + 1, "bonjour"))
        assert await one.accept(emulator.push_text(PATIENT + 2, "bonjour"))
        refused = emulator.push_text(PATIENT + 3, "bonjour")
        assert not await one.accept(refused)  # 503: Telegram posts it again later
        assert await one.accept(emulator.push_text(PATIENT + 4, "je veux en finir ce soir"))
        assert len(await journal(one)) == 4  # the refused one was never claimed
        gate.held = 0
        gate.open.set()

        async def room() -> bool:
            return len(one.intake) == 0

        await until(room, 20, "the line handled")
        assert await one.accept(refused)  # posted again, once there is room
