"""Engine replies -> Telegram HTML messages and inline keyboards."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine import Button

TELEGRAM_LIMIT = 4096
CAPTION_LIMIT = 1024  # a document's caption
BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def to_html(text: str) -> str:
    """Escape everything, then turn our one formatting mark (**bold**) into <b>."""
    return BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def to_html_parts(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """HTML messages of at most `limit` characters, cut at a paragraph, line or word boundary.

    The text is cut before it is turned into HTML, so a cut never falls inside a tag or an entity.
    """
    parts: list[str] = []
    text = text.strip()
    while text:
        whole = to_html(text)
        if len(whole) <= limit:  # the usual case: one message, no search
            parts.append(whole)
            break
        low, high = 1, len(text)  # longest prefix whose HTML fits
        while low < high:
            middle = (low + high + 1) // 2
            if len(to_html(text[:middle])) <= limit:
                low = middle
            else:
                high = middle - 1
        cut = low
        if cut < len(text):  # prefer a paragraph, then a line, then a word boundary
            for separator in ("\n\n", "\n", " "):
                boundary = text.rfind(separator, 0, cut)
                if boundary > cut // 2:
                    cut = boundary
                    break
        parts.append(to_html(text[:cut].rstrip()))
        text = text[cut:].lstrip()
    return parts


def reply_parts(text: str, lead: str = "", limit: int = TELEGRAM_LIMIT) -> list[str]:
    """The HTML messages of a reply; with a `lead` (discreet mode), each of them begins with it,
    on a line of its own: the first line a lock screen's preview shows."""
    if not lead:
        return to_html_parts(text, limit)
    first = to_html(lead.strip()) + "\n\n"
    return [first + part for part in to_html_parts(text, limit - len(first))]


@lru_cache(maxsize=1024)  # the catalogue's buttons: a few hundred sets, built once each
def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=button.label, callback_data=button.data)]
            for button in buttons
        ]
    )
