"""What the agents' group reads, in its own language (`AGENTS_LANGUAGE`): the topics' names, the
pinned case card, the notices. The words are in `responses/<lang>/_agents.yml`; this module only
puts a case's facts into them. No Telegram here, and no identity: a case number, a language, a
priority, redacted messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from responses import Catalogue
from storage.models import Case, CaseStatus, Message, Priority
from storage.redaction import redact

CARD_MESSAGES = 8  # the last messages shown on a case card
CARD_CHARACTERS = 4000  # Telegram takes 4,096
RELAY_PART = 3500  # characters per relayed message
# card buttons: "case:<action>:<case id>"
CASE = "case:"
CARD_ACTIONS = ("take", "close", "urgent")
# storage.redaction's placeholders (<NIR>, <PHONE_2>...), named for the agents in _agents.yml
MASKED_KINDS = ("NIR", "PHONE", "EMAIL", "IBAN", "CARD", "NUMBER")


class AgentTexts:
    """The agents' phrases in one language, filled in with a case's facts."""

    def __init__(self, catalogue: Catalogue, language: str = "fr") -> None:
        if language not in catalogue.agent_phrases:
            raise ValueError(f"no agents' phrases in {language!r} (responses/<lang>/_agents.yml)")
        self.catalogue = catalogue
        self.language = language

    def phrase(self, key: str, /, **values: object) -> str:
        return self.catalogue.agent_phrase(key, self.language, **values)

    def priority(self, priority: Priority) -> str:
        return self.phrase(f"priority.{Priority(priority)}")

    def status(self, status: CaseStatus) -> str:
        return self.phrase(f"status.{CaseStatus(status)}")

    def topic_name(self, case: Case) -> str:
        return self.phrase(
            "topic_name",
            number=case.number,
            priority=self.priority(case.priority),
            language=case.language.upper(),
        )

    def urgent_case(self, case: Case) -> str:
        """Said in the General topic when a case becomes urgent."""
        return self.phrase(
            "urgent_case",
            number=case.number,
            language=case.language.upper(),
            flags=", ".join(case.risk_flags) or case.reason,
        )

    def still_waiting(self, case: Case, minutes: int) -> str:
        """The reminder, in the General topic, of a case nobody took."""
        return self.phrase(
            "still_waiting",
            number=case.number,
            priority=self.priority(case.priority),
            language=case.language.upper(),
            minutes=minutes,
        )

    def card(self, case: Case, history: Sequence[Message]) -> tuple[str, list[tuple[str, str]]]:
        """The pinned card: what an agent needs to take the case over, without identity.
        `history`: the patient's messages, oldest first."""
        seen = distinct(m.intent for m in history if m.direction == "in" and m.intent)
        answered = distinct(m.intent for m in history if m.direction == "out" and m.intent)
        nothing = self.phrase("card.nothing")
        lines = [
            self.phrase("card.title", number=case.number),
            self.phrase("card.status", status=self.status(case.status)),
            self.phrase("card.priority", priority=self.priority(case.priority)),
            self.phrase("card.language", language=case.language.upper()),
            self.phrase("card.reason", reason=case.reason),
            self.phrase(
                "card.risks", risks=", ".join(case.risk_flags) or self.phrase("card.no_risk")
            ),
            self.phrase("card.opened", opened=case.opened_at),
            self.phrase("card.topics_seen", topics=", ".join(seen) or nothing),
            self.phrase("card.answers_given", topics=", ".join(answered) or nothing),
            "",
            self.phrase("card.messages"),
            *(self._card_line(m) for m in history[-CARD_MESSAGES:]),
        ]
        if case.notes:
            lines += ["", self.phrase("card.notes"), *(f"• {note}" for note in case.notes)]
        lines += ["", self.phrase("card.how_to_reply"), self.phrase("card.commands")]
        buttons = [
            (self.phrase(f"card.{action}"), f"{CASE}{action}:{case.id}") for action in CARD_ACTIONS
        ]
        return "\n".join(lines)[:CARD_CHARACTERS], buttons

    def _card_line(self, message: Message) -> str:
        who = self.phrase("card.patient" if message.direction == "in" else "card.bot")
        if message.kind == "agent":
            who = self.phrase("card.team")
        body = message.text if message.kind in {"text", "agent", "command"} else f"[{message.kind}]"
        if message.direction == "out" and message.kind != "agent":
            body = (
                message.intent and self.phrase("card.answered", intent=message.intent)
            ) or body.split("\n", 1)[0]
            body = body.replace("**", "")  # the answers' Markdown bold, unreadable as plain text
        return self.phrase("card.line", time=message.created_at, who=who, body=body[:200])

    def relayed(self, text: str) -> list[str]:
        """What the agents read of a patient's text: redacted, marked as the patient's, with a
        line naming what was masked; split to fit Telegram's message size."""
        redacted = redact(text)
        masked = distinct(
            self.phrase(f"masked_kinds.{key}")
            for key in MASKED_KINDS
            if re.search(rf"<{key}(?:_\w+)?>", redacted)
        )
        parts = [redacted[i : i + RELAY_PART] for i in range(0, len(redacted), RELAY_PART)]
        parts = parts or [""]
        parts[0] = self.phrase("relayed", text=parts[0])
        if masked:
            parts[-1] += "\n" + self.phrase("masked", what=", ".join(masked))
        return parts


def distinct(items: Iterable[str]) -> list[str]:
    """The items in order, each once."""
    return list(dict.fromkeys(items))
