"""What the agents' group reads, in its own language (`AGENTS_LANGUAGE`): the topics' names, the
pinned case card, the notices. The words are in `responses/<lang>/_agents.yml`; this module only
puts a case's facts into them. No Telegram here, and no identity: a case number, a language, a
priority, redacted messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from responses import Catalogue
from responses.case_categories import load_case_taxonomy
from responses.flags import flag_label, flag_labels
from storage.flags import ContactHistory
from storage.models import Case, CaseStatus, Message, PatientFlag, Priority
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
        flag_labels()  # responses/patient_flags.yml checked at start-up, not in front of agents

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

    def card(
        self,
        case: Case,
        history: Sequence[Message],
        contact: ContactHistory | None = None,
        *,
        assignee: str | None = None,
    ) -> tuple[str, list[tuple[str, str]]]:
        """The pinned card: what an agent needs to take the case over, without identity.
        `history`: the patient's messages, oldest first; `contact`: their earlier cases and
        flags; `assignee`: the agent who has the case (bot/desk.py), None if nobody."""
        seen = distinct(m.intent for m in history if m.direction == "in" and m.intent)
        answered = distinct(m.intent for m in history if m.direction == "out" and m.intent)
        nothing = self.phrase("card.nothing")
        lines = [
            self.phrase("card.title", number=case.number),
            self.phrase("card.status", status=self.status(case.status)),
            self.phrase("card.priority", priority=self.priority(case.priority)),
            self.phrase("desk.assignee", agent=assignee or self.phrase("desk.nobody")),
            self.phrase("card.language", language=case.language.upper()),
            self.phrase("card.reason", reason=case.reason),
            self.phrase(
                "card.risks", risks=", ".join(case.risk_flags) or self.phrase("card.no_risk")
            ),
            self.phrase("card.opened", opened=case.opened_at),
            self.phrase("card.topics_seen", topics=", ".join(seen) or nothing),
            self.phrase("card.answers_given", topics=", ".join(answered) or nothing),
            *(self.contact_lines(contact) if contact is not None else ()),
            "",
            self.phrase("card.messages"),
            *(self._card_line(m) for m in history[-CARD_MESSAGES:]),
        ]
        if case.notes:
            lines += ["", self.phrase("card.notes"), *(f"• {note}" for note in case.notes)]
        lines += ["", self.phrase("card.how_to_reply"), self.phrase("card.commands")]
        lines.append(self.phrase("desk.commands"))
        buttons = [
            (self.phrase(f"card.{action}"), f"{CASE}{action}:{case.id}") for action in CARD_ACTIONS
        ]
        return "\n".join(lines)[:CARD_CHARACTERS], buttons

    def contact_lines(self, contact: ContactHistory) -> list[str]:
        """The card's earlier cases (number, date, outcome, categories, satisfaction) and
        active flags: never who the patient is."""
        if not contact.earlier:
            lines = ["", self.phrase("contact_history.none")]
        else:
            lines = ["", self.phrase("contact_history.title", count=contact.earlier_total)]
            lines += [self._earlier_case(case) for case in contact.earlier]
            if (older := contact.earlier_total - len(contact.earlier)) > 0:
                lines.append(self.phrase("contact_history.more", count=older))
        if not contact.flags:
            return [*lines, self.phrase("patient_flags.none")]
        return [*lines, self.phrase("patient_flags.title"), *map(self.flag_line, contact.flags)]

    def _earlier_case(self, case: Case) -> str:
        # outcome and categories: chosen at /close (migration 0010); absent on older rows
        outcome = getattr(case, "outcome", None)
        categories = getattr(case, "categories", None) or []
        if isinstance(categories, str):
            categories = [categories]
        parts = [self.phrase("contact_history.case", number=case.number, opened=case.opened_at)]
        if outcome:
            parts.append(self._named("outcome", str(outcome)))
        if categories:
            parts.append(", ".join(self._named("category", str(c)) for c in categories))
        if case.satisfaction is not None:
            parts.append(self.phrase("contact_history.satisfaction", score=case.satisfaction))
        return " · ".join(parts)

    def _named(self, group: str, value: str) -> str:
        """An outcome's or a category's label (responses/case_categories.yml), else its id."""
        taxonomy = load_case_taxonomy()
        try:
            if group == "outcome":
                return taxonomy.outcome_label(value, self.language)
            return taxonomy.category_label(value, self.language)
        except (KeyError, ValueError):  # retired, or not in this language
            return value

    def flag_line(self, flag: PatientFlag) -> str:
        parts = [self.phrase("patient_flags.line", label=flag_label(flag.kind, self.language))]
        if flag.expires_at is not None:
            parts.append(self.phrase("patient_flags.until", expires=flag.expires_at))
        if flag.note:
            parts.append(f"« {flag.note} »" if self.language == "fr" else f"“{flag.note}”")
        return " · ".join(parts)

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


# --- buttons with an argument (issue 17): "case:<action>:<case id>:<argument>" -----------------
# a canned reply's name (bot/canned_replies.py), an outcome or a category (bot/case_closing.py)
CALLBACK_BYTES = 64  # Telegram's limit on a button's callback data


def case_button(action: str, case_id: int, argument: str = "") -> str:
    """A case button's callback data; ValueError past Telegram's 64 bytes."""
    data = f"{CASE}{action}:{case_id}" + (f":{argument}" if argument else "")
    if len(data.encode()) > CALLBACK_BYTES:
        raise ValueError(f"callback data over {CALLBACK_BYTES} bytes: {data!r}")
    return data


def read_case_button(data: str) -> tuple[str, int, str] | None:
    """(action, case id, argument or "") of a case's button; None for anything else. What the
    argument names is checked again by the service that acts on it (stale or forged data)."""
    if not data.startswith(CASE) or len(data.encode()) > CALLBACK_BYTES:
        return None
    action, _, rest = data.removeprefix(CASE).partition(":")
    case_id, _, argument = rest.partition(":")
    if not (case_id.isascii() and case_id.isdigit()):
        return None
    return action, int(case_id), argument
