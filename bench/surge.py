"""Benchmark: a news-day surge on PostgreSQL, against Telegram's three limits.

New patients write at `--multiple` times Telegram's bot-wide limit (10 x 30 = 300 messages a
second by default) for `--seconds` (60): one message each, one in `--crisis-every` (100) a
crisis the keyword net reads ("je veux mourir"), and as many again one that only the model reads
("ce soir j'arrête tout": the crisis screen puts it ahead of the line waiting for the NLU
server), spread through the surge. One in 12 of the others is no crisis but worries the screen
more than that one does (« j'ai peur, je pleure tous les soirs... »): about the share of
everyday messages the screen puts ahead (bench/crisis_screen.py). The loopback Bot API emulator
enforces about 30 messages a second from the bot, all chats together; about one a second into
each patient's chat (`--chat-limit 3/3`: three within three seconds, Telegram allows short
bursts, and a first answer is the privacy notice then the answer); 20 a minute into the agents'
group; each answers 429 with `retry_after` beyond. The bot is the real one (aiogram, engine, NLU
server, send queue, durable deliveries) on a throwaway PostgreSQL cluster: `--workers` (2)
webhook workers behind nginx, or in this process, polling (`--workers 0`). The emulator runs in
this process; its records are kept out of the garbage collector's way (`_keep_records_frozen`),
and how late its loop ran is reported: it is part of every latency measured.

Every patient must get their replies, however long the queue takes to drain: at 30 a second,
18,000 first answers of two messages each take 20 minutes to send, whatever the bot does, so
the run lasts about that long after the 60 s of the surge. Figures: patients answered (zero
loss is all of them), the crisis answer's latency (pushed -> the emergency answer accepted by
Telegram) p50 / p99 / worst (target: p99 under 2 s), the others' (pushed -> their answer
accepted) p50 / p99, the 429s received by limit, and the CPU this process used per message
(bot and emulator together). Written to reports/bench/surge.json as well.

This is bench/telegram_limits.py's scenario made a sustained arrival rate: that bench is one
burst at once, on SQLite, with no per-chat limit, and its README figure stays reproducible.
Run: `.venv/bin/python bench/surge.py [--rasa-url URL] [--seconds 60] [--multiple 10]`
(without `--rasa-url`, it starts an NLU server of its own).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from figures import write_figures
from pg import create_database, postgres_cluster
from stats import machine_steal, percentile, process_cpu

from bot.app import freeze_startup_objects, open_helpline, run
from bot.safety import Risk, read
from bot.settings import Settings
from bot.telegram.app import build_bot, build_dispatcher
from bot.telegram.send_queue import LIMIT, WINDOW
from nlu import rasa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.agents_helpers import AGENTS
from tests.conftest import free_port
from tests.telegram_emulator import BotAPIEmulator

GROUP_LIMIT, GROUP_WINDOW = 20, 60.0  # Telegram's, into one group
TICK = 0.1  # seconds between two pushes of arrivals
LAG_EVERY = 0.05  # seconds between two looks at the emulator's loop lag
LATE_EVERY = 5.0  # seconds between two crises while the backlog drains (the net's, the model's)
WINDOW_SECONDS = 10.0  # the crises' wait for our 200 is reported by windows this long
FREEZE_EVERY = 1.0  # seconds between two moves of the emulator's records out of the collector's way
STALL = 60.0  # seconds without a new patient answered: the rest is lost
FIRST_CHAT = 1_000_000
TEXTS = (
    "bonjour",
    "mes données ont fuité, que dois-je faire ?",
    "j'ai reçu un sms bizarre qui parle de ma carte vitale",
    "qui a mes résultats d'analyses maintenant ?",
)
CRISIS = "je veux mourir"
MODEL_CRISIS = "ce soir j'arrête tout"  # the net reads nothing here, the model a clear crisis
# no crisis, but the crisis screen suspects it more than MODEL_CRISIS (bot/crisis_screen.py): one
# in WORRIED_EVERY of the others, about the share of everyday messages it puts ahead
WORRIED = "j'ai peur, je pleure tous les soirs depuis que j'ai appris ça"
WORRIED_EVERY = 12
EMERGENCY_MARK = "112"  # in the emergency answer, and in no first answer to the other texts


def _limit(value: str) -> tuple[int, float]:
    count, _, seconds = value.partition("/")
    return int(count), float(seconds or 1)


@asynccontextmanager
async def in_process(url: str) -> AsyncIterator[tuple[BotAPIEmulator, list[int], list[int]]]:
    """The bot in this process (aiogram polling) on a throwaway PostgreSQL cluster: yields the
    emulator, the bot's pids and the agents' groups."""
    with postgres_cluster() as base:
        database_url = await create_database(base, "surge")
        async with BotAPIEmulator() as emulator:
            settings = Settings(
                rasa_url=url,
                telegram_bot_token=emulator.token,
                telegram_api_url=emulator.base_url,
                database_url=database_url,
                helpline_agents_chat_id=AGENTS,
                agents_hours="always",
            )
            async with open_helpline(settings) as helpline:
                bot, dp = build_bot(settings), build_dispatcher(helpline)
                freeze_startup_objects()  # as `helpline serve` does
                polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
                await emulator.wait_until(lambda: emulator.waiting_pollers > 0, timeout=30)
                try:
                    yield emulator, [os.getpid()], [AGENTS]
                finally:
                    await dp.stop_polling()
                    await polling


def _p(values: list[float], q: int) -> float | None:
    return round(percentile(values, q), 3) if values else None


def _latency_figures(kind: str, values: list[float]) -> dict:
    """`kind`'s answer latency p50, p99 and worst (None: none answered)."""
    return {
        f"{kind}_latency_p50": _p(values, 50),
        f"{kind}_latency_p99": _p(values, 99),
        f"{kind}_latency_worst": round(max(values), 3) if values else None,
    }


def _latency_line(figures: dict, kind: str) -> str:
    return (
        f"p50 {figures[f'{kind}_latency_p50']:.2f} s, p99 {figures[f'{kind}_latency_p99']:.2f} s,"
        f" worst {figures[f'{kind}_latency_worst']:.2f} s"
    )


@asynccontextmanager
async def in_cluster(
    url: str, workers: int, handlers: int | None
) -> AsyncIterator[tuple[BotAPIEmulator, list[int], list[int]]]:
    """nginx + `workers` webhook workers on PostgreSQL (tests/cluster_helpers.py)."""
    from tests.cluster_helpers import EN_GROUP, FR_GROUP, Cluster

    env = {"WEBHOOK_HANDLERS": str(handlers)} if handlers else {}
    if rate := os.environ.get("SURGE_GLOBAL_RATE"):  # an experiment on the gate's pace
        env["TELEGRAM_GLOBAL_RATE"] = rate
    async with Cluster(nlu_urls=[url], workers_count=workers, env=env) as cluster:
        pids = [w.process.pid for w in cluster.workers if w.process is not None]
        yield cluster.emulator, pids, [FR_GROUP, EN_GROUP]


async def _watch_lag(lags: list[float]) -> None:
    """How late this process's loop wakes from a LAG_EVERY sleep, while the surge is offered."""
    while True:
        before = time.monotonic()
        await asyncio.sleep(LAG_EVERY)
        lags.append(time.monotonic() - before - LAG_EVERY)


async def _keep_records_frozen() -> None:
    """The emulator stands in for Telegram, whose servers do not stop. What it records (every
    call, every update: hundreds of thousands of objects) is moved out of the garbage
    collector's sight every FREEZE_EVERY seconds. Otherwise a full collection walked them all
    every ~10 s, 0.6-0.7 s with this process's loop stopped (gc callbacks, collecting nothing),
    and the bot's sends of those 0.6 s reached the emulator's count in one burst: each of a
    run's five bursts of 429s followed one, and they made the crisis answer's tail. Only with
    the workers in processes of their own: with the bot in this process (polling), it would
    hide the bot's own collections too."""
    while True:
        gc.freeze()
        await asyncio.sleep(FREEZE_EVERY)


async def surge(url: str, args: argparse.Namespace) -> dict:
    if read(MODEL_CRISIS).risk is not Risk.NONE:
        raise SystemExit("the keyword net reads MODEL_CRISIS now: choose one only the model reads")
    rate = args.multiple * LIMIT / WINDOW  # messages offered per second
    per_tick = rate * TICK
    target = in_cluster(url, args.workers, args.handlers) if args.workers else in_process(url)
    async with target as (emulator, pids, groups):
        emulator.limit_bot_rate(LIMIT, WINDOW)
        emulator.limit_chat_rate(*_limit(args.chat_limit))
        for group in groups:
            emulator.limit_rate(group, GROUP_LIMIT, GROUP_WINDOW)
        pushed: dict[int, float] = {}
        update_ids: dict[int, int] = {}
        crises: set[int] = set()
        model_crises: set[int] = set()  # the crises only the model reads
        # crises written while the backlog drains, every LATE_EVERY s: a surge does not end
        # with its first minute, and the workers' memory holds the whole backlog then
        late_crises: set[int] = set()
        late_model_crises: set[int] = set()

        def accepted(chat: int) -> list:
            return [c for c in emulator.calls("sendMessage", chat_id=chat) if c.ok]

        def expected(chat: int) -> int:
            # the notice, the answer (and the case number)
            kinds = (crises, model_crises, late_crises, late_model_crises)
            return 3 if any(chat in kind for kind in kinds) else 2

        cpu_before, started = sum(map(process_cpu, pids)), time.monotonic()
        steal_before = machine_steal()
        # the emulator shares this process's loop: how late it runs is part of every latency
        lags: list[float] = []
        watching = asyncio.create_task(_watch_lag(lags))
        freezing = asyncio.create_task(_keep_records_frozen()) if args.workers else None
        ticks = round(args.seconds / TICK)
        owed = 0.0
        for tick in range(ticks):
            owed += per_tick
            while owed >= 1:
                owed -= 1
                chat = FIRST_CHAT + len(pushed)
                crisis = len(pushed) % args.crisis_every == args.crisis_every // 2
                model_crisis = len(pushed) % args.crisis_every == args.crisis_every // 4
                if crisis:
                    crises.add(chat)
                if model_crisis:
                    model_crises.add(chat)
                if crisis or model_crisis:
                    words = CRISIS if crisis else MODEL_CRISIS
                else:
                    worried = len(pushed) % WORRIED_EVERY == WORRIED_EVERY // 2
                    words = WORRIED if worried else TEXTS[chat % len(TEXTS)]
                pushed[chat] = time.monotonic()
                update = emulator.push_text(chat, words)
                update_ids[chat] = update["update_id"]
            await asyncio.sleep(max(0.0, started + (tick + 1) * TICK - time.monotonic()))
        offered_for, offered = time.monotonic() - started, len(pushed)
        stolen = machine_steal() - steal_before
        watching.cancel()
        print(
            f"offered {len(pushed)} messages in {offered_for:.1f} s "
            f"({len(pushed) / offered_for:.0f}/s, {len(crises)} + {len(model_crises)} crises); "
            "draining...",
            flush=True,
        )

        async def push_late() -> None:
            while True:
                await asyncio.sleep(LATE_EVERY)
                chat = FIRST_CHAT + len(pushed)
                net = len(late_crises) <= len(late_model_crises)
                (late_crises if net else late_model_crises).add(chat)
                waiting.add(chat)
                pushed[chat] = time.monotonic()
                update = emulator.push_text(chat, CRISIS if net else MODEL_CRISIS)
                update_ids[chat] = update["update_id"]

        # --crises-only: an experiment on the crisis latency, minutes instead of half an hour
        backlog = crises | model_crises if args.crises_only else set(pushed)
        waiting = set(backlog)  # and the late crises, once pushed
        said, progress = 0.0, time.monotonic()

        def waited_for() -> int:
            return len(backlog) + len(late_crises) + len(late_model_crises)

        # full: while the surge's own patients wait; crises-only: --late-for seconds
        pushing = asyncio.create_task(push_late()) if args.late_for != 0 else None
        late_until = time.monotonic() + (args.late_for or 0) if args.crises_only else None

        def going_on() -> bool:
            return bool(waiting) or (pushing is not None and not pushing.done())

        # lost messages are never answered: give up once nothing was answered for STALL s
        while going_on() and time.monotonic() - progress < STALL:
            answered = {c for c in waiting if len(accepted(c)) >= expected(c)}
            waiting -= answered
            if answered or not waiting:
                progress = time.monotonic()
            # full: the late crises go on while the surge's own patients wait
            over = not (waiting & backlog) if late_until is None else time.monotonic() >= late_until
            if pushing is not None and over and not pushing.done():
                pushing.cancel()
            if not waiting or time.monotonic() - said >= 30:
                said = time.monotonic()
                print(
                    f"  {said - started:.0f} s: {waited_for() - len(waiting)} of "
                    f"{waited_for()} answered, 429s so far "
                    f"{emulator.rate_refusals}",
                    flush=True,
                )
            if going_on():
                await asyncio.sleep(2)
        if pushing is not None:
            pushing.cancel()
        elapsed = time.monotonic() - started
        cpu = sum(map(process_cpu, pids)) - cpu_before
        if freezing is not None:
            freezing.cancel()

    def emergency_answer_latency(chat: int, marked_only: bool = False) -> float | None:
        calls = accepted(chat)
        marked = [c for c in calls if EMERGENCY_MARK in str(c.params.get("text", ""))]
        answer = marked[0] if marked else calls[min(1, len(calls) - 1)] if calls else None
        if marked_only and not marked:
            return None
        return None if answer is None else answer.at - pushed[chat]

    def latencies(chats: set[int]) -> list[float]:
        return [
            latency
            for c in chats
            if (latency := emergency_answer_latency(c, marked_only=True)) is not None
        ]

    late, late_model = latencies(late_crises), latencies(late_model_crises)
    model_latencies = latencies(model_crises)
    crisis_latencies, acknowledged, after_ack = [], [], []
    for chat in crises:
        if (latency := emergency_answer_latency(chat)) is not None:
            crisis_latencies.append(latency)
        # where the time went: in Telegram's queue until our 200, then ours until the answer
        if (at := emulator.webhook_answered_at.get(update_ids[chat])) is not None:
            acknowledged.append(at - pushed[chat])
            if latency is not None:
                after_ack.append(pushed[chat] + latency - at)
    # the time course: a surge that tips the workers past what they take shows here
    by_window: dict[int, list[float]] = {}
    for chat in crises | model_crises:
        if (at := emulator.webhook_answered_at.get(update_ids[chat])) is not None:
            window = int((pushed[chat] - started) // WINDOW_SECONDS) * int(WINDOW_SECONDS)
            by_window.setdefault(window, []).append(at - pushed[chat])
    others = [
        accepted(c)[1].at - pushed[c] for c in pushed if expected(c) == 2 and len(accepted(c)) >= 2
    ] or [float("nan")]
    figures = {
        "database": "postgresql",
        "workers": args.workers or 1,
        "handlers_per_worker": args.handlers or Settings().webhook_handlers,
        "mode": "webhook workers behind nginx" if args.workers else "one process, polling",
        "offered_per_second": round(offered / offered_for, 1),
        "offered_seconds": round(offered_for, 1),
        "bot_limit_per_second": LIMIT / WINDOW,
        "chat_limit": args.chat_limit,
        "group_limit_per_minute": GROUP_LIMIT * 60 / GROUP_WINDOW,
        "crises_only": args.crises_only,
        "messages": offered,  # the late crises aside
        "crises": len(crises),
        # of the crises only, with --crises-only; the late crises included
        "answered": waited_for() - len(waiting),
        "lost": len(waiting),
        "drained_in_seconds": round(elapsed, 1),
        "crisis_latency_p50": round(statistics.median(crisis_latencies), 3),
        "crisis_latency_p99": round(percentile(crisis_latencies, 99), 3),
        "crisis_latency_worst": round(max(crisis_latencies), 3),
        "crisis_acknowledged_p50": _p(acknowledged, 50),
        "crisis_acknowledged_p99": _p(acknowledged, 99),
        "crisis_after_acknowledged_p50": _p(after_ack, 50),
        "crisis_after_acknowledged_p99": _p(after_ack, 99),
        # seconds into the surge -> the median wait for our 200 of the crises pushed then
        "crisis_acknowledged_p50_by_window": {
            str(w): round(statistics.median(v), 2) for w, v in sorted(by_window.items())
        },
        "model_crises": len(model_crises),
        # answered, but not with the emergency numbers: the model did not read a crisis
        "model_crises_missed": len(model_crises) - len(model_latencies),
        **_latency_figures("model_crisis", model_latencies),
        "late_crises": len(late_crises),
        **_latency_figures("late_crisis", late),
        "late_model_crises": len(late_model_crises),
        **_latency_figures("late_model_crisis", late_model),
        "others_latency_p50": round(statistics.median(others), 2),
        "others_latency_p99": round(percentile(others, 99), 2),
        "replies_per_second": round(sum(len(accepted(c)) for c in pushed) / elapsed, 1),
        "refusals_429": emulator.rate_refusals,
        "refusals_429_by_limit": dict(emulator.rate_refusals_by),
        "emulator_lag_p50": _p(lags, 50),
        "emulator_lag_p99": _p(lags, 99),
        "emulator_lag_worst": round(max(lags), 3),
        # CPU the hypervisor gave other guests while the surge was offered (2 cores: 120 s)
        "machine_steal_seconds": round(stolen, 2),
        "cpu_seconds_per_message": round(cpu / len(pushed), 5),
    }
    return figures


def report(figures: dict) -> None:
    print(
        f"surge on PostgreSQL, {figures['mode']} ({figures['workers']} worker(s)): "
        f"{figures['messages']} messages offered at "
        f"{figures['offered_per_second']:.0f}/s for {figures['offered_seconds']:.0f} s "
        f"({figures['crises']} crises); bot-wide limit {figures['bot_limit_per_second']:.0f}/s, "
        f"per chat {figures['chat_limit']}, group {figures['group_limit_per_minute']:.0f}/min"
    )
    print(
        f"  answered {figures['answered']}, lost {figures['lost']}, drained in "
        f"{figures['drained_in_seconds']:.0f} s ({figures['replies_per_second']}/s replies)"
    )
    print(
        f"  crisis answer p50 {figures['crisis_latency_p50']:.2f} s, p99 "
        f"{figures['crisis_latency_p99']:.2f} s (target < 2 s), worst "
        f"{figures['crisis_latency_worst']:.2f} s; others p50 "
        f"{figures['others_latency_p50']:.0f} s, p99 {figures['others_latency_p99']:.0f} s; "
        f"429s received: {figures['refusals_429']} "
        f"{figures['refusals_429_by_limit']}; CPU per message "
        f"{figures['cpu_seconds_per_message'] * 1000:.1f} ms"
    )
    print(
        f"  the emulator's loop ran late p50 {figures['emulator_lag_p50']:.3f} s, p99 "
        f"{figures['emulator_lag_p99']:.3f} s, worst {figures['emulator_lag_worst']:.3f} s "
        "while the surge was offered (part of every latency above); CPU the hypervisor gave "
        f"other guests meanwhile {figures['machine_steal_seconds']:.1f} s"
    )
    if figures["crisis_acknowledged_p50"] is not None:
        print(
            f"  a crisis waited for our 200 p50 {figures['crisis_acknowledged_p50']:.2f} s, p99 "
            f"{figures['crisis_acknowledged_p99']:.2f} s; then for its answer p50 "
            f"{figures['crisis_after_acknowledged_p50']:.2f} s, p99 "
            f"{figures['crisis_after_acknowledged_p99']:.2f} s"
        )
        windows = figures["crisis_acknowledged_p50_by_window"].items()
        print(
            "  the crises' wait for our 200 by when they came (s into the surge: median s): "
            + ", ".join(f"{w}: {v}" for w, v in windows)
        )
    if figures.get("model_crisis_latency_p50") is not None:
        print(
            f"  a crisis only the model reads ({figures['model_crises']}, "
            f"{figures['model_crises_missed']} answered without the emergency numbers): "
            + _latency_line(figures, "model_crisis")
        )

    if figures.get("late_crisis_latency_p50") is not None:
        print(
            f"  while the backlog drained, a crisis every {LATE_EVERY * 2:g} s "
            f"({figures['late_crises']}): answered " + _latency_line(figures, "late_crisis")
        )
    if figures.get("late_model_crisis_latency_p50") is not None:
        print(
            f"  and one only the model reads ({figures['late_model_crises']}): "
            + _latency_line(figures, "late_model_crisis")
        )


async def measure(url: str, args: argparse.Namespace) -> None:
    figures = await surge(url, args)
    report(figures)
    # the deployment's figure is the one scripts/capacity.py reads
    name = "surge" if args.workers else "surge_one_process"
    if args.crises_only:
        name += "_crises_only"
    if args.handlers:  # an experiment: the capacity plan keeps reading the default's figures
        name += f"_handlers_{args.handlers}"
    write_figures(name, figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the surge lasts")
    parser.add_argument("--multiple", type=float, default=10.0, help="of the bot-wide limit")
    parser.add_argument("--crisis-every", type=int, default=100)
    parser.add_argument("--chat-limit", default="3/3", help="messages/seconds into one chat")
    parser.add_argument(
        "--workers", type=int, default=2, help="webhook workers behind nginx; 0: polling here"
    )
    parser.add_argument(
        "--handlers", type=int, help="WEBHOOK_HANDLERS of each worker (default: the setting's)"
    )
    parser.add_argument("--rasa-url", help="an NLU server already running")
    parser.add_argument(
        "--crises-only",
        action="store_true",
        help="stop once the crises are answered (the others' figures are then not measured)",
    )
    parser.add_argument(
        "--late-for",
        type=float,
        help="with --crises-only: seconds of crises while the backlog drains (default 300; 0: "
        "none); without it they go on until the surge's own patients are all answered",
    )
    args = parser.parse_args()
    if args.late_for is None:
        args.late_for = 300.0 if args.crises_only else float("inf")
    if args.rasa_url:
        run(measure(args.rasa_url, args))
        return
    server = rasa.RasaServer(rasa.model_path(), port=free_port())
    server.start()
    try:
        server.wait_ready()
        run(measure(server.url, args))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
