"""Cases: a patient's request for a person, from opening to closing. No Telegram here."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Patient, utcnow

PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2}
RISK_REASONS = frozenset({"crisis", "blackmail"})


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find_open(self, patient: Patient) -> Case | None:
        return await self.session.scalar(
            select(Case).where(Case.patient_id == patient.id, Case.status != "closed")
        )

    async def by_topic(self, topic_id: int) -> Case | None:
        return await self.session.scalar(
            select(Case).where(Case.topic_id == topic_id).order_by(Case.id.desc())
        )

    async def open(
        self, patient: Patient, reason: str, priority: str, language: str
    ) -> tuple[Case, bool]:
        """The patient's open case (raised to `priority` if higher), or a new one; and whether
        it is new. Two simultaneous requests give one case: the database refuses a second."""
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
        if PRIORITY_RANK[priority] < PRIORITY_RANK[case.priority]:
            case.priority = priority
        if reason in RISK_REASONS and reason not in case.risk_flags:
            case.risk_flags = [*case.risk_flags, reason]
        await self.session.flush()
        return case, created

    async def queue_position(self, case: Case) -> int:
        """1 for the next case an agent should take: by priority, then by age."""
        ahead = await self.session.scalar(
            select(func.count()).where(
                Case.status == "waiting",
                Case.id != case.id,
                (Case.priority.in_([p for p, r in PRIORITY_RANK.items()
                                    if r < PRIORITY_RANK[case.priority]]))
                | ((Case.priority == case.priority) & (Case.opened_at <= case.opened_at)),
            )
        )  # fmt: skip
        return int(ahead or 0) + 1

    async def take(self, case: Case, agent_id: int) -> None:
        case.status = "taken"
        case.assigned_agent_id = agent_id
        await self.session.flush()

    async def agent_replied(self, case: Case) -> None:
        if case.first_agent_reply_at is None:
            case.first_agent_reply_at = utcnow()
            await self.session.flush()

    async def close(self, case: Case, *, confirmed: bool = False) -> bool:
        """Close the case; a case with a risk flag needs the agent's explicit confirmation."""
        if case.risk_flags and not confirmed:
            return False
        case.status = "closed"
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
        case.status, case.closed_at = "waiting", None
        await self.session.flush()
        return case
