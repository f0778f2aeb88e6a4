"""Benchmark: parses per second through the bot's NLU pool (nlu/pool.py) with one server, then two.

Starts two real Rasa servers with the trained model on free loopback ports (about 3 GB of memory
and 40 s), or uses the servers of --urls. Each server is warmed up, then rounds alternate, one
server / two servers / one / two ..., because this machine's speed drifts between minutes; each
round sends --requests parses with --concurrency in flight. Prints every round and the medians
(no assertion: the gain depends on the cores the servers share).
Run: `.venv/bin/python bench/nlu_pool.py [--requests 600] [--concurrency 8] [--rounds 3]
[--urls URL,URL]`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import time
from collections.abc import Sequence
from contextlib import ExitStack

from nlu import rasa
from nlu.client import NLUClient
from nlu.dataset import load_examples
from nlu.pool import NLUPool


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def one_round(
    urls: Sequence[str], texts: list[str], requests: int, concurrency: int
) -> float:
    """Parses per second through a pool of `urls`."""
    async with NLUPool(urls, timeout=30, token=rasa.auth_token()) as pool:
        queue = iter(range(requests))

        async def worker() -> None:
            for i in queue:
                await pool.parse(texts[i % len(texts)])

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return requests / (time.perf_counter() - started)


async def measure(urls: list[str], requests: int, concurrency: int, rounds: int) -> None:
    texts = [t for by in load_examples().values() for ts in by.values() for t in ts]
    random.Random(0).shuffle(texts)
    for url in urls:  # warm-up: the first calls build TF graphs and caches
        async with NLUClient(url, timeout=30, token=rasa.auth_token()) as client:
            for text in texts[:50]:
                await client.parse(text)
    layouts = {"one server": urls[:1], f"{len(urls)} servers": urls}
    figures: dict[str, list[float]] = {name: [] for name in layouts}
    for number in range(1, rounds + 1):
        for name, layout in layouts.items():
            rate = await one_round(layout, texts, requests, concurrency)
            figures[name].append(rate)
            print(f"round {number}, {name}: {rate:.0f} parses/s", flush=True)
    summary = ", ".join(f"{name} {statistics.median(r):.0f}" for name, r in figures.items())
    print(f"median parses/s with {concurrency} in flight: {summary}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--urls", help="comma-separated NLU servers already running (default: start two)"
    )
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.urls:
        urls = [url.strip() for url in args.urls.split(",") if url.strip()]
        asyncio.run(measure(urls, args.requests, args.concurrency, args.rounds))
        return
    with ExitStack() as stack:
        servers = [rasa.RasaServer(rasa.model_path(), port=free_port()) for _ in range(2)]
        started = time.monotonic()
        for server in servers:
            stack.callback(server.stop)
            server.start()  # both load at once
        for server in servers:
            server.wait_ready()
        ready = time.monotonic() - started
        print(f"model {rasa.model_path().name}: two servers ready after {ready:.1f} s")
        urls = [server.url for server in servers]
        asyncio.run(measure(urls, args.requests, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
