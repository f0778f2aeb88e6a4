"""What people read of the flags on a patient: `responses/patient_flags.yml`, one entry per
`storage.flags.FlagKind` (the same ids, checked here), with its French and English words.
The agents' card reads them in `AGENTS_LANGUAGE`, the review workspace in English."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import yaml

from responses import LANGUAGES, ContentError
from storage.flags import FlagKind

FLAGS_FILE = Path(__file__).resolve().parent / "patient_flags.yml"

FlagLabels = dict[str, dict[FlagKind, str]]  # language -> kind -> words


def load_flag_labels(path: Path = FLAGS_FILE) -> FlagLabels:
    """Read and check the file; ContentError listing every problem found."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    problems: list[str] = []
    labels: FlagLabels = {language: {} for language in LANGUAGES}
    if not isinstance(entries, list):
        raise ContentError(f"{path}: must be a list of flags")
    ids = Counter(str(entry.get("id", "")) for entry in entries if isinstance(entry, dict))
    problems += [f"{path}: flag {i!r} is listed {n} times" for i, n in ids.items() if n > 1]
    known = {kind.value for kind in FlagKind}
    problems += [f"{path}: {i!r} is not a storage.flags.FlagKind" for i in set(ids) - known]
    problems += [f"{path}: FlagKind {i!r} is missing" for i in sorted(known - set(ids))]
    for entry in entries:
        if not isinstance(entry, dict) or str(entry.get("id", "")) not in known:
            continue
        kind = FlagKind(str(entry["id"]))
        for language in LANGUAGES:
            words = str(entry.get(language) or "").strip()
            if not words or len(words) > 60:
                problems.append(f"{path}: {kind}: '{language}' must be 1-60 characters")
            labels[language][kind] = words
    if problems:
        raise ContentError("\n".join(problems))
    return labels


@cache
def flag_labels() -> FlagLabels:
    """The checked words of `responses/patient_flags.yml`, read once."""
    return load_flag_labels()


def flag_label(kind: str, language: str) -> str:
    """A flag's words in a language; its id when the language or the kind has none."""
    try:
        return flag_labels().get(language, {}).get(FlagKind(kind), kind)
    except ValueError:
        return kind
