"""Groups and channels that are not the agents' group: ignored, and left when strangers add us."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import ChatMemberUpdated, Message

router = Router(name="other_chats")
NOT_PRIVATE = F.chat.type.in_({"group", "supergroup", "channel"})


@router.my_chat_member(NOT_PRIVATE)
async def on_added_to_a_chat(
    event: ChatMemberUpdated, bot: Bot, agents_chat_id: int | None
) -> None:
    if event.chat.id != agents_chat_id and event.new_chat_member.status in {
        "member",
        "administrator",
    }:
        await bot.leave_chat(event.chat.id)


@router.message(NOT_PRIVATE)
@router.edited_message(NOT_PRIVATE)
@router.channel_post()
async def ignore(_: Message) -> None:
    """Patients' data has no place in a group: nothing is read, stored or answered."""
