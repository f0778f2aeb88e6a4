"""One turn of one patient's conversation: what the bot says to what was sent.

The engine (bot/engine.py) opens the transaction, loads the patient and their case, and hands
the turn to a `Conversation`; it builds the replies and the state changes, then the engine stores
them and opens the cases asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import patient_tools, preferences, scam_flow
from bot.check_in import CheckIn, check_in_answer
from bot.escalation import NOT_RELAYED, SATISFACTION
from bot.preferences import DELETE, DISCREET
from bot.replies import Button, LetterFile, Reply
from bot.safety import Risk
from bot.turn import CaseRequest, Incoming, Turn, choose_language
from nlu.client import FALLBACK_INTENT, ParseResult, unsure
from storage.models import Case, Patient, Priority
from storage.repositories import MessageRepository, PatientRepository

if TYPE_CHECKING:
    from bot.engine import Engine

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

# Button data: short, so it fits Telegram's 64-byte callback data, and checked on the way back.
TOPIC, PERSON, HANDOFF, CHECK_IN = "t:", "person", "handoff:", "check:"
# The features that add commands and buttons: each module has COMMANDS and BUTTONS tables
FEATURES = (preferences, scam_flow, patient_tools)
COMMANDS = {name: act for feature in FEATURES for name, act in feature.COMMANDS.items()}
BUTTONS = {prefix: act for feature in FEATURES for prefix, act in feature.BUTTONS.items()}
# answers after which discreet mode is offered (a button), to a patient not in it yet
OFFER_DISCREET = frozenset({"sensitive_data_exposed", "emotional_support"})


class Conversation:
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
        self._answered: list[tuple[str | None, str | None]] = []  # (intent, text to store)

    @property
    def language(self) -> str:
        return self.turn.language

    @property
    def state(self) -> dict:
        return self.patient.state

    def set_state(self, **values: object) -> None:
        self.patients.change(self.patient, state={**self.patient.state, **values})

    # --- building replies -------------------------------------------------------------------

    def say(
        self,
        text: str,
        buttons: tuple[Button, ...] = (),
        intent: str | None = None,
        *,
        stored: str | None = None,
        document: LetterFile | None = None,
    ) -> None:
        """Add a reply. `stored`: what the database keeps of it, when the text shown repeats
        something the patient typed (which is never stored raw)."""
        self.turn.replies.append(Reply(text, buttons, document=document))
        self._answered.append((intent, stored))

    def welcome(self) -> None:
        """The privacy notice, with the one question about reusing their messages: off
        unless the patient says yes (reviewers may turn those into training data). It names who
        runs the service: HELPLINE_OPERATOR in place of the phrase `operator_unset`."""
        text = self.catalogue.phrase("welcome", self.language)
        if self.engine.operator:
            unset = self.catalogue.phrase("operator_unset", self.language)
            text = text.replace(unset, self.engine.operator)
        self.say(text, preferences.consent_buttons(self))

    def topic_button(self, intent: str) -> Button:
        if intent == "human_handoff":
            return self.person_button()
        return Button(self.catalogue.title(intent, self.language), TOPIC + intent)

    def person_button(self) -> Button:
        return Button(self.catalogue.phrase("talk_to_person", self.language), PERSON)

    def menu_buttons(self) -> tuple[Button, ...]:
        first, *topics = (self.topic_button(intent) for intent in MENU)
        return (first, patient_tools.menu_button(self), *topics)  # the plan after what_to_do

    def answer(self, intent: str) -> None:
        answer = self.catalogue.answer(intent, self.language)
        buttons = [self.topic_button(b) for b in answer.buttons]
        if intent in OFFER_PERSON:
            self.set_state(offered=intent)  # a person asked for from here is "high"
            if PERSON not in {b.data for b in buttons}:
                buttons.append(self.person_button())
        if intent in scam_flow.OFFER_AFTER:
            buttons.insert(0, scam_flow.check_button(self))
        buttons += patient_tools.answer_buttons(self, intent)  # the plan, a letter
        if intent in OFFER_DISCREET and self.patient.discreet_minutes is None:
            label = self.catalogue.phrase("discreet_offer", self.language)
            buttons.append(Button(label, DISCREET + "ask"))
        self.say(answer.text, tuple(buttons), intent)

    def menu(self, phrase: str = "menu") -> None:
        self.say(self.catalogue.phrase(phrase, self.language), self.menu_buttons())

    def escalate(self, reason: str, priority: Priority) -> None:
        self.turn.escalations.append(CaseRequest(reason, priority))
        self.set_state(pending=None, fallback_rounds=0, offered=None)

    def crisis(self) -> None:
        if self.risk is Risk.IMMINENT:  # an act taken or under way: 15 / 112 first, on their own
            self.say(self.catalogue.phrase("crisis_imminent", self.language), intent="crisis")
        if self.engine.handoff.team:
            self.answer("crisis")
        else:  # the same numbers, without promising a person who is not there
            self.say(self.catalogue.phrase("crisis_no_team", self.language), intent="crisis")
        self.escalate("crisis", Priority.URGENT)

    def check_in(self, then: str | None, *, again: bool = False) -> None:
        """A possible crisis: ask directly, 3114 in the same message. `then`: the topic to
        answer if the patient says no; `again`: asked once more after an « ok »."""
        self.set_state(pending="check_in", then=then, asked_again=again)
        yes_no = (
            Button(self.catalogue.phrase("check_in_yes", self.language), CHECK_IN + "yes"),
            Button(self.catalogue.phrase("check_in_no", self.language), CHECK_IN + "no"),
        )
        self.say(
            self.catalogue.phrase("check_in_again" if again else "check_in", self.language), yes_no
        )

    def on_check_in_answer(self, yes: bool) -> None:
        then = self.state.get("then")
        self.set_state(pending=None, then=None, asked_again=None)
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

    def on_check_in_reply(self, text: str, result: ParseResult | None) -> bool:
        """While a check-in waits: a yes or a worrying reply takes the crisis path, a no goes on.
        An « ok » is no answer to a question about self-harm: asked once more, kindly, with 3114;
        a second one is taken as a yes (an agent looks). False: a reply about something else."""
        intent = None if result is None or result.fell_back else result.intent
        answer = check_in_answer(text, self.risk, intent)
        if answer is CheckIn.UNCLEAR and not self.state.get("asked_again"):
            self.check_in(self.state.get("then"), again=True)
        elif answer is not CheckIn.OTHER:
            self.on_check_in_answer(answer is not CheckIn.NO)
        return answer is not CheckIn.OTHER

    def hand_over(self, reason: str) -> None:
        """The patient asked for a person; after a scam or an identity theft the case is
        "high", and its reason says what the offer followed."""
        offered = self.state.get("offered")
        if not self.engine.handoff.team:
            self.say(self.catalogue.phrase("no_team", self.language), self.menu_buttons())
        elif self.case is None:  # otherwise the waiting message says a person is on it
            self.answer("human_handoff")
        if offered in OFFER_PERSON:
            self.escalate(offered, Priority.HIGH)
        else:
            self.escalate(offered or reason, Priority.NORMAL)

    async def store_replies(self) -> None:
        case_id = self.case.id if self.case is not None else None
        for reply, (intent, stored) in zip(self.turn.replies, self._answered, strict=True):
            text = reply.text if stored is None else stored
            self.messages.add_reply(self.patient, text, intent=intent, case_id=case_id)

    async def on_case_message(self, incoming: Incoming, result: ParseResult | None) -> None:
        """During a case the patient talks to a person: the message is copied to the agents,
        and the bot answers only a crisis (the emergency numbers) or asks about a possible one."""
        assert self.case is not None
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
        await self.engine.handoff.relay(
            self.messages.session, self.case, incoming.message_id, kind, incoming.text
        )
        if kind in NOT_RELAYED:
            self.say(self.catalogue.phrase("case_not_relayed", self.language))
        if self.state.get("pending") == "check_in" and self.on_check_in_reply(text, result):
            return
        if crisis:
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
        if self.risk is Risk.NONE and (verdict := scam_flow.verdict_for(self, text)):
            scam_flow.answer(self, verdict)
            return
        if result is None:
            self.messages.add(self.patient, "in", text)
        else:
            self.messages.add(
                self.patient, "in", text, intent=result.intent, confidence=result.confidence
            )
        pending = self.state.get("pending")
        if pending == "check_in":
            if self.on_check_in_reply(text, result):
                return
            self.set_state(pending=None, then=None, asked_again=None)
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
            self.set_state(offered=None)
        self.set_state(fallback_rounds=0, pending=None)
        if intent == "crisis":
            self.crisis()
        elif intent == "human_handoff":
            self.set_state(pending="handoff")
            yes_no = (
                Button(self.catalogue.phrase("handoff_yes", self.language), HANDOFF + "yes"),
                Button(self.catalogue.phrase("handoff_no", self.language), HANDOFF + "no"),
            )
            self.say(self.catalogue.phrase("handoff_confirm", self.language), yes_no)
        else:
            self.answer(intent)
            if intent in URGENT:
                self.escalate(intent, Priority.URGENT)

    def fall_back(self, result: ParseResult) -> None:
        rounds = int(self.state.get("fallback_rounds") or 0) + 1
        self.set_state(fallback_rounds=rounds)
        guesses = [s.name for s in result.ranking if s.name != FALLBACK_INTENT][:2]
        buttons = tuple(self.topic_button(g) for g in guesses if g != "human_handoff")
        if rounds >= MAX_FALLBACK_ROUNDS:
            self.set_state(offered="fallback")
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
        self.set_state(pending=None)
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
        elif command in COMMANDS:
            await COMMANDS[command](self)
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
            self.set_state(offered=kind)
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
            # nothing of this turn is stored: the patient and all their messages go; the chat's
            # recent messages too, before the confirmation (which stays)
            self.turn.patient_deleted = True
            self.turn.erase_chat = True
            self.say(self.catalogue.phrase("deleted", self.language))
            return
        self.messages.add(self.patient, "in", data[:64], kind="button")
        value = data.split(":", 1)[1] if ":" in data else ""
        if data.startswith(SATISFACTION):
            rated = value.isdigit() and await self.engine.handoff.rate(
                self.messages.session, self.patient, int(value)
            )
            self.say(self.catalogue.phrase("rated" if rated else "rate_stale", self.language))
        elif data == PERSON:
            self.hand_over("button")
        elif data.startswith(TOPIC) and value in self.catalogue.intents:
            self.on_intent(value)
        elif (prefix := data.split(":", 1)[0] + ":") in BUTTONS:
            await BUTTONS[prefix](self, value)
        elif data.startswith(HANDOFF) and value in {"yes", "no"}:
            await self.on_handoff_answer(value == "yes")
        elif data.startswith(CHECK_IN) and value in {"yes", "no"}:
            # answered even when stale: a "yes" always gets the emergency answer
            self.on_check_in_answer(value == "yes")
        else:  # stale or forged
            self.menu("stale_button")
