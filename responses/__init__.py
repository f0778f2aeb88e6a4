"""What the bot says: one Markdown file per intent and language, with YAML front matter.

`responses/<lang>/<intent>.md` holds the answer a patient gets for an intent, `_ui.yml` the other
phrases patients read, `_agents.yml` what the agents' group reads (the case card, the topics'
names, notices; in `AGENTS_LANGUAGE`). Non-programmers edit these files; `load_catalogue()` checks
them at start-up so that a broken edit fails loudly, not in front of a patient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

RESPONSES_DIR = Path(__file__).resolve().parent
LANGUAGES = ("fr", "en")
MAX_BODY_CHARS = 1200  # about one phone screen
MAX_TITLE_CHARS = 40
NOT_A_TOPIC = frozenset({"affirm", "deny", "greet", "goodbye", "thanks"})


class ContentError(ValueError):
    """An answer file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Answer:
    intent: str
    language: str
    title: str
    text: str
    buttons: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    answers: dict[tuple[str, str], Answer]
    phrases: dict[str, dict[str, str]]  # language -> key -> text, from <lang>/_ui.yml
    # language -> key -> text, from <lang>/_agents.yml; nested keys joined with dots
    agent_phrases: dict[str, dict[str, str]] = field(default_factory=dict)

    def phrase(self, key: str, language: str, **values: str) -> str:
        text = self.phrases[language][key]
        return text.format(**values) if values else text

    def agent_phrase(self, key: str, language: str, /, **values: object) -> str:
        """What the agents' group reads. Values may carry a format: {opened:%d/%m/%Y}."""
        text = self.agent_phrases[language][key]
        return text.format(**values) if values else text

    def answer(self, intent: str, language: str) -> Answer:
        return self.answers[(intent, language)]

    def title(self, intent: str, language: str) -> str:
        return self.answers[(intent, language)].title

    @property
    def intents(self) -> list[str]:
        return sorted({intent for intent, _ in self.answers})


def parse_answer(path: Path, language: str) -> Answer:
    raw = path.read_text(encoding="utf-8")
    parts = raw.split("---", 2)
    if not raw.startswith("---") or len(parts) < 3:
        raise ContentError(f"{path}: must start with a '---' front matter block")
    _, front, body = parts
    meta = yaml.safe_load(front) or {}
    return Answer(
        intent=str(meta.get("intent", "")),
        language=language,
        title=str(meta.get("title", "")).strip(),
        text=body.strip(),
        buttons=tuple(meta.get("buttons") or ()),
        sources=tuple(str(s) for s in meta.get("sources") or ()),
    )


def validate(answer: Answer, path: Path, intents: set[str]) -> list[str]:
    problems = []
    if answer.intent != path.stem:
        problems.append(f"front matter says intent '{answer.intent}'")
    if not answer.title or len(answer.title) > MAX_TITLE_CHARS:
        problems.append(f"title must be 1-{MAX_TITLE_CHARS} characters")
    if not answer.text or len(answer.text) > MAX_BODY_CHARS:
        problems.append(f"body must be 1-{MAX_BODY_CHARS} characters, is {len(answer.text)}")
    if not 2 <= len(answer.buttons) <= 4:
        problems.append("needs 2 to 4 buttons")
    for button in answer.buttons:
        if button not in intents:
            problems.append(f"button '{button}' is not an intent")
        elif button == answer.intent or button in NOT_A_TOPIC:
            problems.append(f"button '{button}' is not a topic to follow up with")
    return [f"{path}: {p}" for p in problems]


def load_catalogue(intents: list[str], directory: Path = RESPONSES_DIR) -> Catalogue:
    """Load and check every answer; raises ContentError listing every problem found."""
    known = set(intents)
    answers: dict[tuple[str, str], Answer] = {}
    phrases: dict[str, dict[str, str]] = {}
    agent_phrases: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for language in LANGUAGES:
        for intent in intents:
            path = directory / language / f"{intent}.md"
            if not path.exists():
                problems.append(f"{path}: missing")
                continue
            answer = parse_answer(path, language)
            problems += validate(answer, path, known)
            answers[(intent, language)] = answer
        extra = {p.stem for p in (directory / language).glob("*.md")} - known
        problems += [f"{directory / language / name}.md: not an intent" for name in sorted(extra)]
        ui = directory / language / "_ui.yml"
        phrases[language] = yaml.safe_load(ui.read_text(encoding="utf-8")) if ui.exists() else {}
        agents = directory / language / "_agents.yml"
        agent_phrases[language] = (
            flatten(yaml.safe_load(agents.read_text(encoding="utf-8")) or {})
            if agents.exists()
            else {}
        )
    for name, found in (("_ui.yml", phrases), ("_agents.yml", agent_phrases)):
        keys = {language: set(texts) for language, texts in found.items()}
        if len({frozenset(k) for k in keys.values()}) > 1 or not all(keys.values()):
            problems.append(f"{name} files must exist and have the same keys: {keys}")
    if problems:
        raise ContentError("\n".join(problems))
    return Catalogue(answers, phrases, agent_phrases)


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """{"card": {"title": "..."}} -> {"card.title": "..."}."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat
