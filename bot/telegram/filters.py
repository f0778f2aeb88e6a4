"""Filters checked in place.

aiogram runs a plain (non-async) filter, magic filters included, in a worker thread
(`asyncio.to_thread`): every patient message paid three thread trips and the GIL hand-offs that
go with them for three one-line checks (py-spy, bench/telegram_throughput.py). An async filter
is awaited in place.
"""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject
from magic_filter import MagicFilter


class When(Filter):
    """`When(F.chat.type == "private")`: the magic filter, evaluated on the event loop."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self.magic.resolve(event))

    def __str__(self) -> str:
        return f"When({self.magic!r})"
