"""Benchmark: messages a second and CPU per message with 1, 2 and 4 webhook workers.

The deployment of deploy/README.md on loopback (tests/cluster_helpers.py): a PostgreSQL cluster
of its own, nginx, N `helpline serve --webhook` workers and the Bot API emulator posting
Telegram's webhook to nginx. Patients write several messages each, all queued at once
(tests/cluster_traffic_helpers.py: each message asks a different topic with a known answer, so
a lost or doubled answer shows); figures: messages answered a second, and the CPU the workers
used per message (user + system, /proc), PostgreSQL's too. The bot-wide send pacing is lifted
(TELEGRAM_GLOBAL_RATE very high, no limit in the emulator): this is the workers' own capacity;
bench/surge.py measures them under Telegram's limits. A round of a few patients first warms the
workers up (imports, first queries), not counted.

The reference for the NLU servers: the bare NLU server's parses a second at 8 in flight, as
bench/nlu_pool.py measures it (a Rasa server parses on one core).

This machine has 2 cores, shared by the NLU server, PostgreSQL, nginx, the emulator and the
workers: 2 and 4 workers cannot answer twice and four times as much here. The CPU per message is
the figure that carries over to a bigger machine (scripts/capacity.py plans from it). Written
to reports/bench/cluster_workers.json as well.
Run: `.venv/bin/python bench/cluster_workers.py --rasa-url URL [--patients 60] [--messages 4]`
(without `--rasa-url`, it starts an NLU server of its own).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from figures import write_figures
from stats import process_cpu

from bot.app import run
from nlu import rasa
from nlu.client import NLUClient, NLUUnavailable
from nlu.rasa import auth_token, intents_from_domain
from responses import load_catalogue

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.cluster_helpers import Cluster
from tests.cluster_traffic_helpers import PHRASES, Patients
from tests.conftest import free_port

COUNTS = (1, 2, 4)
UNPACED = "100000"  # TELEGRAM_GLOBAL_RATE: no bot-wide pacing, the workers' own capacity
WARM_UP = 8  # patients, one message each, before the measure


def _children_cpu(parent: int) -> float:
    """CPU seconds of `parent` and its direct children (PostgreSQL's postmaster, backends)."""
    total = process_cpu(parent)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            total += process_cpu(int(stat.parent.name))
    return total


def _postmaster(cluster: Cluster) -> int | None:
    try:
        return int(Path(cluster.postgres.data, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


async def one_run(url: str, workers: int, patients: int, messages: int) -> dict:
    catalogue = load_catalogue(intents_from_domain())
    env = {"TELEGRAM_GLOBAL_RATE": UNPACED, "THROTTLE_MESSAGES": "100000"}
    async with Cluster(nlu_urls=[url], workers_count=workers, env=env) as cluster:
        warm = Patients(cluster.emulator, catalogue, 50_000, WARM_UP, messages=1)
        warm.push_all()
        await warm.wait_answered(warm.total, timeout=120)
        crowd = Patients(cluster.emulator, catalogue, 60_000, patients, messages=messages)
        pids = [w.process.pid for w in cluster.workers if w.process is not None]
        postmaster = _postmaster(cluster)
        cpu_before = sum(process_cpu(pid) for pid in pids)
        db_before = _children_cpu(postmaster) if postmaster else 0.0
        started = time.monotonic()
        total = crowd.push_all()
        # a lost message never gets its answer: settle gives up after a while, not raising
        await crowd.settle(timeout=60 + total / 4)
        answers = [
            call.at
            for chat in crowd.chats
            for call in cluster.emulator.calls("sendMessage", chat_id=chat)
            if call.ok
        ]
        elapsed = max(answers, default=started + 1) - started  # to the last message sent
        cpu = sum(process_cpu(pid) for pid in pids) - cpu_before
        db_cpu = (_children_cpu(postmaster) - db_before) if postmaster else 0.0
        answered = crowd.answered()
        problems = crowd.problems()
    for problem in problems[:5]:
        print(f"  problem: {problem}")
    return {
        "workers": workers,
        "messages": total,
        "answered": answered,
        "seconds": round(elapsed, 2),
        "messages_per_second": round(answered / elapsed, 1),
        "cpu_seconds_per_message": round(cpu / max(answered, 1), 5),
        "postgres_cpu_seconds_per_message": round(db_cpu / max(answered, 1), 5),
        "problems": len(problems),
    }


async def bare_nlu(url: str, seconds: float = 8.0, in_flight: int = 8) -> float:
    """Parses a second of the bare NLU server, `in_flight` at a time."""
    texts = [text for text, _ in PHRASES]
    done = 0
    async with NLUClient(url, token=auth_token(), timeout=10.0) as client:
        deadline = time.perf_counter() + seconds

        async def loop(n: int) -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                try:
                    await client.parse(texts[(n + done) % len(texts)])
                except NLUUnavailable:
                    continue
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(loop(n) for n in range(in_flight)))
        return done / (time.perf_counter() - started)


async def measure(url: str, patients: int, messages: int) -> None:
    runs = []
    for workers in COUNTS:
        figures = await one_run(url, workers, patients, messages)
        runs.append(figures)
        note = " (2 cores: more workers than cores do not scale here)" if workers > 2 else ""
        print(
            f"{workers} worker(s): {figures['answered']} of {figures['messages']} messages "
            "answered in "
            f"{figures['seconds']:.1f} s, {figures['messages_per_second']:.1f}/s{note}; "
            f"CPU per message {figures['cpu_seconds_per_message'] * 1000:.1f} ms in the "
            f"workers, {figures['postgres_cpu_seconds_per_message'] * 1000:.1f} ms in "
            f"PostgreSQL; problems (lost, doubled, out of order): {figures['problems']}",
            flush=True,
        )
    parses = await bare_nlu(url)
    print(f"bare NLU server: {parses:.0f} parses/s at 8 in flight (one server, one core)")
    write_figures(
        "cluster_workers",
        {
            "database": "postgresql",
            "patients": patients,
            "messages_per_patient": messages,
            "note": "2-core machine: 2 and 4 workers share its cores with the NLU server, "
            "PostgreSQL, nginx and the emulator; CPU per message is what carries over",
            "runs": runs,
            "nlu_parses_per_second": round(parses, 1),
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=60)
    parser.add_argument("--messages", type=int, default=4, help=f"per patient, {len(PHRASES)} max")
    parser.add_argument("--rasa-url", help="an NLU server already running")
    args = parser.parse_args()
    if args.rasa_url:
        run(measure(args.rasa_url, args.patients, args.messages))
        return
    server = rasa.RasaServer(rasa.model_path(), port=free_port(), token=auth_token())
    server.start()
    try:
        server.wait_ready()
        run(measure(server.url, args.patients, args.messages))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
