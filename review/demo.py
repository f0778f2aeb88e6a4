"""Synthetic, pseudonymous conversations for the tests, the benchmark and a demo workspace.

Nobody real: pseudonyms are generated, patient texts are drawn from the NLU training examples
(written for the project) and the bot's texts are the opening lines of its real answers. Bulk
inserts (executemany), so 10,000 conversations take a few seconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nlu.dataset import intents_contract, load_examples
from responses import load_catalogue
from storage.models import Case, Message, Patient, utcnow
from storage.repositories import PSEUDONYM_ALPHABET

FALLBACK = "nlu_fallback"


def pseudonym(index: int) -> str:
    digits = []
    for _ in range(8):
        index, rest = divmod(index, len(PSEUDONYM_ALPHABET))
        digits.append(PSEUDONYM_ALPHABET[rest])
    return "P-" + "".join(reversed(digits))


@dataclass
class SeededMessage:
    direction: str
    kind: str
    text: str
    intent: str | None
    confidence: float | None
    created_at: datetime
    case: bool = False


@dataclass
class SeededConversation:
    id: int
    pseudonym: str
    language: str
    consent_improve: bool
    created_at: datetime
    last_seen_at: datetime
    messages: list[SeededMessage] = field(default_factory=list)
    case: dict[str, Any] | None = None


def _examples() -> dict[str, list[tuple[str, str]]]:
    per_language: dict[str, list[tuple[str, str]]] = {}
    for language, per_intent in load_examples().items():
        per_language[language] = [
            (text, intent) for intent, texts in sorted(per_intent.items()) for text in texts
        ]
    return per_language


AGENT_TEXTS = {
    "fr": ("Merci de me répondre.", "Bonjour, je suis là pour vous aider."),
    "en": ("Thank you for answering.", "Hello, I'm here to help you."),
}


def _bot_texts() -> dict[tuple[str, str], str]:
    """{(language, intent): the first paragraph of the answer}; a fallback asks 'did you mean'."""
    catalogue = load_catalogue(intents_contract())
    texts = {
        (language, intent): answer.text.split("\n\n", 1)[0].replace("**", "")
        for (intent, language), answer in catalogue.answers.items()
    }
    for language in catalogue.phrases:
        texts[(language, FALLBACK)] = catalogue.phrase("did_you_mean", language)
    return texts


async def seed(
    sessions: async_sessionmaker[AsyncSession],
    conversations: int,
    *,
    seed: int = 7,
    days: int = 60,
    now: datetime | None = None,
    first_id: int = 1,
) -> list[SeededConversation]:
    """Insert `conversations` patients with 2 to 8 messages each over the last `days` days;
    about 10 % escalated (some with risk flags, satisfaction, agent replies). Returns what was
    inserted, so tests can compute the expected answer of a query on their own."""
    rng = random.Random(seed)
    now = now or utcnow()
    examples = _examples()
    bot_texts = _bot_texts()
    made: list[SeededConversation] = []
    patients: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    for i in range(first_id, first_id + conversations):
        language = "fr" if rng.random() < 0.75 else "en"
        start = now - timedelta(seconds=rng.randrange(days * 86400 - 7200) + 3600)
        conversation = SeededConversation(
            id=i,
            pseudonym=pseudonym(i),
            language=language,
            consent_improve=rng.random() < 0.5,
            created_at=start,
            last_seen_at=start,
        )
        at = start
        escalated = rng.random() < 0.1
        for _ in range(rng.randint(1, 4)):
            text, intent = rng.choice(examples[language])
            confidence = round(rng.uniform(0.05, 0.99), 3)
            label = FALLBACK if confidence < 0.3 else intent
            conversation.messages.append(SeededMessage("in", "text", text, label, confidence, at))
            conversation.last_seen_at = at
            at += timedelta(seconds=2)
            conversation.messages.append(
                SeededMessage("out", "text", bot_texts[(language, label)], label, None, at)
            )
            at += timedelta(seconds=rng.randrange(20, 300))
        if escalated:
            flags = []
            if rng.random() < 0.2:
                flags.append("crisis")
            if rng.random() < 0.1:
                flags.append("blackmail")
            replied = at + timedelta(minutes=rng.randrange(1, 90))
            closed = rng.random() < 0.7
            conversation.case = {
                "id": i,
                "patient_id": i,
                "status": "closed" if closed else "taken",
                "priority": "urgent" if "crisis" in flags else "normal",
                "risk_flags": flags,
                "reason": flags[0] if flags else "human_handoff",
                "language": language,
                "opened_at": at,
                "first_agent_reply_at": replied,
                "closed_at": replied + timedelta(minutes=30) if closed else None,
                "satisfaction": rng.randint(1, 5) if closed and rng.random() < 0.6 else None,
            }
            cases.append(conversation.case)
            thanks, hello = AGENT_TEXTS[language]
            conversation.messages.append(
                SeededMessage("in", "text", thanks, None, None, replied, True)
            )
            conversation.last_seen_at = replied
            conversation.messages.append(
                SeededMessage(
                    "out",
                    "agent",
                    hello,
                    None,
                    None,
                    replied + timedelta(seconds=30),
                    True,
                )
            )
        made.append(conversation)
        patients.append(
            {
                "id": i,
                "pseudonym": conversation.pseudonym,
                "channel": "telegram",
                "chat_id": str(1_000_000 + i),
                "language": language,
                "client_language": language,
                "consent_improve": conversation.consent_improve,
                "created_at": start,
                "last_seen_at": conversation.last_seen_at,
                "state": {},
            }
        )
        for m in conversation.messages:
            messages.append(
                {
                    "patient_id": i,
                    "direction": m.direction,
                    "kind": m.kind,
                    "text": m.text,
                    "intent": m.intent,
                    "confidence": m.confidence,
                    "created_at": m.created_at,
                    "case_id": i if m.case else None,
                }
            )
    async with sessions() as session, session.begin():
        for table, rows in ((Patient, patients), (Case, cases), (Message, messages)):
            for chunk in range(0, len(rows), 20_000):
                await session.execute(insert(table.__table__), rows[chunk : chunk + 20_000])
    return made
