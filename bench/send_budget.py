"""Benchmark: Telegram's bot-wide limit shared by several workers through PostgreSQL
(bot/telegram/send_budget.py), on a throwaway cluster (bench/pg.py).

1. What a slot at the gate costs: one statement, one round trip; sequential, then from
   `--workers` budgets at once (several processes' worth of connections).
2. `--workers` SendQueues sharing one budget, offered `--load` times the rate for `--seconds`
   (patients' replies arriving evenly, every other one two messages as a first answer is, one
   in `--crisis-every` a crisis answer), sending to a fake Telegram: what was sent of what was
   offered, the most in any second (all workers together), the 429s, each reply's wait in line
   (queued -> sent) p50 / p99, the crisis answers' wait, the statements the budgets ran per
   message sent, and the rate the line drained at.
Run: `.venv/bin/python bench/send_budget.py [--rate 30] [--load 10] [--seconds 2]`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from figures import write_figures
from pg import create_database, postgres_cluster
from stats import percentile

from bot.app import run
from bot.telegram.send_budget import GATE_MARGIN, SendBudget
from bot.telegram.send_queue import SendQueue
from storage.db import create_engine, migrate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.send_budget_helpers import FakeTelegram, Worker, count_statements


async def slot_cost(url: str, rate: float, workers: int, count: int) -> dict[str, float]:
    budgets = [SendBudget.for_database(url, rate) for _ in range(workers)]
    assert all(budgets)
    try:
        one = budgets[0]
        assert one is not None
        await one.slot()  # connect, check the gate's row
        started = time.perf_counter()
        for _ in range(count):
            await one.slot()
        sequential = (time.perf_counter() - started) / count

        async def slots(budget: SendBudget) -> None:
            for _ in range(count // workers):
                await budget.slot()

        started = time.perf_counter()
        await asyncio.gather(*(slots(b) for b in budgets if b is not None))
        together = (count // workers * workers) / (time.perf_counter() - started)
    finally:
        for budget in budgets:
            if budget is not None:
                await budget.close()
    return {"slot_ms": sequential * 1000, "slots_per_s": together}


async def surge(
    url: str, rate: float, workers: int, load: float, seconds: float, crisis_every: int
) -> dict[str, float]:
    telegram = FakeTelegram()
    telegram.limit = (int(rate) + 1, 1.0, 1)  # Telegram's refusal beyond the rate
    budgets = [SendBudget.for_database(url, rate) for _ in range(workers)]
    line = [
        Worker(f"w{n}", telegram, SendQueue(int(rate), budget=budget))
        for n, budget in enumerate(budgets)
    ]
    statements = count_statements(*line)
    replies = int(rate * load * seconds)
    offered = 0  # messages
    queued: dict[str, float] = {}
    crises: set[str] = set()
    started = time.monotonic()
    for n in range(replies):
        await asyncio.sleep(max(0.0, started + n / (rate * load) - time.monotonic()))
        urgent = n % crisis_every == crisis_every - 1
        texts = [f"r{n}"] if urgent or n % 2 else [f"r{n} notice", f"r{n}"]
        for text in texts:
            queued[text] = time.monotonic()
            if urgent:
                crises.add(text)
        offered += len(texts)
        line[n % workers].reply(100_000 + n, *texts, urgent=urgent)
    await telegram.until(lambda: len(telegram.sent) == offered, timeout=30 + 2 * offered / rate)
    for budget in budgets:
        if budget is not None:
            await budget.close()
    waits = [s.at - queued[s.text] for s in telegram.sent if s.text not in crises]
    crisis_waits = [s.at - queued[s.text] for s in telegram.sent if s.text in crises]
    return {
        "offered": offered,
        "sent": len(telegram.sent),
        "most_in_any_second": telegram.most_in_any(1.0),
        "refusals_429": telegram.refusals,
        "wait_p50_s": percentile(waits, 50),
        "wait_p99_s": percentile(waits, 99),
        "crisis_wait_p50_s": percentile(crisis_waits, 50),
        "crisis_wait_p99_s": percentile(crisis_waits, 99),
        "statements_per_send": len(statements) / len(telegram.sent),
        "drained_per_s": (len(telegram.sent) - 1) / (telegram.sent[-1].at - telegram.sent[0].at),
    }


async def measure(args: argparse.Namespace) -> None:
    with postgres_cluster() as base:
        # each part its own budget: the first part's claims hold the gate for minutes after
        urls = [await create_database(base, name) for name in ("budget_cost", "budget_surge")]
        for url in urls:
            engine = create_engine(url)
            await migrate(engine)
            await engine.dispose()
        cost = await slot_cost(urls[0], args.rate, args.workers, args.slots)
        print(
            f"slot at the gate: {cost['slot_ms']:.2f} ms each, one worker in turn "
            f"(1/rate = {1000 / args.rate:.1f} ms); {cost['slots_per_s']:.0f}/s "
            f"from {args.workers} workers at once"
        )
        figures = await surge(
            urls[1], args.rate, args.workers, args.load, args.seconds, args.crisis_every
        )
    print(
        f"{args.workers} workers offered {args.load:g}x the rate ({args.rate:g}/s) for "
        f"{args.seconds:g} s: {figures['sent']} of {figures['offered']} sent, at most "
        f"{figures['most_in_any_second']} in any second, {figures['refusals_429']} 429s, "
        f"{figures['statements_per_send']:.2f} statements per message sent"
    )
    print(
        f"  drained at {figures['drained_per_s']:.1f} messages/s "
        f"(the gate: {args.rate * GATE_MARGIN:g}/s)"
    )
    print(
        f"  wait in line p50 {figures['wait_p50_s']:.2f} s, p99 {figures['wait_p99_s']:.2f} s; "
        f"crisis answers p50 {figures['crisis_wait_p50_s'] * 1000:.0f} ms, "
        f"p99 {figures['crisis_wait_p99_s'] * 1000:.0f} ms"
    )
    write_figures(
        "send_budget",
        {"rate": args.rate, "workers": args.workers, "load": args.load, **cost, **figures},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--load", type=float, default=10.0, help="times the rate offered")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--crisis-every", type=int, default=50)
    parser.add_argument("--slots", type=int, default=2000)
    run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
