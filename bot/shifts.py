"""An agent's shift, for the care of the agents (bot/desk.py) and the supervisors' live view
(review/queries/live.py): it starts when the agent becomes available and lasts at most SHIFT (an
agent who never said /available: the last SHIFT). Crisis and blackmail cases are counted in it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.assignment import is_heavy
from storage.agents import DeskRepository
from storage.models import Agent

SHIFT = timedelta(hours=8)


def shift_start(agent: Agent, now: datetime) -> datetime:
    return max(now - SHIFT, agent.since) if agent.available else now - SHIFT


async def recent_heavy(
    session: AsyncSession, agents: Iterable[int] | None, now: datetime
) -> list[tuple[int, datetime, list[str]]]:
    """The heavy cases given in the last SHIFT: (agent, when, flags)."""
    rows = await DeskRepository(session).assigned_since(
        None if agents is None else list(agents), now - SHIFT
    )
    return [row for row in rows if is_heavy(row[2])]


async def heavy_counts(
    session: AsyncSession, agents: Iterable[Agent], now: datetime
) -> dict[int, int]:
    """Crisis and blackmail cases per agent this shift."""
    starts = {agent.user_id: shift_start(agent, now) for agent in agents}
    counts: dict[int, int] = {}
    for agent_id, at, _ in await recent_heavy(session, starts, now):
        if at >= starts[agent_id]:
            counts[agent_id] = counts.get(agent_id, 0) + 1
    return counts
