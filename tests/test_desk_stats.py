"""The agents' response times on the review workspace's statistics page: first reply and
resolution per priority and per agent, and the cases that missed a target."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from review.auth import LoginThrottle
from review.queries.desk_stats import NOBODY, DeskRow, desk_statistics
from review.web import create_app
from storage.models import Agent, Case, CaseStatus, Priority
from storage.repositories import PatientRepository
from tests.review_helpers import add_accounts, login, review_config

A, B = 7001, 7002
DAY = datetime(2026, 11, 30, 9, 0)


async def seed_cases(sessions: async_sessionmaker[AsyncSession]) -> None:
    """(priority, agent, minutes to first reply, minutes to closing, targets missed)."""
    cases = [
        (Priority.URGENT, A, 4, 30, 0),
        (Priority.URGENT, B, 10, None, 1),
        (Priority.NORMAL, A, 60, 120, 0),
        (Priority.NORMAL, A, 300, 400, 2),
        (Priority.NORMAL, None, None, None, 1),
    ]
    async with sessions() as session, session.begin():
        session.add_all([Agent(user_id=A, name="@alice"), Agent(user_id=B, name="Bruno")])
        for n, (priority, agent, reply, close, missed) in enumerate(cases):
            patient, _, _ = await PatientRepository(session).arrive("telegram", str(n))
            session.add(
                Case(
                    patient_id=patient.id,
                    reason="human_handoff",
                    priority=priority,
                    status=CaseStatus.CLOSED if close is not None else CaseStatus.TAKEN,
                    assigned_agent_id=agent,
                    opened_at=DAY,
                    first_agent_reply_at=DAY + timedelta(minutes=reply) if reply else None,
                    closed_at=DAY + timedelta(minutes=close) if close else None,
                    sla_breaches=missed,
                )
            )
        # opened the day before the span: not counted
        patient, _, _ = await PatientRepository(session).arrive("telegram", "old")
        session.add(Case(patient_id=patient.id, reason="x", opened_at=DAY - timedelta(days=1)))


async def test_response_times_per_priority_and_per_agent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await seed_cases(sessions)
    async with sessions() as session:
        desk = await desk_statistics(session, date(2026, 11, 30), date(2026, 11, 30))
    assert desk.by_priority == [
        DeskRow("urgent", 2, 7.0, 30.0, 1),
        DeskRow("normal", 3, 180.0, 260.0, 2),
    ]
    assert desk.by_agent == [
        DeskRow(NOBODY, 1, None, None, 1),
        DeskRow("@alice", 3, 60.0, 120.0, 1),
        DeskRow("Bruno", 1, 10.0, None, 1),
    ]


async def test_the_statistics_page_shows_them_to_supervisors(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_accounts(sessions)
    await seed_cases(sessions)
    app = create_app(sessions, review_config(), LoginThrottle(3, 12, 600))
    async with TestClient(TestServer(app)) as client:
        await login(client, "sam")
        page = await (await client.get("/stats?from=2026-11-30&to=2026-11-30")).text()
    assert 'id="desk-priority"' in page and 'id="desk-agent"' in page
    assert '<td>@alice</td><td class="n">3</td>' in page
    assert "180.0" in page and "260.0" in page
