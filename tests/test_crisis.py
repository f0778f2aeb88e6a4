"""Crisis handling on every path, through the engine with the real NLU server and a real SQLite
file: a model `crisis` counts like a keyword hit (text, caption, flood, inside a case), a possible
crisis gets a direct question, an act under way gets 15 / 112 first, and nobody is promised."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine import CHECK_IN, Engine, Incoming, Turn
from bot.hours import OpeningHours
from bot.safety import Risk, assess
from nlu.client import NLUClient
from tests.test_engine import CATALOGUE, nlu, stored
from tests.test_escalation import SATURDAY_EVENING, make_engine, say

__all__ = ["nlu"]
# the keyword net misses these; the model reads them as a crisis
MODEL_ONLY = {"fr": "plus envie d etre la", "en": "i wana die"}
# ambiguous: risk words the net or the model flags as possible, not as a clear crisis; the tests use
# the first that the current model reads so (a retrained model may move one of them)
AMBIGUOUS = (
    "je n'en peux plus",
    "je suis à bout",
    "je ne vois plus d'issue",
    "je suis un poids pour tout le monde",
    "au bout du rouleau, vraiment",
    "je ne sais pas combien de temps je vais tenir",
    "tout est trop lourd",
)


@pytest.fixture
def engine(nlu: NLUClient, sessions: async_sessionmaker[AsyncSession]) -> Engine:
    return make_engine(nlu, sessions)[0]


def texts(turn: Turn) -> list[str]:
    return [reply.text for reply in turn.replies]


def crisis_answer(language: str = "fr") -> str:
    return CATALOGUE.answer("crisis", language).text


async def case_row(sessions: async_sessionmaker[AsyncSession]) -> list[tuple]:
    return await stored(sessions, "SELECT priority, risk_flags, reason FROM cases")


@pytest.fixture
async def possible(engine: Engine) -> tuple[str, str | None]:
    """An ambiguous message the net and the model make a possible crisis, and the topic the model
    read in it (answered after a "no")."""
    for text in AMBIGUOUS:
        risk, parsed = await engine.assess(Incoming("test", "0", text))
        if risk is Risk.POSSIBLE and parsed is not None:
            topic = parsed.intent
            return text, None if parsed.fell_back or parsed.confidence < 0.3 else topic
    raise AssertionError("no ambiguous message is a possible crisis for the net and the model")


async def test_the_examples_are_what_the_tests_need(engine: Engine) -> None:
    for text in MODEL_ONLY.values():
        risk, _ = await engine.assess(Incoming("test", "0", text))
        assert risk >= Risk.CLEAR


def test_the_model_only_examples_are_missed_by_the_net() -> None:
    # the precondition of the tests below: otherwise they would test the net, not the model
    assert {text: assess(text) for text in MODEL_ONLY.values()} == dict.fromkeys(
        MODEL_ONLY.values(), Risk.NONE
    )


async def test_a_model_crisis_inside_a_case_gets_the_emergency_answer_and_an_urgent_case(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "/human")
    assert await case_row(sessions) == [("normal", "[]", "human_handoff")]
    turn = await say(engine, MODEL_ONLY["en"], message_id=12)
    assert turn.risk >= Risk.CLEAR
    assert texts(turn)[0] == crisis_answer("en")  # in the language they wrote
    assert await case_row(sessions) == [("urgent", '["crisis"]', "human_handoff")]


async def test_a_model_crisis_in_a_flood_is_answered_and_the_rest_of_the_flood_is_not(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "bonjour")
    flood = await engine.handle(
        Incoming("test", "1", "merci", client_language="fr"), throttled=True
    )
    assert flood.replies == []
    crisis = await engine.handle(
        Incoming("test", "1", MODEL_ONLY["fr"], client_language="fr"), throttled=True
    )
    assert texts(crisis)[0] == crisis_answer()
    assert await case_row(sessions) == [("urgent", '["crisis"]', "crisis")]


async def test_a_caption_the_model_reads_as_a_crisis_gets_the_emergency_answer(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    photo = Incoming("test", "1", MODEL_ONLY["en"], client_language="fr", attachment="photo")
    turn = await engine.handle(photo)
    assert crisis_answer("en") in texts(turn)
    assert await stored(
        sessions, "SELECT kind, text, intent FROM messages WHERE direction='in'"
    ) == [
        ("photo", "", "crisis")  # the caption itself is not kept
    ]


async def test_a_possible_crisis_gets_a_direct_question_with_3114_and_yes_takes_the_crisis_path(
    engine: Engine, sessions: async_sessionmaker[AsyncSession], possible: tuple[str, str | None]
) -> None:
    turn = await say(engine, possible[0])
    question = turn.replies[-1]
    assert question.text == CATALOGUE.phrase("check_in", "fr")
    assert "mettre fin à vos jours" in question.text and "3114" in question.text
    assert [b.data for b in question.buttons] == [CHECK_IN + "yes", CHECK_IN + "no"]
    assert await case_row(sessions) == []  # a question, not yet an alarm
    yes = await say(engine, button=CHECK_IN + "yes")
    assert texts(yes)[0] == crisis_answer()
    assert await case_row(sessions) == [("urgent", '["crisis"]', "crisis")]


@pytest.mark.parametrize("reply", ["oui", "oui j'y pense"])
async def test_a_worrying_reply_in_words_takes_the_crisis_path(
    engine: Engine,
    sessions: async_sessionmaker[AsyncSession],
    reply: str,
    possible: tuple[str, str | None],
) -> None:
    await say(engine, possible[0])
    turn = await say(engine, reply)
    assert texts(turn)[0] == crisis_answer()
    assert await case_row(sessions) == [("urgent", '["crisis"]', "crisis")]


async def test_no_thanks_the_patient_and_answers_what_they_wrote(
    engine: Engine, sessions: async_sessionmaker[AsyncSession], possible: tuple[str, str | None]
) -> None:
    text, topic = possible
    await say(engine, text)
    no = await say(engine, button=CHECK_IN + "no")
    assert texts(no)[0] == CATALOGUE.phrase("check_in_no_done", "fr")
    expected = CATALOGUE.answer(topic, "fr").text if topic else CATALOGUE.phrase("menu", "fr")
    assert texts(no)[1] == expected
    assert await case_row(sessions) == []
    # and the conversation is back to normal
    after = await say(engine, "je veux porter plainte contre le labo au commissariat")
    assert texts(after) == [CATALOGUE.answer("file_complaint", "fr").text]


async def test_a_possible_crisis_inside_a_case_is_asked_about_too(
    engine: Engine, sessions: async_sessionmaker[AsyncSession], possible: tuple[str, str | None]
) -> None:
    await say(engine, "/human")
    turn = await say(engine, possible[0], message_id=5)
    assert texts(turn) == [CATALOGUE.phrase("check_in", "fr")]
    yes = await say(engine, "oui", message_id=6)
    assert texts(yes)[0] == crisis_answer()
    assert await case_row(sessions) == [("urgent", '["crisis"]', "human_handoff")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("j'ai pris 20 comprimés il y a une heure", "fr"),
        ("j'ai avalé toute la boîte de somnifères", "fr"),
        ("I cut myself and it won't stop bleeding", "en"),
    ],
)
async def test_an_act_under_way_gets_15_and_112_first_on_their_own(
    engine: Engine, text: str, language: str
) -> None:
    turn = await engine.handle(Incoming("test", "1", text, client_language=language))
    assert turn.risk is Risk.IMMINENT
    welcome, first, second, *_ = texts(turn)
    assert welcome == CATALOGUE.phrase("welcome", language)
    assert first == CATALOGUE.phrase("crisis_imminent", language)
    assert first.splitlines()[0].startswith(("**Appelez le 15", "**Call 15"))
    assert "112" in first.splitlines()[0]
    assert second == crisis_answer(language)


async def test_out_of_hours_a_crisis_is_told_the_truth_and_3114(
    nlu: NLUClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    hours = OpeningHours.parse("mon-fri 09:00-18:00", "Europe/Paris")
    engine, _ = make_engine(nlu, sessions, hours, now=SATURDAY_EVENING)
    turn = await say(engine, "je veux mourir")
    said = "\n".join(texts(turn))
    assert texts(turn)[-1] == CATALOGUE.phrase(
        "crisis_out_of_hours", "fr", number="C-00001", opening="lundi à 09:00"
    )
    assert "3114" in texts(turn)[-1]
    for promise in ("en ce moment même", "est prévenue", "vous répondra ici"):
        assert promise not in said


def test_no_crisis_text_promises_a_person_at_once() -> None:
    for language in ("fr", "en"):
        for text in (
            crisis_answer(language),
            CATALOGUE.phrase("crisis_no_team", language),
            CATALOGUE.phrase("crisis_imminent", language),
        ):
            for promise in ("en ce moment même", "est prévenue", "being contacted", "right now."):
                assert promise not in text, (language, promise)
