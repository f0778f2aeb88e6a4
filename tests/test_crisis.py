"""Crisis handling on every path, through the engine with the real NLU server and a real SQLite
file: a model `crisis` counts like a keyword hit (text, caption, flood, inside a case), a possible
crisis gets a direct question, an act under way gets 15 / 112 first, and nobody is promised."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.engine import CHECK_IN, Engine, Incoming, Turn
from bot.hours import OpeningHours
from bot.safety import Risk, assess, read
from nlu.client import NLUClient
from tests.engine_helpers import CATALOGUE, SATURDAY_EVENING, make_engine, say, stored

pytestmark = pytest.mark.rasa  # what the real model reads (the `nlu` fixture, conftest.py)
# the keyword net misses these; the model reads them as a crisis
MODEL_ONLY = {
    "fr": "je vis en sursis et j'ai hâte que ça se termine",
    "en": "I walk around like a ghost, nobody would notice if I made it official",
}
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
    question = turn.replies[0]  # before a new patient's privacy notice
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
    first, second, *_, welcome = texts(turn)  # a new patient's notice after the numbers
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
    *_, told, notice = texts(turn)  # then a new patient's privacy notice
    assert told == CATALOGUE.phrase(
        "crisis_out_of_hours", "fr", number="C-00001", opening="lundi à 09:00"
    )
    assert "3114" in told
    assert notice == CATALOGUE.phrase("welcome", "fr")
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


# The keyword net alone (bot/safety.py): how people write (SMS, typos, accents left out), whose risk
# it is, and the figures of speech it must not take for a crisis.


@pytest.mark.parametrize(
    ("text", "least"),
    [
        ("j'ai envie de mourir", Risk.CLEAR),  # « de mourir » was once read as « à mourir »
        ("jveu mourrir", Risk.CLEAR),
        ("g plus envie de vivre", Risk.CLEAR),
        ("jvais mfoutre en lair ce soir", Risk.CLEAR),
        ("je veux mouriiiir", Risk.CLEAR),
        ("i wana die", Risk.CLEAR),
        ("im gonna kil myslef", Risk.CLEAR),
        ("please I think to kill me, I cannot support this", Risk.CLEAR),
        ("je suis fatiguée de vivre", Risk.CLEAR),
        ("je me cogne la tête contre les murs jusqu'au sang", Risk.CLEAR),
        ("I keep cutting my arms at night", Risk.CLEAR),
        ("j'ai l'intention de me tuer cette nuit", Risk.CLEAR),  # not « ça me tue »
        ("de quelle hauteur faut-il tomber pour ne pas se rater", Risk.CLEAR),
        ("g pri tt les cachets", Risk.IMMINENT),
        ("j'ai avalé la boîte de doliprane", Risk.IMMINENT),
        ("j'ai pris trop de somnifères", Risk.IMMINENT),
        ("I drank bleach", Risk.IMMINENT),
        ("I have take many pills", Risk.IMMINENT),
        # warning signs: a direct question
        ("si je ne suis plus là, mes enfants toucheront l'indemnisation ?", Risk.POSSIBLE),
        ("if I wasn't around would my kids still get the money?", Risk.POSSIBLE),
        ("est-ce qu'on va au paradis quand on part de soi-même ?", Risk.POSSIBLE),
        ("does god forgive people who end it", Risk.POSSIBLE),
        ("adieu à tous, merci pour tout", Risk.POSSIBLE),
        ("you won't hear from me again", Risk.POSSIBLE),
        ("quelle dose de paracétamol devient dangereuse ?", Risk.POSSIBLE),
        ("mon père est parti il y a un an, je veux aller le rejoindre", Risk.POSSIBLE),
        ("I don't see how I come back from this", Risk.POSSIBLE),
    ],
)
def test_the_net_reads_crisis_wording_however_it_is_typed(text: str, least: Risk) -> None:
    assert read(text).risk >= least


@pytest.mark.parametrize(
    "text",
    [
        "ce mot de passe de box va finir par me tuer",
        "cette attente au téléphone me tue à petit feu",
        "ça me saoule à mourir leurs formulaires",
        "je suis morte de rire",
        "mort d'ennui devant leur musique d'attente",
        "je me tire une balle dans le pied si je signe ça ?",
        "je me suis coupée en ouvrant le courrier du labo",
        "je me suis brûlé la main avec le four",
        "je veux disparaître de toutes leurs bases de données",
        "je ne veux plus exister dans leurs fichiers",
        "je veux en finir avec cette histoire de dossier",
        "j'ai pas envie de vivre dans la peur que ça ressorte",
        "j'ai pris la boîte de médicaments à la pharmacie en rentrant",
        "je vais tuer le temps en lisant leur charte",
        "je ne suis pas suicidaire, juste en colère",
        "this leak is literally killing me",
        "my wife will kill me if she finds out",
        "I want to disappear from their database",
        "I don't want to exist in their records anymore",
        "overdosed on coffee today lol",
        "I cut myself shaving this morning",
    ],
)
def test_figures_of_speech_are_not_a_crisis(text: str) -> None:
    reading = read(text)
    assert (reading.risk, reading.idiom) == (Risk.NONE, True), text
    # and the model alone cannot make them an emergency: at most a question
    assert reading.with_score(0.99) <= Risk.POSSIBLE, text


@pytest.mark.parametrize(
    "text",
    [
        "c'est ce soir la réunion d'information ?",
        "tonight's the night of the victims' meeting?",
        "j'ai pris toute la boîte de mouchoirs en lisant le courrier",
        "j'ai pris deux comprimés pour ma migraine",
        "I'm on edge all the time",
        "je suis à bout de patience avec leurs délais",
        "adieu la vie privée avec ces labos",
    ],
)
def test_everyday_wording_near_risk_words_is_left_to_the_model(text: str) -> None:
    assert read(text).risk is Risk.NONE, text


@pytest.mark.parametrize(
    "text",
    [
        "ma sœur dit qu'elle veut mourir depuis que son statut a fuité, comment l'aider ?",
        "mon fils de 16 ans se scarifie, qu'est-ce que je fais ?",
        "ma pote dit qu'elle veut plus vivre jfais quoi",
        "une amie m'a envoyé un message d'adieu, je sais pas quoi faire",
        "my dad keeps saying he's better off dead since the leak",
        "my friend says she feels suicidal, how do I help her?",
    ],
)
def test_a_relative_at_risk_gets_the_question_not_the_alarm(text: str) -> None:
    reading = read(text)
    assert (reading.risk, reading.other) == (Risk.POSSIBLE, True), text
    assert reading.with_score(0.99) is Risk.POSSIBLE  # the model alone cannot raise it


@pytest.mark.parametrize(
    "text",
    [
        "je fais un mémoire sur le suicide et les fuites de données",
        "je suis infirmière, comment orienter un patient qui parle de suicide ?",
        "I'm writing a thesis on suicide risk after data breaches",
        "mon grand-père s'est suicidé en 1990, son dossier est concerné ?",
        "my husband took his own life two years ago, I want his results removed",
    ],
)
def test_suicide_as_a_subject_or_someone_elses_past_is_not_the_writers_crisis(text: str) -> None:
    reading = read(text)
    assert reading.risk is Risk.NONE and reading.other, text
    assert reading.with_score(0.99) is Risk.POSSIBLE


@pytest.mark.parametrize(
    "text",
    [
        "ma sœur ne sait pas que je veux mourir",
        "mon ami m'a dit d'écrire ici, je veux me tuer",
        "my friend told me to message you because I want to die",
        "je fais un mémoire sur le suicide, et moi aussi je pense au suicide",
    ],
)
def test_the_writers_own_risk_next_to_someone_else_is_still_a_crisis(text: str) -> None:
    assert read(text).risk >= Risk.CLEAR, text


def test_someone_elses_act_under_way_still_gets_15_and_112() -> None:
    assert read("ma femme a avalé ses somnifères et elle ne répond plus").risk is Risk.IMMINENT
    assert read("ma mère a pris trop de médicaments hier, elle est à l'hôpital").risk is (
        Risk.POSSIBLE
    )


def test_a_figure_of_speech_takes_the_models_reading_one_tier_down() -> None:
    reading = read("je me suis tuée à la tâche pour ce dossier")
    assert (reading.risk, reading.idiom) == (Risk.NONE, True)
    assert reading.with_score(0.9) is Risk.POSSIBLE
    assert reading.with_score(0.5) is Risk.NONE


@pytest.mark.parametrize(
    "text",
    [
        "je me suis tué à la tâche pour remplir leur formulaire",
        "ce mot de passe va me tuer, c'est la cinquième fois",
        "j'ai cru mourir en voyant la facture",
        "the stress is killing me but I've got good support",
    ],
)
async def test_a_figure_of_speech_the_net_clears_never_gets_the_emergency_answer(
    engine: Engine, text: str
) -> None:
    # the engine answers a top intent `crisis` with the emergency answer: the model (its
    # CrisisOverride component) must not leave `crisis` on top when the net and the thresholds
    # decided there is nothing to ask
    risk, parsed = await engine.assess(Incoming("test", "0", text))
    assert risk < Risk.CLEAR
    assert parsed is not None
    assert risk is not Risk.NONE or parsed.intent != "crisis", (text, parsed.ranking[:3])
