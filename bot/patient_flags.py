"""Flags on a patient from a case's topic: `/flag KIND [days]` sets one, `/flags` lists the
active ones and the kinds. Supervisors also set and remove them in the review workspace
(review/pages/flags.py). No Telegram here: the agents are answered through the outbox, and the
card is shown again with the flag on it.
"""

from __future__ import annotations

from bot.escalation import AgentOutcome, Escalations
from responses.flags import flag_label
from storage.cases import OutboxRepository
from storage.flags import KNOWN_KINDS, MAX_DAYS, FlagKind, FlagRepository, refresh_card
from storage.models import Case
from storage.outbox import EditCard, TopicText


def parse_flag(argument: str) -> tuple[FlagKind, int | None] | None:
    """`KIND [days]` -> (kind, days or None); None when it is not that."""
    words = argument.split()
    if not 1 <= len(words) <= 2 or words[0].lower() not in KNOWN_KINDS:
        return None
    kind = FlagKind(words[0].lower())
    if len(words) == 1:
        return kind, None
    days = words[1]
    if not (days.isascii() and days.isdigit()) or not 1 <= int(days) <= MAX_DAYS:
        return None
    return kind, int(days)


def kinds_help(escalations: Escalations) -> str:
    texts = escalations.texts
    kinds = (
        texts.phrase("patient_flags.kind", kind=kind.value, label=flag_label(kind, texts.language))
        for kind in FlagKind
    )
    return "\n".join([texts.phrase("patient_flags.usage"), *kinds])


async def flag_from_topic(
    escalations: Escalations, case_id: int, agent_id: int, argument: str
) -> AgentOutcome:
    """/flag KIND [days]: set the flag on the case's patient; the card shows it."""
    async with escalations.sessions() as session, session.begin():
        case = await session.get(Case, case_id)
        if case is None:
            return AgentOutcome()
        outbox = OutboxRepository(session)
        parsed = parse_flag(argument)
        if parsed is None:
            await outbox.add(case, TopicText(kinds_help(escalations)))
            return AgentOutcome(case)
        kind, days = parsed
        flags = FlagRepository(session)
        await flags.set(
            case.patient_id, kind, f"agent:{agent_id}", days=days, now=escalations.now()
        )
        current = await refresh_card(session, case.patient_id)
        if current is None or current.id != case.id:  # a closed case's topic: its card too
            await outbox.add(case, EditCard())
        label = flag_label(kind, escalations.texts.language)
        await outbox.add(
            case, TopicText(escalations.texts.phrase("patient_flags.added", label=label))
        )
        return AgentOutcome(case)


async def flags_in_topic(escalations: Escalations, case_id: int) -> AgentOutcome:
    """/flags: the patient's active flags, then how to add one."""
    async with escalations.sessions() as session, session.begin():
        case = await session.get(Case, case_id)
        if case is None:
            return AgentOutcome()
        texts = escalations.texts
        active = await FlagRepository(session).active(case.patient_id, escalations.now())
        lines = (
            [texts.phrase("patient_flags.active"), *map(texts.flag_line, active)]
            if active
            else [texts.phrase("patient_flags.no_active")]
        )
        text = "\n".join([*lines, "", kinds_help(escalations)])
        await OutboxRepository(session).add(case, TopicText(text))
        return AgentOutcome(case)
