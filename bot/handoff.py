"""Who answers when a patient needs a person: the engine's one question about its setting.

Two answers, chosen once by the wiring (bot/app.py):
- `NoTeam`: nobody can answer here (the console, or Telegram without an agents' group). No case
  is opened and the bot never promises a person: it gives the numbers that answer instead.
- the agents' team (`bot.escalation.Escalations`): cases are opened, followed in the agents'
  forum group, and the patient's messages during a case are relayed to it.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, Patient, Priority


class Handoff(Protocol):
    @property
    def team(self) -> bool:
        """Whether a person can answer here (what the bot may promise)."""
        ...

    def followed(self, case: Case | None) -> Case | None:
        """The patient's open case if a person follows it here, else None."""
        ...

    async def open(
        self,
        session: AsyncSession,
        patient: Patient,
        reason: str,
        priority: Priority,
        language: str,
    ) -> list[str]:
        """Open (or raise) the patient's case; what to tell them about waiting."""
        ...

    async def relay(
        self, session: AsyncSession, case: Case, message_id: int | None, kind: str, text: str = ""
    ) -> None:
        """A patient's message during a case goes to the people following it."""
        ...

    async def forget(self, session: AsyncSession, patient: Patient) -> None:
        """The patient erased their data (/delete): so do the people's copies."""
        ...

    async def rate(self, session: AsyncSession, patient: Patient, score: int) -> bool:
        """The patient's 1-5 answer about their last closed case; False if nothing to rate."""
        ...


class NoTeam:
    """Nobody answers here: no case, no promise, nothing relayed."""

    team = False

    def followed(self, case: Case | None) -> Case | None:
        return None

    async def open(
        self,
        session: AsyncSession,
        patient: Patient,
        reason: str,
        priority: Priority,
        language: str,
    ) -> list[str]:
        return []

    async def relay(
        self, session: AsyncSession, case: Case, message_id: int | None, kind: str, text: str = ""
    ) -> None:
        return None

    async def forget(self, session: AsyncSession, patient: Patient) -> None:
        return None

    async def rate(self, session: AsyncSession, patient: Patient, score: int) -> bool:
        return False
