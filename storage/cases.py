"""Cases: a patient's request for a person, from opening to closing. No Telegram here."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, String, cast, func, select
from sqlalchemy import case as when
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    CASE_IS_OPEN,
    Case,
    CaseStatus,
    GroupPost,
    Outcome,
    Patient,
    Priority,
    utcnow,
)
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

    async def by_topic(
        self, topic_id: int, group: ColumnElement[bool] | None = None
    ) -> Case | None:
        """The case of a topic; `group` (storage.agents_groups.in_group): in that group, where
        a topic id means something."""
        query = select(Case).where(Case.topic_id == topic_id)
        if group is not None:
            query = query.where(group)
        return await self.session.scalar(query.order_by(Case.id.desc()))

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

    async def queue_position(self, case: Case, group: ColumnElement[bool] | None = None) -> int:
        """1 for the next case an agent should take: by priority, then by age; `group`: in
        the case's agents' group's queue (storage.agents_groups.in_group)."""
        ahead = await self.session.scalar(
            select(func.count()).where(
                Case.status == CaseStatus.WAITING,
                Case.id != case.id,
                (Case.priority.in_([p for p, r in PRIORITY_RANK.items()
                                    if r < PRIORITY_RANK[case.priority]]))
                | ((Case.priority == case.priority) & (Case.opened_at <= case.opened_at)),
                *((group,) if group is not None else ()),
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
        """The patient's cases, open or closed, that have a topic in the agents' group (or
        had one, before a /transfer)."""
        # JSON has no equality on PostgreSQL: compare its text (as written, "[]")
        had = cast(Case.former_topics, String) != "[]"
        rows = await self.session.scalars(
            select(Case).where(Case.patient_id == patient.id, Case.topic_id.is_not(None) | had)
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
        case.patient_waiting_since = None  # answered (bot/desk.py)
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
        case.outcome = None  # asked again at the next close; the categories stay as chosen
        await self.session.flush()
        return case

    # --- what the agent says of the case at close (bot/case_closing.py, issue 17) ------------

    async def for_closing(self, case_id: int) -> Case | None:
        """The case, locked until the transaction ends where the database can (PostgreSQL):
        two agents ticking categories at once both count."""
        return await self.session.get(Case, case_id, with_for_update=True)

    async def set_outcome(self, case: Case, outcome: Outcome) -> None:
        case.outcome = outcome
        await self.session.flush()

    async def set_categories(self, case: Case, categories: Sequence[str]) -> None:
        case.categories = list(categories)
        await self.session.flush()


class OutboxRepository:
    """Messages for the agents' group, waiting for their turn: urgent cases first, then in
    the order they were written, so one case's messages never overtake each other."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, case: Case, payload: GroupPayload) -> None:
        """Into the case's agents' group (bot/agents_groups.py), fixed now: a /transfer later
        moves what is still pending (storage.agents_groups)."""
        self.session.add(
            GroupPost(
                case_id=case.id,
                kind=payload.kind,
                payload=payload.to_json(),
                group_chat_id=case.agents_chat_id,
            )
        )
        agents_outbox_written(self.session)

    async def add_erasure(self, case: Case, *, retention: bool = False) -> None:
        """Delete the case's topic. Kept apart from the case (which is about to be erased with
        its patient, and its rows with it): only the topic and the case number remain.
        `retention`: the case was closed longer ago than the retention period; deleted quietly
        (one notice per old case would eat the group's 20 messages a minute)."""
        if case.topic_id is not None or not case.former_topics:
            payload = EraseTopic(case.topic_id, case.number, quiet=retention)
            await self.add_general(payload, case.agents_chat_id)
        # the topics it was transferred away from (bot/transfer.py), each in its group
        for group, topic in case.former_topics or ():
            await self.add_general(EraseTopic(topic, case.number, quiet=retention), group)
        if case.former_topics:
            case.former_topics = []

    async def add_general(self, payload: GroupPayload, group: int | None = None) -> None:
        """Something about no one case (an agent's availability, a word to an agent): like
        erasures, sent ahead of the cases' rows. `group`: the agents' group it goes to (None:
        the default one, bot/agents_groups.py)."""
        self.session.add(
            GroupPost(
                case_id=None, kind=payload.kind, payload=payload.to_json(), group_chat_id=group
            )
        )
        agents_outbox_written(self.session)

    async def next(
        self,
        served: Sequence[int] = (),
        aside: Collection[int] = (),
        group: ColumnElement[bool] | None = None,
    ) -> GroupPost | None:
        """The row to deliver now: erasures first (a patient's copied messages must not
        outlive their /delete), then by the case's priority, and between cases of one priority
        in turns, so that no case waits behind another case's backlog (a flood of 60 messages
        held a second patient's crisis topic 63rd). Each case's rows keep their order: only a
        case's oldest row is a candidate. `served`: case ids delivered lately, least recent
        first; a case not in it has not been served lately and goes first. `aside`: rows this
        version cannot read (a newer one wrote them), left in place and passed over. `group`:
        the rows of one agents' group (storage.agents_groups.in_group), each group delivered
        on its own."""
        rank = when(
            *((Case.priority == p, r) for p, r in PRIORITY_RANK.items()), else_=len(PRIORITY_RANK)
        )
        turn = when(*((GroupPost.case_id == c, i) for i, c in enumerate(served)), else_=-1)
        heads = select(func.min(GroupPost.id)).group_by(GroupPost.case_id)
        if aside:
            heads = heads.where(GroupPost.id.not_in(aside))
        if group is not None:
            heads = heads.where(group)
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
