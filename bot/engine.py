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
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.deliveries import to_rows
from bot.escalation import NOT_RELAYED, SATISFACTION, Escalations
from bot.language import written_language
from bot.replies import Button, Reply
from bot.safety import NetReading, Risk, read
from nlu.client import FALLBACK_INTENT, NLUUnavailable, ParseResult, unsure
from responses import Catalogue
from storage.deliveries import DeliveryRepository
from storage.models import Case, Patient
from storage.repositories import MessageRepository, PatientRepository
from storage.session import wrote_agents_outbox

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
CONSENT, CHECK_IN = "consent:", "check:"
# the patient's answer to "are you thinking of harming yourself?"
WORRYING = frozenset({"affirm", "crisis"})


class Parser(Protocol):
    async def parse(self, text: str) -> ParseResult: ...


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
    risk: Risk = Risk.NONE  # what the net and the model saw in the patient's message
    # something was queued for the agents' group (a case opened, a message to copy, a topic to
    # erase): the channel wakes its delivery, which otherwise waits for its next check
    for_agents: bool = False
    # the replies, stored until the channel says they were sent (bot.deliveries); None: none
    delivery: int | None = None


def choose_language(patient: Patient) -> str:
    """The patient's own choice (/language), else the language they clearly write in, else their
    app's language, else French."""
    if patient.language in LANGUAGES:
        return patient.language
    if (writes := patient.state.get("writes")) in LANGUAGES:
        return str(writes)
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
        operator: str = "",
    ) -> None:
        self.catalogue = catalogue
        self.nlu = nlu
        self.sessions = sessions
        self.threshold = threshold
        # None: escalations are only reported in the turn (no agents behind this engine)
        self.escalations = escalations
        # False: nobody can answer here (console, or no agents' group): never promise a person
        self.team = team
        # who runs the service (HELPLINE_OPERATOR), named in the welcome; "" leaves the
        # welcome's own "to be configured" wording
        self.operator = operator.strip()
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

    async def _parse(self, incoming: Incoming, risk: Risk) -> ParseResult | None:
        """Classify free text (and a caption, for its crisis score) before the database
        transaction opens, so that no transaction waits on the NLU server. None: nothing to
        parse, a clear crisis (the net decided), or the NLU server is down (it degrades)."""
        text = incoming.text
        if incoming.button is not None or not text.strip() or risk >= Risk.CLEAR:
            return None
        if incoming.attachment is None and _is_command(text):
            return None
        try:
            return await self.nlu.parse(text)
        except NLUUnavailable:
            return None

    async def assess(self, incoming: Incoming) -> tuple[Risk, ParseResult | None]:
        """The keyword net and the model together: a model `crisis` counts like a keyword hit,
        on every path (text, caption, edit, throttled message, message inside a case)."""
        net = read(incoming.text) if incoming.button is None else NetReading(Risk.NONE, False)
        parsed = await self._parse(incoming, net.risk)
        if parsed is None:
            return net.risk, parsed
        return net.with_score(parsed.score("crisis")), parsed

    async def handle(
        self, incoming: Incoming, *, throttled: bool = False, warn: bool = False
    ) -> Turn:
        """One turn. `throttled`: the patient is flooding; the message is stored (and relayed to
        a case) without an answer, and `warn` sends one "slow down". A crisis, clear or possible,
        is answered whatever the flood."""
        async with self._lock(incoming):
            risk, parsed = await self.assess(incoming)
            if throttled and risk is Risk.NONE:
                return await self._record(incoming, notice="slow_down" if warn else None)
            return await self._handle(incoming, risk, parsed)

    async def answer_stored(self, incoming: Incoming) -> Turn | None:
        """Answer a text `_record` stored unanswered (a flood's last one, once the flood is
        over), without storing it again. None: a crisis, answered in the flood already."""
        async with self._lock(incoming):
            risk, parsed = await self.assess(incoming)
            if risk is not Risk.NONE:
                return None
            return await self._handle(incoming, risk, parsed, stored=True)

    async def _handle(
        self, incoming: Incoming, risk: Risk, parsed: ParseResult | None, *, stored: bool = False
    ) -> Turn:
        # free text only: a button or a command says nothing of the language written in
        free_text = incoming.button is None and not _is_command_text(incoming)
        writes = written_language(incoming.text) if free_text else None
        async with self.sessions() as session, session.begin():
            patients = PatientRepository(session)
            patient, created, case = await patients.arrive(
                incoming.channel, incoming.chat_id, incoming.client_language
            )
            if self.escalations is None:
                case = None
            if stored and case is not None:  # relayed to the person when stored: theirs to answer
                return Turn(language=choose_language(patient))
            if writes and patient.language is None and patient.state.get("writes") != writes:
                patients.change(patient, state={**patient.state, "writes": writes})
            messages = _AlreadyStored(session) if stored else MessageRepository(session)
            conversation = _Conversation(self, patient, patients, messages, case, risk)
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
                await self._queue(session, incoming, conversation.turn)
                return conversation.turn
            if self.escalations is not None:
                for esc in conversation.turn.escalations:
                    language = conversation.language
                    for text in await self.escalations.open(
                        session, patient, esc.reason, esc.priority, language
                    ):
                        conversation.say(text)
            await conversation.store_replies()
            await self._queue(session, incoming, conversation.turn)
            return conversation.turn

    async def _record(self, incoming: Incoming, notice: str | None = None) -> Turn:
        """Store what the patient sent without answering it (a flood being throttled);
        `notice` names a phrase to send instead, once."""
        async with self.sessions() as session, session.begin():
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
                await self.escalations.relay(
                    session, case, incoming.message_id, kind, incoming.text
                )
            turn = Turn(language=choose_language(patient))
            if notice is not None:
                text = self.catalogue.phrase(notice, turn.language)
                turn.replies.append(Reply(text))
                MessageRepository(session).add_reply(patient, text)
            await self._queue(session, incoming, turn)
            return turn

    @staticmethod
    async def _queue(session: AsyncSession, incoming: Incoming, turn: Turn) -> None:
        """The turn's replies, durable with the turn until the channel sent them; and whether
        the agents' group has something new."""
        if turn.replies:
            turn.delivery = await DeliveryRepository(session).add(
                incoming.channel,
                incoming.chat_id,
                to_rows(turn.replies),
                urgent=turn.risk >= Risk.POSSIBLE,
            )
        turn.for_agents = wrote_agents_outbox(session)

    async def blocked(self, channel: str, chat_id: str) -> None:
        """The channel said the patient blocked us: remember it, so nobody retries forever."""
        async with self.sessions() as session, session.begin():
            await PatientRepository(session).mark_blocked(channel, chat_id)


class _AlreadyStored(MessageRepository):
    """The patient's message is stored already (`Engine._record`): only the replies are."""

    def add(self, patient: Patient, direction: str, text: str, **kw: Any) -> None:
        if direction != "in":
            super().add(patient, direction, text, **kw)


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
        risk: Risk,
    ) -> None:
        self.engine = engine
        self.catalogue = engine.catalogue
        self.patient = patient
        self.patients = patients
        self.risk = risk  # the net and the model, on the text or caption
        self.messages = messages
        self.case = case  # the patient's open case: a person answers, the bot stays quiet
        self.turn = Turn(language=choose_language(patient), risk=risk)
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
        unless the patient says yes (reviewers may turn those into training data). It names who
        runs the service: HELPLINE_OPERATOR in place of the phrase `operator_unset`."""
        text = self.catalogue.phrase("welcome", self.language)
        if self.engine.operator:
            unset = self.catalogue.phrase("operator_unset", self.language)
            text = text.replace(unset, self.engine.operator)
        self.say(text, self.consent_buttons())

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
        if self.risk is Risk.IMMINENT:  # an act taken or under way: 15 / 112 first, on their own
            self.say(self.catalogue.phrase("crisis_imminent", self.language), intent="crisis")
        if self.engine.team:
            self.answer("crisis")
        else:  # the same numbers, without promising a person who is not there
            self.say(self.catalogue.phrase("crisis_no_team", self.language), intent="crisis")
        self.escalate("crisis", "urgent")

    def check_in(self, then: str | None) -> None:
        """A possible crisis: ask directly, 3114 in the same message. `then`: the topic to
        answer if the patient says no."""
        self._set_state(pending="check_in", then=then)
        yes_no = (
            Button(self.catalogue.phrase("check_in_yes", self.language), CHECK_IN + "yes"),
            Button(self.catalogue.phrase("check_in_no", self.language), CHECK_IN + "no"),
        )
        self.say(self.catalogue.phrase("check_in", self.language), yes_no)

    def on_check_in_answer(self, yes: bool) -> None:
        then = self.state.get("then")
        self._set_state(pending=None, then=None)
        if yes:
            self.risk = max(self.risk, Risk.CLEAR)
            self.turn.risk = self.risk
            self.crisis()
            return
        self.say(self.catalogue.phrase("check_in_no_done", self.language))
        if self.case is not None:  # a person is reading: the bot adds nothing
            return
        if then in self.catalogue.intents and then != "crisis":
            self.on_intent(then)
        else:
            self.menu()

    def worrying(self, result: ParseResult | None) -> bool | None:
        """While a check-in waits: True for a yes or a worrying reply, False for a no, None for
        something else (the conversation goes on)."""
        if self.risk >= Risk.POSSIBLE:
            return True
        if result is None or result.fell_back:
            return None
        if result.intent in WORRYING:
            return True
        return False if result.intent == "deny" else None

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
        and the bot answers only a crisis (the emergency numbers) or asks about a possible one."""
        assert self.case is not None and self.engine.escalations is not None
        text = "" if incoming.attachment else incoming.text  # a caption is not stored
        kind = incoming.attachment or "text"
        crisis = self.risk >= Risk.CLEAR
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
            self.messages.session, self.case, incoming.message_id, kind, incoming.text
        )
        if kind in NOT_RELAYED:
            self.say(self.catalogue.phrase("case_not_relayed", self.language))
        answer = self.worrying(result) if self.state.get("pending") == "check_in" else None
        if answer is not None:
            self.on_check_in_answer(answer or crisis)
        elif crisis:
            self.crisis()
        elif self.risk is Risk.POSSIBLE:
            self.check_in(None)

    # --- what the patient sent --------------------------------------------------------------

    async def on_text(self, text: str, result: ParseResult | None) -> None:
        if not text.strip():
            self.messages.add(self.patient, "in", text)
            self.menu("empty")
            return
        if self.risk >= Risk.CLEAR:  # the net or the model: answered before anything else
            self.messages.add(self.patient, "in", text, intent="crisis")
            self.crisis()
            return
        if result is None:
            self.messages.add(self.patient, "in", text)
        else:
            self.messages.add(
                self.patient, "in", text, intent=result.intent, confidence=result.confidence
            )
        pending = self.state.get("pending")
        if pending == "check_in":
            answer = self.worrying(result)
            if answer is not None:
                self.on_check_in_answer(answer)
                return
            self._set_state(pending=None, then=None)
        if self.risk is Risk.POSSIBLE:
            confident = result is not None and not self._unsure(result)
            self.check_in(result.intent if confident and result is not None else None)
            return
        if result is None:  # the NLU server is down or failed
            self.say(
                self.catalogue.phrase("nlu_down", self.language),
                (*self.menu_buttons()[:-1], self.person_button()),
            )
            return
        if pending == "handoff" and result.intent in {"affirm", "deny"}:
            await self.on_handoff_answer(result.intent == "affirm")
        elif self._unsure(result):
            self.fall_back(result)
        else:
            self.on_intent(result.intent)

    def _unsure(self, result: ParseResult) -> bool:
        return unsure(result.intent, result.confidence, self.engine.threshold)

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
        if self.risk >= Risk.CLEAR:  # the net and the model read captions too
            self.messages.add(self.patient, "in", "", kind=kind[:16], intent="crisis")
            self.crisis()
            return
        self.messages.add(self.patient, "in", "", kind=kind[:16])
        if self.risk is Risk.POSSIBLE:
            self.check_in(None)
            return
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
        elif data.startswith(CHECK_IN) and value in {"yes", "no"}:
            # answered even when stale: a "yes" always gets the emergency answer
            self.on_check_in_answer(value == "yes")
        else:  # stale or forged
            self.menu("stale_button")
