"""Cases on a real SQLite file: one open case per patient, priorities, risk, closing, reopening."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.cases import CaseRepository, OutboxRepository
from storage.models import Case
from storage.outbox import OpenTopic, TopicText
from storage.repositories import PatientRepository


async def new_patient(sessions: async_sessionmaker[AsyncSession], chat: str) -> None:
    async with sessions() as session, session.begin():
        await PatientRepository(session).get_or_create("telegram", chat)


async def open_case(
    sessions: async_sessionmaker[AsyncSession], chat: str, reason: str, priority: str
) -> tuple[int, bool, str, list[str]]:
    async with sessions() as session, session.begin():
        patient, _ = await PatientRepository(session).get_or_create("telegram", chat)
        case, created, _ = await CaseRepository(session).open(patient, reason, priority, "fr")
        return case.id, created, case.priority, list(case.risk_flags)


async def test_one_open_case_per_patient_even_when_asked_twice_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await new_patient(sessions, "1")
    results = await asyncio.gather(
        open_case(sessions, "1", "human_handoff", "normal"),
        open_case(sessions, "1", "crisis", "urgent"),
    )
    assert results[0][0] == results[1][0]
    assert sorted(r[1] for r in results) == [False, True]
    async with sessions() as session:
        rows = (await session.execute(text("SELECT priority, risk_flags FROM cases"))).all()
    assert rows == [("urgent", '["crisis"]')]


async def test_case_number_never_shows_a_name(sessions: async_sessionmaker[AsyncSession]) -> None:
    case_id, *_ = await open_case(sessions, "2", "command", "normal")
    async with sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None and case.number == f"C-{case_id:05d}"


async def test_queue_position_puts_urgent_cases_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = [
        (await open_case(sessions, chat, reason, priority))[0]
        for chat, reason, priority in [
            ("a", "command", "normal"),
            ("b", "scam_victim", "high"),
            ("c", "crisis", "urgent"),
            ("d", "command", "normal"),
        ]
    ]
    async with sessions() as session:
        repo = CaseRepository(session)
        positions = [await repo.queue_position(await session.get(Case, i)) for i in ids]
    assert positions == [3, 2, 1, 4]


async def test_risk_cases_need_confirmation_to_close_and_can_reopen(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id, *_ = await open_case(sessions, "r", "blackmail", "urgent")
    async with sessions() as session, session.begin():
        repo = CaseRepository(session)
        case = await session.get(Case, case_id)
        assert case is not None
        await repo.take(case, agent_id=42)
        assert await repo.close(case) is False
        assert case.status == "taken"
        assert await repo.close(case, confirmed=True) is True
        assert case.status == "closed" and case.closed_at is not None
    again_id, created, *_ = await open_case(sessions, "r", "command", "normal")
    assert created and again_id != case_id  # closed cases don't block a new one
    async with sessions() as session, session.begin():
        old = await session.get(Case, case_id)
        assert old is not None
        assert (await CaseRepository(session).reopen(old)).id == again_id


async def test_deleting_the_patient_deletes_their_cases(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await open_case(sessions, "x", "command", "normal")
    async with sessions() as session, session.begin():
        patients = PatientRepository(session)
        patient = await patients.find("telegram", "x")
        assert patient is not None
        await patients.delete(patient)
    async with sessions() as session:
        assert (await session.execute(text("SELECT count(*) FROM cases"))).scalar() == 0


async def deliver_all(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[int | None, str]]:
    """Take the outbox's rows one by one as the agents' delivery does (the cases served lately
    remembered, least recent first); returns (case id, text or kind) in delivery order."""
    served: list[int] = []
    order = []
    while True:
        async with sessions() as session, session.begin():
            row = await OutboxRepository(session).next(tuple(served))
            if row is None:
                return order
            order.append((row.case_id, row.payload.get("text", row.kind)))
            await session.delete(row)
        if row.case_id is not None:
            served = [c for c in served if c != row.case_id] + [row.case_id]


async def test_a_flooding_case_does_not_hold_back_another_urgent_case(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    flooding, *_ = await open_case(sessions, "1", "crisis", "urgent")
    async with sessions() as session, session.begin():
        case = await session.get(Case, flooding)
        assert case is not None
        outbox = OutboxRepository(session)
        await outbox.add(case, OpenTopic())
        for n in range(60):
            await outbox.add(case, TopicText(f"flood {n}"))
    crisis, *_ = await open_case(sessions, "2", "crisis", "urgent")
    async with sessions() as session, session.begin():
        case = await session.get(Case, crisis)
        assert case is not None
        await OutboxRepository(session).add(case, OpenTopic())
        await OutboxRepository(session).add(case, TopicText("au secours"))
    order = await deliver_all(sessions)
    # the second crisis is served within the first turns, not after the 60 messages
    assert order.index((crisis, "topic")) <= 2 and order.index((crisis, "au secours")) <= 4
    # and each case's own messages keep their order
    assert [t for c, t in order if c == flooding] == ["topic", *(f"flood {n}" for n in range(60))]


async def test_cases_of_one_priority_take_turns_and_urgent_goes_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = []
    for chat, priority in (("1", "normal"), ("2", "normal"), ("3", "urgent")):
        case_id, *_ = await open_case(sessions, chat, "human_handoff", priority)
        ids.append(case_id)
        async with sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            assert case is not None
            for n in range(3):
                await OutboxRepository(session).add(case, TopicText(f"{chat}.{n}"))
    order = [text for _, text in await deliver_all(sessions)]
    assert order == ["3.0", "3.1", "3.2", "1.0", "2.0", "1.1", "2.1", "1.2", "2.2"]
