"""Cases: a patient's request for a person, from opening to closing. No Telegram here."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CASE_IS_OPEN, Case, CaseStatus, GroupPost, Patient, Priority, utcnow
from storage.outbox import EraseTopic, GroupPayload
from storage.redaction import redact
from storage.session import agents_outbox_written

PRIORITY_RANK = {priority: rank for rank, priority in enumerate(Priority)}  # 0: most pressing
RISK_REASONS = frozenset({"crisis", "blackmail"})


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find_open(self, patient: Patient) -> Case | None:
        return await self.session.scalar(
            select(Case).where(Case.patient_id == patient.id, CASE_IS_OPEN)
        )

    async def by_topic(self, topic_id: int) -> Case | None:
        return await self.session.scalar(
            select(Case).where(Case.topic_id == topic_id).order_by(Case.id.desc())
        )

    async def open(
        self, patient: Patient, reason: str, priority: Priority, language: str
    ) -> tuple[Case, bool, bool]:
        """The patient's open case (raised to `priority` if higher, risk flag added), or a new
        one; whether it is new; and whether an existing case was raised. Two simultaneous
        requests give one case: the database refuses a second."""
        case = await self.find_open(patient)
        created = case is None
        if case is None:
            try:
                async with self.session.begin_nested():
                    case = Case(
                        patient_id=patient.id,
                        reason=reason,
                        priority=priority,
                        language=language,
                        risk_flags=[],
                    )
                    self.session.add(case)
            except IntegrityError:
                case = await self.find_open(patient)
                assert case is not None
                created = False
        raised = PRIORITY_RANK[priority] < PRIORITY_RANK[case.priority]
        if raised:
            case.priority = priority
        if reason in RISK_REASONS and reason not in case.risk_flags:
            case.risk_flags = [*case.risk_flags, reason]
            raised = True
        await self.session.flush()
        return case, created, raised and not created

    async def queue_position(self, case: Case) -> int:
        """1 for the next case an agent should take: by priority, then by age."""
        ahead = await self.session.scalar(
            select(func.count()).where(
                Case.status == CaseStatus.WAITING,
                Case.id != case.id,
                (Case.priority.in_([p for p, r in PRIORITY_RANK.items()
                                    if r < PRIORITY_RANK[case.priority]]))
                | ((Case.priority == case.priority) & (Case.opened_at <= case.opened_at)),
            )
        )  # fmt: skip
        return int(ahead or 0) + 1

    async def take(self, case: Case, agent_id: int) -> None:
        case.status = CaseStatus.TAKEN
        case.assigned_agent_id = agent_id
        case.taken_at = utcnow()
        await self.session.flush()

    async def raise_priority(self, case: Case, priority: Priority) -> bool:
        """Raise (never lower) the priority; whether it changed."""
        if PRIORITY_RANK[priority] >= PRIORITY_RANK[case.priority]:
            return False
        case.priority = priority
        await self.session.flush()
        return True

    async def add_note(self, case: Case, note: str) -> None:
        case.notes = [*case.notes, redact(note)[:500]]
        await self.session.flush()

    async def with_topics(self, patient: Patient) -> list[Case]:
        """The patient's cases, open or closed, that have a topic in the agents' group."""
        rows = await self.session.scalars(
            select(Case).where(Case.patient_id == patient.id, Case.topic_id.is_not(None))
        )
        return list(rows)

    async def last_closed(self, patient: Patient) -> Case | None:
        return await self.session.scalar(
            select(Case)
            .where(Case.patient_id == patient.id, Case.status == CaseStatus.CLOSED)
            .order_by(Case.closed_at.desc(), Case.id.desc())
        )

    async def waiting_since(self, before: datetime, reminded_before: datetime) -> list[Case]:
        """Cases still waiting that opened before `before` and were not reminded since
        `reminded_before`: the ones to remind the agents of."""
        rows = await self.session.scalars(
            select(Case)
            .where(
                Case.status == CaseStatus.WAITING,
                Case.opened_at <= before,
                (Case.reminded_at.is_(None)) | (Case.reminded_at <= reminded_before),
            )
            .order_by(Case.id)
        )
        return list(rows)

    async def agent_replied(self, case: Case) -> None:
        if case.first_agent_reply_at is None:
            case.first_agent_reply_at = utcnow()
            await self.session.flush()

    async def close(self, case: Case, *, confirmed: bool = False) -> bool:
        """Close the case; a case with a risk flag needs the agent's explicit confirmation."""
        if case.risk_flags and not confirmed:
            return False
        case.status = CaseStatus.CLOSED
        case.closed_at = utcnow()
        await self.session.flush()
        return True

    async def reopen(self, case: Case) -> Case:
        """Reopen a closed case, unless the patient has another open one (then that one)."""
        patient = await self.session.get(Patient, case.patient_id)
        assert patient is not None
        current = await self.find_open(patient)
        if current is not None:
            return current
        case.status, case.closed_at = CaseStatus.WAITING, None
        await self.session.flush()
        return case


class OutboxRepository:
    """Messages for the agents' group, waiting for their turn: urgent cases first, then in
    the order they were written, so one case's messages never overtake each other."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, case: Case, payload: GroupPayload) -> None:
        self.session.add(GroupPost(case_id=case.id, kind=payload.kind, payload=payload.to_json()))
        agents_outbox_written(self.session)

    async def add_erasure(self, case: Case, *, retention: bool = False) -> None:
        """Delete the case's topic. Kept apart from the case (which is about to be erased with
        its patient, and its rows with it): only the topic and the case number remain.
        `retention`: the case was closed longer ago than the retention period; deleted quietly
        (one notice per old case would eat the group's 20 messages a minute)."""
        payload = EraseTopic(case.topic_id, case.number, quiet=retention)
        self.session.add(GroupPost(case_id=None, kind=payload.kind, payload=payload.to_json()))
        agents_outbox_written(self.session)

    async def next(
        self, served: Sequence[int] = (), aside: Collection[int] = ()
    ) -> GroupPost | None:
        """The row to deliver now: erasures first (a patient's copied messages must not
        outlive their /delete), then by the case's priority, and between cases of one priority
        in turns, so that no case waits behind another case's backlog (a flood of 60 messages
        held a second patient's crisis topic 63rd). Each case's rows keep their order: only a
        case's oldest row is a candidate. `served`: case ids delivered lately, least recent
        first; a case not in it has not been served lately and goes first. `aside`: rows this
        version cannot read (a newer one wrote them), left in place and passed over."""
        rank = when(
            *((Case.priority == p, r) for p, r in PRIORITY_RANK.items()), else_=len(PRIORITY_RANK)
        )
        turn = when(*((GroupPost.case_id == c, i) for i, c in enumerate(served)), else_=-1)
        heads = select(func.min(GroupPost.id)).group_by(GroupPost.case_id)
        if aside:
            heads = heads.where(GroupPost.id.not_in(aside))
        return await self.session.scalar(
            select(GroupPost)
            .outerjoin(Case, Case.id == GroupPost.case_id)
            .where(GroupPost.id.in_(heads))
            .order_by(
                GroupPost.case_id.is_not(None),
                rank,
                *((turn,) if served else ()),
                GroupPost.id,
            )
            .limit(1)
        )

    async def pending(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(GroupPost)) or 0)
