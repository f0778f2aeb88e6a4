"""Benchmark: escalation to the agents' forum group through the Bot API emulator.

1. Time from a patient's request for a person (the "person" button) to the case's topic and
   pinned card existing in the group, over several cases opened one after another, with the
   group limit set high enough not to be the cause of the wait.
2. A burst of patient texts during a case, relayed into the topic through the paced outbox,
   with the emulator enforcing the group limit: how long the burst takes against the least the
   limit allows, how many 429 the group answered, and whether all arrived in order.

The real limit (about 20 messages a minute) would make the burst take minutes; `--scale` divides
the window so the run stays short while the shape (limit / window) is kept.
Run: `.venv/bin/python bench/agents_pacing.py [--cases 20] [--burst 100] [--scale 10]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from stats import percentile

from bot.app import open_helpline
from bot.settings import Settings
from bot.telegram.app import build_bot, build_dispatcher
from nlu import rasa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.conftest import free_port
from tests.telegram_emulator import BotAPIEmulator

AGENTS = -1001000


def settings_for(emulator: BotAPIEmulator, url: str, db: str, **kw: object) -> Settings:
    return Settings(
        rasa_url=url,
        telegram_bot_token=emulator.token,
        telegram_api_url=emulator.base_url,
        database_url=f"sqlite+aiosqlite:///{db}",
        helpline_agents_chat_id=AGENTS,
        agents_hours="always",
        throttle_messages=1000,
        **kw,
    )


async def time_to_topic(url: str, cases: int, tmp: str) -> list[float]:
    async with BotAPIEmulator() as emulator:
        settings = settings_for(
            emulator, url, f"{tmp}/cases.db", agents_rate_limit=1000, agents_rate_window=1.0
        )
        async with open_helpline(settings) as helpline:
            bot, dp = build_bot(settings), build_dispatcher(helpline)
            polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
            await emulator.wait_until(lambda: emulator.waiting_pollers > 0, timeout=30)
            timings: list[float] = []
            for n in range(cases):
                chat = 20_000 + n
                emulator.push_text(chat, "/start")
                await emulator.wait_for_calls("sendMessage", 2, chat_id=chat, timeout=30)
                started = time.perf_counter()
                emulator.push_callback(chat, "person", message_id=1)
                await emulator.wait_for_calls("pinChatMessage", n + 1, chat_id=AGENTS, timeout=30)
                timings.append((time.perf_counter() - started) * 1000)
            await dp.stop_polling()
            await polling
    return timings


async def burst(url: str, count: int, limit: int, window: float, scale: float, tmp: str) -> None:
    async with BotAPIEmulator() as emulator:
        emulator.limit_rate(AGENTS, limit, window)
        settings = settings_for(
            emulator, url, f"{tmp}/burst.db", agents_rate_limit=limit, agents_rate_window=window
        )
        async with open_helpline(settings) as helpline:
            bot, dp = build_bot(settings), build_dispatcher(helpline)
            polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
            await emulator.wait_until(lambda: emulator.waiting_pollers > 0, timeout=30)
            chat = 30_000
            emulator.push_text(chat, "/human")
            await emulator.wait_for_calls("pinChatMessage", 1, chat_id=AGENTS, timeout=60)
            await asyncio.sleep(window)  # let the opening's own sends leave the window
            started = time.perf_counter()
            for n in range(count):
                emulator.push_text(chat, f"burst {n}")

            def relayed() -> list[str]:  # the patient's texts, as the bot relays them
                return [
                    m["text"].removeprefix("💬 ")
                    for m in emulator.sent(AGENTS)
                    if m.get("text", "").startswith("💬 burst")
                ]

            await emulator.wait_until(lambda: len(relayed()) >= count, timeout=count * window)
            elapsed = time.perf_counter() - started
            await dp.stop_polling()
            await polling
        texts = relayed()
    least = (count - limit) / limit * window if count > limit else 0.0
    in_order = texts == [f"burst {n}" for n in range(count)]
    print(
        f"burst of {count} messages at {limit} per {window:g} s: {elapsed:.1f} s "
        f"(the limit allows no less than {least:.1f} s; {elapsed / max(least, 1e-9):.2f}x), "
        f"429 answered: {emulator.rate_refusals}, all in order: {in_order}, "
        f"at Telegram's scale ({limit} per {window * scale:g} s): "
        f"~{elapsed * scale / 60:.1f} min"
    )


async def measure(url: str, cases: int, count: int, scale: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        timings = await time_to_topic(url, cases, tmp)
        print(
            f"request -> topic + pinned card, {cases} cases: p50 {statistics.median(timings):.0f} "
            f"ms, p99 {percentile(timings, 99):.0f} ms"
        )
        await burst(url, count, 20, 60.0 / scale, scale, tmp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--scale", type=float, default=10.0)
    args = parser.parse_args()
    server = rasa.RasaServer(rasa.model_path(), port=free_port())
    server.start()
    try:
        server.wait_ready()
        asyncio.run(measure(server.url, args.cases, args.burst, args.scale))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
