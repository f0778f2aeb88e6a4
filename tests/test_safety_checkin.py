"""Waiting messages and the reply to the check-in question (issue 13, session 8).

A patient waiting for an agent types « ok j'attends », « toujours là ? »: the model gave some of
these a crisis score between the two thresholds (0.2 to 0.7 before its retraining), which asked
them « Est-ce que vous pensez à vous faire du mal ... ? » in the middle of their case. A short
message made only of waiting, thanks, hello, yes or no words is neutral: the model's score is not
read. And the reply to the check-in: a no goes on, a yes or an unsure reply takes the crisis path,
an « ok » is asked once more (3114 shown) and taken as a yes the second time.

Through the engine with a keyword parser that gives these messages the crisis scores the old
model gave them (no NLU server needed)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.check_in import CheckIn, check_in_answer
from bot.engine import CHECK_IN, Engine, Turn
from bot.safety import Risk, assess, is_neutral, read
from tests.engine_helpers import CATALOGUE, make_engine, say, stored
from tests.fake_parser import KeywordParser, Rule

WAITING = [
    "ok j'attends",
    "je patiente, message 3",
    "toujours là ?",
    "merci j'attends votre réponse",
    "ok",
    "d'accord",
    "bon...",
    "allo ?",
    "vous êtes là ?",
    "j'attends toujours",
    "ça fait une heure que j'attends",
    "still waiting",
    "hello? anyone there?",
]
# the crisis scores the model gave some of them before it was retrained (0.199 for « ok j'attends »)
RULES = (
    Rule(("j attends toujours",), "human_handoff", 0.25, crisis=0.7),
    Rule(("j attends", "patiente", "waiting"), "affirm", 0.5, crisis=0.2),
    Rule(("toujours la", "vous etes la", "allo"), "greet", 0.5, crisis=0.2),
    Rule(("je sais pas",), "deny", 0.6),
    Rule(("non",), "deny"),
    Rule(("oui",), "affirm"),
    Rule(("ok", "d accord"), "affirm", 0.8, crisis=0.16),
)
POSSIBLE = "je n'en peux plus"  # a possible crisis for the net: the check-in question


@pytest.fixture
def engine(sessions: async_sessionmaker[AsyncSession]) -> Engine:
    return make_engine(KeywordParser(RULES), sessions)[0]


def texts(turn: Turn) -> list[str]:
    return [reply.text for reply in turn.replies]


async def cases(sessions: async_sessionmaker[AsyncSession]) -> list[tuple]:
    return await stored(sessions, "SELECT priority, reason FROM cases")


@pytest.mark.parametrize("text", WAITING)
def test_a_waiting_message_is_neutral_whatever_the_model_says(text: str) -> None:
    reading = read(text)
    assert reading.neutral and reading.risk is Risk.NONE
    assert reading.with_score(0.2) is Risk.NONE
    assert reading.with_score(0.9) is Risk.NONE


@pytest.mark.parametrize(
    "text",
    [
        "j'attends que tout le monde dorme",
        "ok, je vais sauter",
        "toujours là ? plus pour longtemps",
        "ok j'attends le train, je suis sur les rails",
        "merci pour tout, adieu",
        "still waiting for the pills to work",
    ],
)
def test_risk_words_among_waiting_words_are_read(text: str) -> None:
    assert not is_neutral(text)
    assert read(text).with_score(0.2) >= Risk.POSSIBLE


async def test_waiting_inside_a_case_is_not_asked_about_self_harm(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "/human")
    for number, text in enumerate(WAITING, start=10):
        turn = await say(engine, text, message_id=number)
        assert turn.risk is Risk.NONE, text
        assert CATALOGUE.phrase("check_in", "fr") not in texts(turn), text
    assert await cases(sessions) == [("normal", "human_handoff")]


async def test_an_ok_to_the_check_in_is_asked_again_once_with_3114_then_taken_as_a_yes(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    asked = await say(engine, POSSIBLE)
    assert texts(asked)[0] == CATALOGUE.phrase("check_in", "fr")  # before the privacy notice
    again = await say(engine, "ok")
    assert texts(again) == [CATALOGUE.phrase("check_in_again", "fr")]
    assert "3114" in texts(again)[0]
    assert [b.data for b in again.replies[0].buttons] == [CHECK_IN + "yes", CHECK_IN + "no"]
    assert await cases(sessions) == []  # still a question
    second = await say(engine, "d'accord")
    assert texts(second)[0] == CATALOGUE.answer("crisis", "fr").text
    assert await cases(sessions) == [("urgent", "crisis")]


async def test_a_no_after_the_second_question_goes_on(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, POSSIBLE)
    await say(engine, "ok")
    no = await say(engine, "non")
    assert texts(no)[0] == CATALOGUE.phrase("check_in_no_done", "fr")
    assert await cases(sessions) == []
    # answered: a later « ok » is an ordinary message, not a third question
    later = await say(engine, "ok")
    assert CATALOGUE.phrase("check_in_again", "fr") not in texts(later)


async def test_an_unsure_reply_to_the_check_in_takes_the_crisis_path(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, POSSIBLE)
    turn = await say(engine, "je sais pas")
    assert texts(turn)[0] == CATALOGUE.answer("crisis", "fr").text
    assert await cases(sessions) == [("urgent", "crisis")]


async def test_inside_a_case_an_ok_is_asked_again_and_a_yes_raises_the_case(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "/human")
    asked = await say(engine, POSSIBLE, message_id=5)
    assert texts(asked) == [CATALOGUE.phrase("check_in", "fr")]
    again = await say(engine, "ok", message_id=6)
    assert texts(again) == [CATALOGUE.phrase("check_in_again", "fr")]
    yes = await say(engine, "oui", message_id=7)
    assert texts(yes)[0] == CATALOGUE.answer("crisis", "fr").text
    assert await cases(sessions) == [("urgent", "human_handoff")]


@pytest.mark.parametrize(
    ("text", "risk", "intent", "expected"),
    [
        ("oui", Risk.NONE, "affirm", CheckIn.YES),
        ("ouais", Risk.NONE, "affirm", CheckIn.YES),
        ("j'y pense", Risk.POSSIBLE, "crisis", CheckIn.YES),
        ("peut-être", Risk.NONE, None, CheckIn.YES),
        ("parfois oui", Risk.NONE, "affirm", CheckIn.YES),
        ("idk", Risk.NONE, None, CheckIn.YES),
        ("non", Risk.NONE, "deny", CheckIn.NO),
        ("non merci", Risk.NONE, "deny", CheckIn.NO),
        ("ok", Risk.NONE, "affirm", CheckIn.UNCLEAR),
        ("d'accord merci", Risk.NONE, "affirm", CheckIn.UNCLEAR),
        ("bon...", Risk.NONE, "goodbye", CheckIn.UNCLEAR),
        ("okay thanks", Risk.NONE, "thanks", CheckIn.UNCLEAR),
        ("je sais pas quoi mettre dans ma plainte au commissariat", Risk.NONE, None, CheckIn.OTHER),
        ("comment je porte plainte ?", Risk.NONE, "file_complaint", CheckIn.OTHER),
    ],
)
def test_what_a_reply_to_the_check_in_says(
    text: str, risk: Risk, intent: str | None, expected: CheckIn
) -> None:
    assert check_in_answer(text, risk, intent) is expected


def test_the_net_still_reads_a_crisis_in_a_short_message() -> None:
    assert assess("ok je vais me tuer") >= Risk.CLEAR
    assert assess("j'attends que ma femme dorme, la corde est prête") is Risk.IMMINENT
