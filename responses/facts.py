"""The project's fact sheet: every phone number, web address and figure the answers may state.

`responses/facts.yml` lists the facts, each with its sources, the date they were last checked and
how sure they are. `load_facts()` reads and checks it, raising FactSheetError with every problem
found; tests/test_responses.py checks that the answers state nothing the sheet does not hold.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml

FACTS_FILE = Path(__file__).resolve().parent / "facts.yml"
# verified: sourced; unverified: no source found; conflicting: sources disagree;
# secondary: non-official sources only; dated: only an old source
STATUSES = frozenset({"verified", "unverified", "conflicting", "secondary", "dated"})
FIELDS = frozenset({"id", "what", "numbers", "figures", "urls", "sources", "checked", "status"})
LISTS = ("numbers", "figures", "urls", "sources")
ID = re.compile(r"[a-z][a-z0-9_]*")


class FactSheetError(ValueError):
    """The fact sheet is malformed, or a fact lacks a source, a check date or a known status."""


@dataclass(frozen=True, slots=True)
class Fact:
    id: str
    what: str  # the fact, in a sentence or two
    numbers: tuple[str, ...]  # phone numbers, as written: "0 805 805 817", "+33 1 80 52 33 76"
    figures: tuple[str, ...]  # other figures the answers state: dates, counts, article numbers
    urls: tuple[str, ...]  # addresses the answers give, without scheme: "17cyber.gouv.fr"
    sources: tuple[str, ...]
    checked: date | None  # when the sources were last checked
    status: str


def latest_today() -> date:
    """The date where it is latest on Earth (UTC+14): a check made today anywhere is not future."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def parse_facts(raw: object) -> tuple[list[Fact], list[str]]:
    """The facts of a loaded YAML document, and what is malformed in it."""
    entries = raw.get("facts") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        return [], ["must be a mapping with a 'facts' list"]
    facts: list[Fact] = []
    problems: list[str] = []
    for index, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            problems.append(f"fact #{index}: must be a mapping")
            continue
        name = str(entry.get("id") or f"fact #{index}")
        problems += [f"{name}: unknown field '{key}'" for key in sorted(set(entry) - FIELDS)]
        lists: dict[str, tuple[str, ...]] = {}
        for field in LISTS:
            value = entry.get(field) or []
            if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
                problems.append(f"{name}: '{field}' must be a list of texts")
                value = []
            lists[field] = tuple(str(v).strip() for v in value)
        checked = entry.get("checked")
        if isinstance(checked, datetime):
            checked = checked.date()
        elif checked is not None and not isinstance(checked, date):
            problems.append(f"{name}: checked '{checked}' is not a date (write YYYY-MM-DD)")
            checked = None
        facts.append(
            Fact(
                id=str(entry.get("id") or ""),
                what=str(entry.get("what") or "").strip(),
                numbers=lists["numbers"],
                figures=lists["figures"],
                urls=lists["urls"],
                sources=lists["sources"],
                checked=checked,
                status=str(entry.get("status") or ""),
            )
        )
    return facts, problems


def fact_problems(fact: Fact, today: date | None = None) -> list[str]:
    """What keeps a fact from being stated: no id, text or source, no past check date, no status."""
    today = today or latest_today()
    name = fact.id or "a fact without id"
    problems = []
    if not ID.fullmatch(fact.id):
        problems.append("id must be lower_snake_case")
    if not fact.what:
        problems.append("'what' is empty")
    if not [s for s in fact.sources if s]:
        problems.append("has no source")
    if fact.checked is None:
        problems.append("has no 'checked' date")
    elif fact.checked > today:
        problems.append(f"checked {fact.checked} is in the future")
    if fact.status not in STATUSES:
        problems.append(f"status '{fact.status}' is not one of {sorted(STATUSES)}")
    problems += [f"number '{n}' has no digits" for n in fact.numbers if not re.search(r"\d", n)]
    problems += [
        f"url '{u}' must have no scheme or spaces" for u in fact.urls if "//" in u or " " in u
    ]
    return [f"{name}: {p}" for p in problems]


def duplicate_ids(facts: Sequence[Fact]) -> list[str]:
    counts = Counter(fact.id for fact in facts)
    return [f"{name}: id used {n} times" for name, n in sorted(counts.items()) if n > 1]


def check_facts(facts: Sequence[Fact], today: date | None = None) -> list[str]:
    return [p for fact in facts for p in fact_problems(fact, today)] + duplicate_ids(facts)


def read_facts(path: Path = FACTS_FILE) -> tuple[list[Fact], list[str]]:
    """The facts in a sheet as written, and what is malformed in it (content is not checked)."""
    facts, problems = parse_facts(yaml.safe_load(path.read_text(encoding="utf-8")))
    return facts, [f"{path}: {p}" for p in problems]


def load_facts(path: Path = FACTS_FILE, today: date | None = None) -> list[Fact]:
    """Read and check the fact sheet; raises FactSheetError listing every problem found."""
    facts, problems = read_facts(path)
    problems += [f"{path}: {p}" for p in check_facts(facts, today)]
    if problems:
        raise FactSheetError("\n".join(problems))
    return facts
