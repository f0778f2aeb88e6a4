"""Which waiting messages the NLU should read first: a crisis only the model would see.

In a surge the webhook's line (bot/telegram/intake.py) holds thousands of messages waiting for
the NLU server, and a crisis the keyword net misses (a quarter of the held-out crises: « ce soir
j'arrête tout ») is only known once the model has parsed it: it waited its turn, minutes
(bench/surge.py). This screen looks at every message as it arrives, in microseconds, and those
it suspects go ahead of the others in the line. It never answers anything: what a suspect is,
the keyword net and the model still decide once it is handled. A suspect that is no crisis has
only gone ahead; a crisis it misses waits its turn, as before.

The screen is a naive Bayes over the training data's crisis examples against every other
intent's (nlu/data, both languages): the accent-folded words, word pairs and character 4-grams
a message has, each counted once, the two classes weighing the same. Built once per process
(~0.3 s), from the files the model is trained on. A message scoring above THRESHOLD (log-odds)
is a suspect, and suspects go in order of their score, the likeliest first: the many that are
only sad or worried do not hold up the one that is a crisis. bench/crisis_screen.py measures it
on every held-out set, the final one included, and on a fifth of the training data held out.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from itertools import pairwise

from nlu.dataset import load_examples

# log-odds of crisis against the rest above which a message goes ahead: 0.96 of the crises the
# net misses in the development sets (bench/crisis_screen.py)
THRESHOLD = 20.0
CRISIS = "crisis"
_WORD = re.compile(r"\w+")


def features(text: str) -> set[str]:
    """A message's words, word pairs and character 4-grams, folded, each once."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    words = _WORD.findall(folded)
    found = {f"w:{w}" for w in words}
    found.update(f"p:{a} {b}" for a, b in pairwise(words))
    for word in words:
        padded = f" {word} "
        found.update(f"c:{padded[i : i + 4]}" for i in range(max(1, len(padded) - 3)))
    return found


def crises_and_others(
    examples: Mapping[str, Mapping[str, list[str]]],
) -> tuple[list[str], list[str]]:
    """The crisis examples and every other intent's, both languages together, from
    {language: {intent: [examples]}} (nlu.dataset.load_examples)."""
    crises: list[str] = []
    others: list[str] = []
    for by_intent in examples.values():
        for intent, texts in by_intent.items():
            (crises if intent == CRISIS else others).extend(texts)
    return crises, others


class CrisisScreen:
    """`score(text)`: log-odds that the text is a crisis; `suspect(text)`: above `threshold`."""

    def __init__(
        self, crises: Iterable[str], others: Iterable[str], threshold: float = THRESHOLD
    ) -> None:
        self.threshold = threshold
        crisis_counts, crisis_total = self._count(crises)
        other_counts, other_total = self._count(others)
        vocabulary = crisis_counts.keys() | other_counts.keys()
        # Laplace-smoothed presence rates; the classes weigh the same (a crisis is rare in the
        # line, but it is what matters): a message's log-odds is the sum over its features
        self._weights: dict[str, float] = {
            feature: math.log((crisis_counts[feature] + 1) / (crisis_total + 2))
            - math.log((other_counts[feature] + 1) / (other_total + 2))
            for feature in vocabulary
        }

    @staticmethod
    def _count(texts: Iterable[str]) -> tuple[Counter[str], int]:
        counts: Counter[str] = Counter()
        total = 0
        for text in texts:
            counts.update(features(text))
            total += 1
        return counts, total

    @classmethod
    def from_examples(cls, examples: Mapping[str, Mapping[str, list[str]]]) -> CrisisScreen:
        """From {language: {intent: [examples]}} (nlu.dataset.load_examples)."""
        return cls(*crises_and_others(examples))

    def score(self, text: str) -> float:
        return sum(self._weights.get(feature, 0.0) for feature in features(text))

    def suspect(self, text: str) -> bool:
        return self.score(text) > self.threshold


@cache
def training_screen() -> CrisisScreen:
    """The screen built from the NLU's training data, once per process."""
    return CrisisScreen.from_examples(load_examples())
