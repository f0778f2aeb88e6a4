"""Escalation to people: cases, what the agents' group is told, and what agents can do.

No Telegram here. Everything meant for the agents' group is written to the durable outbox
(`storage.cases.OutboxRepository`, one typed payload per thing to do: `storage.outbox`) in the
same transaction as the change it reports; a channel adapter delivers it, paced. Agents see a
case number, a language, a priority and redacted messages: never a name, a phone number or a
chat id. What they read is worded in `bot.agent_texts`, in the agents' language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agent_texts import CASE, AgentTexts
from bot.agents_groups import AgentGroups
from bot.deliveries import Copy, to_rows
from bot.desk import AgentDesk, DeskPolicy
from bot.discretion import with_discreet_lead
from bot.hours import OpeningHours
from bot.replies import Button, Reply
from responses import Catalogue
from responses.canned_replies import load_canned_replies
from responses.case_categories import load_case_taxonomy
from storage.cases import CaseRepository, OutboxRepository
from storage.deliveries import DeliveryRepository
from storage.flags import contact_history
from storage.models import Case, CaseStatus, Patient, Priority
from storage.outbox import (
    Announce,
    CloseTopic,
    CopyToTopic,
    EditCard,
    OpenTopic,
    RenameTopic,
    ReopenTopic,
    TopicText,
)
from storage.redaction import redact
from storage.repositories import MessageRepository, PatientRepository

SATISFACTION = "sat:"
# never copied to the agents during a case: they are told one came, not what it said
NOT_RELAYED = frozenset({"contact", "location", "venue"})


@dataclass(frozen=True, slots=True)
class PatientNotice:
    """Something to tell the patient on behalf of the helpline (not an agent's own message)."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (label, data)


@dataclass
class AgentOutcome:
    """What an agent's action gives: the case, and what the patient must be told."""

    case: Case | None = None
    patient_chat: tuple[str, str] | None = None  # (channel, chat id) to reach the patient
    notices: list[PatientNotice] = field(default_factory=list)
    # what the patient must receive (the notices, or the agent's message), as stored until
    # sent (`delivery`): the channel sends exactly these
    delivery: int | None = None
    items: list[Reply | Copy] = field(default_factory=list)


async def _deliver(session: AsyncSession, patient: Patient, items: list[Reply | Copy]) -> int:
    """Queue items for the patient in the action's transaction (bot.deliveries)."""
    return await DeliveryRepository(session).add(patient.channel, patient.chat_id, to_rows(items))


def _as_reply(notice: PatientNotice) -> Reply:
    return Reply(notice.text, tuple(Button(label, data) for label, data in notice.buttons))


class Escalations:
    """Opens cases for the engine and carries out the agents' actions."""

    team = True  # bot.handoff.Handoff: a person answers here

    def followed(self, case: Case | None) -> Case | None:
        """bot.handoff.Handoff: the agents follow every open case."""
        return case

    def _notice(self, patient: Patient, notice: PatientNotice, language: str) -> Reply:
        """A notice as the patient's chat shows it: with the neutral first line in discreet
        mode (bot/discretion.py), like the engine's replies."""
        [reply] = with_discreet_lead(self.catalogue, patient, language, [_as_reply(notice)])
        return reply

    def __init__(
        self,
        catalogue: Catalogue,
        sessions: async_sessionmaker[AsyncSession],
        hours: OpeningHours,
        *,
        reminder_after: timedelta = timedelta(minutes=10),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        agents_language: str = "fr",
        desk: DeskPolicy | None = None,
        groups: AgentGroups | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.groups = groups or AgentGroups()  # several agents' groups (bot/agents_groups.py)
        self.sessions = sessions
        self.hours = hours
        self.reminder_after = reminder_after
        self.now = now
        self.texts = AgentTexts(catalogue, agents_language)  # what the agents' group reads
        # availability, assignment, response-time targets (bot/desk.py), on this clock
        self.desk = AgentDesk(self.texts, sessions, hours, lambda: self.now(), desk, self.groups)
        # the agents' canned replies and what they say of a case at close (issue 17): checked
        # at start-up, not in front of a patient
        self.canned = load_canned_replies()
        self.taxonomy = load_case_taxonomy()

    # --- the patient's side (inside the engine's transaction) --------------------------------

    async def open(
        self,
        session: AsyncSession,
        patient: Patient,
        reason: str,
        priority: Priority,
        language: str,
    ) -> list[str]:
        """Open (or raise) the patient's case; returns what to tell the patient about waiting."""
        cases, outbox = CaseRepository(session), OutboxRepository(session)
        case, created, raised = await cases.open(patient, reason, priority, language)
        if not created:
            if raised:
                await outbox.add(case, RenameTopic())
                await outbox.add(case, EditCard())
                await outbox.add(case, self._text("priority_raised", reason=reason))
                if case.priority == Priority.URGENT:
                    await outbox.add(case, Announce(self.texts.urgent_case(case)))
            position = await self.groups.queue_position(session, case)
            return [self._waiting_text(case, position, new=False)]
        await self.groups.place(session, case)  # its agents' group, before anything is written
        await outbox.add(case, OpenTopic())  # with its pinned card
        if case.priority == Priority.URGENT:
            await outbox.add(case, Announce(self.texts.urgent_case(case)))
        await self.desk.assign_queued(session)
        position = await self.groups.queue_position(session, case)
        texts = [self._waiting_text(case, position, new=True)]
        if case.priority == Priority.URGENT and reason != "crisis":  # the crisis answer gave them
            texts.append(self.catalogue.phrase("case_urgent", language))
        return texts

    def _text(self, key: str, **values: object) -> TopicText:
        """One of the agents' phrases, for the case's topic."""
        return TopicText(self.texts.phrase(key, **values))

    async def acted_on(self, session: AsyncSession, case_id: int) -> Case | AgentOutcome:
        """The case an agent's command acts on; a closed one gets the hint in its topic.
        An outcome when there is nothing to do: no case, or a closed one (with it)."""
        case = await session.get(Case, case_id)
        if case is None:
            return AgentOutcome()
        if case.status == CaseStatus.CLOSED:
            await OutboxRepository(session).add(case, self._text("closed_hint"))
            return AgentOutcome(case)
        return case

    async def relay(
        self,
        session: AsyncSession,
        case: Case,
        message_id: int | None,
        kind: str,
        text: str = "",
    ) -> None:
        """A patient's message during a case goes to the case's topic. Text goes as the bot's
        own message, redacted like the database keeps it (the agents' group is not end-to-end
        encrypted and outlives our retention); a photo or document is copied, since agents need
        to see a scam SMS screenshot, with its caption redacted; never a contact or a place (a
        phone number or an address says who someone is)."""
        outbox = OutboxRepository(session)
        self.desk.patient_wrote(case)
        if kind == "text":
            for part in self.texts.relayed(text):
                await outbox.add(case, TopicText(part))
        elif message_id is not None and kind not in NOT_RELAYED:
            await outbox.add(case, CopyToTopic(message_id, caption=redact(text)))
        else:  # not copied (a contact, a place; or a channel without copies): say one came
            await outbox.add(case, self._text("not_relayed", kind=kind))

    async def forget(self, session: AsyncSession, patient: Patient) -> None:
        """The patient erased their data (/delete). Their cases go with them, and so must the
        copies of their messages in the agents' group: each of their topics is deleted whole."""
        outbox = OutboxRepository(session)
        for case in await CaseRepository(session).with_topics(patient):
            await outbox.add_erasure(case)

    def _waiting_text(self, case: Case, position: int, *, new: bool) -> str:
        language = case.language
        now = self.now()
        if self.hours.is_open(now):
            key = "case_opened" if new else "case_waiting"
            return self.catalogue.phrase(key, language, number=case.number, position=str(position))
        # a person at risk is told the truth: nobody reads now, 3114 answers now
        key = "crisis_out_of_hours" if "crisis" in case.risk_flags else "case_out_of_hours"
        return self.catalogue.phrase(
            key,
            language,
            number=case.number,
            opening=self.hours.describe_opening(now, language),
        )

    async def rate(self, session: AsyncSession, patient: Patient, score: int) -> bool:
        """The patient's 1-5 answer about their last closed case; False if nothing to rate."""
        case = await CaseRepository(session).last_closed(patient)
        if case is None or case.satisfaction is not None or not 1 <= score <= 5:
            return False
        case.satisfaction = score
        await session.flush()
        return True

    # --- the case card -----------------------------------------------------------------------

    async def card(self, session: AsyncSession, case: Case) -> tuple[str, list[tuple[str, str]]]:
        """The pinned card (text, buttons): what an agent needs to take the case over."""
        patient = await session.get(Patient, case.patient_id)
        assert patient is not None
        history = await MessageRepository(session).recent(patient, 200)
        return self.texts.card(
            case,
            history,
            await contact_history(session, case, self.now()),
            assignee=await self.desk.assignee_name(session, case),
        )

    # --- the agents' side --------------------------------------------------------------------

    async def case_for_topic(self, topic_id: int, chat_id: int | None = None) -> Case | None:
        """The case of a topic of the agents' group `chat_id` (None: the default group)."""
        async with self.sessions() as session:
            return await CaseRepository(session).by_topic(topic_id, self.groups.cases_of(chat_id))

    async def agent_message(
        self,
        case_id: int,
        agent_id: int,
        text: str,
        kind: str,
        copy: Copy | None = None,
        *,
        echo: str | None = None,
    ) -> AgentOutcome:
        """An agent wrote to the patient in the topic: record it (redacted), take the case if
        nobody had, and queue `copy` (the agent's message, copied into the patient's chat).
        With `echo` (a canned reply: bot/canned_replies.py), `text` goes as the bot's own
        message and `echo` is said in the topic, where nobody saw the text typed."""
        async with self.sessions() as session, session.begin():
            case = await self.acted_on(session, case_id)
            if isinstance(case, AgentOutcome):
                return case
            cases = CaseRepository(session)
            if case.status == CaseStatus.WAITING:
                previous = case.assigned_agent_id
                await cases.take(case, agent_id)
                await OutboxRepository(session).add(case, EditCard())
                await self.desk.after_take(session, case, previous)
            await cases.agent_replied(case)
            patient = await session.get(Patient, case.patient_id)
            assert patient is not None
            MessageRepository(session).add(
                patient, "out", text, kind="agent" if kind == "text" else kind[:16], case_id=case.id
            )
            items: list[Reply | Copy] = []
            if echo is not None:
                await OutboxRepository(session).add(case, TopicText(echo))
                items = [*with_discreet_lead(self.catalogue, patient, case.language, [Reply(text)])]
            elif copy is not None and kind == "text" and patient.discreet_minutes is not None:
                # discreet mode: a copy would open on the agent's first words in a lock-screen
                # preview; the text goes as the bot's own message, with the neutral first line
                lead = self.catalogue.phrase("discreet_lead", case.language)
                items = [Reply(text, lead=lead)]
            elif copy is not None:
                items = [copy]
            delivery = await _deliver(session, patient, items) if items else None
            chat = (patient.channel, patient.chat_id)
            return AgentOutcome(case, chat, delivery=delivery, items=items)

    async def patient_unreachable(self, case_id: int) -> None:
        """The patient blocked the bot: the agents must know their messages don't arrive."""
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is None:
                return
            patient = await session.get(Patient, case.patient_id)
            if patient is not None:
                await PatientRepository(session).mark_blocked(patient.channel, patient.chat_id)
            await OutboxRepository(session).add(case, self._text("patient_blocked"))

    async def take(self, case_id: int, agent_id: int, agent_name: str) -> AgentOutcome:
        async with self.sessions() as session, session.begin():
            case = await self.acted_on(session, case_id)
            if isinstance(case, AgentOutcome):
                return case
            outbox = OutboxRepository(session)
            previous = case.assigned_agent_id
            await CaseRepository(session).take(case, agent_id)
            await outbox.add(case, EditCard())
            await outbox.add(case, self._text("taken_by", agent=agent_name))
            await self.desk.after_take(session, case, previous, agent_name)
            patient = await session.get(Patient, case.patient_id)
            assert patient is not None
            notice = PatientNotice(self.catalogue.phrase("case_taken", case.language))
            MessageRepository(session).add_reply(patient, notice.text, case_id=case.id)
            reply = self._notice(patient, notice, case.language)
            delivery = await _deliver(session, patient, [reply])
            chat = (patient.channel, patient.chat_id)
            return AgentOutcome(case, chat, [notice], delivery, [reply])

    async def close(self, case_id: int, *, confirmed: bool = False) -> AgentOutcome:
        """Close the case, or ask the agent to confirm when it carries a risk flag."""
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is None or case.status == CaseStatus.CLOSED:
                return AgentOutcome(case)
            outbox = OutboxRepository(session)
            if not await CaseRepository(session).close(case, confirmed=confirmed):
                confirm = self.texts.phrase("confirm_close_button")
                await outbox.add(
                    case,
                    TopicText(
                        self.texts.phrase("confirm_close", flags=", ".join(case.risk_flags)),
                        ((confirm, f"{CASE}confirm:{case.id}"),),
                    ),
                )
                return AgentOutcome(case)
            await outbox.add(case, EditCard())
            await outbox.add(case, self._text("closed"))
            await outbox.add(case, CloseTopic())
            await self.desk.assign_queued(session)  # a slot is free
            patient = await session.get(Patient, case.patient_id)
            assert patient is not None
            language = case.language
            notice = PatientNotice(
                self.catalogue.phrase("case_closed", language),
                tuple((str(n), f"{SATISFACTION}{n}") for n in range(1, 6)),
            )
            MessageRepository(session).add_reply(patient, notice.text, case_id=case.id)
            reply = self._notice(patient, notice, case.language)
            delivery = await _deliver(session, patient, [reply])
            chat = (patient.channel, patient.chat_id)
            return AgentOutcome(case, chat, [notice], delivery, [reply])

    async def reopen(self, case_id: int) -> AgentOutcome:
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is None:
                return AgentOutcome()
            if case.status != CaseStatus.CLOSED:
                return AgentOutcome(case)
            current = await CaseRepository(session).reopen(case)
            outbox = OutboxRepository(session)
            if current.id != case.id:
                await outbox.add(case, self._text("already_open", number=current.number))
                return AgentOutcome(current)
            await outbox.add(case, ReopenTopic())
            await outbox.add(case, EditCard())
            await outbox.add(case, self._text("reopened"))
            return AgentOutcome(case)

    async def make_urgent(self, case_id: int) -> AgentOutcome:
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is None or case.status == CaseStatus.CLOSED:
                return AgentOutcome(case)
            if await CaseRepository(session).raise_priority(case, Priority.URGENT):
                outbox = OutboxRepository(session)
                await outbox.add(case, RenameTopic())
                await outbox.add(case, EditCard())
                await outbox.add(case, Announce(self.texts.urgent_case(case)))
            return AgentOutcome(case)

    async def note(self, case_id: int, text: str) -> AgentOutcome:
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is None:
                return AgentOutcome()
            outbox = OutboxRepository(session)
            if not text.strip():
                await outbox.add(case, self._text("note_usage"))
                return AgentOutcome(case)
            await CaseRepository(session).add_note(case, text.strip())
            await outbox.add(case, EditCard())
            await outbox.add(case, self._text("note_added"))
            return AgentOutcome(case)

    async def remind_waiting(self) -> int:
        """Recall in the General topic the cases waiting longer than the reminder delay (run on
        a schedule by the channel's wiring); how many were recalled."""
        now = self.now()
        if now.tzinfo is not None:
            now = now.astimezone(UTC).replace(tzinfo=None)  # naive UTC, as stored
        since = now - self.reminder_after
        async with self.sessions() as session, session.begin():
            cases = await CaseRepository(session).waiting_since(since, since)
            outbox = OutboxRepository(session)
            for case in cases:
                minutes = int((now - case.opened_at).total_seconds() // 60)
                await outbox.add(case, Announce(self.texts.still_waiting(case, minutes)))
                case.reminded_at = now
            return len(cases)
