"""Benchmark of the agents' desk (bot/desk.py): how long choosing an agent takes with many open
cases. Target: under 50 ms with 200 open cases and 10 agents.

1. The pure choice (bot/assignment.py): `choose_agent` for one case among 10 agents, and `plan`
   for a queue of 200 cases.
2. Through the database (a migrated SQLite file): 200 open cases, a fifth of them crisis or
   blackmail, 10 available agents under a cap of 25. `assign_queued` as a new case opens (199
   cases assigned, the new one queued: its agent is chosen), then with 50 queued, and the
   scheduled check (response-time targets, the queue, the break suggestions): its first run,
   which finds the late cases and gives the queue, then the runs after, with nothing left to do
   but look. Each `assign_queued` is rolled back, so every run sees the same state.
3. The supervisors' live view (review/queries/live.py and its template, as `GET /live` renders
   it) on the same 200 open cases and 10 agents, after the check, with 100 posts in the outbox.
Run: `.venv/bin/python bench/agents_desk.py [--cases 200] [--agents 10] [--runs 200]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from pathlib import Path

from stats import percentile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.agents_groups import AgentGroups
from bot.assignment import Candidate, Queued, choose_agent, plan
from bot.desk import AgentDesk, DeskPolicy
from bot.escalation import Escalations
from bot.hours import OpeningHours
from nlu.rasa import intents_from_domain
from responses import load_catalogue
from review.context import User
from review.pages.live import span
from review.queries.live import LiveSetup, live_view
from review.web import templates
from storage.db import create_engine, migrate, session_factory
from storage.models import Agent, Case, CaseStatus, GroupPost, Patient, Priority, utcnow

PRIORITIES = (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.NORMAL)


def timed(function: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds per call."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def pure(cases: int, agents: int, runs: int) -> None:
    candidates = [Candidate(7000 + n, heavy=n % 3) for n in range(agents)]
    loads = {7000 + n: (cases // agents) - 1 + n % 2 for n in range(agents)}
    now = utcnow()
    queue = [
        Queued(n, PRIORITIES[n % 4], now - timedelta(minutes=n), heavy=n % 5 == 0)
        for n in range(cases)
    ]
    one = timed(
        lambda: choose_agent(candidates, loads, cases, heavy_case=True, heavy_limit=3), runs
    )
    whole = timed(lambda: plan(queue, candidates, {}, cases, 3), runs)
    report(f"choose_agent, 1 case, {agents} agents", one)
    report(f"plan, a queue of {cases} cases, {agents} agents", whole)


async def seed(desk: AgentDesk, cases: int, agents: int, queued: int) -> None:
    now = utcnow()
    async with desk.sessions() as session, session.begin():
        for n in range(agents):
            session.add(Agent(user_id=7000 + n, name=f"agent{n}", available=True, since=now))
        for n in range(cases):
            patient = Patient(pseudonym=f"P-{n:08d}", channel="bench", chat_id=str(n))
            session.add(patient)
            await session.flush()
            assigned = n >= queued
            session.add(
                Case(
                    patient_id=patient.id,
                    reason="crisis" if n % 5 == 0 else "human_handoff",
                    risk_flags=["crisis"] if n % 5 == 0 else [],
                    priority=PRIORITIES[n % 4],
                    status=CaseStatus.WAITING,
                    opened_at=now - timedelta(minutes=n),
                    assigned_agent_id=7000 + n % agents if assigned else None,
                    assigned_at=now - timedelta(minutes=n) if assigned else None,
                )
            )


async def database(cases: int, agents: int, runs: int, tmp: str) -> None:
    catalogue = load_catalogue(intents_from_domain())
    for queued, what in ((1, "a new case, the others assigned"), (50, "50 queued")):
        engine = create_engine(f"sqlite+aiosqlite:///{tmp}/desk-{queued}.db")
        await migrate(engine)
        sessions = session_factory(engine)
        escalations = Escalations(
            catalogue,
            sessions,
            OpeningHours.parse("always"),
            desk=DeskPolicy(max_cases=25),
        )
        desk = escalations.desk
        await seed(desk, cases, agents, queued)

        report(
            f"assign_queued, {cases} open cases ({what})",
            await timed_async(partial(assign_rolled_back, desk), runs),
        )
        if queued == 50:
            started = time.perf_counter()
            missed = await desk.check()
            report(f"scheduled check, first ({missed} targets missed)", [elapsed(started)])
            report(
                f"scheduled check, {cases} open cases, then", await timed_async(desk.check, runs)
            )
            await live(desk, cases, agents, runs)
        await engine.dispose()


async def assign_rolled_back(desk: AgentDesk) -> None:
    async with desk.sessions() as session:
        transaction = await session.begin()
        await desk.assign_queued(session)
        await transaction.rollback()


async def live(desk: AgentDesk, cases: int, agents: int, runs: int) -> None:
    async with desk.sessions() as session, session.begin():
        session.add_all(GroupPost(case_id=1 + n % cases, kind="text") for n in range(100))
    setup = LiveSetup(desk.policy, desk.hours, AgentGroups.parse("", -1001234567890))
    env, user = templates(), User("bench", "supervisor", "csrf", "token")

    async def render() -> str:
        async with desk.sessions() as session:
            view = await live_view(session, setup, utcnow())
        page = env.get_template("live.html")
        return page.render(
            user=user, path="/live", retention_days=90, view=view, every=10, span=span
        )

    assert "C-00" in await render()
    report(
        f"live view (query + template), {cases} open cases, {agents} agents",
        await timed_async(render, runs),
    )


def elapsed(started: float) -> float:
    return (time.perf_counter() - started) * 1000


async def timed_async(function: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    await function()  # warm up: statements compiled and cached
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(what: str, times: list[float]) -> None:
    print(
        f"{what:<64} p50 {statistics.median(times):8.3f} ms   "
        f"p95 {percentile(times, 95):8.3f} ms   max {max(times):8.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    pure(args.cases, args.agents, args.runs * 10)
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(database(args.cases, args.agents, args.runs, tmp))


if __name__ == "__main__":
    main()
