"""Telegram's limit on one group, about 20 messages a minute, kept on the bot's session.

Telegram's Bot FAQ says a bot "will not be able to send more than 20 messages per minute to the
same group", and answers 429 beyond. What counts as a message there, beyond sending one: an edit
shares the limit (TDLib's maintainer, tdlib/td#2592: "For bots the limits for message editing are
the same as for message sending ... They share the limit"), and so does whatever posts a service
message into the group: creating a topic ("Creating a forum topic is sending a message about its
creation", same thread), editing, closing or reopening one, and pinning a message ("... pinned a
message"). So all of these are paced here, per group chat (a negative chat id, or an @username),
whoever sends them. Deleting a topic posts nothing; it is paced too, as the agents' outbox always
did: it is rare, and Telegram documents no limit for it either way.

A request counts from when it is let go until `window` seconds after its answer: Telegram
received it in between, so our window always covers Telegram's, whatever the network's delays.
Requests into one group go in the order they came. Private chats are not paced here: the bot-wide
line (send_queue.py) paces every message, the group's included, after this.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.telegram.send_queue import PACED

GROUP_COUNTED = PACED | frozenset(
    {"editMessageText", "editMessageCaption", "editMessageMedia", "editMessageReplyMarkup",
     "pinChatMessage", "editForumTopic", "closeForumTopic", "reopenForumTopic",
     "deleteForumTopic"}
)  # fmt: skip
IDLE_GROUPS = 100  # groups remembered beyond this are forgotten once their window is over


class _Group:
    def __init__(self) -> None:
        self.turns = asyncio.Lock()  # first come, first served
        self.in_flight = 0
        self.ended: deque[float] = deque()  # when the requests of the last window were answered
        self.released = asyncio.Event()

    async def turn(self, limit: int, window: float) -> None:
        async with self.turns:
            while True:
                now = time.monotonic()
                while self.ended and now - self.ended[0] >= window:
                    self.ended.popleft()
                if self.in_flight + len(self.ended) < limit:
                    break
                if self.ended:
                    await asyncio.sleep(self.ended[0] + window - now)
                else:  # all in flight: the window starts when they are answered
                    self.released.clear()
                    await self.released.wait()
            self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1
        self.ended.append(time.monotonic())
        self.released.set()

    def idle(self, window: float) -> bool:
        now = time.monotonic()
        return (
            not self.in_flight
            and not self.turns.locked()
            and all(now - t >= window for t in self.ended)
        )


class GroupPacing(BaseRequestMiddleware):
    """At most `limit` group-counted requests into one group in any `window` seconds."""

    def __init__(self, limit: int = 20, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._groups: dict[int | str, _Group] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat = group_chat(getattr(method, "chat_id", None))
        if chat is None or method.__api_method__ not in GROUP_COUNTED:
            return await make_request(bot, method)
        group = self._groups.get(chat)
        if group is None:
            self._forget_idle()
            group = self._groups[chat] = _Group()
        await group.turn(self.limit, self.window)
        try:
            return await make_request(bot, method)
        finally:
            group.release()

    def _forget_idle(self) -> None:
        if len(self._groups) >= IDLE_GROUPS:
            for chat in [c for c, g in self._groups.items() if g.idle(self.window)]:
                del self._groups[chat]


def group_chat(chat_id: object) -> int | str | None:
    """The chat if it is a group, supergroup or channel (negative id, or @username), else None."""
    if isinstance(chat_id, str):
        if chat_id.startswith("@"):
            return chat_id
        try:
            chat_id = int(chat_id)
        except ValueError:
            return None
    if isinstance(chat_id, int) and not isinstance(chat_id, bool) and chat_id < 0:
        return chat_id
    return None
