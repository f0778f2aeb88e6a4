"""The follow-ups that came due (bot/followups.py), written as the patient's deliveries.

`DueFollowups.take` finds the messages due by the clock's "now", writes each as a delivery
(bot/deliveries.py) and marks it sent, in one transaction: the channel then sends it like any
reply, paced and durable (a crash before the send leaves the delivery, which the next start
sends). So each goes once, whatever the restarts. A message for a patient who blocked the bot,
or whose chat the retention period forgot, is dropped, never retried; one for a patient a person
is talking to (an open case) waits until the case is closed. In discreet mode it begins with the
neutral line, like every notice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import letters_flow, plan
from bot.conversation import TOPIC
from bot.deliveries import to_rows
from bot.discretion import with_discreet_lead
from bot.followups import FOLLOWUP
from bot.letters import LetterKind, next_step, reminder_text
from bot.plan_steps import steps_for
from bot.replies import Button, Reply
from bot.turn import choose_language
from responses import Catalogue
from storage.deliveries import DeliveryRepository
from storage.followups import FollowupRepository
from storage.models import FollowupKind, Patient, PatientFollowup, utcnow
from storage.plans import PlanRepository
from storage.repositories import MessageRepository
from storage.retention import FORGOTTEN

if TYPE_CHECKING:
    from bot.engine import Engine

# what a check-in offers to talk about: a suspicious message, an account or loan not theirs
CHECKIN_TOPICS = ("phishing_report", "identity_theft")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A follow-up to send: stored as `delivery` until the channel says it went."""

    chat_id: str
    items: list[Reply]
    delivery: int


class DueFollowups:
    def __init__(
        self,
        catalogue: Catalogue,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.catalogue = catalogue
        self.sessions = sessions
        self.clock = clock

    @classmethod
    def of(cls, engine: Engine) -> DueFollowups:
        return cls(engine.catalogue, engine.sessions, engine.clock)

    async def take(
        self, channel: str, chat_id: str | None = None, limit: int = 100
    ) -> list[Outgoing]:
        """The channel's follow-ups due now (or one chat's), queued as deliveries, marked sent."""
        now = self.clock()
        taken: list[Outgoing] = []
        async with self.sessions() as session, session.begin():
            followups = FollowupRepository(session)
            dropped: list[int] = []
            for followup, patient in await followups.due(channel, now, chat_id, limit):
                if patient.blocked_at is not None or patient.chat_id.startswith(FORGOTTEN):
                    dropped.append(followup.id)
                    continue
                language = choose_language(patient)
                reply = await self._message(session, followup, patient, language)
                MessageRepository(session).add_reply(patient, reply.text)
                [reply] = with_discreet_lead(self.catalogue, patient, language, [reply])
                delivery = await DeliveryRepository(session).add(
                    channel, patient.chat_id, to_rows([reply])
                )
                followup.sent_at = now
                taken.append(Outgoing(patient.chat_id, [reply], delivery))
            await followups.drop(dropped)
        return taken

    async def _message(
        self, session: AsyncSession, followup: PatientFollowup, patient: Patient, language: str
    ) -> Reply:
        if followup.kind is FollowupKind.LETTER_DEADLINE:
            kind = LetterKind(str(followup.letter))
            assert followup.sent_on is not None  # scheduled with the letter's day
            following = next_step(kind)
            buttons = () if following is None else (self._letter(language, following),)
            return Reply(reminder_text(kind, language, followup.sent_on), buttons)
        return await self._checkin(session, followup.kind, patient, language)

    def _letter(self, language: str, kind: LetterKind) -> Button:
        return letters_flow.button_for(self.catalogue, language, kind)

    async def _checkin(
        self, session: AsyncSession, kind: FollowupKind, patient: Patient, language: str
    ) -> Reply:
        """How are things, what to check now, what is left of their plan."""
        phrase = self.catalogue.phrase
        parts = [phrase(kind.value, language), phrase("checkin_check", language)]
        buttons: list[Button] = []
        saved = await PlanRepository(session).get(patient.id)
        if saved is not None and saved.exposed:
            left = [s.title for s in steps_for(saved.exposed, language) if s.id not in saved.done]
            if left:
                listed = "\n".join(f"- {title}" for title in left)
                parts.append(f"{phrase('checkin_remaining', language)}\n{listed}")
            buttons.append(plan.button_for(self.catalogue, language))
        buttons += [
            Button(self.catalogue.title(intent, language), TOPIC + intent)
            for intent in CHECKIN_TOPICS
        ]
        buttons.append(Button(phrase("checkin_stop_button", language), FOLLOWUP + "off"))
        return Reply("\n\n".join(parts), tuple(buttons))
