"""The supervisors' live view (review/pages/live.py): the agents' desk as it is now, read as the
bot's desk reads it (bot/desk.py, bot/sla.py).

- per agents' group (bot/agents_groups.py; a case's or an outbox row's group is stored, NULL
  being the default group's): the queue, the patients waiting for a reply and the longest wait,
  each agent's open cases, the agents available (the group's members, storage.agents_groups);
- the cases past their response-time target now, and those that missed one lately;
- per agent: today's cases, their first-reply median and mean satisfaction, and their crisis
  and blackmail cases this shift (bot/desk.py's shift) against AGENT_HEAVY_CASES_PER_SHIFT;
- per group, the outbox still waiting for Telegram (AGENTS_RATE_LIMIT per AGENTS_RATE_WINDOW).

Cases by number, agents by the name they go by in the group: never a patient's identity. Times
are naive UTC, as stored; "today" is the day in AGENTS_TIMEZONE.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from statistics import fmean, median

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.agents_groups import AgentGroups, groups_from_settings
from bot.desk import DeskPolicy
from bot.hours import OpeningHours
from bot.settings import Settings
from bot.shifts import heavy_counts, shift_start
from bot.sla import Target, current_wait, open_time
from storage.agents import OPEN
from storage.agents_groups import is_member
from storage.models import Agent, Case, CaseStatus, GroupPost, Priority

RECENT = timedelta(hours=24)  # the breaches listed
MAX_LISTED = 50  # rows of each case list


@dataclass(frozen=True)
class LiveSetup:
    """What the live view needs of the bot's settings (`from_settings`, in review/cli.py)."""

    policy: DeskPolicy = field(default_factory=DeskPolicy)
    hours: OpeningHours = field(default_factory=lambda: OpeningHours.parse("always"))
    groups: AgentGroups = field(default_factory=AgentGroups)  # none: one unnamed group
    rate_limit: int = 20  # messages per rate_window seconds into one group
    rate_window: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> LiveSetup:
        return cls(
            policy=DeskPolicy.from_settings(settings),
            hours=OpeningHours.parse(settings.agents_hours, settings.agents_timezone),
            groups=groups_from_settings(settings),
            rate_limit=settings.agents_rate_limit,
            rate_window=settings.agents_rate_window,
        )


@dataclass(frozen=True)
class AgentLoad:
    name: str
    open_cases: int


@dataclass(frozen=True)
class GroupNow:
    chat_id: int | None  # None: no group configured
    name: str  # group_name
    queued: int  # waiting for an agent, given to nobody
    untaken: int  # given to an agent who has not taken it up yet
    waiting: int  # open cases whose patient waits for a reply
    longest_wait: timedelta | None  # wall clock
    longest_case: str | None
    loads: list[AgentLoad]
    available: list[str]


@dataclass(frozen=True)
class LateCase:
    """An open case past its response-time target now."""

    number: str
    priority: Priority
    target: Target
    waited: timedelta  # within opening hours, as the target counts
    allowed: timedelta
    agent: str | None
    breaches: int  # missed targets recorded on the case so far


@dataclass(frozen=True)
class Breached:
    """A case that missed a target within RECENT (as the desk recorded it)."""

    number: str
    priority: Priority
    status: CaseStatus
    at: datetime
    breaches: int
    agent: str | None


@dataclass(frozen=True)
class AgentToday:
    name: str
    available: bool
    open_cases: int
    cases_today: int  # opened today, under their last agent (as on the statistics page)
    first_reply_median: float | None  # minutes, wall clock
    satisfaction: float | None  # mean, 1-5
    heavy: int  # crisis and blackmail cases this shift
    break_suggested: bool  # this shift


@dataclass(frozen=True)
class Backlog:
    chat_id: int | None
    name: str
    rows: int
    oldest: timedelta | None  # age of the oldest row
    retrying: int  # rows Telegram refused at least once
    to_send: timedelta  # all of them, at the group's pace
    paced: bool  # more than one window's worth: Telegram's limit is what holds them back


@dataclass(frozen=True)
class LiveView:
    at: datetime
    day_start: datetime
    groups: list[GroupNow]
    late: list[LateCase]
    breached: list[Breached]
    agents: list[AgentToday]
    outbox: list[Backlog]
    max_cases: int
    heavy_limit: int  # 0: no limit
    rate_limit: int
    rate_window: float


def number(case_id: int) -> str:
    return f"C-{case_id:05d}"


def group_name(groups: AgentGroups, chat: int | None) -> str:
    """As HELPLINE_AGENTS_CHAT_IDS names it (and /transfer knows it)."""
    found = groups.by_chat(chat)
    if found is not None:
        return found.name
    return "no agents' group configured" if chat is None else "not in the settings"


def day_start(now: datetime, hours: OpeningHours) -> datetime:
    """The start of `now`'s day in the helpline's time zone, naive UTC."""
    local = now.replace(tzinfo=UTC).astimezone(hours.zone)
    start = datetime.combine(local.date(), time(), hours.zone)
    return start.astimezone(UTC).replace(tzinfo=None)


async def live_view(session: AsyncSession, setup: LiveSetup, now: datetime) -> LiveView:
    """The desk at `now` (naive UTC)."""
    policy = setup.policy
    agents = {a.user_id: a for a in await session.scalars(select(Agent))}

    def name(agent_id: int | None) -> str | None:
        if agent_id is None:
            return None
        agent = agents.get(agent_id)
        return agent.name if agent is not None else f"#{agent_id}"

    # the open cases: the queue, the waits, the loads, the targets passed
    open_cases = await session.scalars(select(Case).where(Case.status.in_(OPEN)))
    counts: dict[int | None, Counter[str]] = defaultdict(Counter)
    longest: dict[int | None, tuple[timedelta, str]] = {}
    loads: dict[int | None, Counter[int]] = defaultdict(Counter)
    late: list[LateCase] = []
    for case in open_cases:
        group = setup.groups.chat_of(case.agents_chat_id)
        tally = counts[group]
        if case.status == CaseStatus.WAITING:
            tally["queued" if case.assigned_agent_id is None else "untaken"] += 1
        if case.assigned_agent_id is not None:
            loads[group][case.assigned_agent_id] += 1
        wait = current_wait(case, policy.first_reply, policy.next_reply)
        if wait is None:
            continue
        tally["waiting"] += 1
        if (now - wait.since, case.number) > longest.get(group, (timedelta.min, "")):
            longest[group] = (now - wait.since, case.number)
        waited = open_time(setup.hours, wait.since, now)
        if waited > wait.allowed:
            late.append(
                LateCase(
                    case.number,
                    case.priority,
                    wait.target,
                    waited,
                    wait.allowed,
                    name(case.assigned_agent_id),
                    case.sla_breaches,
                )
            )
    late.sort(key=lambda c: (c.allowed - c.waited, c.number))  # the latest first

    groups = []
    for group in _in_order(setup.groups, {*counts, *loads}):
        tally = counts[group]
        default = setup.groups.is_default(group)
        groups.append(
            GroupNow(
                group,
                group_name(setup.groups, group),
                tally["queued"],
                tally["untaken"],
                tally["waiting"],
                *(longest.get(group) or (None, None)),
                sorted(
                    (AgentLoad(name(a) or "", n) for a, n in loads[group].items()),
                    key=lambda load: load.name.lower(),
                ),
                sorted(
                    (
                        a.name
                        for a in agents.values()
                        if a.available and is_member(a, group, default)
                    ),
                    key=str.lower,
                ),
            )
        )

    return LiveView(
        at=now,
        day_start=day_start(now, setup.hours),
        groups=groups,
        late=late[:MAX_LISTED],
        breached=await _breached(session, now, name),
        agents=await _agents_today(session, setup, now, agents, loads),
        outbox=await _outbox(session, setup, now),
        max_cases=policy.max_cases,
        heavy_limit=policy.heavy_per_shift,
        rate_limit=setup.rate_limit,
        rate_window=setup.rate_window,
    )


def _in_order(configured: AgentGroups, found: set[int | None]) -> list[int | None]:
    """The configured groups (the default first), then any other a case or a row is in (a group
    taken off the settings), by id; without groups, the one unnamed group."""
    listed: list[int | None] = list(configured.chat_ids) or [None]
    return listed + sorted((g for g in found if g not in listed), key=lambda g: g or 0)


async def _breached(
    session: AsyncSession, now: datetime, name: Callable[[int | None], str | None]
) -> list[Breached]:
    rows = await session.execute(
        select(
            Case.id,
            Case.priority,
            Case.status,
            Case.breached_at,
            Case.sla_breaches,
            Case.assigned_agent_id,
        )
        .where(Case.breached_at >= now - RECENT)
        .order_by(Case.breached_at.desc(), Case.id.desc())
        .limit(MAX_LISTED)
    )
    return [
        Breached(number(case_id), priority, status, at, breaches, name(agent_id))
        for case_id, priority, status, at, breaches, agent_id in rows
    ]


async def _agents_today(
    session: AsyncSession,
    setup: LiveSetup,
    now: datetime,
    agents: dict[int, Agent],
    loads: dict[int | None, Counter[int]],
) -> list[AgentToday]:
    rows = await session.execute(
        select(
            Case.assigned_agent_id,
            Case.opened_at,
            Case.first_agent_reply_at,
            Case.satisfaction,
        ).where(Case.opened_at >= day_start(now, setup.hours), Case.assigned_agent_id.is_not(None))
    )
    today: dict[int, list[tuple[float | None, int | None]]] = defaultdict(list)
    for agent_id, opened, replied, satisfaction in rows:
        reply = None if replied is None else (replied - opened).total_seconds() / 60
        today[int(agent_id)].append((reply, satisfaction))
    heavy = await heavy_counts(session, agents.values(), now)
    open_now = sum(loads.values(), Counter())
    shown = {a for a, agent in agents.items() if agent.available} | set(today) | set(open_now)
    shown |= {a for a, n in heavy.items() if n}
    result = []
    for agent_id in shown:
        agent = agents.get(agent_id)
        replies = [r for r, _ in today[agent_id] if r is not None]
        scores = [s for _, s in today[agent_id] if s is not None]
        result.append(
            AgentToday(
                name=agent.name if agent is not None else f"#{agent_id}",
                available=agent is not None and agent.available,
                open_cases=open_now[agent_id],
                cases_today=len(today[agent_id]),
                first_reply_median=median(replies) if replies else None,
                satisfaction=fmean(scores) if scores else None,
                heavy=heavy.get(agent_id, 0),
                break_suggested=agent is not None
                and (agent.break_suggested_at or datetime.min) >= shift_start(agent, now),
            )
        )
    return sorted(result, key=lambda a: (not a.available, a.name.lower()))


async def _outbox(session: AsyncSession, setup: LiveSetup, now: datetime) -> list[Backlog]:
    query = select(
        GroupPost.group_chat_id,
        func.count(),
        func.min(GroupPost.created_at),
        func.coalesce(func.sum(when((GroupPost.attempts > 0, 1), else_=0)), 0),
    ).group_by(GroupPost.group_chat_id)
    found: dict[int | None, tuple[int, datetime | None, int]] = {}
    for stored, count, first, refused in await session.execute(query):
        group = setup.groups.chat_of(stored)  # NULL: the default group's
        rows, oldest, retrying = found.get(group, (0, None, 0))
        oldest = first if oldest is None else min(oldest, first)
        found[group] = (rows + int(count), oldest, retrying + int(refused))
    result = []
    for group in _in_order(setup.groups, set(found)):
        rows, oldest, retrying = found.get(group, (0, None, 0))
        pace = max(1, setup.rate_limit)
        result.append(
            Backlog(
                group,
                group_name(setup.groups, group),
                rows,
                None if oldest is None else max(timedelta(), now - oldest),
                retrying,
                timedelta(seconds=rows / pace * setup.rate_window),
                rows > pace,
            )
        )
    return result
