"""Benchmark: the whole bot through the Bot API emulator vs the bare NLU server, in one run.

Starts the real Rasa server, the loopback Bot API emulator and the real bot (aiogram polling loop,
engine, SQLite file). Simulated patients write through the emulator (one message at a time per
patient, as people write); the figures are messages per second answered and reply latency (push
-> sendMessage). The bare NLU server's `/model/parse` throughput at the same concurrency is the
reference: the bot's overhead is the gap.

This machine's speed drifts (±20% between minutes, seen), so the two are measured in alternating
rounds, bare / bot / bare / bot / ... / bare, and each bot round is compared with the bare rounds
either side of it; the median ratio is the figure. The emulator and the patients run in another
process, so that the bot's process does only the bot's work; a last run puts them in the bot's
process, as the tests do.
Run: `.venv/bin/python bench/telegram_throughput.py [--patients 40] [--messages 20] [--rounds 5]`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from stats import percentile, process_cpu

from bot.app import open_helpline, run
from bot.safety import is_crisis
from bot.settings import Settings
from bot.telegram.app import build_bot, build_dispatcher
from nlu import rasa
from nlu.client import NLUClient
from nlu.dataset import load_examples

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.conftest import free_port
from tests.telegram_emulator import BotAPIEmulator


def texts() -> list[str]:
    pool = [
        t
        for by in load_examples().values()
        for intent, ts in by.items()
        for t in ts
        # keep every turn a plain answer: these open a case, after which a person answers
        if intent not in {"crisis", "human_handoff", "blackmail"} and not is_crisis(t)
    ]
    random.Random(1).shuffle(pool)
    return pool


async def first_contacts(emulator: BotAPIEmulator, patients: int) -> None:
    """Each patient's /start (the privacy notice): not timed."""
    await emulator.wait_until(lambda: emulator.waiting_pollers > 0, timeout=60)
    for p in range(patients):
        emulator.push_text(10_000 + p, "/start")
    await emulator.wait_for_calls("sendMessage", 2 * patients, timeout=120)


async def drive(
    emulator: BotAPIEmulator, patients: int, messages: int, pool: list[str]
) -> tuple[float, list[float], float]:
    """Patients write through the emulator, each waiting for the answer before the next message.
    Every round sends the same texts as the bare NLU rounds parse (a parse's cost depends on the
    text). Returns messages per second, reply latencies (ms) and the timed phase's duration (s)."""
    latencies: list[float] = []

    async def patient(p: int) -> None:
        chat = 10_000 + p
        for i in range(messages):
            before = len(emulator.calls("sendMessage", chat_id=chat))
            started = time.perf_counter()
            emulator.push_text(chat, pool[(p * messages + i) % len(pool)])
            await emulator.wait_for_calls("sendMessage", before + 1, chat_id=chat, timeout=60)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(patient(p) for p in range(patients)))
    elapsed = time.perf_counter() - started
    return patients * messages / elapsed, latencies, elapsed


def bench_settings(url: str, emulator_url: str, token: str, tmp: str) -> Settings:
    return Settings(
        rasa_url=url,
        telegram_bot_token=token,
        telegram_api_url=emulator_url,
        database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
        throttle_messages=1000,  # bench patients type faster than people do
    )


@dataclass
class Round:
    """One timed round of the bot, with the bare NLU rates measured just before and after."""

    rate: float
    latencies: list[float]
    bot_cpu: float  # seconds, the bot's process
    emulator_cpu: float  # seconds, the emulator and the patients
    nlu_cpu: float  # seconds, the NLU server
    bare_before: float = 0.0
    bare_after: float = 0.0

    @property
    def ratio(self) -> float:
        return self.rate / ((self.bare_before + self.bare_after) / 2)


async def bot_run(url: str, patients: int, messages: int, tmp: str) -> Round:
    """Bot and emulator in one process (one event loop, one core at most)."""
    async with BotAPIEmulator() as emulator:
        settings = bench_settings(url, emulator.base_url, emulator.token, tmp)
        async with open_helpline(settings) as helpline:
            bot, dp = build_bot(settings), build_dispatcher(helpline)
            polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
            await first_contacts(emulator, patients)
            cpu = time.process_time()
            rate, latencies, _ = await drive(emulator, patients, messages, texts())
            cpu = time.process_time() - cpu
            await dp.stop_polling()
            await polling
    return Round(rate, latencies, cpu, 0.0, 0.0)


def _emulator_process(conn: Connection, patients: int, messages: int) -> None:
    """The emulator and the patients: a round each time the bot's process asks."""

    async def main() -> None:
        pool = texts()  # loading the examples is not the emulator's work
        async with BotAPIEmulator() as emulator:
            conn.send((emulator.base_url, emulator.token))
            await first_contacts(emulator, patients)
            conn.send("ready")
            while await asyncio.to_thread(conn.recv) is not None:  # a round, or None: stop
                cpu = time.process_time()
                rate, latencies, _ = await drive(emulator, patients, messages, pool)
                conn.send((rate, latencies, time.process_time() - cpu))

    run(main())


async def alternating_rounds(
    url: str, rasa_pid: int | None, patients: int, messages: int, rounds: int, tmp: str
) -> list[Round]:
    """bare / bot / bare / ... / bare, the bot and the emulator started once."""
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    child = multiprocessing.get_context("spawn").Process(
        target=_emulator_process, args=(theirs, patients, messages)
    )
    child.start()
    results: list[Round] = []
    try:
        base_url, token = await asyncio.to_thread(ours.recv)
        settings = bench_settings(url, base_url, token, tmp)
        async with open_helpline(settings) as helpline:
            bot, dp = build_bot(settings), build_dispatcher(helpline)
            polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
            await asyncio.to_thread(ours.recv)  # first contacts done
            bare = await bare_run(url, patients, patients * messages)
            for round_ in range(rounds):
                cpu, nlu_cpu = time.process_time(), process_cpu(rasa_pid)
                ours.send(round_)
                rate, latencies, emulator_cpu = await asyncio.to_thread(ours.recv)
                cpu, nlu_cpu = time.process_time() - cpu, process_cpu(rasa_pid) - nlu_cpu
                done = Round(rate, latencies, cpu, emulator_cpu, nlu_cpu, bare_before=bare)
                bare = done.bare_after = await bare_run(url, patients, patients * messages)
                results.append(done)
                print(
                    f"round {round_ + 1}: bare NLU {done.bare_before:.1f} req/s, bot "
                    f"{rate:.1f} msg/s, bare NLU {done.bare_after:.1f} req/s: "
                    f"{100 * done.ratio:.0f}%"
                )
            await dp.stop_polling()
            await polling
        ours.send(None)
    finally:
        child.join(timeout=30)
    return results


async def bare_run(url: str, concurrency: int, total: int) -> float:
    pool = texts()
    async with NLUClient(url, timeout=10) as client:
        queue = iter(range(total))

        async def worker() -> None:
            for i in queue:
                await client.parse(pool[i % len(pool)])

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return total / (time.perf_counter() - started)


async def measure(
    url: str, rasa_pid: int | None, patients: int, messages: int, rounds: int
) -> None:
    async with NLUClient(url) as client:  # warm-up
        for text in texts()[:50]:
            await client.parse(text)
    with tempfile.TemporaryDirectory() as tmp:
        split = await alternating_rounds(url, rasa_pid, patients, messages, rounds, tmp)
    sent = patients * messages * len(split)
    latencies = [ms for r in split for ms in r.latencies]
    print(
        f"bot, emulator in another process: {patients} patients x {messages} messages x "
        f"{len(split)} rounds, median {statistics.median(r.rate for r in split):.1f} msg/s, "
        f"reply latency p50 {statistics.median(latencies):.0f} ms, "
        f"p99 {percentile(latencies, 99):.0f} ms"
    )
    print(
        f"CPU per message: bot {1000 * sum(r.bot_cpu for r in split) / sent:.1f} ms, emulator + "
        f"patients {1000 * sum(r.emulator_cpu for r in split) / sent:.1f} ms, NLU server "
        f"{1000 * sum(r.nlu_cpu for r in split) / sent:.1f} ms per text parsed"
    )
    ratios = sorted(100 * r.ratio for r in split)
    print(
        f"bot / bare NLU throughput: median {statistics.median(ratios):.0f}% "
        f"(rounds: {', '.join(f'{x:.0f}' for x in ratios)})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        together = await bot_run(url, patients, messages, tmp)
    together.bare_before = split[-1].bare_after
    together.bare_after = await bare_run(url, patients, patients * messages)
    print(
        f"bot, emulator in its process: {together.rate:.1f} msg/s, reply latency p50 "
        f"{statistics.median(together.latencies):.0f} ms, p99 "
        f"{percentile(together.latencies, 99):.0f} ms, bot + emulator "
        f"{1000 * together.bot_cpu / (patients * messages):.1f} ms CPU per message; "
        f"{100 * together.ratio:.0f}% of the bare NLU rounds either side"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=40)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    server = rasa.RasaServer(rasa.model_path(), port=free_port())
    server.start()
    try:
        server.wait_ready()
        run(measure(server.url, server.pid, args.patients, args.messages, args.rounds))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
