"""The scam checker (bot/scam_check.py) in the conversation.

A patient asks for it (a button under the phishing and scam answers, or `/check`), then pastes
or forwards the message; or they paste a message with a link that the checker flags, whatever
the model read in it. The pasted message is not stored at all (only that one was checked): such
messages carry what leaked, the patient's name first. The verdict names the suspicious
addresses, from the patient's text: what is stored is the same verdict without them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.replies import Button
from bot.scam_check import ScamVerdict, check, find_domains, render, texts

if TYPE_CHECKING:
    from bot.conversation import Conversation

SCAM = "scam:"  # button data: "scam:check"
PENDING = "scam"  # the patient's state while the bot waits for the message to check
OFFER_AFTER = frozenset({"phishing_report", "scam_victim"})
INTENT = "scam_check"  # what the verdict is stored as, beside the intents' answers


def check_button(conv: Conversation) -> Button:
    return Button(texts(conv.language)["button_check"], SCAM + "check")


async def ask(conv: Conversation) -> None:
    conv.set_state(pending=PENDING)
    conv.say(texts(conv.language)["ask"])


async def on_button(conv: Conversation, value: str) -> None:
    if value == "check":
        await ask(conv)
    else:
        conv.menu("stale_button")


def verdict_for(conv: Conversation, text: str) -> ScamVerdict | None:
    """The verdict to answer with: the patient sent the message they were asked for, or a
    message whose links the checker flags. None: the conversation goes on as usual."""
    if conv.state.get("pending") == PENDING:
        conv.set_state(pending=None)
        return check(text)
    hosts, _ = find_domains(text)
    if not hosts:
        return None
    verdict = check(text)
    return verdict if verdict.flagged else None


def answer(conv: Conversation, verdict: ScamVerdict) -> None:
    conv.messages.add(conv.patient, "in", "", kind="pasted", intent=INTENT)
    language = conv.language
    again = Button(texts(language)["button_again"], SCAM + "check")
    conv.say(
        render(verdict, language),
        (again, conv.person_button()),
        INTENT,
        stored=render(verdict, language, show_domains=False),
    )


COMMANDS: dict[str, Callable[[Conversation], Awaitable[None]]] = {"/check": ask}
BUTTONS: dict[str, Callable[[Conversation, str], Awaitable[None]]] = {SCAM: on_button}
