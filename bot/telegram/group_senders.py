"""What each kind of the agents' outbox becomes in the forum group: one sender per kind
(`SENDERS`, checked complete by tests/test_escalation_types.py), called by the delivery worker
(group_delivery.py) with the row read as a `Job`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from storage.outbox import (
    AgentDM,
    Announce,
    CopyToTopic,
    EditTopicText,
    EraseTopic,
    GroupPayload,
    OutboxKind,
    TopicMovedOut,
    TopicText,
)

if TYPE_CHECKING:
    from bot.telegram.group_delivery import GroupDelivery

TOPIC_GONE = ("thread not found", "TOPIC_DELETED", "TOPIC_ID_INVALID")
TOPIC_CLOSED = "TOPIC_CLOSED"
HARMLESS = ("not modified", "TOPIC_NOT_MODIFIED")  # the change is already there
# sent outside any case's topic: the rest needs the case's topic, made again if it was deleted
OUTSIDE_TOPICS = frozenset({OutboxKind.TOPIC, OutboxKind.ANNOUNCE, OutboxKind.ERASE_TOPIC})
OUTSIDE_TOPICS |= {OutboxKind.AGENT_DM}  # to an agent privately, else in General (bot/desk.py)
OUTSIDE_TOPICS |= {OutboxKind.MOVED_OUT}  # a topic the case left (bot/transfer.py): its own id


@dataclass
class Job:
    """One outbox row with what sending it needs, read in a short transaction."""

    row_id: int
    kind: OutboxKind
    payload: GroupPayload
    attempts: int
    case_id: int | None  # None: erasing the topic of a case erased with its patient
    case_name: str
    topic_id: int | None
    card_message_id: int | None
    patient_chat_id: str
    card: tuple[str, list[tuple[str, str]]] | None


class TopicGone(Exception):
    pass


class CaseGone(Exception):
    """The case was erased (its patient used /delete) while its topic was being made."""


def markup(buttons: Sequence[tuple[str, str]], columns: int = 0) -> InlineKeyboardMarkup | None:
    """One row, or rows of `columns` buttons."""
    if not buttons:
        return None
    keys = [InlineKeyboardButton(text=label, callback_data=data) for label, data in buttons]
    size = columns or len(keys)
    return InlineKeyboardMarkup(
        inline_keyboard=[keys[i : i + size] for i in range(0, len(keys), size)]
    )


async def open_topic(delivery: GroupDelivery, bot: Bot, job: Job, chat: int) -> None:
    if job.topic_id is None:
        raise TopicGone  # made by deliver_one, with its card
    # a topic already exists (a repeated row)


async def announce(delivery: GroupDelivery, bot: Bot, job: Job, chat: int) -> None:
    """In the General topic."""
    assert isinstance(job.payload, Announce)
    await bot.send_message(chat, job.payload.text, parse_mode=None)


async def erase_topic(delivery: GroupDelivery, bot: Bot, job: Job, chat: int) -> None:
    """Deleting a topic deletes every message in it: the card, the copies, the notes."""
    assert isinstance(job.payload, EraseTopic)
    try:
        await bot.delete_forum_topic(chat, job.topic_id)  # type: ignore[arg-type]
    except TelegramBadRequest as error:
        if not any(gone in error.message for gone in TOPIC_GONE):
            raise  # retried, then said in the topic (see _refused)
    if job.payload.quiet:  # the retention period: nobody asked, nobody is told
        return
    await bot.send_message(
        chat, delivery.texts.phrase("erased", number=job.payload.number), parse_mode=None
    )


async def ensure_card(delivery: GroupDelivery, bot: Bot, job: Job, chat: int) -> None:
    if job.card_message_id is None:
        await delivery.post_card(bot, job)


async def edit_card(delivery: GroupDelivery, bot: Bot, job: Job, chat: int) -> None:
    if job.card_message_id is None or not job.card:
        return  # no card yet: the topic's card is made with the case's current state
    text, buttons = job.card
    await bot.edit_message_text(
        text,
        chat_id=chat,
        message_id=job.card_message_id,
        reply_markup=markup(buttons),
        parse_mode=None,
    )


async def text(delivery: GroupDelivery, bot: Bot, job: Job, chat: int) -> None:
    assert isinstance(job.payload, TopicText)
    await bot.send_message(
        chat,
        job.payload.text,
        message_thread_id=job.topic_id,
        reply_markup=markup(job.payload.buttons, job.payload.columns),
        parse_mode=None,
    )


async def edit_text(delivery: GroupDelivery, bot: Bot, job: Job, chat: int) -> None:
    assert isinstance(job.payload, EditTopicText)
    await bot.edit_message_text(
        job.payload.text,
        chat_id=chat,
        message_id=job.payload.message_id,
        reply_markup=markup(job.payload.buttons, job.payload.columns),
        parse_mode=None,
    )


async def copy(delivery: GroupDelivery, bot: Bot, job: Job, chat: int) -> None:
    assert isinstance(job.payload, CopyToTopic)
    await bot.copy_message(
        chat,
        int(job.patient_chat_id),
        job.payload.message_id,
        message_thread_id=job.topic_id,
        caption=job.payload.caption,  # as stored (redacted); "" removes one
        parse_mode=None,
    )


async def rename(delivery: GroupDelivery, bot: Bot, job: Job, chat: int) -> None:
    await bot.edit_forum_topic(chat, job.topic_id, name=job.case_name)  # type: ignore[arg-type]


async def close_topic(delivery: GroupDelivery, bot: Bot, job: Job, chat: int) -> None:
    await bot.close_forum_topic(chat, job.topic_id)  # type: ignore[arg-type]


async def reopen_topic(delivery: GroupDelivery, bot: Bot, job: Job, chat: int) -> None:
    await bot.reopen_forum_topic(chat, job.topic_id)  # type: ignore[arg-type]


async def moved_out(delivery: GroupDelivery, bot: Bot, job: Job, chat: int) -> None:
    """A note in the topic the case left for another group, then the topic closed; a topic
    deleted or closed by hand meanwhile is left as it is."""
    assert isinstance(job.payload, TopicMovedOut)
    topic = job.payload.topic_id
    try:
        await bot.send_message(chat, job.payload.text, message_thread_id=topic, parse_mode=None)
        await bot.close_forum_topic(chat, topic)
    except TelegramBadRequest as error:
        if not any(s in error.message for s in (*TOPIC_GONE, TOPIC_CLOSED, *HARMLESS)):
            raise


async def agent_dm(delivery: GroupDelivery, bot: Bot, job: Job, chat: int) -> None:
    """Privately to the agent. Telegram refuses when they never started the bot (or blocked
    it): then the fallback, which names no case, goes to the General topic."""
    assert isinstance(job.payload, AgentDM)
    try:
        await bot.send_message(job.payload.user_id, job.payload.text, parse_mode=None)
    except (TelegramForbiddenError, TelegramBadRequest):
        await bot.send_message(chat, job.payload.fallback, parse_mode=None)


Sender = Callable[["GroupDelivery", Bot, Job, int], Awaitable[None]]
# every kind has its sender (tests/test_escalation_types.py checks it)
SENDERS: dict[OutboxKind, Sender] = {
    OutboxKind.TOPIC: open_topic,
    OutboxKind.CARD: ensure_card,
    OutboxKind.CARD_EDIT: edit_card,
    OutboxKind.TEXT: text,
    OutboxKind.COPY: copy,
    OutboxKind.ANNOUNCE: announce,
    OutboxKind.RENAME: rename,
    OutboxKind.CLOSE_TOPIC: close_topic,
    OutboxKind.REOPEN_TOPIC: reopen_topic,
    OutboxKind.ERASE_TOPIC: erase_topic,
    OutboxKind.EDIT_TEXT: edit_text,
    OutboxKind.AGENT_DM: agent_dm,
    OutboxKind.MOVED_OUT: moved_out,
}
