"""What a patient can do for themselves beyond questions (issue 19): a plan fitted to what
leaked (bot/plan.py), letters (bot/letters_flow.py), follow-ups they ask for (bot/followups.py).
The conversation (bot/conversation.py) dispatches through COMMANDS and BUTTONS, as it does for
bot/preferences.py, and adds `answer_buttons` under the answers that lead to them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot import followups, letters_flow, plan
from bot.letters import LetterKind
from bot.replies import Button

if TYPE_CHECKING:
    from bot.conversation import Conversation

COMMANDS: dict[str, Callable[[Conversation], Awaitable[None]]] = {
    "/plan": plan.show,
    "/sent": letters_flow.sent_command,
    "/stop": followups.stop,
}
BUTTONS: dict[str, Callable[[Conversation, str], Awaitable[None]]] = {
    plan.PLAN: plan.on_button,
    letters_flow.LETTER: letters_flow.on_letter,
    letters_flow.SENT: letters_flow.on_sent,
    followups.FOLLOWUP: followups.on_button,
}


def answer_buttons(conv: Conversation, intent: str) -> list[Button]:
    """Under an answer: the plan after what_to_do, the letters after the rights and complaints."""
    if intent == "what_to_do":
        return [plan.button(conv)]
    if intent == "data_rights":
        return [letters_flow.menu_button(conv)]
    if intent == "cnil_complaint":
        return [letters_flow.letter_button(conv, LetterKind.CNIL_COMPLAINT)]
    if intent == "file_complaint":
        return [letters_flow.letter_button(conv, LetterKind.PROSECUTOR_LETTER)]
    return []


def menu_button(conv: Conversation) -> Button:
    """In the topic menu (the welcome's, /help's): the plan."""
    return plan.button(conv)
