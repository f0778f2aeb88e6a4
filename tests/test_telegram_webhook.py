"""Webhook mode, Bot API resilience and the command menu, against the Bot API emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.app import open_helpline
from bot.telegram.app import WEBHOOK_PATH, build_bot, build_dispatcher, build_webhook_app
from bot.telegram.render import TELEGRAM_LIMIT, to_html_parts
from tests.conftest import free_port
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import PATIENT, plain, settings_for, start_bot

SECRET = "s3cret-token_for-tests"


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


@pytest.mark.rasa
async def test_webhook_mode_answers_and_checks_the_secret_token(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    settings = settings_for(emulator, rasa_url, tmp_path / "bot.db").model_copy(
        update={"telegram_webhook_secret": SecretStr(SECRET)}
    )
    async with open_helpline(settings) as helpline:
        bot, dp = build_bot(settings), build_dispatcher(helpline)
        runner = web.AppRunner(build_webhook_app(helpline, bot, dp))
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
            await bot.set_webhook(url, secret_token=SECRET)
            update = emulator.push_text(PATIENT, "je veux porter plainte")
            assert await emulator.deliver_webhook(update) == 200
            await emulator.wait_for_calls("sendMessage", 2, chat_id=PATIENT)
            answer = emulator.sent(PATIENT)[-1]["text"]
            assert answer == plain(helpline.engine.catalogue.answer("file_complaint", "fr").text)
            forged = dict(emulator.push_text(PATIENT, "bonjour"), update_id=10_000)
            async with aiohttp.ClientSession() as session:
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                    async with session.post(url, json=forged, headers=headers) as response:
                        assert response.status == 401
            assert len(emulator.sent(PATIENT)) == 2
        finally:
            await runner.cleanup()


async def test_the_emulator_posts_updates_like_telegram_at_once_until_answered(
    emulator: BotAPIEmulator,
) -> None:
    """deliver_webhook_updates: every pending update posted at once, at most `max_connections`
    in flight, with the secret token, and posted again until answered 2xx (no server yet, a
    500), as Telegram does after the bot went down."""
    port = free_port()
    tries: dict[int, int] = {}
    answered: list[int] = []
    tokens: set[str | None] = set()
    in_flight = peak = 0

    async def hook(request: web.Request) -> web.Response:
        nonlocal in_flight, peak
        tokens.add(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        update_id = (await request.json())["update_id"]
        tries[update_id] = tries.get(update_id, 0) + 1
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.05)
        in_flight -= 1
        if tries[update_id] == 1:
            return web.Response(status=500)
        answered.append(update_id)
        return web.json_response({})

    api = f"{emulator.base_url}/bot{emulator.token}"
    async with aiohttp.ClientSession() as session:
        webhook = {"url": f"http://127.0.0.1:{port}/hook", "secret_token": SECRET}
        async with session.post(f"{api}/setWebhook", json={**webhook, "max_connections": 3}):
            pass
        pushed = [emulator.push_text(PATIENT, f"message {n}")["update_id"] for n in range(8)]
        delivering = asyncio.create_task(emulator.deliver_webhook_updates())
        await asyncio.sleep(0.2)  # nobody listens yet: refused, posted again
        app = web.Application()
        app.router.add_post("/hook", hook)
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", port).start()
            posts = await delivering
        finally:
            await runner.cleanup()
        async with session.post(f"{api}/getWebhookInfo") as response:
            info = (await response.json())["result"]
    assert sorted(answered) == pushed and set(tries.values()) == {2}  # a 500, then a 200
    assert tokens == {SECRET}
    assert peak == 3  # max_connections
    assert posts > 2 * len(pushed)  # refused connections were posted again too
    assert info["pending_update_count"] == 0


@pytest.mark.rasa
async def test_server_errors_are_retried_and_commands_set_in_both_languages(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    async with open_helpline(settings_for(emulator, rasa_url, tmp_path / "bot.db")) as helpline:
        running = await start_bot(emulator, helpline)
        emulator.fail_next("sendMessage", 2, error_code=502, chat_id=PATIENT)
        emulator.push_text(PATIENT, "bonjour")
        await emulator.wait_for_calls("sendMessage", 4, chat_id=PATIENT)  # 2 refused, then 2
        await running.stop()
    assert [c.ok for c in emulator.calls("sendMessage", chat_id=PATIENT)] == [
        False, False, True, True,
    ]  # fmt: skip
    french = [c["command"] for c in emulator.commands(language_code="fr")]
    english = {c["command"]: c["description"] for c in emulator.commands(language_code="en")}
    assert french == [
        "start", "help", "human", "privacy", "consent", "language", "discreet", "check",
        "delete", "plan", "stop",
    ]  # fmt: skip
    assert english["delete"] == "Erase my data"
    assert english["stop"] == "Stop follow-up messages"
    assert emulator.commands()  # default list for every other language


def test_long_replies_are_split_at_boundaries_and_stay_valid_html() -> None:
    text = ("**Étape** : lisez ceci & <gardez> le reçu.\n\n" * 400).strip()
    parts = to_html_parts(text)
    assert len(parts) > 1
    assert all(len(p) <= TELEGRAM_LIMIT for p in parts)
    assert all(p.count("<b>") == p.count("</b>") for p in parts)
    assert all(p.endswith("reçu.") for p in parts)  # cut between paragraphs
    assert "".join(parts).count("&lt;gardez&gt;") == 400
