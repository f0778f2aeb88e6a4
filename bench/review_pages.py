"""Benchmark: time to render the review workspace's conversation list (first, deep and filtered
pages) and a transcript, p50/p90 over HTTP on loopback, on a SQLite file of N synthetic
conversations (default 10,000; about 60,000 messages).

Run: `.venv/bin/python bench/review_pages.py [--conversations 10000] [--rounds 50]`.
The server is the real aiohttp app with its middlewares (session lookup, CSRF, audit insert on
each transcript); the client is signed in as a supervisor.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import tempfile
import time

from aiohttp.test_utils import TestClient, TestServer
from stats import percentile

from nlu.rasa import fallback_threshold, intents_from_domain
from review.auth import add_user
from review.config import ReviewConfig
from review.demo import seed
from review.web import create_app
from storage.db import create_engine, migrate, session_factory


async def timed(client: TestClient, path: str, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = await client.get(path)
        await response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (path, response.status)
    return times


async def run(conversations: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{folder}/helpline.db")
        await migrate(engine)
        sessions = session_factory(engine)
        started = time.perf_counter()
        made = await seed(sessions, conversations)
        messages = sum(len(c.messages) for c in made)
        print(
            f"seeded {conversations} conversations, {messages} messages "
            f"in {time.perf_counter() - started:.1f} s"
        )
        async with sessions() as session, session.begin():
            await add_user(session, "bench", "supervisor", "benchmark-password")
        config = ReviewConfig(
            threshold=fallback_threshold(),
            low_confidence=0.5,
            intents=tuple(intents_from_domain()),
            retention_days=90,
            cookie_secure=False,
        )
        async with TestClient(TestServer(create_app(sessions, config))) as client:
            page = await (await client.get("/login")).text()
            token = re.search(r'name="csrf" value="([^"]+)"', page)
            assert token is not None
            signed = await client.post(
                "/login",
                data={"csrf": token.group(1), "name": "bench", "password": "benchmark-password"},
            )
            assert signed.status == 200 and signed.url.path == "/conversations"
            # a page deep in the list: follow 'older' 40 times (2,000 conversations down)
            deep = "/conversations"
            for _ in range(40):
                found = re.search(
                    r'href="([^"]+)" rel="next"', await (await client.get(deep)).text()
                )
                assert found is not None
                deep = "/conversations" + found.group(1).replace("&amp;", "&")
            rng = random.Random(1)
            picks = [rng.choice(made).pseudonym for _ in range(rounds)]
            cases = {
                "list, first page": ["/conversations"] * rounds,
                "list, page 41": [deep] * rounds,
                "list, filtered (fr, fell back, escalated)": [
                    "/conversations?language=fr&fallback=yes&escalated=yes"
                ]
                * rounds,
                "list, rare filter (blackmail)": ["/conversations?risk=blackmail"] * rounds,
                "transcript": [f"/conversations/{p}" for p in picks],
                "NLU inbox": ["/inbox"] * rounds,
            }
            for name, paths in cases.items():
                await timed(client, paths[0], 3)  # warm up
                times = []
                for path in paths:
                    times.extend(await timed(client, path, 1))
                print(
                    f"{name:45s} p50 {percentile(times, 50):6.1f} ms"
                    f"   p90 {percentile(times, 90):6.1f} ms   ({len(times)} requests)"
                )
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.conversations, args.rounds))


if __name__ == "__main__":
    main()
