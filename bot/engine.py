"""The conversation engine, independent of any channel.

`Engine.handle(Incoming)` takes what a patient sent (text, a command or a button) and returns a
`Turn`: the replies to show (text + buttons) and the escalations to open. Telegram, the console and
the tests all drive this same code. Patient text is stored only through MessageRepository, which
redacts it.

The turn itself is `bot.conversation.Conversation`; the values in and out are in bot/turn.py.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation import CHECK_IN, Conversation
from bot.deliveries import to_rows
from bot.discretion import with_discreet_lead
from bot.handoff import Handoff, NoTeam
from bot.language import written_language
from bot.preferences import DISCREET
from bot.replies import Button, Reply
from bot.safety import NetReading, Risk, read
from bot.turn import (
    CaseRequest,
    Incoming,
    Parser,
    Turn,
    choose_language,
    is_command,
    is_command_text,
)
from nlu.client import NLUUnavailable, ParseResult
from responses import Catalogue
from storage.chat_messages import ChatMessageRepository
from storage.deliveries import DeliveryRepository
from storage.inbound import hold_turn
from storage.models import Patient, utcnow
from storage.repositories import MessageRepository, PatientRepository
from storage.session import wrote_agents_outbox


class Engine:
    def __init__(
        self,
        catalogue: Catalogue,
        nlu: Parser,
        sessions: async_sessionmaker[AsyncSession],
        *,
        threshold: float = 0.5,
        handoff: Handoff | None = None,
        operator: str = "",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.catalogue = catalogue
        self.nlu = nlu
        self.sessions = sessions
        self.threshold = threshold
        # who answers when a person is needed: nobody here (the default), or the agents' team
        self.handoff: Handoff = handoff if handoff is not None else NoTeam()
        # who runs the service (HELPLINE_OPERATOR), named in the welcome; "" leaves the
        # welcome's own "to be configured" wording
        self.operator = operator.strip()
        # "now", naive UTC: when a letter was sent, when follow-ups are due (tests move it)
        self.clock = clock
        # one turn at a time per patient: replies stay in order and state updates don't race;
        # on PostgreSQL, across processes too: each turn's transaction first takes the
        # patient's advisory lock (storage.inbound.hold_turn), which also marks the Telegram
        # update being handled as handled, in the turn's commit
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
        if incoming.attachment is None and is_command(text):
            return None
        try:
            return await self.nlu.parse(text)
        except NLUUnavailable:
            return None

    async def assess(self, incoming: Incoming) -> tuple[Risk, ParseResult | None]:
        """The keyword net and the model together: a model `crisis` counts like a keyword hit,
        on every path (text, caption, edit, throttled message, message inside a case)."""
        if incoming.button is not None:
            net = NetReading(Risk.NONE, False)
        else:
            net = incoming.net if incoming.net is not None else read(incoming.text)
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
        free_text = incoming.button is None and not is_command_text(incoming)
        writes = written_language(incoming.text) if free_text else None
        async with self.sessions() as session, session.begin():
            await hold_turn(session, incoming.channel, incoming.chat_id)
            patients = PatientRepository(session)
            patient, created, case = await patients.arrive(
                incoming.channel, incoming.chat_id, incoming.client_language
            )
            case = self.handoff.followed(case)
            if not stored and incoming.message_id is not None:  # to delete it from the chat
                ChatMessageRepository(session).note(
                    incoming.channel, incoming.chat_id, incoming.message_id
                )
            if stored and case is not None:  # relayed to the person when stored: theirs to answer
                return Turn(language=choose_language(patient))
            if writes and patient.language is None and patient.state.get("writes") != writes:
                patients.change(patient, state={**patient.state, "writes": writes})
            messages = _AlreadyStored(session) if stored else MessageRepository(session)
            conversation = Conversation(self, patient, patients, messages, case, risk)
            # a new patient's privacy notice comes first, but after a crisis's answer: the
            # emergency numbers go at once, not behind a long notice
            urgent = risk >= Risk.POSSIBLE
            if created and not urgent:
                conversation.welcome()
            if case is not None and incoming.button is None and not is_command_text(incoming):
                await conversation.on_case_message(incoming, parsed)
            elif incoming.attachment is not None:
                await conversation.on_attachment(incoming.attachment)
            elif incoming.button is not None:
                await conversation.on_button(incoming.button)
            elif is_command_text(incoming):
                await conversation.on_command(incoming.text.strip())
            else:
                await conversation.on_text(incoming.text, parsed)
            if conversation.turn.patient_deleted:
                await self.handoff.forget(session, patient)
                await patients.delete(patient)
                await self._queue(session, incoming, conversation.turn)
                return conversation.turn
            for request in conversation.turn.escalations:
                for text in await self.handoff.open(
                    session, patient, request.reason, request.priority, conversation.language
                ):
                    conversation.say(text)
            if created and urgent:
                conversation.welcome()
            turn = conversation.turn
            turn.replies = with_discreet_lead(self.catalogue, patient, turn.language, turn.replies)
            await conversation.store_replies()
            await self._queue(session, incoming, conversation.turn)
            return conversation.turn

    async def _record(self, incoming: Incoming, notice: str | None = None) -> Turn:
        """Store what the patient sent without answering it (a flood being throttled);
        `notice` names a phrase to send instead, once."""
        async with self.sessions() as session, session.begin():
            await hold_turn(session, incoming.channel, incoming.chat_id)
            patient, _, case = await PatientRepository(session).arrive(
                incoming.channel, incoming.chat_id, incoming.client_language
            )
            kind = incoming.attachment or ("button" if incoming.button is not None else "text")
            text = "" if incoming.attachment else (incoming.text or incoming.button or "")
            case = self.handoff.followed(case)
            case_id = case.id if case is not None else None
            MessageRepository(session).add(patient, "in", text, kind=kind, case_id=case_id)
            if incoming.message_id is not None:  # to delete it from the chat
                ChatMessageRepository(session).note(
                    incoming.channel, incoming.chat_id, incoming.message_id
                )
            if case is not None and incoming.button is None:
                # a person is reading: a flood reaches them whole, paced by the outbox
                await self.handoff.relay(session, case, incoming.message_id, kind, incoming.text)
            turn = Turn(language=choose_language(patient))
            if notice is not None:
                text = self.catalogue.phrase(notice, turn.language)
                turn.replies = with_discreet_lead(
                    self.catalogue, patient, turn.language, [Reply(text)]
                )
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
                to_rows(turn.items()),
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


# what callers name through the engine: the values in and out, and the button data they test
__all__ = [
    "CHECK_IN",
    "DISCREET",
    "Button",
    "CaseRequest",
    "Engine",
    "Incoming",
    "Parser",
    "Turn",
]
