"""Benchmark: relay capacity to the agents with 1, 2 and 4 agents' groups (bot/agents_groups.py).

Telegram takes about 20 messages a minute into one group, so whatever the team's size, one group
caps what patients' messages can reach the agents. Here one patient per group opens a case (with
general groups, the least loaded group takes each new case: one each), then every patient sends
a burst; the emulator enforces the group limit on each group (it answers 429 beyond) and the bot
paces each group on its own (bot/telegram/group_pacing.py, one outbox delivery per group:
bot/telegram/group_lanes.py). Printed per number of groups: how long the bursts took and the
sustained rate, (relayed - what the first window lets through at once) / elapsed, at Telegram's
scale. On PostgreSQL by default (a throwaway cluster, as the tests start one), or SQLite, or both;
the figures also go to reports/bench/agents_groups.json for scripts/capacity.py.

The real window (60 s) would make a run take minutes; `--scale` divides it, keeping the shape.
Run: `.venv/bin/python bench/agents_groups.py [--burst 100] [--scale 10] [--rasa-url URL]
[--database postgresql|sqlite|both]`
(without `--rasa-url`, it starts an NLU server of its own).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

from figures import write_figures
from pg import create_database, postgres_cluster

from bot.app import open_helpline
from bot.settings import Settings
from bot.telegram.app import build_bot, build_dispatcher
from nlu import rasa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.conftest import free_port
from tests.telegram_emulator import BotAPIEmulator

GROUPS = (-1001000, -1002000, -1003000, -1004000)
COUNTS = (1, 2, 4)
LIMIT = 20  # Telegram's, per group and per window
WORDS = "merci"  # nothing the bot acts on during a case (a crisis would add its own messages)


async def relay(url: str, groups: int, burst: int, window: float, db: str) -> tuple[float, int]:
    """(seconds the bursts took, 429 answered) with `groups` groups, `burst` messages each."""
    chats = GROUPS[:groups]
    async with BotAPIEmulator() as emulator:
        for chat in chats:
            emulator.limit_rate(chat, LIMIT, window)
        settings = Settings(
            rasa_url=url,
            telegram_bot_token=emulator.token,
            telegram_api_url=emulator.base_url,
            database_url=db,
            helpline_agents_chat_ids=", ".join(f"{c}:g{n}" for n, c in enumerate(chats, 1)),
            agents_hours="always",
            agents_rate_limit=LIMIT,
            agents_rate_window=window,
            throttle_messages=100_000,
        )
        async with open_helpline(settings) as helpline:
            bot, dp = build_bot(settings), build_dispatcher(helpline)
            polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
            await emulator.wait_until(lambda: emulator.waiting_pollers > 0, timeout=30)
            patients = [40_000 + n for n in range(groups)]
            for n, patient in enumerate(patients):  # one after another: one case per group
                emulator.push_text(patient, "/human")
                await emulator.wait_until(
                    lambda n=n: (
                        sum(len(emulator.calls("pinChatMessage", chat_id=c)) for c in chats) > n
                    ),
                    timeout=60,
                )
            await asyncio.sleep(window)  # the openings' own sends leave the window
            started = time.perf_counter()
            for n in range(burst):
                for patient in patients:
                    emulator.push_text(patient, f"{WORDS} {n}")

            def relayed() -> int:
                return sum(
                    1
                    for chat in chats
                    for m in emulator.sent(chat)
                    if m.get("text", "").startswith(f"💬 {WORDS}")
                )

            await emulator.wait_until(
                lambda: relayed() >= burst * groups, timeout=burst / LIMIT * window * 3 + 30
            )
            elapsed = time.perf_counter() - started
            await dp.stop_polling()
            await polling
        return elapsed, emulator.rate_refusals


async def measure(url: str, burst: int, scale: float, databases: list[str]) -> None:
    window = 60.0 / scale
    runs = []
    for database in databases:
        for groups in COUNTS:
            postgres = postgres_cluster() if database == "postgresql" else nullcontext()
            with tempfile.TemporaryDirectory() as tmp, postgres as base:
                if base is not None:
                    db = await create_database(base, f"groups_{groups}")
                else:
                    db = f"sqlite+aiosqlite:///{tmp}/groups-{groups}.db"
                elapsed, refusals = await relay(url, groups, burst, window, db)
            total = burst * groups
            per_minute = (total - LIMIT * groups) / elapsed * window  # at Telegram's scale
            print(
                f"{database}, {groups} group(s): {total} patient messages relayed in "
                f"{elapsed:.1f} s ({LIMIT} per {window:g} s per group), sustained "
                f"{per_minute:.0f} messages/min at Telegram's scale (the limit allows "
                f"{LIMIT * groups}), 429 answered: {refusals}"
            )
            runs.append(
                {
                    "database": database,
                    "groups": groups,
                    "relayed": total,
                    "seconds": round(elapsed, 2),
                    "per_minute": round(per_minute, 1),
                    "limit_per_minute": LIMIT * groups,
                    "refusals_429": refusals,
                }
            )
    write_figures(
        "agents_groups",
        {"group_limit_per_minute": LIMIT, "scale": scale, "burst": burst, "runs": runs},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", type=int, default=100, help="messages per patient (group)")
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--rasa-url", help="an NLU server already running")
    parser.add_argument(
        "--database", choices=("postgresql", "sqlite", "both"), default="postgresql"
    )
    args = parser.parse_args()
    databases = ["postgresql", "sqlite"] if args.database == "both" else [args.database]
    if args.rasa_url:
        asyncio.run(measure(args.rasa_url, args.burst, args.scale, databases))
        return
    server = rasa.RasaServer(rasa.model_path(), port=free_port())
    server.start()
    try:
        server.wait_ready()
        asyncio.run(measure(server.url, args.burst, args.scale, databases))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
