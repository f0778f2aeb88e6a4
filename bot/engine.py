"""The conversation engine, independent of any channel.

`Engine.handle(Incoming)` takes what a patient sent (text, a command or a button) and returns a
`Turn`: the replies to show (text + buttons) and the escalations to open. Telegram, the console and
the tests all drive this same code. Patient text is stored only through MessageRepository, which
redacts it.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.escalation import NOT_RELAYED, SATISFACTION, Escalations
from bot.safety import is_crisis
from nlu.client import FALLBACK_INTENT, NLUUnavailable, ParseResult
from responses import Catalogue
from storage.cases import OutboxRepository
from storage.models import Case, Patient
from storage.repositories import MessageRepository, PatientRepository

LANGUAGES = ("fr", "en")
MENU = (
    "what_to_do",
    "am_i_affected",
    "phishing_report",
    "scam_victim",
    "identity_theft",
    "file_complaint",
    "emotional_support",
    "human_handoff",
)
URGENT = frozenset({"crisis", "blackmail"})
OFFER_PERSON = frozenset({"scam_victim", "identity_theft"})
MAX_FALLBACK_ROUNDS = 2
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}

# Button data: short, so it fits Telegram's 64-byte callback data, and checked on the way back.
TOPIC, PERSON, LANGUAGE, DELETE, HANDOFF = "t:", "person", "lang:", "delete:", "handoff:"
CONSENT = "consent:"


class Parser(Protocol):
    async def parse(self, text: str) -> ParseResult: ...


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class Escalation:
    reason: str
    priority: str  # "urgent", "high" or "normal"


@dataclass(frozen=True, slots=True)
class Incoming:
    channel: str
    chat_id: str
    text: str = ""
    button: str | None = None
    client_language: str | None = None
    # what a non-text message carried: "photo", "document", "voice", "sticker", "contact", ...
    # Only the kind is stored, never the content (a shared contact's number included). Its
    # caption, if any, is `text`: read by the crisis net, not stored.
    attachment: str | None = None
    # the channel's id of the message, so that it can be copied to the agents during a case
    message_id: int | None = None


@dataclass
class Turn:
    language: str
    replies: list[Reply] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    patient_deleted: bool = False
    # something was queued for the agents' group (a case opened, a message to copy, a topic to
    # erase): the channel wakes its delivery, which otherwise waits for its next check
    for_agents: bool = False


def choose_language(patient: Patient) -> str:
    """The patient's own choice, else their app's language, else French."""
    if patient.language in LANGUAGES:
        return patient.language
    return "en" if (patient.client_language or "").lower().startswith("en") else "fr"


class Engine:
    def __init__(
        self,
        catalogue: Catalogue,
        nlu: Parser,
        sessions: async_sessionmaker[AsyncSession],
        *,
        threshold: float = 0.5,
        escalations: Escalations | None = None,
        team: bool = True,
    ) -> None:
        self.catalogue = catalogue
        self.nlu = nlu
        self.sessions = sessions
        self.threshold = threshold
        # None: escalations are only reported in the turn (no agents behind this engine)
        self.escalations = escalations
        # False: nobody can answer here (console, or no agents' group): never promise a person
        self.team = team
        # one turn at a time per patient: replies stay in order and state updates don't race
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def _lock(self, incoming: Incoming) -> asyncio.Lock:
        key = (incoming.channel, incoming.chat_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    async def handle(self, incoming: Incoming) -> Turn:
        async with self._lock(incoming):
            return await self._handle(incoming)

    async def _parse(self, incoming: Incoming, crisis: bool) -> ParseResult | None:
        """Classify free text before the database transaction opens, so that no transaction
        waits on the NLU server. None: nothing to parse, a crisis (the net decides), or the
        NLU server is down (the conversation degrades)."""
        text = incoming.text
        if (
            incoming.attachment is not None
            or incoming.button is not None
            or not text.strip()
            or _is_command(text)
            or crisis
        ):
            return None
        try:
            return await self.nlu.parse(text)
        except NLUUnavailable:
            return None

    async def _handle(self, incoming: Incoming) -> Turn:
        # the safety net reads every text and caption, once
        crisis = is_crisis(incoming.text)
        parsed = await self._parse(incoming, crisis)
        async with self.sessions() as session, session.begin():
            patients = PatientRepository(session)
            patient, created, case = await patients.arrive(
                incoming.channel, incoming.chat_id, incoming.client_language
            )
            if self.escalations is None:
                case = None
            conversation = _Conversation(
                self, patient, patients, MessageRepository(session), case, crisis
            )
            if created:
                conversation.welcome()
            if case is not None and incoming.button is None and not _is_command_text(incoming):
                await conversation.on_case_message(incoming, parsed)
            elif incoming.attachment is not None:
                await conversation.on_attachment(incoming.attachment)
            elif incoming.button is not None:
                await conversation.on_button(incoming.button)
            elif _is_command_text(incoming):
                await conversation.on_command(incoming.text.strip())
            else:
                await conversation.on_text(incoming.text, parsed)
            if conversation.turn.patient_deleted:
                if self.escalations is not None:
                    await self.escalations.forget(session, patient)
                await patients.delete(patient)
                conversation.turn.for_agents = OutboxRepository.written(session)
                return conversation.turn
            if self.escalations is not None:
                for esc in conversation.turn.escalations:
                    language = conversation.language
                    for text in await self.escalations.open(
                        session, patient, esc.reason, esc.priority, language
                    ):
                        conversation.say(text)
            await conversation.store_replies()
            conversation.turn.for_agents = OutboxRepository.written(session)
            return conversation.turn

    async def record(self, incoming: Incoming, notice: str | None = None) -> Turn:
        """Store what the patient sent without answering it (a flood being throttled);
        `notice` names a phrase to send instead, once."""
        async with self._lock(incoming), self.sessions() as session, session.begin():
            patient, _, case = await PatientRepository(session).arrive(
                incoming.channel, incoming.chat_id, incoming.client_language
            )
            kind = incoming.attachment or ("button" if incoming.button is not None else "text")
            text = "" if incoming.attachment else (incoming.text or incoming.button or "")
            if self.escalations is None:
                case = None
            case_id = case.id if case is not None else None
            MessageRepository(session).add(patient, "in", text, kind=kind, case_id=case_id)
            if self.escalations is not None and case is not None and incoming.button is None:
                # a person is reading: a flood reaches them whole, paced by the outbox
                await self.escalations.relay(session, case, incoming.message_id, kind)
            turn = Turn(language=choose_language(patient))
            if notice is not None:
                text = self.catalogue.phrase(notice, turn.language)
                turn.replies.append(Reply(text))
                MessageRepository(session).add_reply(patient, text)
            turn.for_agents = OutboxRepository.written(session)
            return turn

    async def blocked(self, channel: str, chat_id: str) -> None:
        """The channel said the patient blocked us: remember it, so nobody retries forever."""
        async with self.sessions() as session, session.begin():
            await PatientRepository(session).mark_blocked(channel, chat_id)


def _is_command(text: str) -> bool:
    return text.strip().startswith("/")


def _is_command_text(incoming: Incoming) -> bool:
    """A command typed as a message (a photo's caption never is one)."""
    return incoming.attachment is None and _is_command(incoming.text)


class _Conversation:
    """One turn of one patient's conversation."""

    def __init__(
        self,
        engine: Engine,
        patient: Patient,
        patients: PatientRepository,
        messages: MessageRepository,
        case: Case | None,
        crisis: bool,
    ) -> None:
        self.engine = engine
        self.catalogue = engine.catalogue
        self.patient = patient
        self.patients = patients
        self.crisis_words = crisis  # the safety net matched the text or caption
        self.messages = messages
        self.case = case  # the patient's open case: a person answers, the bot stays quiet
        self.turn = Turn(language=choose_language(patient))
        self._answered: list[str | None] = []

    @property
    def language(self) -> str:
        return self.turn.language

    @property
    def state(self) -> dict:
        return self.patient.state

    def _set_state(self, **values: object) -> None:
        self.patients.change(self.patient, state={**self.patient.state, **values})

    # --- building replies -------------------------------------------------------------------

    def say(self, text: str, buttons: tuple[Button, ...] = (), intent: str | None = None) -> None:
        self.turn.replies.append(Reply(text, buttons))
        self._answered.append(intent)

    def welcome(self) -> None:
        """The privacy notice, with the one question about reusing their messages: off
        unless the patient says yes (reviewers may turn those into training data)."""
        self.say(self.catalogue.phrase("welcome", self.language), self.consent_buttons())

    def consent_buttons(self) -> tuple[Button, ...]:
        return (
            Button(self.catalogue.phrase("consent_yes", self.language), CONSENT + "yes"),
            Button(self.catalogue.phrase("consent_no", self.language), CONSENT + "no"),
        )

    def topic_button(self, intent: str) -> Button:
        if intent == "human_handoff":
            return self.person_button()
        return Button(self.catalogue.title(intent, self.language), TOPIC + intent)

    def person_button(self) -> Button:
        return Button(self.catalogue.phrase("talk_to_person", self.language), PERSON)

    def menu_buttons(self) -> tuple[Button, ...]:
        return tuple(self.topic_button(intent) for intent in MENU)

    def answer(self, intent: str) -> None:
        answer = self.catalogue.answer(intent, self.language)
        buttons = [self.topic_button(b) for b in answer.buttons]
        if intent in OFFER_PERSON:
            self._set_state(offered=intent)  # a person asked for from here is "high"
            if PERSON not in {b.data for b in buttons}:
                buttons.append(self.person_button())
        self.say(answer.text, tuple(buttons), intent)

    def menu(self, phrase: str = "menu") -> None:
        self.say(self.catalogue.phrase(phrase, self.language), self.menu_buttons())

    def escalate(self, reason: str, priority: str) -> None:
        self.turn.escalations.append(Escalation(reason, priority))
        self._set_state(pending=None, fallback_rounds=0, offered=None)

    def crisis(self) -> None:
        if self.engine.team:
            self.answer("crisis")
        else:  # the same numbers, without promising a person who is not there
            self.say(self.catalogue.phrase("crisis_no_team", self.language), intent="crisis")
        self.escalate("crisis", "urgent")

    def hand_over(self, reason: str) -> None:
        """The patient asked for a person; after a scam or an identity theft the case is
        "high", and its reason says what the offer followed."""
        offered = self.state.get("offered")
        if not self.engine.team:
            self.say(self.catalogue.phrase("no_team", self.language), self.menu_buttons())
        elif self.case is None:  # otherwise the waiting message says a person is on it
            self.answer("human_handoff")
        if offered in OFFER_PERSON:
            self.escalate(offered, "high")
        else:
            self.escalate(offered or reason, "normal")

    async def store_replies(self) -> None:
        case_id = self.case.id if self.case is not None else None
        for reply, intent in zip(self.turn.replies, self._answered, strict=True):
            self.messages.add_reply(self.patient, reply.text, intent=intent, case_id=case_id)

    async def on_case_message(self, incoming: Incoming, result: ParseResult | None) -> None:
        """During a case the patient talks to a person: the message is copied to the agents,
        and the bot answers only a crisis, with the emergency numbers."""
        assert self.case is not None and self.engine.escalations is not None
        text = "" if incoming.attachment else incoming.text  # a caption is not stored
        kind = incoming.attachment or "text"
        crisis = self.crisis_words
        intent = "crisis" if crisis else (result.intent if result else None)
        self.messages.add(
            self.patient,
            "in",
            text,
            kind=kind[:16],
            intent=intent,
            confidence=None if crisis or result is None else result.confidence,
            case_id=self.case.id,
        )
        await self.engine.escalations.relay(
            self.messages.session, self.case, incoming.message_id, kind
        )
        if kind in NOT_RELAYED:
            self.say(self.catalogue.phrase("case_not_relayed", self.language))
        if crisis:
            self.crisis()

    # --- what the patient sent --------------------------------------------------------------

    async def on_text(self, text: str, result: ParseResult | None) -> None:
        if not text.strip():
            self.messages.add(self.patient, "in", text)
            self.menu("empty")
            return
        if self.crisis_words:  # the safety net answers before, and whatever, the model
            self.messages.add(self.patient, "in", text, intent="crisis")
            self.crisis()
            return
        if result is None:  # the NLU server is down or failed
            self.messages.add(self.patient, "in", text)
            self.say(
                self.catalogue.phrase("nlu_down", self.language),
                (*self.menu_buttons()[:-1], self.person_button()),
            )
            return
        self.messages.add(
            self.patient, "in", text, intent=result.intent, confidence=result.confidence
        )
        pending = self.state.get("pending")
        if pending == "handoff" and result.intent in {"affirm", "deny"}:
            await self.on_handoff_answer(result.intent == "affirm")
        elif result.fell_back or result.confidence < self.engine.threshold:
            self.fall_back(result)
        else:
            self.on_intent(result.intent)

    def on_intent(self, intent: str) -> None:
        if intent != "human_handoff":  # asking for a person in words keeps the offer's context
            self._set_state(offered=None)
        self._set_state(fallback_rounds=0, pending=None)
        if intent == "crisis":
            self.crisis()
        elif intent == "human_handoff":
            self._set_state(pending="handoff")
            yes_no = (
                Button(self.catalogue.phrase("handoff_yes", self.language), HANDOFF + "yes"),
                Button(self.catalogue.phrase("handoff_no", self.language), HANDOFF + "no"),
            )
            self.say(self.catalogue.phrase("handoff_confirm", self.language), yes_no)
        else:
            self.answer(intent)
            if intent in URGENT:
                self.escalate(intent, "urgent")

    def fall_back(self, result: ParseResult) -> None:
        rounds = int(self.state.get("fallback_rounds") or 0) + 1
        self._set_state(fallback_rounds=rounds)
        guesses = [s.name for s in result.ranking if s.name != FALLBACK_INTENT][:2]
        buttons = tuple(self.topic_button(g) for g in guesses if g != "human_handoff")
        if rounds >= MAX_FALLBACK_ROUNDS:
            self._set_state(offered="fallback")
            self.say(
                self.catalogue.phrase("offer_person", self.language),
                (self.person_button(), *buttons),
            )
        else:
            self.say(
                self.catalogue.phrase("did_you_mean", self.language),
                (*buttons, self.person_button()),
            )

    async def on_handoff_answer(self, yes: bool) -> None:
        self._set_state(pending=None)
        if yes:
            self.hand_over("human_handoff")
        else:
            self.menu()

    async def on_command(self, text: str) -> None:
        command = text.split()[0].split("@")[0].lower()  # "/start payload", "/help@SomeBot"
        self.messages.add(self.patient, "in", command, kind="command")
        if command == "/start":
            if not self.turn.replies:  # not already welcomed in this turn
                self.answer("greet")
            else:
                self.menu()
        elif command == "/human":
            self.hand_over("human_handoff")
        elif command == "/privacy":
            self.answer("bot_privacy")
        elif command == "/consent":
            key = "consent_on" if self.patient.consent_improve else "consent_off"
            self.say(self.catalogue.phrase(key, self.language), self.consent_buttons())
        elif command == "/language":
            self.say(
                self.catalogue.phrase("language_prompt", self.language),
                tuple(Button(name, LANGUAGE + code) for code, name in LANGUAGE_NAMES.items()),
            )
        elif command == "/delete":
            self.say(
                self.catalogue.phrase("delete_confirm", self.language),
                (
                    Button(self.catalogue.phrase("delete_yes", self.language), DELETE + "yes"),
                    Button(self.catalogue.phrase("delete_no", self.language), DELETE + "no"),
                ),
            )
        else:  # /help and anything unknown
            self.menu()

    async def on_attachment(self, kind: str) -> None:
        if self.crisis_words:  # the safety net reads captions too
            self.messages.add(self.patient, "in", "", kind=kind[:16], intent="crisis")
            self.crisis()
            return
        self.messages.add(self.patient, "in", "", kind=kind[:16])
        if kind in {"photo", "document"}:
            self._set_state(offered=kind)
            self.say(
                self.catalogue.phrase("attachment_received", self.language), (self.person_button(),)
            )
        elif kind in {"voice", "audio", "video", "video_note"}:
            self.say(
                self.catalogue.phrase("voice_received", self.language), (self.person_button(),)
            )
        else:
            self.menu("other_received")

    async def on_button(self, data: str) -> None:
        if data.startswith(DELETE) and data.removeprefix(DELETE) == "yes":
            # nothing of this turn is stored: the patient and all their messages go
            self.turn.patient_deleted = True
            self.say(self.catalogue.phrase("deleted", self.language))
            return
        self.messages.add(self.patient, "in", data[:64], kind="button")
        value = data.split(":", 1)[1] if ":" in data else ""
        if data.startswith(SATISFACTION) and self.engine.escalations is not None:
            rated = value.isdigit() and await self.engine.escalations.rate(
                self.messages.session, self.patient, int(value)
            )
            self.say(self.catalogue.phrase("rated" if rated else "rate_stale", self.language))
        elif data == PERSON:
            self.hand_over("button")
        elif data.startswith(TOPIC) and value in self.catalogue.intents:
            self.on_intent(value)
        elif data.startswith(LANGUAGE) and value in LANGUAGES:
            self.patients.change(self.patient, language=value)
            self.turn.language = value
            self.say(self.catalogue.phrase("language_set", value))
        elif data.startswith(CONSENT) and value in {"yes", "no"}:
            self.patients.change(self.patient, consent_improve=value == "yes")
            self.say(self.catalogue.phrase(f"consent_{value}_done", self.language))
        elif data == DELETE + "no":
            self.say(self.catalogue.phrase("delete_cancelled", self.language))
        elif data.startswith(HANDOFF) and value in {"yes", "no"}:
            await self.on_handoff_answer(value == "yes")
        else:  # stale or forged
            self.menu("stale_button")
