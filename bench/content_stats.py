"""Figures on the answer content: answers, steps, sources, length per language."""

from __future__ import annotations

import re
import statistics

from nlu.rasa import intents_from_domain
from responses import LANGUAGES, load_catalogue

STEP = re.compile(r"^\s*(?:\d+\.|-)\s", re.MULTILINE)


def main() -> None:
    catalogue = load_catalogue(intents_from_domain())
    for language in LANGUAGES:
        answers = [a for a in catalogue.answers.values() if a.language == language]
        steps = sum(len(STEP.findall(a.text)) for a in answers)
        sources = {s for a in answers for s in a.sources}
        lengths = [len(a.text) for a in answers]
        print(
            f"{language}: {len(answers)} answers, {steps} steps/list items, "
            f"{sum(len(a.sources) for a in answers)} source citations ({len(sources)} distinct), "
            f"{sum(len(a.buttons) for a in answers)} follow-up buttons, body length median "
            f"{statistics.median(lengths):.0f} / max {max(lengths)} characters"
        )


if __name__ == "__main__":
    main()
