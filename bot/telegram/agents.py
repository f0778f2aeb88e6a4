"""The agents' forum group: one topic per case. Agents' messages in a case's topic are copied to
the patient (never forwarded: no identity travels either way); "!" marks an internal note; the
card's buttons (in the case's topic only) and /take /close /reopen /note /urgent (typed, never a
caption) act on the case. /r sends a canned reply (bot/canned_replies.py); /close first asks the
outcome and categories (bot/case_closing.py), with buttons "case:<action>:<case id>:<argument>".

Only members of the group who are not bots act as agents; everyone else is ignored. With several
agents' groups (bot/agents_groups.py) every one of them is served, a topic's case looked up in
its own group; /transfer NAME moves a case to another group (bot/transfer.py).
"""

from __future__ import annotations

import time
from collections.abc import Collection

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, User

from bot import case_closing
from bot.agent_texts import read_case_button
from bot.canned_replies import REPLY, canned_reply
from bot.deliveries import Copy, Deliveries
from bot.escalation import AgentOutcome, Escalations
from bot.patient_flags import flag_from_topic, flags_in_topic
from bot.telegram.desk import agent_name, on_agent_message
from bot.telegram.filters import When
from bot.telegram.sending import send
from bot.transfer import TRANSFER, transfer

AGENT_STATUSES = frozenset({"creator", "administrator", "member"})
RELAYED = frozenset(
    {"text", "photo", "document", "voice", "audio", "video", "video_note", "sticker", "animation"}
)
COMMANDS = frozenset({"/take", "/close", "/reopen", "/note", "/urgent"})
COMMANDS |= {"/r"}  # canned replies (bot/canned_replies.py)
COMMANDS |= {"/flag", "/flags"}  # flags on the patient (bot/patient_flags.py)
COMMANDS |= {"/transfer"}  # to another agents' group (bot/transfer.py)


class IsAgent(Filter):
    """A human member of the agents' group (asked to Telegram, remembered for a minute)."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._known: dict[tuple[int, int], tuple[bool, float]] = {}  # (group, user)

    async def __call__(self, event: Message | CallbackQuery, bot: Bot) -> bool:
        user: User | None = event.from_user
        chat = event.chat if isinstance(event, Message) else (event.message and event.message.chat)
        if user is None or user.is_bot or chat is None:
            return False
        known = self._known.get((chat.id, user.id))
        if known is not None and time.monotonic() - known[1] < self.ttl:
            return known[0]
        try:
            member = await bot.get_chat_member(chat.id, user.id)
            allowed = member.status in AGENT_STATUSES
        except TelegramBadRequest:
            allowed = False
        self._known[(chat.id, user.id)] = (allowed, time.monotonic())
        return allowed


async def tell_patient(
    bot: Bot, escalations: Escalations, deliveries: Deliveries, outcome: AgentOutcome
) -> None:
    """Send the patient what the agent's action stored for them (the helpline's notices, or
    the agent's message); the agents are told if the patient blocked the bot."""
    if outcome.patient_chat is None or outcome.case is None or not outcome.items:
        return
    items = outcome.items
    chat = int(outcome.patient_chat[1])
    if not await send(bot, deliveries, chat, items, outcome.delivery):
        await escalations.patient_unreachable(outcome.case.id)


async def act(
    action: str,
    case_id: int,
    user: User,
    argument: str,
    escalations: Escalations,
    message_id: int | None = None,  # a button's: the message it is under
) -> AgentOutcome:
    if action == "take":
        return await escalations.take(case_id, user.id, agent_name(user))
    if action == "close":  # the outcome and categories first (bot/case_closing.py)
        return await case_closing.ask_outcome(escalations, case_id)
    if action == "confirm":
        return await case_closing.confirm(escalations, case_id)
    if action in case_closing.STEPS and message_id is not None:
        return await case_closing.step(escalations, action, case_id, argument, message_id)
    if action == REPLY:
        return await canned_reply(escalations, case_id, user.id, argument)
    if action == "reopen":
        return await escalations.reopen(case_id)
    if action == "urgent":
        return await escalations.make_urgent(case_id)
    if action == "note":
        return await escalations.note(case_id, argument)
    if action == "flag":
        return await flag_from_topic(escalations, case_id, user.id, argument)
    if action == "flags":
        return await flags_in_topic(escalations, case_id)
    if action == TRANSFER:
        return await transfer(escalations, case_id, agent_name(user), argument)
    return AgentOutcome()


async def on_topic_message(
    message: Message,
    bot: Bot,
    escalations: Escalations,
    deliveries: Deliveries,
) -> None:
    if await on_agent_message(message, bot, escalations):
        return  # /available, /away, /assign, /release (bot/telegram/desk.py)
    if not message.is_topic_message or message.message_thread_id is None:
        return  # the General topic is the agents' own
    if message.content_type not in RELAYED or message.from_user is None:
        return  # service messages: topic created, pinned...
    # a topic id means something within its group only
    case = await escalations.case_for_topic(message.message_thread_id, message.chat.id)
    if case is None:
        return
    text = message.text or message.caption or ""
    if message.text is not None and text.startswith("/"):  # a caption is never a command
        command, _, argument = text.partition(" ")
        command = command.split("@")[0].lower()
        if command in COMMANDS:
            outcome = await act(command[1:], case.id, message.from_user, argument, escalations)
            await tell_patient(bot, escalations, deliveries, outcome)
        return
    if text.startswith("!"):
        return  # an internal note: stays in the topic
    copy = Copy(message.chat.id, message.message_id)
    outcome = await escalations.agent_message(
        case.id, message.from_user.id, text, message.content_type, copy
    )
    await tell_patient(bot, escalations, deliveries, outcome)


async def on_card_button(
    query: CallbackQuery,
    bot: Bot,
    escalations: Escalations,
    deliveries: Deliveries,
) -> None:
    button = read_case_button(query.data or "")
    if button is None:
        return  # stale or forged
    action, case_id, argument = button
    # a card's button acts on the case whose topic it is in: pressed on a message anywhere else
    # (forged, or a message the bot cannot see), it does nothing
    message = query.message
    if not isinstance(message, Message) or not message.is_topic_message:
        return
    if message.message_thread_id is None:
        return
    case = await escalations.case_for_topic(message.message_thread_id, message.chat.id)
    if case is None or case.id != case_id:
        return
    outcome = await act(action, case.id, query.from_user, argument, escalations, message.message_id)
    await tell_patient(bot, escalations, deliveries, outcome)


def make_router(agents_chat_ids: int | Collection[int] | None) -> Router:
    """The router of the agents' groups: one chat id, or all of them (bot/agents_groups.py)."""
    router = Router(name="agents")
    is_agent = IsAgent()
    if agents_chat_ids is None or isinstance(agents_chat_ids, int):
        agents_chat_ids = () if agents_chat_ids is None else (agents_chat_ids,)
    chats = frozenset(agents_chat_ids)
    router.message.filter(When(F.chat.id.in_(chats)))
    router.callback_query.filter(When(F.message.chat.id.in_(chats)))
    router.message.register(on_topic_message, is_agent)
    router.message.register(ignore)  # strangers and bots in the group
    router.callback_query.register(on_card_button, is_agent)
    router.callback_query.register(refuse)
    return router


async def ignore(_: Message) -> None:
    """Not an agent: nothing is done."""


async def refuse(query: CallbackQuery) -> None:
    """Not an agent: the press is answered (CallbackAnswerMiddleware), nothing is done."""
