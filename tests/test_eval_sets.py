"""The test set of the crisis detection stays held out: none of its messages is in the training
data (a figure on messages the model was trained on says little). The development sets share
common short phrases with it (« je veux mourir », "hello"), as real messages do: their figures
are development figures, and reports/nlu/crisis.md says so."""

from __future__ import annotations

import re
import unicodedata

import yaml

from nlu.crisis_eval import EVAL_DIR, FINAL_SET, SETS
from nlu.dataset import load_examples


def normal(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"[^a-z0-9]+", " ", folded.encode("ascii", "ignore").decode()).strip()


def test_no_test_message_is_in_the_training_data() -> None:
    trained = {
        normal(text)
        for by_intent in load_examples().values()
        for texts in by_intent.values()
        for text in texts
    }
    messages = yaml.safe_load(FINAL_SET.read_text(encoding="utf-8"))["messages"]
    assert len(messages) >= 300
    leaked = sum(normal(m["text"]) in trained for m in messages)  # counted, never printed
    assert leaked == 0, f"{leaked} messages of the test set are in the training data"


def test_every_set_is_evaluated_and_the_last_written_is_the_test() -> None:
    assert set(SETS) == set(EVAL_DIR.glob("*.yml"))
    # crisis-holdout-2026-11-29.yml became a development set in session 8; the new holdout is
    # the test
    assert FINAL_SET.name == "crisis-holdout-2026-11-30.yml"
