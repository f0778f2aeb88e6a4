"""The per-patient flood window forgets the patients who went quiet (it grew with every patient
ever seen), with a clock the test moves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.types import Chat, Message, TelegramObject

from bot.telegram.middlewares import ThrottlingMiddleware


def message(chat_id: int, message_id: int) -> Message:
    return Message(
        message_id=message_id,
        date=datetime(2026, 11, 29),
        chat=Chat(id=chat_id, type="private"),
        text="bonjour",
    )


async def test_quiet_patients_are_forgotten_and_floods_still_throttled() -> None:
    now = [0.0]
    throttle = ThrottlingMiddleware(limit=2, window=10.0, clock=lambda: now[0])
    seen: list[bool] = []

    async def handler(event: TelegramObject, data: dict[str, Any]) -> None:
        seen.append(bool(data.get("throttled")))

    for chat in range(1000, 1100):  # a hundred patients write once
        await throttle(handler, message(chat, 1), {})
    assert len(throttle.recent) == 100
    for n in range(3):  # one floods: the third message in the window is throttled
        await throttle(handler, message(7, n), {})
    assert seen[-3:] == [False, False, True]

    now[0] = 11.0  # a window later: the quiet ones are forgotten at the next message
    await throttle(handler, message(8, 1), {})
    assert set(throttle.recent) == {7, 8}  # 7's last text still waits for its answer
    assert seen[-1] is False
    await throttle.stop()  # (cancels that answer)

    now[0] = 22.0
    await throttle(handler, message(9, 1), {})
    assert set(throttle.recent) == {9}
    assert 7 not in throttle.warned
