"""The annotated patient messages as Rasa NLU training data, ready to merge into nlu/data/.

Only messages of patients who said yes to `consent_improve`; only verdicts that give an intent
(correct, relabel). Texts are stored redacted, and redacted again here once their spaces are
squeezed: a row stored before a redaction fix, its number spaced out with odd characters, must not
become a clean number in the training data. An example already in the training data (same text
once case, accents and punctuation are folded) is left out, and so is a text reviewers gave two
different intents, so the merged data never has one sentence under two intents
(tests/test_nlu_data.py checks that). Rasa reads `[text](entity)` as an entity: such texts are
left out rather than altered.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nlu.dataset import load_examples, normalize
from storage.models import Message, NLUAnnotation, Patient
from storage.redaction import redact

ENTITY_SYNTAX = re.compile(r"\]\s*[({]")


@dataclass
class Export:
    yaml: str
    examples: dict[str, list[str]]
    skipped_known: int = 0
    skipped_conflict: int = 0
    skipped_syntax: int = 0
    by_language: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.examples.values())


def known_examples() -> set[str]:
    return {
        normalize(text)
        for per_intent in load_examples().values()
        for texts in per_intent.values()
        for text in texts
    }


def one_line(text: str) -> str:
    return " ".join(text.split())


def to_yaml(examples: dict[str, list[str]]) -> str:
    lines = [
        "# Patient messages annotated in the review workspace (consenting patients only).",
        'version: "3.1"',
        "nlu:",
    ]
    for intent in sorted(examples):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {text}" for text in examples[intent])
    return "\n".join(lines) + "\n"


async def export_nlu(session: AsyncSession, known: set[str] | None = None) -> Export:
    known = known_examples() if known is None else known
    found = await session.execute(
        select(Message.text, NLUAnnotation.intent, Patient.language)
        .join(NLUAnnotation, NLUAnnotation.message_id == Message.id)
        .join(Patient, Patient.id == Message.patient_id)
        .where(
            Patient.consent_improve.is_(True),
            NLUAnnotation.verdict.in_(("correct", "relabel")),
            NLUAnnotation.intent.is_not(None),
        )
        .order_by(NLUAnnotation.intent, Message.id)
    )
    labels: dict[str, set[str]] = defaultdict(set)
    texts: dict[str, tuple[str, str | None]] = {}
    export = Export(yaml="", examples={})
    for text, intent, language in found:
        text = redact(one_line(text))
        if not text:
            continue
        if ENTITY_SYNTAX.search(text):
            export.skipped_syntax += 1
            continue
        key = normalize(text)
        if not key or key in known:
            export.skipped_known += 1
            continue
        labels[key].add(intent)
        texts.setdefault(key, (text, language))
    examples: dict[str, list[str]] = defaultdict(list)
    by_language: dict[str, int] = defaultdict(int)
    for key, intents in labels.items():
        if len(intents) > 1:
            export.skipped_conflict += 1
            continue
        text, language = texts[key]
        examples[next(iter(intents))].append(text)
        by_language[language or "?"] += 1
    export.examples = {intent: sorted(v) for intent, v in sorted(examples.items())}
    export.by_language = dict(by_language)
    export.yaml = to_yaml(export.examples)
    return export
