"""The supervisors' live view (review/queries/live.py, review/pages/live.py): the queue and the
waits per agents' group, the loads, the agents available, the cases past their target and the
recent breaches, each agent's day and crisis cases this shift, the outbox's backlog."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agents_groups import AgentGroups
from bot.desk import DeskPolicy
from bot.hours import OpeningHours
from bot.sla import Target
from review.auth import LoginThrottle
from review.pages.live import span
from review.queries.live import (
    AgentLoad,
    AgentToday,
    Backlog,
    Breached,
    GroupNow,
    LateCase,
    LiveSetup,
    day_start,
    live_view,
)
from review.web import create_app
from storage.db import create_engine, migrate, session_factory
from storage.models import Agent, Case, CaseStatus, GroupPost, Patient, Priority, utcnow
from tests.review_helpers import add_accounts, login, review_config

A, B, C, D = 7001, 7002, 7003, 7004
GROUP, OTHER, GONE = -1001000, -1002000, -1009999
NOW = datetime(2026, 11, 30, 12, 0)  # 13:00 in Paris: "today" began at 23:00 UTC
SETUP = LiveSetup(
    policy=DeskPolicy(max_cases=3, heavy_per_shift=2),
    hours=OpeningHours.parse("always"),
    groups=AgentGroups.parse("", GROUP),  # HELPLINE_AGENTS_CHAT_ID alone: "main"
)


def ago(minutes: float, now: datetime) -> datetime:
    return now - timedelta(minutes=minutes)


async def seed_desk(sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
    """Four agents and nine cases (ids 1-9, C-00001...), 26 posts waiting in the outbox.
    Minutes before `now`: (status, priority, flags, agent, opened, assigned, first reply,
    patient waiting since, breached, satisfaction)."""
    W, T, X = CaseStatus.WAITING, CaseStatus.TAKEN, CaseStatus.CLOSED
    N, U = Priority.NORMAL, Priority.URGENT
    cases = [
        (W, N, [], None, 30, None, None, None, None, None),  # 1 queued, within its target
        (W, U, ["crisis"], None, 20, None, None, None, None, None),  # 2 queued, 15 min late
        (W, N, [], A, 10, 10, None, None, None, None),  # 3 given to A, not taken up
        (T, N, ["crisis"], A, 120, 60, 100, 65, None, None),  # 4 A, unanswered 65 min: late
        (T, N, ["blackmail"], B, 40, 30, 35, None, 36, None),  # 5 B, missed a target lately
        (X, N, ["crisis"], A, 300, 300, 296, None, None, 4),  # 6 A, before A's shift began
        (X, N, ["crisis"], C, 180, 180, 170, None, None, 2),  # 7 C, now away
        (X, N, [], A, 1800, 1800, 1790, None, 1800, 5),  # 8 yesterday
        (T, N, ["blackmail"], A, 100, 90, 98, None, None, None),  # 9 A
    ]
    async with sessions() as session, session.begin():
        session.add_all(
            [
                Agent(user_id=A, name="@alice", available=True, since=ago(120, now)),
                Agent(user_id=B, name="Bruno", available=True, since=ago(60, now)),
                Agent(user_id=C, name="Chloé", available=False, since=ago(60, now)),
                Agent(user_id=D, name="Dora", available=True, since=ago(5, now)),
            ]
        )
        for n, row in enumerate(cases, start=1):
            status, priority, flags, agent, opened, assigned, replied, waiting, breached, score = (
                row
            )
            patient = Patient(pseudonym=f"PSEUDO{n:04d}", channel="telegram", chat_id=f"5550{n}")
            session.add(patient)
            await session.flush()
            session.add(
                Case(
                    id=n,
                    patient_id=patient.id,
                    reason=flags[0] if flags else "human_handoff",
                    status=status,
                    priority=priority,
                    risk_flags=flags,
                    assigned_agent_id=agent,
                    opened_at=ago(opened, now),
                    assigned_at=None if assigned is None else ago(assigned, now),
                    first_agent_reply_at=None if replied is None else ago(replied, now),
                    patient_waiting_since=None if waiting is None else ago(waiting, now),
                    breached_at=None if breached is None else ago(breached, now),
                    sla_breaches=0 if breached is None else 1,
                    closed_at=now if status == X else None,
                    satisfaction=score,
                )
            )
        await session.flush()
        alice = await session.get(Agent, A)
        assert alice is not None
        alice.break_suggested_at = ago(30, now)
        # the outbox: 25 posts for case 2's topic, one in General (Telegram refused it twice)
        for _ in range(25):
            session.add(GroupPost(case_id=2, kind="text", created_at=ago(3, now)))
        session.add(
            GroupPost(kind="announce", created_at=ago(4, now), attempts=2, group_chat_id=GROUP)
        )


EXPECTED_AGENTS = [
    AgentToday("@alice", True, 3, 4, 4.0, 4.0, 2, True),  # cases 3 4 6 9; 6 before the shift
    AgentToday("Bruno", True, 1, 1, 5.0, None, 1, False),
    AgentToday("Dora", True, 0, 0, None, None, 0, False),
    AgentToday("Chloé", False, 0, 1, 10.0, 2.0, 1, False),  # away: their last 8 hours
]


async def test_the_desk_now(sessions: async_sessionmaker[AsyncSession]) -> None:
    await seed_desk(sessions, NOW)
    async with sessions() as session:
        view = await live_view(session, SETUP, NOW)
    assert view.day_start == datetime(2026, 11, 29, 23, 0)
    assert view.groups == [
        GroupNow(
            GROUP,
            "main",
            queued=2,
            untaken=1,
            waiting=4,  # 1, 2, 3 without a first reply; 4 unanswered
            longest_wait=timedelta(minutes=65),
            longest_case="C-00004",
            loads=[AgentLoad("@alice", 3), AgentLoad("Bruno", 1)],
            available=["@alice", "Bruno", "Dora"],
        )
    ]
    assert view.late == [
        LateCase("C-00002", Priority.URGENT, Target.FIRST_REPLY, timedelta(minutes=20),
                 timedelta(minutes=5), None, 0),
        LateCase("C-00004", Priority.NORMAL, Target.NEXT_REPLY, timedelta(minutes=65),
                 timedelta(minutes=60), "@alice", 0),
    ]  # fmt: skip
    assert view.breached == [
        Breached("C-00005", Priority.NORMAL, CaseStatus.TAKEN, ago(36, NOW), 1, "Bruno")
    ]
    assert view.agents == EXPECTED_AGENTS
    assert view.outbox == [
        Backlog(GROUP, "main", 26, timedelta(minutes=4), 1, timedelta(seconds=78), paced=True)
    ]
    assert (view.max_cases, view.heavy_limit, view.rate_limit) == (3, 2, 20)


async def test_waits_count_only_opening_hours_against_the_target(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await seed_desk(sessions, NOW)
    # Monday 13:00 in Paris; opening at 12:50 leaves case 2 (urgent, 20 min) 10 min of wait
    setup = LiveSetup(SETUP.policy, OpeningHours.parse("mon-fri 12:50-18:00"), SETUP.groups)
    async with sessions() as session:
        view = await live_view(session, setup, NOW)
    assert [(c.number, c.waited) for c in view.late] == [("C-00002", timedelta(minutes=10))]
    assert view.groups[0].longest_wait == timedelta(minutes=65)  # the wall clock


async def test_an_empty_desk_and_no_group_configured(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        view = await live_view(session, LiveSetup(), NOW)
    nowhere = "no agents' group configured"
    assert view.groups == [GroupNow(None, nowhere, 0, 0, 0, None, None, [], [])]
    assert view.late == view.breached == view.agents == []
    assert view.outbox == [Backlog(None, nowhere, 0, None, 0, timedelta(), paced=False)]


async def test_several_agents_groups(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Each group's queue, loads and members (bot/agents_groups.py); the cases and rows with no
    group recorded are the default group's; a group taken off the settings still shows."""
    await seed_desk(sessions, NOW)
    async with sessions() as session, session.begin():
        for case_id, group in ((1, GONE), (2, OTHER), (5, OTHER)):
            case = await session.get(Case, case_id)
            assert case is not None
            case.agents_chat_id = group
        for agent_id, groups in ((B, [OTHER]), (D, [GROUP, OTHER])):
            agent = await session.get(Agent, agent_id)
            assert agent is not None
            agent.groups = groups
        await session.execute(
            update(GroupPost).where(GroupPost.case_id == 2).values(group_chat_id=OTHER)
        )
    setup = LiveSetup(SETUP.policy, SETUP.hours, AgentGroups.parse(f"{GROUP}:fr, {OTHER}:en"))
    async with sessions() as session:
        view = await live_view(session, setup, NOW)
    assert [
        (g.chat_id, g.name, g.queued, g.untaken, g.waiting, g.loads, g.available)
        for g in view.groups
    ] == [
        (GROUP, "fr", 0, 1, 2, [AgentLoad("@alice", 3)], ["@alice", "Dora"]),
        (OTHER, "en", 1, 0, 1, [AgentLoad("Bruno", 1)], ["Bruno", "Dora"]),
        (GONE, "not in the settings", 1, 0, 1, [], []),
    ]
    assert [(b.chat_id, b.rows, b.paced) for b in view.outbox] == [
        (GROUP, 1, False),
        (OTHER, 25, True),
    ]


async def test_the_same_on_postgresql(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        await seed_desk(sessions, NOW)
        async with sessions() as session:
            view = await live_view(session, SETUP, NOW)
        assert view.agents == EXPECTED_AGENTS
        assert [c.number for c in view.late] == ["C-00002", "C-00004"]
        assert view.outbox[0].rows == 26 and view.groups[0].queued == 2
    finally:
        await engine.dispose()


def test_day_start_and_spans() -> None:
    summer = OpeningHours.parse("always", "Europe/Paris")
    assert day_start(datetime(2026, 7, 1, 21, 59), summer) == datetime(2026, 6, 30, 22, 0)
    assert day_start(datetime(2026, 7, 1, 22, 0), summer) == datetime(2026, 7, 1, 22, 0)
    assert [span(None), span(timedelta(seconds=59)), span(timedelta(minutes=12))] == [
        "n/a",
        "<1 min",
        "12 min",
    ]
    assert span(timedelta(minutes=125)) == "2 h 05"


async def test_only_supervisors_see_it_and_it_refreshes_itself(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_accounts(sessions)
    now = utcnow()
    await seed_desk(sessions, now)
    app = create_app(sessions, review_config(live=SETUP), LoginThrottle(3, 12, 600))
    async with TestClient(TestServer(app)) as client:
        await login(client, "rita")
        refused = await client.get("/live")
        assert refused.status == 403
        assert "/live" not in await (await client.get("/inbox")).text()
    async with TestClient(TestServer(app)) as client:
        await login(client, "sam")
        assert 'href="/live"' in await (await client.get("/inbox")).text()
        response = await client.get("/live")
        page = await response.text()
        assert response.status == 200
        assert "script" not in response.headers["Content-Security-Policy"]
        assert '<meta http-equiv="refresh" content="10">' in page
        assert 'content="3"' in await (await client.get("/live?every=3")).text()
        assert (await client.get("/live?every=soon")).status == 400

    def row(table: str, key: str) -> str:
        found = re.search(rf'<table [^>]*id="{table}">.*?</table>', page, re.S)
        assert found, table
        rows = [r for r in found.group(0).split("<tr")[1:] if key in r]
        assert len(rows) == 1, (table, key)
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", "<tr" + rows[0])).strip()

    assert row("groups", f'id="group-{GROUP}"') == (
        f"main ({GROUP}) 2 1 4 1 h 05 (C-00004) @alice: 3, Bruno: 1 3: @alice, Bruno, Dora"
    )
    assert row("late", "C-00002") == "C-00002 urgent a first reply 20 min 5 min nobody 0"
    assert row("late", "C-00004") == "C-00004 normal a reply 1 h 05 1 h 00 @alice 0"
    assert row("breached", "C-00005").startswith("C-00005 ")
    alice = row("agents", 'data-agent="@alice"')
    assert alice.startswith("@alice yes 3 / 3") and alice.endswith("2 / 2 (break suggested)")
    outbox = row("outbox", f'id="outbox-{GROUP}"')
    assert outbox == f"main ({GROUP}) 26 4 min 1 1 min held back by Telegram's limit"
    assert 'class="n heavy alert"' in page and "Chloé" in page
    # cases by number, never a patient's pseudonym or chat id
    async with sessions() as session:
        patients = list(await session.scalars(select(Patient)))
    assert patients and not any(p.pseudonym in page or p.chat_id in page for p in patients)
