"""The patients' plans (bot/plan.py): the kinds of data ticked and the steps done, by id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PatientPlan, utcnow


class PlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, patient_id: int) -> PatientPlan | None:
        return await self.session.get(PatientPlan, patient_id)

    async def save(self, patient_id: int, exposed: Sequence[str], done: Sequence[str]) -> None:
        """The patient's plan, made or changed (written with the turn)."""
        plan = await self.get(patient_id)
        if plan is None:
            self.session.add(
                PatientPlan(
                    patient_id=patient_id,
                    exposed=list(exposed),
                    done=list(done),
                    updated_at=utcnow(),
                )
            )
            return
        plan.exposed, plan.done, plan.updated_at = list(exposed), list(done), utcnow()
