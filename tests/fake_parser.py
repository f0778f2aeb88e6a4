"""A keyword parser for the tests that only need "this message is intent X".

It satisfies the engine's `Parser` protocol and returns the real client's `ParseResult`, crisis
score included, so that the engine, the escalations and the storage can be tested without the Rasa
environment and a trained model. What the real model makes of real messages is tested against the
real server (tests marked `rasa`: test_nlu_client, test_crisis, the Telegram end-to-end tests).

The rules are read in order and the first whose keyword is in the text wins. A keyword matches
whole words, case and accents aside ("sms" is in "SMS bizarre", "plainte" in "plaintes" is not).
A text no rule matches falls back, as Rasa's FallbackClassifier does, with `guesses` behind it in
the ranking (the "did you mean ...?" buttons).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from nlu.client import FALLBACK_INTENT, IntentScore, ParseResult

# what Rasa's FallbackClassifier gives `nlu_fallback` (config.yml's threshold)
FALLBACK_CONFIDENCE = 0.3
GUESSES = ("what_to_do", "am_i_affected")


@dataclass(frozen=True, slots=True)
class Rule:
    keywords: tuple[str, ...]
    intent: str
    confidence: float = 0.9
    # the model's crisis score in the ranking when the intent is not `crisis` itself
    crisis: float = 0.0


def fold(text: str) -> str:
    """Lower case, no accents, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", bare))


class KeywordParser:
    """The engine's `Parser`, from keywords. `parsed` lists the texts it was asked about."""

    def __init__(self, rules: Iterable[Rule], guesses: tuple[str, ...] = GUESSES) -> None:
        self.rules = tuple(rules)
        self.guesses = guesses
        self.parsed: list[str] = []
        self._patterns = [
            re.compile("|".join(rf"\b{re.escape(fold(k))}\b" for k in rule.keywords))
            for rule in self.rules
        ]

    def rule_for(self, text: str) -> Rule | None:
        folded = fold(text)
        for rule, pattern in zip(self.rules, self._patterns, strict=True):
            if pattern.search(folded):
                return rule
        return None

    async def parse(self, text: str) -> ParseResult:
        self.parsed.append(text)
        if not text.strip():  # as the real client: a blank has no intent
            return ParseResult(text, FALLBACK_INTENT, 0.0, ())
        rule = self.rule_for(text)
        if rule is None:
            intent, confidence, crisis = FALLBACK_INTENT, FALLBACK_CONFIDENCE, 0.0
        else:
            intent, confidence, crisis = rule.intent, rule.confidence, rule.crisis
        ranking = [IntentScore(intent, confidence)]
        if crisis and intent != "crisis":
            ranking.append(IntentScore("crisis", crisis))
        rest = (1.0 - confidence - crisis) / (len(self.guesses) + 1)
        ranking += [IntentScore(g, round(rest, 4)) for g in self.guesses if g != intent]
        ranking.sort(key=lambda score: -score.confidence)
        return ParseResult(text, intent, confidence, tuple(ranking))


# The keywords of the engine, escalation, language and console tests: a message of these tests is
# given the intent a patient would mean by it. Specific rules come before general ones.
RULES = (
    Rule(("plus aucune raison de continuer",), "crisis", 0.93),  # not a crisis for the net
    Rule(("chantage", "menace"), "blackmail"),
    Rule(("debite",), "scam_victim"),
    Rule(("a mon nom", "in my name"), "identity_theft"),
    Rule(("cnil",), "cnil_complaint"),
    Rule(("plainte", "police"), "file_complaint"),
    Rule(("sms", "refund"), "phishing_report"),
    Rule(("dans la fuite",), "am_i_affected"),
    Rule(("hiv",), "sensitive_data_exposed"),
    Rule(("parler a un humain",), "human_handoff"),
    Rule(("bonjour", "hello"), "greet"),
    Rule(("merci", "thanks"), "thanks"),
    Rule(("oui",), "affirm"),
)
