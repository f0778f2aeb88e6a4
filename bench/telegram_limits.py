"""Benchmark: hundreds of patients writing at once, under Telegram's real limits.

Starts the real Rasa server, the loopback Bot API emulator and the real bot (aiogram polling loop,
engine, SQLite file). The emulator enforces Telegram's limits: about 30 messages a second from
the bot, all chats together, and 20 a minute into the agents' group, answering 429 with
`retry_after` beyond. Every patient writes their first message at the same moment ("bonjour",
answered with the privacy notice and a greeting); the last `--crises` to write say "je veux
mourir" (the emergency answer, then their case number). Figures: patients answered, answer
latency (message pushed -> its last reply accepted by Telegram) p50 / p99, the crisis answer's
worst case (pushed -> the emergency answer accepted), and how many 429s the bot got.
Run: `.venv/bin/python bench/telegram_limits.py [--patients 300] [--crises 20]`.
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

from bot.app import freeze_startup_objects, open_helpline, run
from bot.telegram.app import build_bot, build_dispatcher
from bot.telegram.send_queue import LIMIT, WINDOW
from nlu import rasa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.agents_helpers import AGENTS
from tests.conftest import free_port
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import settings_for

GROUP_LIMIT, GROUP_WINDOW = 20, 60.0  # Telegram's, into one group


async def measure(url: str, patients: int, crises: int, tmp: str) -> None:
    async with BotAPIEmulator() as emulator:
        emulator.limit_bot_rate(LIMIT, WINDOW)
        emulator.limit_rate(AGENTS, GROUP_LIMIT, GROUP_WINDOW)
        settings = settings_for(emulator, url, Path(tmp) / "limits.db")
        async with open_helpline(settings) as helpline:
            bot, dp = build_bot(settings), build_dispatcher(helpline)
            freeze_startup_objects()  # as `helpline serve` does
            polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
            await emulator.wait_until(lambda: emulator.waiting_pollers > 0, timeout=30)
            chats = [30_000 + p for p in range(patients)]
            in_crisis = set(chats[patients - crises :])
            expected = {chat: 3 if chat in in_crisis else 2 for chat in chats}

            def accepted(chat: int) -> list[float]:
                return [c.at for c in emulator.calls("sendMessage", chat_id=chat) if c.ok]

            pushed: dict[int, float] = {}
            started = time.monotonic()
            for chat in chats:
                pushed[chat] = time.monotonic()
                emulator.push_text(chat, "je veux mourir" if chat in in_crisis else "bonjour")
            await emulator.wait_until(
                lambda: all(len(accepted(c)) >= n for c, n in expected.items()),
                timeout=60 + 10 * patients / LIMIT,
                what="every patient's answer",
            )
            elapsed = time.monotonic() - started
            await dp.stop_polling()
            await polling
    latencies = [accepted(c)[n - 1] - pushed[c] for c, n in expected.items()]
    crisis_answers = [accepted(c)[1] - pushed[c] for c in in_crisis]  # after the notice
    to_patients = sum(expected.values())
    print(
        f"{patients} patients at once ({crises} in crisis, the last to write), Telegram's limits "
        f"({LIMIT}/{WINDOW:g} s bot-wide, {GROUP_LIMIT}/{GROUP_WINDOW:g} s into the group): "
        f"{len(latencies)} answered, {to_patients} replies in {elapsed:.1f} s "
        f"({to_patients / elapsed:.1f}/s)"
    )
    print(
        f"  answer latency p50 {statistics.median(latencies):.1f} s, "
        f"p99 {percentile(latencies, 99):.1f} s, worst {max(latencies):.1f} s; "
        f"crisis answer worst case {max(crisis_answers):.2f} s; "
        f"429s received: {emulator.rate_refusals}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--crises", type=int, default=20)
    args = parser.parse_args()
    server = rasa.RasaServer(rasa.model_path(), port=free_port())
    server.start()
    try:
        server.wait_ready()
        with tempfile.TemporaryDirectory() as tmp:
            run(measure(server.url, args.patients, args.crises, tmp))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
