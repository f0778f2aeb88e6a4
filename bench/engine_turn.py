"""Benchmark: time per engine turn excluding the NLU (p50/p99), on a real SQLite file.

The NLU is replaced by a parser that returns at once (its latency is measured separately by
bench/nlu_parse.py); everything else is real: redaction, storage, answer selection.
Run: `.venv/bin/python bench/engine_turn.py [--turns 2000] [--patients 200]`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time

from stats import percentile

from bot.engine import Engine, Incoming
from nlu.client import IntentScore, ParseResult
from nlu.dataset import load_examples
from nlu.rasa import fallback_threshold, intents_from_domain
from responses import load_catalogue
from storage.db import create_engine, migrate, session_factory


class InstantParser:
    """Returns the labelled intent of a training example: no model, no network."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels

    async def parse(self, text: str) -> ParseResult:
        intent = self.labels.get(text, "out_of_scope")
        return ParseResult(text, intent, 0.9, (IntentScore(intent, 0.9),))


async def run(turns: int, patients: int) -> None:
    examples = [
        (text, intent)
        for by_intent in load_examples().values()
        for intent, texts in by_intent.items()
        for text in texts
        if intent != "crisis"
    ]
    random.Random(0).shuffle(examples)
    with tempfile.TemporaryDirectory() as tmp:
        db = create_engine(f"sqlite+aiosqlite:///{tmp}/bench.db")
        await migrate(db)
        engine = Engine(
            load_catalogue(intents_from_domain()),
            InstantParser(dict(examples)),
            session_factory(db),
            threshold=fallback_threshold(),
        )
        for p in range(patients):  # first contacts, not timed
            await engine.handle(Incoming("bench", str(p), "/start"))
        timings = []
        for i in range(turns):
            text = examples[i % len(examples)][0]
            started = time.perf_counter()
            await engine.handle(Incoming("bench", str(i % patients), text))
            timings.append((time.perf_counter() - started) * 1000)
        await db.dispose()
    p99 = percentile(timings, 99)
    print(
        f"engine turn excluding NLU, {turns} turns over {patients} patients on SQLite: "
        f"p50 {statistics.median(timings):.2f} ms, p99 {p99:.2f} ms, max {max(timings):.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--patients", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.turns, args.patients))


if __name__ == "__main__":
    main()
