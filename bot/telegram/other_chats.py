"""Groups and channels that are not an agents' group: ignored, and left when strangers add us."""

from __future__ import annotations

from collections.abc import Collection

from aiogram import Bot, F, Router
from aiogram.types import ChatMemberUpdated, Message

from bot.telegram.filters import When

NOT_PRIVATE = When(F.chat.type.in_({"group", "supergroup", "channel"}))


async def on_added_to_a_chat(
    event: ChatMemberUpdated,
    bot: Bot,
    agents_chat_id: int | None,
    agents_chat_ids: Collection[int] = (),  # several agents' groups (bot/agents_groups.py)
) -> None:
    ours = event.chat.id == agents_chat_id or event.chat.id in agents_chat_ids
    if not ours and event.new_chat_member.status in {
        "member",
        "administrator",
    }:
        await bot.leave_chat(event.chat.id)


async def ignore(_: Message) -> None:
    """Patients' data has no place in a group: nothing is read, stored or answered."""


def make_router() -> Router:
    router = Router(name="other_chats")
    router.my_chat_member.register(on_added_to_a_chat, NOT_PRIVATE)
    router.message.register(ignore, NOT_PRIVATE)
    router.edited_message.register(ignore, NOT_PRIVATE)
    router.channel_post.register(ignore)
    return router
