"""The keyword net's cues added in issue 13, session 8 (bot/crisis_patterns.py), each checked on
sentences written for these tests, none from the evaluation sets (nlu/eval) nor the training
data: worthlessness, giving up the fight, the people close better off with someone else, a
message meant to be read afterwards, hitting oneself; and what lowers the model's reading (what
holds the writer, anger, hiding away, a question about a medicine's overdose risk, other people's
dark thoughts)."""

from __future__ import annotations

import pytest

from bot.safety import Risk, assess, read


@pytest.mark.parametrize(
    "text",
    [
        "franchement je ne suis qu'un déchet",
        "i'm just a waste of oxygen",
        "je vais arrêter de résister, à quoi ça sert",
        "I'm tired of trying to keep going",
        "ma femme mériterait un meilleur mari, pas un type affiché sur le net",
        "my son deserves better than me",
        "je rêve d'un repos éternel",
        "jme fous des claques quand je repense à tout ça",
    ],
)
def test_a_warning_sign_of_ones_own_gets_the_question(text: str) -> None:
    assert assess(text) >= Risk.POSSIBLE


@pytest.mark.parametrize(
    "text",
    [
        "si tu lis ce message, c'est que je ne suis déjà plus là",
        "quand vous le lirez, pardon à tous ceux que j'aime",
        "if you are reading this it's already happened",
        "le mail est programmé pour demain matin. pardon à mes proches",
    ],
)
def test_a_message_meant_to_be_read_afterwards_with_last_words_is_imminent(text: str) -> None:
    assert assess(text) is Risk.IMMINENT


@pytest.mark.parametrize(
    "text",
    [
        "je vais lutter contre ce labo jusqu'au bout",
        "je suis une erreur de saisie dans leur fichier ou quoi ?",
        "les victimes méritent mieux que ce silence du labo",
        "si vous lisez ce message, merci de me rappeler avant midi",
        "j'ai programmé l'envoi de mon mail au labo, trop tard pour annuler ?",
        "je me donne des coups de pied aux fesses pour finir ce dossier",
        "i hit myself with the cupboard door, ouch",
        "pardon à tous pour le retard de ma réponse",
    ],
)
def test_the_same_words_in_ordinary_messages_raise_nothing(text: str) -> None:
    assert assess(text) is Risk.NONE


@pytest.mark.parametrize(
    "text",
    [
        "c'est dur en ce moment mais j'ai mes potes, je vais m'en sortir",
        "awful week, but I've got my brother around, I'll get through this",
        "envie de gueuler tellement je suis énervée contre ce labo",
        "I could scream, three months without an answer",
        "je vais me terrer sous ma couette tout le week-end",
        "je voudrais partir habiter en Ardèche, loin de tout",
        "est-ce qu'il y a un risque d'overdose avec mon traitement et de l'alcool ?",
    ],
)
def test_what_holds_the_writer_or_a_figure_of_speech_lowers_the_model(text: str) -> None:
    reading = read(text)
    assert reading.risk is Risk.NONE and (reading.hopeful or reading.idiom)
    assert reading.with_score(0.9) is Risk.POSSIBLE  # a crisis for the model alone: a question


def test_doubt_keeps_the_models_reading() -> None:
    reading = read("j'ai mes amis mais je ne sais pas si je vais m'en sortir")
    assert not reading.hopeful
    assert reading.with_score(0.9) is Risk.CLEAR


def test_other_peoples_dark_thoughts_are_not_the_writers() -> None:
    reading = read("je sais que des patients ont eu des idées suicidaires, que proposez-vous ?")
    assert reading.risk is Risk.NONE and reading.other
    assert reading.with_score(1.0) is Risk.POSSIBLE
