"""The agents' desk in the database: the agents the bot has seen in their group, and the reads
the assignment and the response-time targets need (the queue, each agent's open cases). No
Telegram here; the decisions are bot/assignment.py's and bot/sla.py's.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cases import PRIORITY_RANK
from storage.models import Agent, Case, CaseStatus

OPEN = (CaseStatus.WAITING, CaseStatus.TAKEN)  # spelt out so that ix_cases_desk serves
NAME_LENGTH = 64


class AgentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def seen(self, user_id: int, name: str, at: datetime) -> Agent:
        """The agent, created on first sight; their name and last sight brought up to date."""
        agent = await self.session.get(Agent, user_id)
        if agent is None:
            try:
                async with self.session.begin_nested():
                    agent = Agent(
                        user_id=user_id, name=name[:NAME_LENGTH], since=at, last_seen_at=at
                    )
                    self.session.add(agent)
                return agent
            except IntegrityError:  # seen at the same moment by another update
                agent = await self.session.get(Agent, user_id, populate_existing=True)
                assert agent is not None
        agent.name, agent.last_seen_at = name[:NAME_LENGTH], at
        return agent

    async def get(self, user_id: int | None) -> Agent | None:
        return None if user_id is None else await self.session.get(Agent, user_id)

    async def by_name(self, name: str) -> Agent | None:
        """An agent by the name they go by ("@alice" or "Alice"; "alice" finds "@alice")."""
        wanted = name.strip().lower()
        if not wanted:
            return None
        return await self.session.scalar(
            select(Agent)
            .where(func.lower(Agent.name).in_((wanted, "@" + wanted.removeprefix("@"))))
            .order_by(Agent.last_seen_at.desc())
            .limit(1)
        )

    async def available(self) -> list[Agent]:
        return list(
            await self.session.scalars(
                select(Agent).where(Agent.available.is_(True)).order_by(Agent.user_id)
            )
        )

    async def set_available(self, agent: Agent, available: bool, at: datetime) -> bool:
        """Whether it changed (the shift starts when an agent becomes available)."""
        if agent.available == available:
            return False
        agent.available, agent.since = available, at
        return True


class DeskRepository:
    """The cases as the desk sees them: queued, assigned, waiting for an answer."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def queue(self) -> list[Case]:
        """Cases waiting for an agent and given to nobody: most pressing first, then oldest."""
        rank = when(*((Case.priority == p, r) for p, r in PRIORITY_RANK.items()), else_=9)
        return list(
            await self.session.scalars(
                select(Case)
                .where(Case.status == CaseStatus.WAITING, Case.assigned_agent_id.is_(None))
                .order_by(rank, Case.opened_at, Case.id)
            )
        )

    async def loads(self) -> dict[int, int]:
        """Open cases per assigned agent."""
        rows = await self.session.execute(
            select(Case.assigned_agent_id, func.count())
            .where(Case.status.in_(OPEN), Case.assigned_agent_id.is_not(None))
            .group_by(Case.assigned_agent_id)
        )
        return {int(agent): int(count) for agent, count in rows}

    async def assigned_since(
        self, agents: Collection[int] | None, since: datetime
    ) -> list[tuple[int, datetime, list[str]]]:
        """(agent, assigned at, risk flags) of the cases given to `agents` (None: to anyone)
        since `since`, closed ones included: what they went through this shift."""
        query = select(Case.assigned_agent_id, Case.assigned_at, Case.risk_flags).where(
            Case.assigned_agent_id.is_not(None), Case.assigned_at >= since
        )
        if agents is not None:
            if not agents:
                return []
            query = query.where(Case.assigned_agent_id.in_(agents))
        rows = await self.session.execute(query)
        return [(int(agent), at, list(flags or ())) for agent, at, flags in rows]

    async def waiting_for(self, agent_id: int) -> list[Case]:
        """The agent's open cases whose patient waits for them: not taken up yet, or with a
        message unanswered."""
        return list(
            await self.session.scalars(
                select(Case)
                .where(
                    Case.status.in_(OPEN),
                    Case.assigned_agent_id == agent_id,
                    or_(
                        Case.status == CaseStatus.WAITING,
                        Case.patient_waiting_since.is_not(None),
                    ),
                )
                .order_by(Case.id)
            )
        )

    async def untaken_of(self, agent_id: int) -> list[Case]:
        """The agent's cases given to them and never taken up."""
        return list(
            await self.session.scalars(
                select(Case)
                .where(Case.status == CaseStatus.WAITING, Case.assigned_agent_id == agent_id)
                .order_by(Case.id)
            )
        )

    async def maybe_late(self, opened_before: datetime, waiting_before: datetime) -> list[Case]:
        """Open cases that may have missed a response-time target: no first reply since before
        `opened_before`, or a message unanswered since before `waiting_before` (wall time:
        opening hours only shorten a wait, bot/sla.py decides)."""
        return list(
            await self.session.scalars(
                select(Case)
                .where(
                    Case.status.in_(OPEN),
                    or_(
                        and_(
                            Case.first_agent_reply_at.is_(None),
                            Case.opened_at <= opened_before,
                        ),
                        and_(
                            Case.first_agent_reply_at.is_not(None),
                            Case.patient_waiting_since <= waiting_before,
                        ),
                    ),
                )
                .order_by(Case.id)
            )
        )
