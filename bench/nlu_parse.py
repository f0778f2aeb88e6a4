"""Benchmark of the Rasa NLU server here: parse latency (p50/p99) and requests per second.

Starts the real server with the trained model on a free loopback port (or uses --url), warms it up,
then measures sequential latency and concurrent throughput through the project's own NLUClient.
Run: `make bench` or `.venv/bin/python bench/nlu_parse.py [--requests 1000] [--concurrency 8]`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import time

from stats import percentile

from nlu import rasa
from nlu.client import NLUClient
from nlu.dataset import load_examples


async def measure(url: str, requests: int, concurrency: int) -> None:
    texts = [t for by in load_examples().values() for ts in by.values() for t in ts]
    random.Random(0).shuffle(texts)
    async with NLUClient(url, timeout=10, token=rasa.auth_token()) as client:
        for text in texts[:50]:  # warm-up: first calls build TF graphs and caches
            await client.parse(text)

        latencies = []
        for i in range(requests):
            started = time.perf_counter()
            await client.parse(texts[i % len(texts)])
            latencies.append((time.perf_counter() - started) * 1000)
        print(
            f"sequential: {requests} parses, latency p50 {statistics.median(latencies):.1f} ms, "
            f"p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms, "
            f"{requests / (sum(latencies) / 1000):.0f} req/s"
        )

        queue = iter(range(requests))

        async def worker() -> None:
            for i in queue:
                await client.parse(texts[i % len(texts)])

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        print(
            f"concurrent: {requests} parses with {concurrency} in flight in {elapsed:.1f} s, "
            f"{requests / elapsed:.0f} req/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="an NLU server already running (default: start one)")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if args.url:
        asyncio.run(measure(args.url, args.requests, args.concurrency))
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = rasa.RasaServer(rasa.model_path(), port=port)
    server.start()
    try:
        print(f"model {rasa.model_path().name}: ready after {server.wait_ready():.1f} s")
        asyncio.run(measure(server.url, args.requests, args.concurrency))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
