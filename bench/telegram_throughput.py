"""Benchmark: the whole bot through the Bot API emulator vs the bare NLU server, in one run.

Twice: with the emulator (and the simulated patients) in another process, so that the bot's
process does only the bot's work, and in the bot's own process, as the tests run it.

Starts the real Rasa server, the loopback Bot API emulator and the real bot (aiogram polling loop,
engine, SQLite file). Pushes messages from many patients (one at a time per patient, as people
write), and measures messages per second answered and reply latency (push -> sendMessage). Then
measures bare `/model/parse` throughput at the same concurrency. The bot's overhead is the gap.
Run: `.venv/bin/python bench/telegram_throughput.py [--patients 40] [--messages 20]`.
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


async def drive(
    emulator: BotAPIEmulator, patients: int, messages: int, pool: list[str]
) -> tuple[float, list[float], float]:
    """Patients write through the emulator, each waiting for the answer before the next message.
    Returns messages per second, reply latencies (ms) and the timed phase's duration (s)."""
    await emulator.wait_until(lambda: emulator.waiting_pollers > 0, timeout=60)
    for p in range(patients):  # first contacts (privacy notice), not timed
        emulator.push_text(10_000 + p, "/start")
    await emulator.wait_for_calls("sendMessage", 2 * patients, timeout=120)
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


async def bot_run(url: str, patients: int, messages: int, tmp: str) -> tuple[float, list[float]]:
    """Bot and emulator in one process (one event loop, one core at most)."""
    async with BotAPIEmulator() as emulator:
        settings = bench_settings(url, emulator.base_url, emulator.token, tmp)
        async with open_helpline(settings) as helpline:
            bot, dp = build_bot(settings), build_dispatcher(helpline)
            polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
            cpu = time.process_time()
            rate, latencies, elapsed = await drive(emulator, patients, messages, texts())
            report_cpu(
                "bot + emulator process", time.process_time() - cpu, elapsed, patients * messages
            )
            await dp.stop_polling()
            await polling
    return rate, latencies


def report_cpu(what: str, cpu: float, elapsed: float, messages: int) -> None:
    print(
        f"{what}: {1000 * cpu / messages:.1f} ms CPU per message, "
        f"{100 * cpu / elapsed:.0f}% of one core"
    )


def _emulator_process(conn: Connection, patients: int, messages: int) -> None:
    async def main() -> None:
        pool = texts()  # loading the examples is not the emulator's work
        async with BotAPIEmulator() as emulator:
            conn.send((emulator.base_url, emulator.token))
            cpu = time.process_time()
            rate, latencies, elapsed = await drive(emulator, patients, messages, pool)
            conn.send((rate, latencies, elapsed, time.process_time() - cpu))
            await asyncio.to_thread(conn.recv)  # the bot has stopped polling

    run(main())


async def split_run(
    url: str, rasa_pid: int | None, patients: int, messages: int, tmp: str
) -> tuple[float, list[float]]:
    """The emulator and the simulated patients in another process: this process runs the bot
    alone, so its CPU is the bot's own."""
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    child = multiprocessing.get_context("spawn").Process(
        target=_emulator_process, args=(theirs, patients, messages)
    )
    child.start()
    try:
        base_url, token = await asyncio.to_thread(ours.recv)
        settings = bench_settings(url, base_url, token, tmp)
        async with open_helpline(settings) as helpline:
            bot, dp = build_bot(settings), build_dispatcher(helpline)
            polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
            cpu, nlu_cpu = time.process_time(), process_cpu(rasa_pid)
            started = time.perf_counter()
            rate, latencies, _, emulator_cpu = await asyncio.to_thread(ours.recv)
            cpu, whole = time.process_time() - cpu, time.perf_counter() - started
            nlu_cpu = process_cpu(rasa_pid) - nlu_cpu
            # this window also holds the first contacts: one /start per patient
            handled = patients * (messages + 1)
            report_cpu("bot process alone", cpu, whole, handled)
            print(
                f"CPU per message: bot {1000 * cpu / handled:.1f} ms, emulator + patients "
                f"{1000 * emulator_cpu / handled:.1f} ms, NLU server "
                f"{1000 * nlu_cpu / (patients * messages):.1f} ms per text parsed"
            )
            await dp.stop_polling()
            await polling
        ours.send("stop")
    finally:
        child.join(timeout=30)
    return rate, latencies


async def bare_run(url: str, rasa_pid: int | None, concurrency: int, total: int) -> float:
    pool = texts()
    async with NLUClient(url, timeout=10) as client:
        queue = iter(range(total))

        async def worker() -> None:
            for i in queue:
                await client.parse(pool[i % len(pool)])

        started, nlu_cpu = time.perf_counter(), process_cpu(rasa_pid)
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        rate = total / (time.perf_counter() - started)
        print(
            f"NLU server, bare: {1000 * (process_cpu(rasa_pid) - nlu_cpu) / total:.1f} ms CPU "
            "per parse"
        )
        return rate


async def measure(url: str, rasa_pid: int | None, patients: int, messages: int) -> None:
    async with NLUClient(url) as client:  # warm-up
        for text in texts()[:50]:
            await client.parse(text)
    # the bare rate moves between runs (±10% seen): measured before and after the bot, averaged
    bare_before = await bare_run(url, rasa_pid, patients, patients * messages)
    with tempfile.TemporaryDirectory() as tmp:
        split_rate, split_latencies = await split_run(url, rasa_pid, patients, messages, tmp)
    print(
        f"bot, emulator in another process: {patients} patients x {messages} messages, "
        f"{split_rate:.1f} msg/s, reply latency p50 {statistics.median(split_latencies):.0f} ms, "
        f"p99 {percentile(split_latencies, 99):.0f} ms"
    )
    with tempfile.TemporaryDirectory() as tmp:
        bot_rate, latencies = await bot_run(url, patients, messages, tmp)
    print(
        f"bot, emulator in its process: {bot_rate:.1f} msg/s, reply latency p50 "
        f"{statistics.median(latencies):.0f} ms, p99 {percentile(latencies, 99):.0f} ms"
    )
    bare_after = await bare_run(url, rasa_pid, patients, patients * messages)
    bare_rate = (bare_before + bare_after) / 2
    print(
        f"bare NLU /model/parse, {patients} in flight: {bare_before:.1f} req/s before the bot, "
        f"{bare_after:.1f} after"
    )
    print(
        f"bot / bare NLU throughput: {100 * split_rate / bare_rate:.0f}% (emulator apart), "
        f"{100 * bot_rate / bare_rate:.0f}% (emulator in the bot's process)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=40)
    parser.add_argument("--messages", type=int, default=20)
    args = parser.parse_args()
    server = rasa.RasaServer(rasa.model_path(), port=free_port())
    server.start()
    try:
        server.wait_ready()
        run(measure(server.url, server.pid, args.patients, args.messages))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
