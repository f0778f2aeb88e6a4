"""What the patient sets for themselves: language, consent to reuse their messages, discreet
mode (bot/discretion.py), erasure. Each is a command that asks with buttons and a button that
sets it; the conversation (bot/conversation.py) dispatches through COMMANDS and BUTTONS."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.discretion import DELAYS
from bot.replies import Button
from bot.turn import LANGUAGES

if TYPE_CHECKING:
    from bot.conversation import Conversation

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
# Button data prefixes, short to fit Telegram's 64-byte callback data
LANGUAGE, CONSENT, DELETE = "lang:", "consent:", "delete:"
DISCREET = "discreet:"  # "discreet:60", "discreet:off", "discreet:ask"


def consent_buttons(conv: Conversation) -> tuple[Button, ...]:
    phrase = conv.catalogue.phrase
    return (
        Button(phrase("consent_yes", conv.language), CONSENT + "yes"),
        Button(phrase("consent_no", conv.language), CONSENT + "no"),
    )


async def ask_consent(conv: Conversation) -> None:
    key = "consent_on" if conv.patient.consent_improve else "consent_off"
    conv.say(conv.catalogue.phrase(key, conv.language), consent_buttons(conv))


async def set_consent(conv: Conversation, value: str) -> None:
    if value not in {"yes", "no"}:
        conv.menu("stale_button")
        return
    conv.patients.change(conv.patient, consent_improve=value == "yes")
    conv.say(conv.catalogue.phrase(f"consent_{value}_done", conv.language))


async def ask_language(conv: Conversation) -> None:
    conv.say(
        conv.catalogue.phrase("language_prompt", conv.language),
        tuple(Button(name, LANGUAGE + code) for code, name in LANGUAGE_NAMES.items()),
    )


async def set_language(conv: Conversation, value: str) -> None:
    if value not in LANGUAGES:
        conv.menu("stale_button")
        return
    conv.patients.change(conv.patient, language=value)
    conv.turn.language = value
    conv.say(conv.catalogue.phrase("language_set", value))


async def ask_delete(conv: Conversation) -> None:
    phrase = conv.catalogue.phrase
    conv.say(
        phrase("delete_confirm", conv.language),
        (
            Button(phrase("delete_yes", conv.language), DELETE + "yes"),
            Button(phrase("delete_no", conv.language), DELETE + "no"),
        ),
    )


async def delete_answer(conv: Conversation, value: str) -> None:
    """ "delete:yes" never gets here: the conversation erases before storing anything."""
    if value == "no":
        conv.say(conv.catalogue.phrase("delete_cancelled", conv.language))
    else:
        conv.menu("stale_button")


async def ask_discreet(conv: Conversation) -> None:
    phrase, language = conv.catalogue.phrase, conv.language
    minutes = conv.patient.discreet_minutes
    if minutes is None:
        text = phrase("discreet_prompt", language)
    else:
        delay = phrase(f"discreet_delay_{minutes}", language)
        text = phrase("discreet_prompt_on", language, delay=delay)
    buttons = [Button(phrase(f"discreet_button_{m}", language), f"{DISCREET}{m}") for m in DELAYS]
    if minutes is not None:
        buttons.append(Button(phrase("discreet_button_off", language), DISCREET + "off"))
    conv.say(text, tuple(buttons))


async def set_discreet(conv: Conversation, value: str) -> None:
    phrase, language = conv.catalogue.phrase, conv.language
    if value.isdigit() and int(value) in DELAYS:
        conv.patients.change(conv.patient, discreet_minutes=int(value))
        delay = phrase(f"discreet_delay_{value}", language)
        conv.say(phrase("discreet_on", language, delay=delay))
    elif value == "off":
        conv.patients.change(conv.patient, discreet_minutes=None)
        conv.say(phrase("discreet_off", language))
    else:  # "ask": the button under a sensitive answer
        await ask_discreet(conv)


COMMANDS: dict[str, Callable[[Conversation], Awaitable[None]]] = {
    "/consent": ask_consent,
    "/language": ask_language,
    "/discreet": ask_discreet,
    "/delete": ask_delete,
}
BUTTONS: dict[str, Callable[[Conversation, str], Awaitable[None]]] = {
    CONSENT: set_consent,
    LANGUAGE: set_language,
    DISCREET: set_discreet,
    DELETE: delete_answer,
}
