"""Letters in the conversation (the letters themselves: bot/letters.py): offered under the
data_rights, cnil_complaint and file_complaint answers and under the plan's steps, sent as text
in the chat AND as a PDF (a `Reply` with a `LetterFile`: only the letter's kind and language are
stored until it is sent, the PDF is made again then). A letter that waits for an answer asks
when it was sent (today, yesterday, later: `/sent`), and the patient is reminded when the lab's
month runs out (bot/followups.py), with the next step offered.

Nothing the patient types goes into a letter: it has blanks to fill in by hand.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot import followups
from bot.letters import LetterKind, chat_texts, draft, next_step
from bot.replies import Button, LetterFile
from responses import Catalogue

if TYPE_CHECKING:
    from bot.conversation import Conversation

LETTER = "ltr:"  # button data: "ltr:menu", "ltr:access_request"
SENT = "sent:"  # "sent:access_request:today" (or yesterday, later, ask)
LETTERS = frozenset(LetterKind)
WHEN = {"today": 0, "yesterday": 1}
# after a letter that waits for no answer, what its `next` text offers to draft
OFFERED_NEXT = {LetterKind.CNIL_COMPLAINT: (LetterKind.PROSECUTOR_LETTER,)}


def letter_button(conv: Conversation, kind: LetterKind) -> Button:
    return button_for(conv.catalogue, conv.language, kind)


def button_for(catalogue: Catalogue, language: str, kind: LetterKind) -> Button:
    """ "✉️ <the letter's title>": drafts it."""
    title = draft(kind, language).title
    return Button(catalogue.phrase("letter_button", language, title=title), LETTER + kind)


def menu_button(conv: Conversation) -> Button:
    return Button(conv.catalogue.phrase("letter_menu_button", conv.language), LETTER + "menu")


def _waiting(conv: Conversation) -> list[LetterKind]:
    """The letters drafted that wait for the patient to say when they sent them."""
    unsent = conv.patient.state.get("unsent") or []
    return [LetterKind(k) for k in unsent if k in LETTERS and next_step(LetterKind(k))]


def _set_waiting(conv: Conversation, kinds: list[LetterKind]) -> None:
    state = {**conv.patient.state, "unsent": [k.value for k in kinds]}
    conv.patients.change(conv.patient, state=state)


def _date_buttons(conv: Conversation, kind: LetterKind) -> tuple[Button, ...]:
    phrase = conv.catalogue.phrase
    return tuple(
        Button(phrase(f"sent_{when}", conv.language), f"{SENT}{kind}:{when}")
        for when in (*WHEN, "later")
    )


async def send_letter(conv: Conversation, kind: LetterKind) -> None:
    """The PDF (its caption says what it is), the letter as text, then where to send it."""
    language = conv.language
    letter, texts = draft(kind, language), chat_texts(kind, language)
    conv.say(texts.here_is, document=LetterFile(kind.value, language))
    conv.say(letter.text)
    if texts.when_sent is not None:  # the lab has a month to answer: ask when it goes
        _set_waiting(conv, [*(k for k in _waiting(conv) if k != kind), kind])
        conv.say(f"{texts.send}\n\n{texts.when_sent}", _date_buttons(conv, kind))
        return
    offered = tuple(letter_button(conv, k) for k in OFFERED_NEXT.get(kind, ()))
    conv.say(f"{texts.send}\n\n{texts.next}", (*offered, *await followups.offer(conv)))


def letters_menu(conv: Conversation) -> None:
    conv.say(
        conv.catalogue.phrase("letter_menu", conv.language),
        tuple(letter_button(conv, kind) for kind in LetterKind),
    )


async def on_letter(conv: Conversation, value: str) -> None:
    if value == "menu":
        letters_menu(conv)
    elif value in LETTERS:
        await send_letter(conv, LetterKind(value))
    else:
        conv.menu("stale_button")


def ask_sent_date(conv: Conversation, kind: LetterKind) -> None:
    title = draft(kind, conv.language).title
    text = conv.catalogue.phrase("sent_ask", conv.language, title=title)
    conv.say(text, _date_buttons(conv, kind))


async def on_sent(conv: Conversation, value: str) -> None:
    """A date button under a letter (or /sent's question): today, yesterday, later, ask."""
    name, _, when = value.partition(":")
    kind = LetterKind(name) if name in LETTERS else None
    if kind is None or next_step(kind) is None or when not in {*WHEN, "later", "ask"}:
        conv.menu("stale_button")
        return
    phrase, language = conv.catalogue.phrase, conv.language
    if when == "ask":
        ask_sent_date(conv, kind)
        return
    if when == "later":
        if kind not in _waiting(conv):
            _set_waiting(conv, [*_waiting(conv), kind])
        conv.say(phrase("sent_later_noted", language))
        return
    sent_on = followups.local_day(conv.engine.clock()) - timedelta(days=WHEN[when])
    deadline = await followups.schedule_deadline(conv.messages.session, conv.patient, kind, sent_on)
    _set_waiting(conv, [k for k in _waiting(conv) if k != kind])
    noted = phrase(
        "sent_noted",
        language,
        sent_on=followups.format_day(conv, sent_on),
        deadline=followups.format_day(conv, deadline),
    )
    conv.say(f"{noted}\n\n{chat_texts(kind, language).next}", await followups.offer(conv))


async def sent_command(conv: Conversation) -> None:
    """/sent: which letter went out, and when."""
    waiting = _waiting(conv)
    if not waiting:
        conv.say(conv.catalogue.phrase("sent_nothing", conv.language), (menu_button(conv),))
    elif len(waiting) == 1:
        ask_sent_date(conv, waiting[0])
    else:
        buttons = tuple(
            Button(draft(kind, conv.language).title, f"{SENT}{kind}:ask") for kind in waiting
        )
        conv.say(conv.catalogue.phrase("sent_which", conv.language), buttons)
