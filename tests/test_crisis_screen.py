"""The crisis screen (bot/crisis_screen.py) that orders the webhook's line: it must put ahead
the crises the keyword net misses, and few everyday messages. Measured on the development sets
(never the final held-out set: its messages are not read while tuning) and on training examples
the screen was not built from."""

from __future__ import annotations

import random

import yaml

from bot.crisis_screen import CrisisScreen, crises_and_others, features, training_screen
from bot.safety import Risk, read
from nlu.crisis_eval import FINAL_SET, SETS
from nlu.dataset import load_examples


def test_most_crises_the_net_misses_go_ahead_in_the_development_sets() -> None:
    screen = training_screen()
    missed = [
        message["text"]
        for path in SETS
        if path != FINAL_SET
        for message in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
        if message["label"] == "crisis" and read(message["text"]).risk is Risk.NONE
    ]
    assert len(missed) > 200  # the net misses enough of them for the figure to mean something
    ahead = sum(map(screen.suspect, missed)) / len(missed)
    assert ahead >= 0.9, f"only {ahead:.2f} of the crises the net misses go ahead"


def test_few_everyday_messages_go_ahead_of_the_line() -> None:
    crises, others = crises_and_others(load_examples())
    random.Random(1).shuffle(crises)
    random.Random(1).shuffle(others)
    screen = CrisisScreen(crises[len(crises) // 5 :], others[len(others) // 5 :])
    left_out_crises, left_out_others = crises[: len(crises) // 5], others[: len(others) // 5]
    assert sum(map(screen.suspect, left_out_crises)) / len(left_out_crises) >= 0.8
    assert sum(map(screen.suspect, left_out_others)) / len(left_out_others) <= 0.12


def test_the_screen_reads_through_accents_case_and_empty_messages() -> None:
    screen = training_screen()
    assert screen.score("CE SOIR J ARRETE TOUT") == screen.score("ce soir j'arrête tout")
    for nothing in ("", "😭😭😭", "   ", "?!"):
        assert not screen.suspect(nothing)
    assert features("") == set()


def test_a_screen_learns_which_words_lean_to_a_crisis() -> None:
    screen = CrisisScreen(
        ["je veux en finir ce soir", "plus la force de vivre", "tout arrêter ce soir"],
        ["porter plainte ce soir", "changer mon numéro", "la CNIL a répondu"],
        threshold=0.0,
    )
    assert screen.suspect("je n'ai plus la force")
    assert not screen.suspect("je veux porter plainte auprès de la CNIL")
    assert screen.score("finir ce soir") > screen.score("plainte ce soir")
