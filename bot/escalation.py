"""Escalation to people: cases, what the agents' group is told, and what agents can do.

No Telegram here. Everything meant for the agents' group is written to the durable outbox
(`storage.cases.OutboxRepository`) in the same transaction as the change it reports; a channel
adapter delivers it, paced. Agents see a case number, a language, a priority and redacted
messages: never a name, a phone number or a chat id.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.deliveries import Copy, to_rows
from bot.hours import OpeningHours
from bot.replies import Button, Reply
from responses import Catalogue
from storage.cases import CaseRepository, OutboxRepository
from storage.deliveries import DeliveryRepository
from storage.models import Case, Message, Patient, utcnow
from storage.redaction import redact
from storage.repositories import MessageRepository, PatientRepository

CARD_MESSAGES = 8  # the last messages shown on a case card
PRIORITY_LABEL = {"urgent": "🔴 URGENT", "high": "🟠 prioritaire", "normal": "⚪ normal"}
STATUS_LABEL = {"waiting": "en attente", "taken": "pris en charge", "closed": "clos"}
# card buttons: "case:<action>:<case id>"
CASE = "case:"
CARD_ACTIONS = ("take", "close", "urgent")
SATISFACTION = "sat:"
# never copied to the agents during a case: they are told one came, not what it said
NOT_RELAYED = frozenset({"contact", "location", "venue"})
CLOSED_HINT = "Ce dossier est clos : /reopen pour le rouvrir."


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
    # what the patient must receive (the notices, or the agent's message), stored until sent
    delivery: int | None = None


async def _deliver(session: AsyncSession, patient: Patient, items: list[Reply] | list[Copy]) -> int:
    """Queue items for the patient in the action's transaction (bot.deliveries)."""
    return await DeliveryRepository(session).add(patient.channel, patient.chat_id, to_rows(items))


def _as_reply(notice: PatientNotice) -> Reply:
    return Reply(notice.text, tuple(Button(label, data) for label, data in notice.buttons))


def topic_name(case: Case) -> str:
    return f"{case.number} · {PRIORITY_LABEL[case.priority]} · {case.language.upper()}"


class Escalations:
    """Opens cases for the engine and carries out the agents' actions."""

    def __init__(
        self,
        catalogue: Catalogue,
        sessions: async_sessionmaker[AsyncSession],
        hours: OpeningHours,
        *,
        reminder_after: timedelta = timedelta(minutes=10),
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.catalogue = catalogue
        self.sessions = sessions
        self.hours = hours
        self.reminder_after = reminder_after
        self.now = now

    # --- the patient's side (inside the engine's transaction) --------------------------------

    async def open(
        self, session: AsyncSession, patient: Patient, reason: str, priority: str, language: str
    ) -> list[str]:
        """Open (or raise) the patient's case; returns what to tell the patient about waiting."""
        cases, outbox = CaseRepository(session), OutboxRepository(session)
        case, created, raised = await cases.open(patient, reason, priority, language)
        if not created:
            if raised:
                await outbox.add(case, "rename")
                await outbox.add(case, "card_edit")
                await outbox.add(case, "text", text=f"⚠️ Priorité relevée : {reason}.")
                if case.priority == "urgent":
                    await outbox.add(case, "announce", text=self._urgent_announce(case))
            return [self._waiting_text(case, await cases.queue_position(case), new=False)]
        await outbox.add(case, "topic")  # with its pinned card
        if case.priority == "urgent":
            await outbox.add(case, "announce", text=self._urgent_announce(case))
        texts = [self._waiting_text(case, await cases.queue_position(case), new=True)]
        if case.priority == "urgent" and reason != "crisis":  # the crisis answer gave them
            texts.append(self.catalogue.phrase("case_urgent", language))
        return texts

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
        if kind == "text":
            for part in relayed_text(text):
                await outbox.add(case, "text", text=part)
        elif message_id is not None and kind not in NOT_RELAYED:
            await outbox.add(case, "copy", message_id=message_id, caption=redact(text))
        else:  # not copied (a contact, a place; or a channel without copies): say one came
            await outbox.add(
                case, "text", text=f"(le patient a envoyé un élément non transmis : {kind})"
            )

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

    @staticmethod
    def _urgent_announce(case: Case) -> str:
        flags = ", ".join(case.risk_flags) or case.reason
        language = case.language.upper()
        return f"🔴 Cas urgent {case.number} ({language}, {flags}) : à prendre au plus vite."

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
        """The pinned card: what an agent needs to take the case over, without identity."""
        patient = await session.get(Patient, case.patient_id)
        assert patient is not None
        history = await MessageRepository(session).recent(patient, 200)
        seen = _distinct(m.intent for m in history if m.direction == "in" and m.intent)
        answered = _distinct(m.intent for m in history if m.direction == "out" and m.intent)
        lines = [
            f"📁 Dossier {case.number}",
            f"Statut : {STATUS_LABEL[case.status]}",
            f"Priorité : {PRIORITY_LABEL[case.priority]}",
            f"Langue : {case.language.upper()}",
            f"Motif : {case.reason}",
            f"Risques : {', '.join(case.risk_flags) or 'aucun signalé'}",
            f"Ouvert le : {case.opened_at:%d/%m/%Y %H:%M} UTC",
            f"Sujets détectés : {', '.join(seen) or '—'}",
            f"Réponses déjà données : {', '.join(answered) or '—'}",
            "",
            "Derniers messages (masqués) :",
            *(_card_line(m) for m in history[-CARD_MESSAGES:]),
        ]
        if case.notes:
            lines += ["", "Notes de l'équipe :", *(f"• {note}" for note in case.notes)]
        lines += [
            "",
            "Écrivez ici pour répondre au patient. « ! » au début = note interne.",
            "Commandes : /take /close /reopen /note /urgent",
        ]
        buttons = [
            ("✋ Prendre", f"{CASE}take:{case.id}"),
            ("✅ Clore", f"{CASE}close:{case.id}"),
            ("🔴 Urgent", f"{CASE}urgent:{case.id}"),
        ]
        return "\n".join(lines)[:4000], buttons

    # --- the agents' side --------------------------------------------------------------------

    async def case_for_topic(self, topic_id: int) -> Case | None:
        async with self.sessions() as session:
            return await CaseRepository(session).by_topic(topic_id)

    async def agent_message(
        self, case_id: int, agent_id: int, text: str, kind: str, copy: Copy | None = None
    ) -> AgentOutcome:
        """An agent wrote to the patient in the topic: record it (redacted), take the case if
        nobody had, and queue `copy` (the agent's message, copied into the patient's chat)."""
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is None or case.status == "closed":
                if case is not None:
                    await OutboxRepository(session).add(case, "text", text=CLOSED_HINT)
                return AgentOutcome(case)
            cases = CaseRepository(session)
            if case.status == "waiting":
                await cases.take(case, agent_id)
                await OutboxRepository(session).add(case, "card_edit")
            await cases.agent_replied(case)
            patient = await session.get(Patient, case.patient_id)
            assert patient is not None
            MessageRepository(session).add(
                patient, "out", text, kind="agent" if kind == "text" else kind[:16], case_id=case.id
            )
            delivery = await _deliver(session, patient, [copy]) if copy is not None else None
            return AgentOutcome(case, (patient.channel, patient.chat_id), delivery=delivery)

    async def patient_unreachable(self, case_id: int) -> None:
        """The patient blocked the bot: the agents must know their messages don't arrive."""
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is None:
                return
            patient = await session.get(Patient, case.patient_id)
            if patient is not None:
                await PatientRepository(session).mark_blocked(patient.channel, patient.chat_id)
            await OutboxRepository(session).add(
                case,
                "text",
                text="⛔ Le patient a bloqué le bot : votre message ne lui est pas parvenu.",
            )

    async def take(self, case_id: int, agent_id: int, agent_name: str) -> AgentOutcome:
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is None:
                return AgentOutcome()
            outbox = OutboxRepository(session)
            if case.status == "closed":
                await outbox.add(case, "text", text=CLOSED_HINT)
                return AgentOutcome(case)
            await CaseRepository(session).take(case, agent_id)
            await outbox.add(case, "card_edit")
            await outbox.add(case, "text", text=f"✋ Pris en charge par {agent_name}.")
            patient = await session.get(Patient, case.patient_id)
            assert patient is not None
            notice = PatientNotice(self.catalogue.phrase("case_taken", case.language))
            MessageRepository(session).add_reply(patient, notice.text, case_id=case.id)
            delivery = await _deliver(session, patient, [_as_reply(notice)])
            return AgentOutcome(case, (patient.channel, patient.chat_id), [notice], delivery)

    async def close(self, case_id: int, *, confirmed: bool = False) -> AgentOutcome:
        """Close the case, or ask the agent to confirm when it carries a risk flag."""
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is None or case.status == "closed":
                return AgentOutcome(case)
            outbox = OutboxRepository(session)
            if not await CaseRepository(session).close(case, confirmed=confirmed):
                await outbox.add(
                    case,
                    "text",
                    text=(
                        f"⚠️ Ce dossier porte un risque ({', '.join(case.risk_flags)}). "
                        "Il ne se clôt jamais automatiquement : confirmez-vous la clôture ?"
                    ),
                    buttons=[["Oui, clore le dossier", f"{CASE}confirm:{case.id}"]],
                )
                return AgentOutcome(case)
            await outbox.add(case, "card_edit")
            await outbox.add(case, "text", text="✅ Dossier clos. Le bot reprend la conversation.")
            await outbox.add(case, "close_topic")
            patient = await session.get(Patient, case.patient_id)
            assert patient is not None
            language = case.language
            notice = PatientNotice(
                self.catalogue.phrase("case_closed", language),
                tuple((str(n), f"{SATISFACTION}{n}") for n in range(1, 6)),
            )
            MessageRepository(session).add_reply(patient, notice.text, case_id=case.id)
            delivery = await _deliver(session, patient, [_as_reply(notice)])
            return AgentOutcome(case, (patient.channel, patient.chat_id), [notice], delivery)

    async def reopen(self, case_id: int) -> AgentOutcome:
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is None:
                return AgentOutcome()
            if case.status != "closed":
                return AgentOutcome(case)
            current = await CaseRepository(session).reopen(case)
            outbox = OutboxRepository(session)
            if current.id != case.id:
                await outbox.add(
                    case, "text", text=f"Le patient a déjà un dossier ouvert : {current.number}."
                )
                return AgentOutcome(current)
            await outbox.add(case, "reopen_topic")
            await outbox.add(case, "card_edit")
            await outbox.add(case, "text", text="↩️ Dossier rouvert : vos messages sont relayés.")
            return AgentOutcome(case)

    async def make_urgent(self, case_id: int) -> AgentOutcome:
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is None or case.status == "closed":
                return AgentOutcome(case)
            if await CaseRepository(session).raise_priority(case, "urgent"):
                outbox = OutboxRepository(session)
                await outbox.add(case, "rename")
                await outbox.add(case, "card_edit")
                await outbox.add(case, "announce", text=self._urgent_announce(case))
            return AgentOutcome(case)

    async def note(self, case_id: int, text: str) -> AgentOutcome:
        async with self.sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            if case is None:
                return AgentOutcome()
            outbox = OutboxRepository(session)
            if not text.strip():
                await outbox.add(case, "text", text="Usage : /note votre note pour l'équipe")
                return AgentOutcome(case)
            await CaseRepository(session).add_note(case, text.strip())
            await outbox.add(case, "card_edit")
            await outbox.add(case, "text", text="📝 Note ajoutée à la fiche.")
            return AgentOutcome(case)

    async def remind_waiting(self) -> int:
        """Recall in the General topic the cases waiting longer than the reminder delay."""
        now = utcnow()
        since = now - self.reminder_after
        async with self.sessions() as session, session.begin():
            cases = await CaseRepository(session).waiting_since(since, since)
            outbox = OutboxRepository(session)
            for case in cases:
                minutes = int((now - case.opened_at).total_seconds() // 60)
                await outbox.add(
                    case,
                    "announce",
                    text=(
                        f"⏰ {case.number} ({PRIORITY_LABEL[case.priority]}, "
                        f"{case.language.upper()}) attend depuis {minutes} min."
                    ),
                )
                case.reminded_at = now
            return len(cases)


MASKED = {
    "NIR": "n° de sécurité sociale",
    "PHONE": "téléphone",
    "EMAIL": "e-mail",
    "IBAN": "IBAN",
    "CARD": "carte bancaire",
    "NUMBER": "numéro",
}
RELAY_PART = 3500  # characters per message (Telegram takes 4,096)


def relayed_text(text: str) -> list[str]:
    """What the agents read of a patient's text: redacted, marked as the patient's, with a line
    naming what was masked; split to fit Telegram's message size."""
    redacted = redact(text)
    masked = _distinct(
        label for key, label in MASKED.items() if re.search(rf"<{key}(?:_\w+)?>", redacted)
    )
    parts = [redacted[i : i + RELAY_PART] for i in range(0, len(redacted), RELAY_PART)] or [""]
    parts[0] = "💬 " + parts[0]
    if masked:
        parts[-1] += f"\n(masqué par le bot : {', '.join(masked)})"
    return parts


def _distinct(items: object) -> list[str]:
    return list(dict.fromkeys(items))  # type: ignore[call-overload]


def _card_line(message: Message) -> str:
    who = {"in": "Patient", "out": "Bot"}[message.direction]
    if message.kind == "agent":
        who = "Équipe"
    body = message.text if message.kind in {"text", "agent", "command"} else f"[{message.kind}]"
    if message.direction == "out" and message.kind != "agent":
        body = (message.intent and f"[réponse : {message.intent}]") or body.split("\n", 1)[0]
        body = body.replace("**", "")  # the answers' Markdown bold, unreadable as plain text
    return f"{message.created_at:%H:%M} {who} : {body[:200]}"
