"""Canned replies from a case's topic (issue 17): `/r NAME` sends one to the patient, in the
case's language; `/r` alone, or a name that is none, lists them with a button each, and a button
sends its reply. The replies are in responses/<lang>/_replies/ (responses/canned_replies.py).

No Telegram here. A reply goes the way of an agent's own message (`Escalations.agent_message`:
stored like it, the case taken if nobody had, queued for the patient in the same transaction);
the topic is told what was sent, since nobody there saw it typed.
"""

from __future__ import annotations

from bot.agent_texts import case_button
from bot.escalation import AgentOutcome, Escalations
from responses import LANGUAGES
from responses.canned_replies import CannedReply
from storage.cases import OutboxRepository
from storage.models import Case
from storage.outbox import TopicText

REPLY = "r"  # the command (/r) and its buttons' action: "case:r:<case id>:<name>"
COLUMNS = 2  # buttons per row under the list
MAX_ECHOED_NAME = 40  # of a name typed after /r that is no reply's


async def canned_reply(
    escalations: Escalations, case_id: int, agent_id: int, argument: str
) -> AgentOutcome:
    """/r NAME, or a button of the list: send the reply; else list them."""
    name = (argument.split() or [""])[0].lower()
    if name and escalations.canned.get(name, LANGUAGES[0]) is not None:
        return await send_reply(escalations, case_id, agent_id, name)
    return await list_replies(escalations, case_id, unknown=name[:MAX_ECHOED_NAME])


def _in(escalations: Escalations, name: str, language: str) -> CannedReply:
    """The reply in `language`, else in the helpline's first language."""
    reply = escalations.canned.get(name, language) or escalations.canned.get(name, LANGUAGES[0])
    assert reply is not None  # every name is in every language (checked at load)
    return reply


async def send_reply(
    escalations: Escalations, case_id: int, agent_id: int, name: str
) -> AgentOutcome:
    """Send the reply `name` to the case's patient, in the case's language."""
    async with escalations.sessions() as session:
        case = await session.get(Case, case_id)
    if case is None:
        return AgentOutcome()
    reply = _in(escalations, name, case.language)
    texts = escalations.texts
    title = _in(escalations, name, texts.language).title  # the agents read their language
    heading = texts.phrase("canned.sent", title=title, language=case.language.upper())
    echo = f"{heading}\n\n{reply.text.replace('**', '')}"  # the topic shows plain text
    return await escalations.agent_message(case.id, agent_id, reply.text, "text", echo=echo)


async def list_replies(escalations: Escalations, case_id: int, unknown: str = "") -> AgentOutcome:
    """The replies, named and titled, with a button each, in the case's topic."""
    texts, canned = escalations.texts, escalations.canned
    async with escalations.sessions() as session, session.begin():
        case = await escalations.acted_on(session, case_id)
        if isinstance(case, AgentOutcome):
            return case
        outbox = OutboxRepository(session)
        lines = [texts.phrase("canned.unknown", name=unknown)] if unknown else []
        lines.append(texts.phrase("canned.list", language=case.language.upper()))
        buttons = []
        for name in canned.names:
            title = _in(escalations, name, texts.language).title
            lines.append(texts.phrase("canned.line", name=name, title=title))
            buttons.append((title, case_button(REPLY, case.id, name)))
        await outbox.add(case, TopicText("\n".join(lines), tuple(buttons), COLUMNS))
        return AgentOutcome(case)
