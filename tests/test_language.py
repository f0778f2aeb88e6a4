"""The patient is answered in the language they write (bot/language.py), through the engine with
the keyword parser (the language is read apart from the NLU model): the app's language is the
first guess, `/language` the override."""

from __future__ import annotations

import collections

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine import Engine, Incoming, Turn
from bot.language import written_language
from nlu.crisis_eval import EVAL_DIR
from tests.engine_helpers import CATALOGUE
from tests.fake_parser import KeywordParser


@pytest.fixture
def engine(fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]) -> Engine:
    return Engine(CATALOGUE, fake_nlu, sessions, threshold=0.3)


async def say(engine: Engine, text: str = "", button: str | None = None, app: str = "fr") -> Turn:
    return await engine.handle(Incoming("test", "1", text, button, app))


async def test_an_english_question_on_a_french_phone_gets_the_english_answer(
    engine: Engine,
) -> None:
    # tried as a new user in the console: "hello", then this, got the French answer
    assert (await say(engine, "hello")).language == "fr"  # one word: the app's language stands
    turn = await say(
        engine, "my boss could find out about my HIV status from the leak, what can I do?"
    )
    assert turn.language == "en"
    assert turn.replies[-1].text == CATALOGUE.answer("sensitive_data_exposed", "en").text
    # and the conversation stays in English on a short message
    assert (await say(engine, "ok thanks")).language == "en"


async def test_a_crisis_written_in_english_is_answered_in_english(engine: Engine) -> None:
    turn = await say(engine, "i am going to kill myself tonight")
    assert turn.language == "en"
    assert CATALOGUE.phrase("crisis_no_team", "en") in [r.text for r in turn.replies]


async def test_the_patients_own_choice_wins(engine: Engine) -> None:
    await say(engine, "bonjour")
    await say(engine, button="lang:fr")
    turn = await say(engine, "how can I file a complaint with the police about this leak?")
    assert turn.language == "fr"


def test_the_written_language_is_right_on_the_held_out_messages() -> None:
    """On the three crisis sets (written apart, messy, with their language marked): how often it
    decides, and that it is nearly never wrong when it does."""
    outcome: collections.Counter[str] = collections.Counter()
    for path in sorted(EVAL_DIR.glob("*.yml")):
        for message in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]:
            found = written_language(message["text"])
            outcome["unsure" if found is None else found == message["lang"]] += 1
    decided = outcome[True] + outcome[False]
    assert decided >= 0.9 * sum(outcome.values())
    assert outcome[False] <= 0.005 * decided


@pytest.mark.parametrize("text", ["ok", "merci", "bonjour", "hello", "lol", "CNIL", "oui svp"])
def test_a_word_or_two_says_nothing(text: str) -> None:
    assert written_language(text) is None
