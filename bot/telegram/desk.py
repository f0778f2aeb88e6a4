"""The agents' desk in their forum group (bot/desk.py): every agent's message there makes them
known (with the name they go by); /available and /away (in General or any topic), /assign and
/release (in a case's topic) are carried out. Thin: Telegram in, the desk service out.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message, User

from bot.escalation import Escalations

AVAILABILITY = frozenset({"/available", "/away"})
IN_A_CASE = frozenset({"/assign", "/release"})
COMMANDS = AVAILABILITY | IN_A_CASE
AGENT_STATUSES = frozenset({"creator", "administrator", "member"})


def agent_name(user: User) -> str:
    """How an agent goes by in the group: their @username (a mention that notifies them), else
    their first name."""
    return f"@{user.username}" if user.username else user.first_name


def command_of(message: Message) -> tuple[str, str] | None:
    """(command, argument) of a typed command (never a caption), else None."""
    text = message.text
    if text is None or not text.startswith("/"):
        return None
    command, _, argument = text.partition(" ")
    return command.split("@")[0].lower(), argument.strip()


async def on_agent_message(message: Message, bot: Bot, escalations: Escalations) -> bool:
    """Any message of an agent in the group; True when it was a desk command (carried out)."""
    user = message.from_user
    if user is None:
        return False
    desk = escalations.desk
    await desk.seen(user.id, agent_name(user), message.chat.id)  # a member of this group
    found = command_of(message)
    if found is None or found[0] not in COMMANDS:
        return False
    command, argument = found
    if command in AVAILABILITY:
        available = command == "/available"
        await desk.set_available(user.id, agent_name(user), available, message.chat.id)
        return True
    if not message.is_topic_message or message.message_thread_id is None:
        return True  # /assign and /release act on a case: nothing to do in General
    case = await escalations.case_for_topic(message.message_thread_id, message.chat.id)
    if case is None:
        return True
    if command == "/release":
        await desk.release(case.id, user.id, agent_name(user))
        return True
    target = await replied_agent(message, bot)
    if target is not None:
        await desk.assign(case.id, agent_name(user), user_id=target.id, name=agent_name(target))
    elif argument:
        await desk.assign(case.id, agent_name(user), user_id=None, name=argument.split()[0])
    else:
        await desk.say_usage(case.id)
    return True


async def replied_agent(message: Message, bot: Bot) -> User | None:
    """The agent whose message `/assign` answers: a human member of the group. In a topic every
    message "answers" the topic's first (service) message: that one names nobody."""
    replied = message.reply_to_message
    if replied is None or replied.forum_topic_created is not None:
        return None
    user = replied.from_user
    if user is None or user.is_bot:
        return None
    try:
        member = await bot.get_chat_member(message.chat.id, user.id)
    except TelegramBadRequest:
        return None
    return user if member.status in AGENT_STATUSES else None
