"""Read the training data (nlu/data/<lang>/<intent>.yml) and the intents (nlu/intents.md)."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import yaml

from nlu.rasa import DATA_DIR, ROOT

INTENTS = ROOT / "nlu" / "intents.md"

LANGUAGES = ("fr", "en")
SMALL_TALK = frozenset({"greet", "goodbye", "thanks", "affirm", "deny"})


def intents_contract(path: Path | None = None) -> list[str]:
    """Intent names from the first column of the table in nlu/intents.md."""
    path = path or INTENTS
    names = re.findall(r"^\|\s*([a-z_]+)\s*\|", path.read_text(encoding="utf-8"), re.MULTILINE)
    return [n for n in names if n != "intent"]


def load_examples(data_dir: Path = DATA_DIR) -> dict[str, dict[str, list[str]]]:
    """{language: {intent: [examples]}} from Rasa 3 YAML files under data_dir/<language>/."""
    examples: dict[str, dict[str, list[str]]] = {lang: defaultdict(list) for lang in LANGUAGES}
    for lang in LANGUAGES:
        for path in sorted((data_dir / lang).glob("*.yml")):
            for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
                lines = block["examples"].splitlines()
                examples[lang][block["intent"]].extend(
                    line.strip()[2:].strip() for line in lines if line.strip().startswith("- ")
                )
    return examples


def normalize(text: str) -> str:
    """Case, accents, punctuation and spacing folded: what makes two examples 'the same'."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())
