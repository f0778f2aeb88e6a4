"""How a case ended and what it was about: the outcomes and categories an agent chooses when
closing a case (bot/case_closing.py), counted by the review workspace's statistics.

`responses/case_categories.yml` holds their ids and their labels in every language of the
helpline. `load_case_taxonomy()` reads and checks it once (at start-up, by the escalation
service), raising ContentError listing every problem, so that a broken edit fails loudly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from responses import LANGUAGES, RESPONSES_DIR, ContentError
from storage.models import Outcome

TAXONOMY_FILE = RESPONSES_DIR / "case_categories.yml"
ID = re.compile(r"[a-z][a-z0-9_]{0,23}")  # stored, and part of a button's callback data
MAX_LABEL_CHARS = 40  # a button
MAX_CATEGORIES = 24  # buttons under one message, with "done"


@dataclass(frozen=True)
class CaseTaxonomy:
    # id -> language -> label, in the file's order (the buttons' order)
    outcomes: dict[Outcome, dict[str, str]]
    categories: dict[str, dict[str, str]]

    def outcome_label(self, outcome: Outcome | str, language: str) -> str:
        return self.outcomes[Outcome(outcome)][language]

    def category_label(self, category: str, language: str) -> str:
        """The category's label; its id when it is not (or no longer) in the file."""
        labels = self.categories.get(category)
        return labels[language] if labels else category


@cache
def load_case_taxonomy(path: Path = TAXONOMY_FILE) -> CaseTaxonomy:
    """Read and check the file, once; raises ContentError listing every problem found."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path}: {error}") from error
    problems: list[str] = []
    if not isinstance(raw, dict) or set(raw) != {"outcomes", "categories"}:
        raise ContentError(f"{path}: must have exactly the keys 'outcomes' and 'categories'")
    outcomes = _entries(raw["outcomes"], "outcomes", problems)
    categories = _entries(raw["categories"], "categories", problems)
    known = {o.value for o in Outcome}
    if missing := known - outcomes.keys():
        problems.append(f"outcomes: no labels for {sorted(missing)} (storage.models.Outcome)")
    if extra := outcomes.keys() - known:
        problems.append(f"outcomes: {sorted(extra)} are not in storage.models.Outcome")
    if not 1 <= len(categories) <= MAX_CATEGORIES:
        problems.append(f"categories: 1 to {MAX_CATEGORIES}, not {len(categories)}")
    if problems:
        raise ContentError("\n".join(f"{path}: {p}" for p in problems))
    return CaseTaxonomy({Outcome(k): v for k, v in outcomes.items()}, categories)


def _entries(items: Any, group: str, problems: list[str]) -> dict[str, dict[str, str]]:
    """{id: {language: label}} of a list of {id, fr, en}; what is wrong goes to `problems`."""
    if not isinstance(items, list):
        problems.append(f"{group}: must be a list")
        return {}
    entries: dict[str, dict[str, str]] = {}
    for n, item in enumerate(items, 1):
        where = f"{group} #{n}"
        if not isinstance(item, dict) or set(item) != {"id", *LANGUAGES}:
            problems.append(f"{where}: needs exactly the keys id, {', '.join(LANGUAGES)}")
            continue
        key = str(item["id"])
        if not ID.fullmatch(key):
            problems.append(f"{where}: id {key!r} is not lower_snake_case of 24 characters at most")
        if key in entries:
            problems.append(f"{where}: id {key!r} used twice")
        labels = {language: str(item[language] or "").strip() for language in LANGUAGES}
        for language, label in labels.items():
            if not 1 <= len(label) <= MAX_LABEL_CHARS:
                problems.append(f"{where} ({key}): {language} label must be 1-{MAX_LABEL_CHARS}")
        entries[key] = labels
    return entries
