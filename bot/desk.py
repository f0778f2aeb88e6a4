"""The agents' desk: who is available, who has which case, response-time targets, and care for
the agents. No Telegram here; like bot/escalation.py, everything for the agents' group goes
through the durable outbox in the transaction of the change it reports.

- Agents say /available and /away. A new case goes to the available agent with the fewest open
  cases, under `max_cases` (bot/assignment.py); when nobody can take it, it waits in the queue,
  most pressing first, then oldest, and is given as soon as an agent becomes available or frees
  a slot. An assigned case stays "waiting" until its agent takes it up (/take, or a message to
  the patient).
- /away hands back the agent's cases whose patient waits (not taken up, or a message
  unanswered); a case where the agent had the last word stays theirs, and goes back to the queue
  if the patient's next message is not answered in time.
- Response-time targets (bot/sla.py), checked on a schedule: a breach is recalled in General,
  raises the priority one step and is counted on the case; an assigned case goes back to the
  queue, and an agent who never took up a case given to them is presumed gone (marked away, their
  untaken cases handed back).
- A shift starts when an agent becomes available and lasts at most SHIFT (8 h; an agent who
  never said /available: the last 8 h). Once an agent had `heavy_per_shift` crisis or blackmail
  cases in it, the automatic assignment gives them no more such cases, and the bot suggests a
  break, privately (or in General, without naming cases, if it cannot write to them), once per
  shift.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agent_texts import AgentTexts
from bot.agents_groups import AgentGroups
from bot.assignment import Candidate, Queued, is_heavy, plan
from bot.hours import OpeningHours
from bot.settings import Settings
from bot.shifts import heavy_counts, recent_heavy, shift_start
from bot.sla import Breach, Target, breach, one_step_up, parse_first_reply
from storage.agents import AgentRepository, DeskRepository
from storage.agents_groups import GroupRepository, is_member
from storage.cases import CaseRepository, OutboxRepository
from storage.models import Agent, Case, CaseStatus, Priority
from storage.outbox import AgentDM, Announce, EditCard, RenameTopic, TopicText

SEEN_EVERY = 60.0  # seconds: an agent's last sight is written at most this often
DEFAULT_FIRST_REPLY = "urgent=5,high=30,normal=240"


@dataclass(frozen=True)
class DeskPolicy:
    max_cases: int = 5  # open cases per agent, for the automatic assignment
    first_reply: Mapping[Priority, timedelta] = field(
        default_factory=lambda: parse_first_reply(DEFAULT_FIRST_REPLY)
    )
    next_reply: timedelta = timedelta(minutes=60)
    heavy_per_shift: int = 3  # crisis and blackmail cases; 0: no limit, no suggestion

    @classmethod
    def from_settings(cls, settings: Settings) -> DeskPolicy:
        return cls(
            max_cases=settings.agent_max_cases,
            first_reply=parse_first_reply(settings.sla_first_reply),
            next_reply=timedelta(minutes=settings.sla_next_reply),
            heavy_per_shift=settings.agent_heavy_cases_per_shift,
        )

    def check_every(self) -> float:
        """Seconds between two checks: a quarter of the shortest target, 0.5 s to a minute."""
        shortest = min([*self.first_reply.values(), self.next_reply])
        return min(60.0, max(0.5, shortest.total_seconds() / 4))


def minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:.0f}" if delta >= timedelta(minutes=1) else "<1"


class AgentDesk:
    def __init__(
        self,
        texts: AgentTexts,
        sessions: async_sessionmaker[AsyncSession],
        hours: OpeningHours,
        now: Callable[[], datetime],
        policy: DeskPolicy | None = None,
        groups: AgentGroups | None = None,
    ) -> None:
        self.texts = texts
        self.sessions = sessions
        self.hours = hours
        self.now = now
        self.policy = policy or DeskPolicy()
        # several agents' groups: an agent takes the cases of the groups the bot saw them in
        self.groups = groups or AgentGroups()
        self._seen: dict[tuple[int, int | None], tuple[str, float]] = {}

    def _now(self) -> datetime:
        """Naive UTC, as stored."""
        now = self.now()
        return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo is not None else now

    # --- the agents' commands (each in its own transaction) ------------------------------------

    async def seen(self, user_id: int, name: str, group: int | None = None) -> None:
        """An agent wrote in the group `group` (a chat id; None: the default one): remembered,
        with the name they go by, as one of that group's members."""
        known = self._seen.get((user_id, group))
        if known is not None and known[0] == name and time.monotonic() - known[1] < SEEN_EVERY:
            return
        async with self.sessions() as session, session.begin():
            agent = await AgentRepository(session).seen(user_id, name, self._now())
            await GroupRepository(session).join(agent, group)
        self._seen[(user_id, group)] = (name, time.monotonic())

    async def set_available(
        self, user_id: int, name: str, available: bool, group: int | None = None
    ) -> None:
        """/available, /away, said in the group `group` (answered there)."""
        now = self._now()
        async with self.sessions() as session, session.begin():
            agents, outbox = AgentRepository(session), OutboxRepository(session)
            agent = await agents.seen(user_id, name, now)
            await GroupRepository(session).join(agent, group)
            await agents.set_available(agent, available, now)
            if available:
                load = (await DeskRepository(session).loads()).get(user_id, 0)
                text = self._phrase("available", agent, count=load)
                await outbox.add_general(Announce(text), group)
            else:
                back = await DeskRepository(session).waiting_for(user_id)
                for case in back:
                    await self._hand_back(session, case, "back_away", agent=agent.name)
                key = "away_cases" if back else "away"
                numbers = ", ".join(case.number for case in back)
                await outbox.add_general(Announce(self._phrase(key, agent, cases=numbers)), group)
            await self.assign_queued(session)

    async def release(self, case_id: int, user_id: int, name: str) -> None:
        """/release: the case goes back to the queue (and not automatically back to them)."""
        async with self.sessions() as session, session.begin():
            case = await self._open_case(session, case_id)
            if case is None:
                return
            await self._hand_back(session, case, "released", agent=name)
            case.handed_back_by = user_id
            await self.assign_queued(session)

    async def assign(self, case_id: int, by: str, *, user_id: int | None, name: str) -> None:
        """/assign: the case to the agent `user_id` (whose message was replied to), or to the
        agent the group knows by `name` ("@alice")."""
        now = self._now()
        async with self.sessions() as session, session.begin():
            case = await self._open_case(session, case_id)
            if case is None:
                return
            agents, outbox = AgentRepository(session), OutboxRepository(session)
            if user_id is not None:
                agent: Agent | None = await agents.seen(user_id, name, now)
            elif not name.strip():
                await outbox.add(case, TopicText(self.texts.phrase("desk.assign_usage")))
                return
            else:
                agent = await agents.by_name(name)
            if agent is None:
                await outbox.add(
                    case, TopicText(self.texts.phrase("desk.unknown_agent", name=name.strip()))
                )
                return
            chat = self.groups.chat_of(case.agents_chat_id)
            if not is_member(agent, chat, self.groups.is_default(chat)):
                await outbox.add(
                    case, TopicText(self.texts.phrase("desk.not_member", name=agent.name))
                )
                return
            previous = case.assigned_agent_id
            case.assigned_agent_id, case.assigned_at = agent.user_id, now
            await outbox.add(
                case, TopicText(self.texts.phrase("desk.assigned_by", agent=agent.name, by=by))
            )
            await self._announce_assigned(session, case, agent.name)
            if previous not in (None, agent.user_id):
                await self.assign_queued(session)  # their slot is free
            if is_heavy(case.risk_flags):
                await self._care(session, agent, now)

    async def say_usage(self, case_id: int) -> None:
        async with self.sessions() as session, session.begin():
            case = await self._open_case(session, case_id)
            if case is not None:
                text = self.texts.phrase("desk.assign_usage")
                await OutboxRepository(session).add(case, TopicText(text))

    async def _open_case(self, session: AsyncSession, case_id: int) -> Case | None:
        case = await session.get(Case, case_id)
        if case is not None and case.status == CaseStatus.CLOSED:
            await OutboxRepository(session).add(case, TopicText(self.texts.phrase("closed_hint")))
            return None
        return case

    # --- inside the escalation service's transactions ------------------------------------------

    def patient_wrote(self, case: Case) -> None:
        """A patient's message reached the case: they wait for an answer from then on."""
        if case.patient_waiting_since is None:
            case.patient_waiting_since = self._now()

    async def after_take(
        self, session: AsyncSession, case: Case, previous: int | None, name: str | None = None
    ) -> None:
        """An agent took the case up (/take, or wrote to the patient); `previous`: its assignee
        before."""
        now = self._now()
        agent_id = case.assigned_agent_id
        if agent_id is None:
            return
        if agent_id != previous or case.assigned_at is None:
            case.assigned_at = now
        agents = AgentRepository(session)
        agent = await agents.seen(agent_id, name, now) if name else await agents.get(agent_id)
        if previous not in (None, agent_id):
            await self.assign_queued(session)  # the previous assignee's slot is free
        if agent is not None and is_heavy(case.risk_flags):
            await self._care(session, agent, now)

    async def assignee_name(self, session: AsyncSession, case: Case) -> str | None:
        """Who has the case, as the card says it; None: nobody."""
        if case.assigned_agent_id is None:
            return None
        agent = await AgentRepository(session).get(case.assigned_agent_id)
        return agent.name if agent is not None else self.texts.phrase("desk.someone")

    async def assign_queued(self, session: AsyncSession) -> int:
        """Give the queued cases to the available agents (bot/assignment.py); how many."""
        agents = await AgentRepository(session).available()
        if not agents:
            return 0
        desk = DeskRepository(session)
        queue = await desk.queue()
        if not queue:
            return 0
        now = self._now()
        heavy = await heavy_counts(session, agents, now)
        loads = await desk.loads()
        given: list[tuple[int, int]] = []
        # each group's queue among its members (the most pressing group first); an agent in
        # several groups has one cap over all
        by_group: dict[int | None, list[Case]] = {}
        for case in queue:
            by_group.setdefault(self.groups.chat_of(case.agents_chat_id), []).append(case)
        for chat, waiting in by_group.items():
            default = self.groups.is_default(chat)
            members = [agent for agent in agents if is_member(agent, chat, default)]
            planned = plan(
                (Queued(c.id, c.priority, c.opened_at, is_heavy(c.risk_flags), c.handed_back_by)
                 for c in waiting),
                [Candidate(agent.user_id, heavy.get(agent.user_id, 0)) for agent in members],
                loads,
                self.policy.max_cases,
                self.policy.heavy_per_shift or None,
            )  # fmt: skip
            heavy_ids = {c.id for c in waiting if is_heavy(c.risk_flags)}
            for case_id, agent_id in planned:
                loads[agent_id] = loads.get(agent_id, 0) + 1
                heavy[agent_id] = heavy.get(agent_id, 0) + (case_id in heavy_ids)
            given += planned
        cases = {case.id: case for case in queue}
        by_id = {agent.user_id: agent for agent in agents}
        for case_id, agent_id in given:
            case = cases[case_id]
            case.assigned_agent_id, case.assigned_at = agent_id, now
            await self._announce_assigned(session, case, by_id[agent_id].name)
        for agent_id in {agent for case, agent in given if is_heavy(cases[case].risk_flags)}:
            await self._care(session, by_id[agent_id], now)
        return len(given)

    async def _announce_assigned(self, session: AsyncSession, case: Case, name: str) -> None:
        """The card and General say who has the case (a new case's card is made with it)."""
        outbox = OutboxRepository(session)
        if case.topic_id is not None:
            await outbox.add(case, EditCard())
        text = self.texts.phrase(
            "desk.assigned",
            number=case.number,
            priority=self.texts.priority(case.priority),
            language=case.language.upper(),
            agent=name,
        )
        await outbox.add(case, Announce(text))

    async def _hand_back(self, session: AsyncSession, case: Case, key: str, **values: str) -> None:
        """The case back in the queue, with a note in its topic."""
        case.handed_back_by = case.assigned_agent_id
        case.status, case.assigned_agent_id, case.assigned_at = CaseStatus.WAITING, None, None
        outbox = OutboxRepository(session)
        await outbox.add(case, TopicText(self.texts.phrase(f"desk.{key}", **values)))
        if case.topic_id is not None:
            await outbox.add(case, EditCard())

    # --- the schedule: response-time targets, the queue, the agents' load ----------------------

    async def check(self) -> int:
        """Recall the missed response-time targets (once per wait), give the queued cases,
        suggest breaks; how many targets were missed."""
        now = self._now()
        policy = self.policy
        async with self.sessions() as session, session.begin():
            shortest = min(policy.first_reply.values())
            late = await DeskRepository(session).maybe_late(now - shortest, now - policy.next_reply)
            missed = 0
            for case in late:
                found = breach(case, now, self.hours, policy.first_reply, policy.next_reply)
                if found is not None:
                    await self._breached(session, case, found, now)
                    missed += 1
            await self.assign_queued(session)
            agents = AgentRepository(session)
            for agent_id in {a for a, _, _ in await recent_heavy(session, None, now)}:
                agent = await agents.get(agent_id)
                if agent is not None:
                    await self._care(session, agent, now)
            return missed

    async def _breached(
        self, session: AsyncSession, case: Case, found: Breach, now: datetime
    ) -> None:
        case.sla_breaches += 1
        case.breached_at = now
        outbox = OutboxRepository(session)
        before = case.priority
        key = "breach_first" if found.target == Target.FIRST_REPLY else "breach_next"
        text = self.texts.phrase(
            f"desk.{key}",
            number=case.number,
            priority=self.texts.priority(before),
            language=case.language.upper(),
            minutes=minutes(found.waited),
            target=minutes(found.allowed),
        )
        if await CaseRepository(session).raise_priority(case, one_step_up(before)):
            raised = self.texts.priority(case.priority)
            text += " " + self.texts.phrase("desk.raised", priority=raised)
            await outbox.add(case, RenameTopic())
            if case.topic_id is not None:
                await outbox.add(case, EditCard())
        await outbox.add(case, Announce(text))
        agent_id = case.assigned_agent_id
        if agent_id is None:
            return
        never_taken = case.status == CaseStatus.WAITING
        await self._hand_back(session, case, "back_late")
        agents = AgentRepository(session)
        agent = await agents.get(agent_id)
        if not never_taken or agent is None or not agent.available:
            return
        # given to them and not even taken up in time: they are presumably not there
        await agents.set_available(agent, False, now)
        others = await DeskRepository(session).untaken_of(agent_id)
        for other in others:
            await self._hand_back(session, other, "back_away", agent=agent.name)
        numbers = ", ".join(c.number for c in [case, *others])
        await outbox.add_general(
            Announce(self._phrase("presumed_away", agent, number=case.number, cases=numbers)),
            case.agents_chat_id,
        )

    # --- care for the agents -------------------------------------------------------------------

    async def _care(self, session: AsyncSession, agent: Agent, now: datetime) -> None:
        """Suggest a break to an agent who had their share of heavy cases, once per shift."""
        limit = self.policy.heavy_per_shift
        start = shift_start(agent, now)
        if limit <= 0 or (agent.break_suggested_at or datetime.min) >= start:
            return
        count = (await heavy_counts(session, [agent], now)).get(agent.user_id, 0)
        if count < limit:
            return
        agent.break_suggested_at = now
        await OutboxRepository(session).add_general(
            AgentDM(
                agent.user_id,
                self._phrase("break_private", agent, count=count),
                self._phrase("break_general", agent),  # if the bot cannot write to them
            ),
            (agent.groups or [None])[0],  # in General of a group they are in
        )

    def _phrase(self, key: str, agent: Agent, **values: object) -> str:
        return self.texts.phrase(f"desk.{key}", agent=agent.name, **values)
