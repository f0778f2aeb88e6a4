"""Who gets a case: the available agent with the fewest open cases, under a cap, sparing an
agent who has had enough crisis and blackmail cases this shift. Pure functions, no database: the
desk (bot/desk.py) reads the facts, these decide.

The queue is served most pressing first, then oldest. A case nobody may take (everyone at the
cap, or a crisis while every free agent has had their share) stays queued without holding up
the cases behind it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.cases import PRIORITY_RANK, RISK_REASONS
from storage.models import Priority


def is_heavy(risk_flags: Iterable[str]) -> bool:
    """A crisis or blackmail case: the ones that weigh on whoever takes them."""
    return not RISK_REASONS.isdisjoint(risk_flags)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An available agent: their Telegram user id and their crisis and blackmail cases this
    shift."""

    user_id: int
    heavy: int = 0


@dataclass(frozen=True, slots=True)
class Queued:
    """A case waiting for an agent."""

    case_id: int
    priority: Priority
    opened_at: datetime
    heavy: bool = False
    # the agent it was taken back from (released, gone away, no answer in time): never
    # given back to them automatically
    not_to: int | None = None


def queue_order(cases: Iterable[Queued]) -> list[Queued]:
    """Most pressing first, then oldest."""
    return sorted(cases, key=lambda q: (PRIORITY_RANK[q.priority], q.opened_at, q.case_id))


def choose_agent(
    agents: Sequence[Candidate],
    loads: Mapping[int, int],
    cap: int,
    *,
    heavy_case: bool = False,
    heavy_limit: int | None = None,
    exclude: int | None = None,
) -> int | None:
    """The agent to give a case to, or None: among `agents` (the available ones) with fewer
    than `cap` open cases (`loads`), not `exclude`, and for a crisis or blackmail case
    (`heavy_case`) not one who had `heavy_limit` such cases this shift; the fewest open cases
    first, then the fewest heavy cases, then the lowest id (stable)."""
    best: tuple[int, int, int] | None = None
    for agent in agents:
        load = loads.get(agent.user_id, 0)
        if load >= cap or agent.user_id == exclude:
            continue
        if heavy_case and heavy_limit is not None and agent.heavy >= heavy_limit:
            continue
        key = (load, agent.heavy, agent.user_id)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def plan(
    queue: Iterable[Queued],
    agents: Sequence[Candidate],
    loads: Mapping[int, int],
    cap: int,
    heavy_limit: int | None = None,
) -> list[tuple[int, int]]:
    """(case id, agent id) for every queued case that can be given now, in queue order; each
    assignment counts in the next choices."""
    loads = dict(loads)
    heavy = {agent.user_id: agent.heavy for agent in agents}
    given: list[tuple[int, int]] = []
    for case in queue_order(queue):
        if all(loads.get(a.user_id, 0) >= cap for a in agents):
            break  # everyone is full: the rest waits
        current = [Candidate(a.user_id, heavy[a.user_id]) for a in agents]
        agent = choose_agent(
            current,
            loads,
            cap,
            heavy_case=case.heavy,
            heavy_limit=heavy_limit,
            exclude=case.not_to,
        )
        if agent is None:
            continue
        given.append((case.case_id, agent))
        loads[agent] = loads.get(agent, 0) + 1
        heavy[agent] += case.heavy
    return given
