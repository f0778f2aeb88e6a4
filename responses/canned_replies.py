"""The agents' canned replies: ready-made messages an agent sends a patient from a case's topic
with `/r NAME` (bot/canned_replies.py), in the patient's language.

`responses/<lang>/_replies/<name>.md`, one file per reply and language, edited like the answers:
a front matter block with `title` (what the agents' button says) and `sources`, then the text
the patient reads, **bold** allowed. Both languages have the same names. Every number and web
address in them is checked against the fact sheet (tests/test_responses.py), and they go through
the same redaction as an agent's message, which must leave them as they are.

`load_canned_replies()` reads and checks them once (at start-up, by the escalation service),
raising ContentError listing every problem, so that a broken edit fails loudly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from responses import LANGUAGES, MAX_BODY_CHARS, MAX_TITLE_CHARS, RESPONSES_DIR, ContentError

REPLIES = "_replies"  # responses/<lang>/_replies/<name>.md
# typed after /r, and part of a button's callback data (64 bytes): short, plain
NAME = re.compile(r"[a-z][a-z0-9_]{0,23}")
FRONT_MATTER = frozenset({"title", "sources"})


@dataclass(frozen=True, slots=True)
class CannedReply:
    name: str
    language: str
    title: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CannedReplies:
    replies: dict[tuple[str, str], CannedReply]  # (name, language)

    @property
    def names(self) -> list[str]:
        """Every reply's name, in alphabetical order (the buttons' order)."""
        return sorted({name for name, _ in self.replies})

    def get(self, name: str, language: str) -> CannedReply | None:
        return self.replies.get((name, language))


def parse_reply(path: Path, language: str) -> tuple[CannedReply, list[str]]:
    """The reply in `path`, and what is wrong with it."""
    raw = path.read_text(encoding="utf-8")
    parts = raw.split("---", 2)
    if not raw.startswith("---") or len(parts) < 3:
        return CannedReply(path.stem, language, "", "", ()), ["must start with a '---' block"]
    problems: list[str] = []
    try:
        meta = yaml.safe_load(parts[1]) or {}
    except yaml.YAMLError as error:
        meta, problems = {}, [f"front matter: {error}"]
    if not isinstance(meta, dict):
        meta, problems = {}, ["front matter must be 'key: value' lines"]
    if unknown := set(meta) - FRONT_MATTER:
        problems.append(f"unknown front matter {sorted(unknown)}; known: {sorted(FRONT_MATTER)}")
    reply = CannedReply(
        name=path.stem,
        language=language,
        title=str(meta.get("title") or "").strip(),
        text=parts[2].strip(),
        sources=tuple(str(s) for s in meta.get("sources") or ()),
    )
    if not NAME.fullmatch(reply.name):
        problems.append("the file's name must be lower_snake_case, 24 characters at most")
    if not 1 <= len(reply.title) <= MAX_TITLE_CHARS:
        problems.append(f"title must be 1-{MAX_TITLE_CHARS} characters")
    if not 1 <= len(reply.text) <= MAX_BODY_CHARS:
        problems.append(f"text must be 1-{MAX_BODY_CHARS} characters, is {len(reply.text)}")
    return reply, problems


@cache
def load_canned_replies(directory: Path = RESPONSES_DIR) -> CannedReplies:
    """Read and check every reply, once; raises ContentError listing every problem found."""
    replies: dict[tuple[str, str], CannedReply] = {}
    problems: list[str] = []
    names: dict[str, set[str]] = {}
    for language in LANGUAGES:
        folder = directory / language / REPLIES
        names[language] = set()
        for path in sorted(folder.glob("*.md")):
            reply, wrong = parse_reply(path, language)
            problems += [f"{path}: {p}" for p in wrong]
            replies[(reply.name, language)] = reply
            names[language].add(reply.name)
    every = set().union(*names.values())
    if not every:
        problems.append(f"no canned replies in {directory}/<lang>/{REPLIES}/")
    for language, found in names.items():
        for name in sorted(every - found):
            problems.append(f"{directory / language / REPLIES / name}.md: missing")
    if problems:
        raise ContentError("\n".join(problems))
    return CannedReplies(replies)
