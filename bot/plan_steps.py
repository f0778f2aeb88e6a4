"""The personal plan's content: what can have leaked, and the steps for each mix, most urgent
first (`responses/<lang>/_plan.yml`; bot/plan.py is the conversation around it).

A step comes into a patient's plan when one of the kinds of data it is `for` is ticked; the
steps keep the order of the file, which puts the most urgent first. Both languages must list the
same steps, in the same order, for the same ticks and letters: `load_plan()` checks it, at
start-up, so that a broken edit fails loudly rather than in front of a patient.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

import yaml

from bot.letters import LetterKind
from responses import LANGUAGES, RESPONSES_DIR, ContentError

TEXT_KEYS = ("title", "do", "lasts", "watch")
STEP_ID_CHARS = 20  # a step's id goes into a button's data (Telegram: 64 bytes)


class Exposure(StrEnum):
    """A kind of data the patient knows or fears leaked: what they tick, and all that is kept
    (storage.models.PatientPlan). Stored: add members, never rename one."""

    NIR = "nir"  # social security number
    HEALTH = "health"  # one tick for every kind of health data: no diagnosis is ever stored
    BANK = "bank"
    ADDRESS = "address"
    PHONE = "phone"
    EMAIL = "email"


EXPOSURES = frozenset(Exposure)  # `"x" in Exposure` raises on Python 3.11


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    exposures: frozenset[Exposure]  # the ticks that bring it into a plan
    letter: LetterKind | None  # the letter the bot can draft for it
    title: str
    do: str
    lasts: str  # how long the risk lasts
    watch: str  # what to watch for


@dataclass(frozen=True)
class PlanTexts:
    """One language's _plan.yml."""

    labels: dict[Exposure, str]  # the buttons
    names: dict[Exposure, str]  # in a sentence
    steps: tuple[Step, ...]  # most urgent first


def steps_for(exposed: Iterable[str], language: str) -> list[Step]:
    """The plan for exactly this mix: every step one of the ticks brings, most urgent first."""
    ticked = {Exposure(value) for value in exposed if value in EXPOSURES}
    return [step for step in texts(language).steps if step.exposures & ticked]


def texts(language: str) -> PlanTexts:
    return load_plan()[language]


@cache
def load_plan(directory: Path = RESPONSES_DIR) -> dict[str, PlanTexts]:
    """Read and check both languages' plans, once. Raises ContentError listing every problem."""
    problems: list[str] = []
    plans = {
        language: _read(directory / language / "_plan.yml", problems) for language in LANGUAGES
    }
    shapes = {
        language: [(s.id, s.exposures, s.letter) for s in plan.steps]
        for language, plan in plans.items()
    }
    first, *others = LANGUAGES
    for language in others:
        if shapes[language] != shapes[first]:
            problems.append(
                f"{directory / language / '_plan.yml'}: steps differ from {first}'s (ids, order, "
                "for, letter must be the same)"
            )
    if problems:
        raise ContentError("\n".join(problems))
    return plans


def _read(path: Path, problems: list[str]) -> PlanTexts:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    if not isinstance(raw, dict):
        problems.append(f"{path}: missing, or not a mapping with 'categories' and 'steps'")
        return PlanTexts({}, {}, ())
    categories = raw.get("categories") or {}
    labels: dict[Exposure, str] = {}
    names: dict[Exposure, str] = {}
    for exposure in Exposure:
        entry = categories.get(exposure.value) or {}
        if not entry.get("label") or not entry.get("name"):
            problems.append(f"{path}: categories.{exposure}: needs a label and a name")
        labels[exposure] = str(entry.get("label", ""))
        names[exposure] = str(entry.get("name", ""))
    problems += [f"{path}: '{c}' is not a category" for c in set(categories) - EXPOSURES]
    steps: list[Step] = []
    for index, entry in enumerate(raw.get("steps") or [], 1):
        step = _step(entry, f"{path}: step {index}", problems)
        if step is not None:
            steps.append(step)
    ids = [step.id for step in steps]
    problems += [f"{path}: step id '{i}' used twice" for i in sorted(set(ids)) if ids.count(i) > 1]
    covered = {exposure for step in steps for exposure in step.exposures}
    problems += [f"{path}: no step for '{e}'" for e in Exposure if e not in covered]
    return PlanTexts(labels, names, tuple(steps))


def _step(entry: object, where: str, problems: list[str]) -> Step | None:
    if not isinstance(entry, dict):
        problems.append(f"{where}: must be a mapping")
        return None
    step_id = str(entry.get("id") or "")
    if not step_id.isidentifier() or len(step_id) > STEP_ID_CHARS:
        problems.append(f"{where}: id '{step_id}' must be a short lower_snake_case name")
    exposures = entry.get("for") or []
    unknown = [e for e in exposures if e not in EXPOSURES]
    if not exposures or unknown:
        problems.append(f"{where} ({step_id}): 'for' must list categories of {list(Exposure)}")
    letter = entry.get("letter")
    if letter is not None and letter not in frozenset(LetterKind):
        problems.append(f"{where} ({step_id}): '{letter}' is not a letter")
        letter = None
    problems += [f"{where} ({step_id}): '{k}' is missing" for k in TEXT_KEYS if not entry.get(k)]
    problems += [f"{where} ({step_id}): unknown key '{k}'" for k in set(entry) - _KEYS]
    return Step(
        id=step_id,
        exposures=frozenset(Exposure(e) for e in exposures if e in EXPOSURES),
        letter=LetterKind(letter) if letter else None,
        title=str(entry.get("title", "")).strip(),
        do=str(entry.get("do", "")).strip(),
        lasts=str(entry.get("lasts", "")).strip(),
        watch=str(entry.get("watch", "")).strip(),
    )


_KEYS = frozenset({"id", "for", "letter", *TEXT_KEYS})
