"""The patient's reply to the check-in question of a possible crisis (bot/safety.py):
« Est-ce que vous pensez à vous faire du mal ou à mettre fin à vos jours ? ».

As a crisis line's safety lead would have it: a no goes on; a yes, risk words, or an unsure reply
(« je sais pas », « peut-être », « parfois ») take the crisis path; a bare acknowledgement (« ok »,
« d'accord », « merci ») answers nothing: the question is asked once more, kindly, with 3114,
and a second acknowledgement is taken as a yes, since an unanswered question about suicide is not
a no (the emergency answer and an urgent case cost a kind message and an agent's look).

Not in bot/safety.py: the NLU server (Python 3.10) imports that module, and this one needs none
of it there.
"""

from __future__ import annotations

from enum import StrEnum

from bot.crisis_patterns import ACKNOWLEDGEMENTS, UNSURE, UNSURE_MAX_WORDS
from bot.safety import Risk, normalize


class CheckIn(StrEnum):
    """What a reply to the check-in question says."""

    YES = "yes"  # yes, or a worrying reply: the crisis path
    NO = "no"
    UNCLEAR = "unclear"  # « ok », « d'accord »: not an answer to that question
    OTHER = "other"  # about something else: the conversation goes on


def check_in_answer(text: str, risk: Risk, intent: str | None) -> CheckIn:
    """The reply `text` to the check-in. `risk`: the net and the model on the reply; `intent`:
    the model's (None when it fell back or is down)."""
    words = normalize(text).split()
    if risk >= Risk.POSSIBLE or (len(words) <= UNSURE_MAX_WORDS and UNSURE.search(" ".join(words))):
        return CheckIn.YES
    if words and all(word in ACKNOWLEDGEMENTS for word in words):
        return CheckIn.UNCLEAR
    if intent in ("affirm", "crisis"):
        return CheckIn.YES
    return CheckIn.NO if intent == "deny" else CheckIn.OTHER
