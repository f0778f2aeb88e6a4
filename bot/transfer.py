"""/transfer GROUP in a case's topic (issue 17 point 6): the case moves to another agents' group
(bot/agents_groups.py), by the short name `HELPLINE_AGENTS_CHAT_IDS` gives it.

- In the new group: a new topic with the case's card (its last messages masked, as always) and
  a short summary: number, priority, language, reason, how many team notes, where it comes
  from. Never who the patient is. An urgent case is announced in that group's General topic.
- The old topic gets a note saying where the case went, and is closed. It is remembered on the
  case (`former_topics`), so that /delete and the retention period erase it too.
- What was still waiting to be posted about the case follows it (storage.agents_groups).
- Whoever had the case no longer has it: it waits in the new group's queue and the automatic
  assignment gives it to one of that group's members (bot/desk.py).
- The patient is told, in their language, that another team follows their request: a neutral
  notice sent the durable way the escalation's notices are (bot/deliveries.py).

No Telegram here: everything for the groups goes through the outbox in one transaction.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deliveries import to_rows
from bot.discretion import with_discreet_lead
from bot.escalation import AgentOutcome, Escalations, PatientNotice
from bot.replies import Reply
from storage.agents_groups import GroupRepository
from storage.cases import OutboxRepository
from storage.deliveries import DeliveryRepository
from storage.models import Case, CaseStatus, Patient, Priority
from storage.outbox import Announce, OpenTopic, TopicMovedOut, TopicText
from storage.repositories import MessageRepository

TRANSFER = "transfer"  # the command, /transfer


async def transfer(
    escalations: Escalations, case_id: int, agent: str, argument: str
) -> AgentOutcome:
    """/transfer NAME by the agent `agent` (the name they go by in the group)."""
    groups, texts = escalations.groups, escalations.texts
    async with escalations.sessions() as session, session.begin():
        case = await escalations.acted_on(session, case_id)
        if isinstance(case, AgentOutcome):
            return case
        outbox = OutboxRepository(session)
        here = groups.chat_of(case.agents_chat_id)
        target = groups.by_name((argument.split() or [""])[0])
        if target is None or target.chat_id == here:
            others = [group.name for group in groups.groups if group.chat_id != here]
            key = "none" if not others else "usage" if target is None else "same"
            text = texts.phrase(
                f"transfer.{key}", group=groups.name_of(here), groups=", ".join(others)
            )
            await outbox.add(case, TopicText(text))
            return AgentOutcome(case)
        if case.topic_id is not None:
            note = texts.phrase(
                "transfer.moved_out", number=case.number, group=target.name, agent=agent
            )
            await outbox.add_general(TopicMovedOut(case.topic_id, note), case.agents_chat_id)
            case.former_topics = [*(case.former_topics or ()), [here, case.topic_id]]
        await GroupRepository(session).move_pending(case, target.chat_id)
        case.agents_chat_id, case.topic_id, case.card_message_id = target.chat_id, None, None
        case.status, case.assigned_agent_id, case.assigned_at = CaseStatus.WAITING, None, None
        case.handed_back_by = None  # nobody of the new group handed it back
        await outbox.add(case, OpenTopic())  # in the new group, with its card
        summary = texts.phrase(
            "transfer.moved_in",
            number=case.number,
            group=groups.name_of(here),
            agent=agent,
            priority=texts.priority(case.priority),
            language=case.language.upper(),
            reason=case.reason,
            notes=len(case.notes or ()),
        )
        await outbox.add(case, TopicText(summary))
        if case.priority == Priority.URGENT:
            await outbox.add(case, Announce(texts.urgent_case(case)))
        await escalations.desk.assign_queued(session)
        return await _tell_patient(escalations, session, case)


async def _tell_patient(
    escalations: Escalations, session: AsyncSession, case: Case
) -> AgentOutcome:
    """A neutral notice, stored and queued for the patient in the transfer's transaction."""
    patient = await session.get(Patient, case.patient_id)
    assert patient is not None
    text = escalations.catalogue.phrase("case_transferred", case.language, number=case.number)
    notice = PatientNotice(text)
    MessageRepository(session).add_reply(patient, text, case_id=case.id)
    [reply] = with_discreet_lead(escalations.catalogue, patient, case.language, [Reply(text)])
    delivery = await DeliveryRepository(session).add(
        patient.channel, patient.chat_id, to_rows([reply])
    )
    return AgentOutcome(case, (patient.channel, patient.chat_id), [notice], delivery, [reply])
