"""Escalation in types rather than strings: the outbox's kinds and payloads, one sender per kind,
a row of an unknown kind left in place, priorities and statuses as enums, the agents' phrases in
both languages, reminders on the injected clock, and the group's pacing on the bot's session."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import string
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import (
    EditMessageText,
    GetChatMember,
    PinChatMessage,
    SendMessage,
    TelegramMethod,
)
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agent_texts import AgentTexts
from bot.app import open_helpline
from bot.escalation import Escalations
from bot.settings import Settings
from bot.telegram.group_delivery import SENDERS, GroupDelivery
from bot.telegram.group_pacing import GroupPacing, group_chat
from storage.cases import CaseRepository, OutboxRepository
from storage.models import Case, CaseStatus, GroupPost, Message, Priority
from storage.outbox import (
    PAYLOAD_TYPES,
    Announce,
    CopyToTopic,
    EraseTopic,
    OpenTopic,
    OutboxKind,
    TopicText,
    UnreadablePost,
    read,
)
from storage.repositories import PatientRepository
from tests.engine_helpers import ALWAYS, CATALOGUE, stored
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import PATIENT, settings_for, start_bot

ROOT = Path(__file__).resolve().parent.parent
AGENTS = -1001000
TOPIC = 77


# --- kinds, payloads, senders ---------------------------------------------------------------


def test_every_outbox_kind_has_one_payload_type_and_one_sender() -> None:
    assert set(PAYLOAD_TYPES) == set(OutboxKind) == set(SENDERS)
    for kind, payload_type in PAYLOAD_TYPES.items():
        assert payload_type.kind is kind


@pytest.mark.parametrize(
    ("payload", "stored_as"),
    [
        (OpenTopic(), {}),
        (TopicText("💬 bonjour"), {"text": "💬 bonjour"}),
        (
            TopicText("clore ?", (("Oui", "case:confirm:1"),)),
            {"text": "clore ?", "buttons": [["Oui", "case:confirm:1"]]},
        ),
        (CopyToTopic(41, ""), {"message_id": 41, "caption": ""}),
        (Announce("🔴 C-00001"), {"text": "🔴 C-00001"}),
        (
            EraseTopic(55, "C-00001", quiet=True),
            {"topic_id": 55, "number": "C-00001", "quiet": True},
        ),
    ],
)
def test_a_payload_is_stored_as_the_rows_of_earlier_versions_and_read_back(
    payload: Any, stored_as: dict[str, Any]
) -> None:
    as_json = json.loads(json.dumps(payload.to_json()))
    assert as_json == stored_as  # rows written before this version read the same way
    assert read(payload.kind, as_json) == payload


def test_a_row_this_version_cannot_read_says_its_kind_only() -> None:
    with pytest.raises(UnreadablePost) as unknown:
        read("poll", {"question": "secret"})
    assert unknown.value.kind == "poll" and "secret" not in str(unknown.value)
    with pytest.raises(UnreadablePost):
        read("copy", {"caption": "no message id"})


class FakeBot:
    """Records what the delivery sends; answers like Telegram would."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, int | None]] = []

    async def send_message(self, chat_id: int, text: str, **kw: Any) -> Any:
        self.sent.append((chat_id, text, kw.get("message_thread_id")))
        return type("Sent", (), {"message_id": len(self.sent)})()


async def case_with_topic(
    sessions: async_sessionmaker[AsyncSession], priority: Priority = Priority.NORMAL
) -> int:
    async with sessions() as session, session.begin():
        patient, _, _ = await PatientRepository(session).arrive("telegram", "1")
        case, _, _ = await CaseRepository(session).open(patient, "human_handoff", priority, "fr")
        case.topic_id, case.card_message_id = TOPIC, 1
        return case.id


async def test_a_row_of_an_unknown_kind_is_logged_by_kind_left_in_place_and_passed_over(
    sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    """A newer version wrote a kind this one does not know: it is neither sent nor deleted as
    if delivered, and the case's next rows are not held up behind it."""
    case_id = await case_with_topic(sessions)
    async with sessions() as session, session.begin():
        session.add(GroupPost(case_id=case_id, kind="poll", payload={"question": "secret"}))
        case = await session.get(Case, case_id)
        assert case is not None
        await OutboxRepository(session).add(case, TopicText("💬 après"))
    delivery = GroupDelivery(Escalations(CATALOGUE, sessions, ALWAYS), sessions, AGENTS)
    bot = FakeBot()
    with caplog.at_level(logging.WARNING):
        assert await delivery.deliver_one(bot)  # type: ignore[arg-type]
        assert not await delivery.deliver_one(bot)  # type: ignore[arg-type]
    assert bot.sent == [(AGENTS, "💬 après", TOPIC)]
    assert await stored(sessions, "SELECT kind FROM agent_outbox") == [("poll",)]
    [warning] = [r for r in caplog.records if "cannot read" in r.getMessage()]
    assert "'poll'" in warning.getMessage() and "secret" not in warning.getMessage()


# --- priorities and statuses ----------------------------------------------------------------


async def test_priority_and_status_are_enums_in_python_and_plain_strings_in_the_database(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id = await case_with_topic(sessions, Priority.HIGH)
    async with sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        assert case.priority is Priority.HIGH and case.status is CaseStatus.WAITING
    assert await stored(sessions, "SELECT priority, status FROM cases") == [("high", "waiting")]
    assert [p.value for p in Priority] == ["urgent", "high", "normal"]  # the queue's order


# --- what the agents read -------------------------------------------------------------------


def placeholders(phrase: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(phrase) if name}


def test_the_agents_phrases_have_the_same_keys_and_placeholders_in_both_languages() -> None:
    french, english = CATALOGUE.agent_phrases["fr"], CATALOGUE.agent_phrases["en"]
    assert french.keys() == english.keys()
    for key in french:
        assert placeholders(french[key]) == placeholders(english[key]), key


def test_every_agents_phrase_the_code_names_exists() -> None:
    code = "".join(
        path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "bot").rglob("*.py"))  # every module that speaks to agents
    )
    # the agents' phrases (the patients' are catalogue.phrase's)
    named = set(re.findall(r"""(?:texts\.phrase|self\.phrase|_text)\(\s*["']([a-z_.]+)""", code))
    assert {"taken_by", "closed_hint", "erased", "refused", "card.title"} <= named
    assert named <= CATALOGUE.agent_phrases["fr"].keys()


def a_case(**kw: Any) -> Case:
    values: dict[str, Any] = {
        "id": 1,
        "patient_id": 1,
        "status": CaseStatus.WAITING,
        "priority": Priority.URGENT,
        "risk_flags": ["crisis"],
        "reason": "crisis",
        "language": "en",
        "opened_at": datetime(2026, 11, 28, 20, 5),
        "notes": ["rappeler mardi"],
    }
    return Case(**(values | kw))


def history() -> list[Message]:
    at = datetime(2026, 11, 28, 20, 0)
    return [
        Message(direction="in", kind="text", text="je veux mourir", intent="crisis", created_at=at),
        Message(direction="out", kind="text", text="**Appelez le 15**", intent="crisis",
                created_at=at),
        Message(direction="out", kind="agent", text="Je suis là", created_at=at),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("language", "expected", "foreign"),
    [
        ("fr", ["📁 Dossier C-00001", "Statut : en attente", "Priorité : 🔴 URGENT",
                "Ouvert le : 28/11/2026 20:05 UTC", "20:00 Patient : je veux mourir",
                "20:00 Bot : [réponse : crisis]", "20:00 Équipe : Je suis là",
                "Notes de l'équipe :"], "Status"),
        ("en", ["📁 Case C-00001", "Status: waiting", "Priority: 🔴 URGENT",
                "Opened: 2026-11-28 20:05 UTC", "20:00 Patient: je veux mourir",
                "20:00 Bot: [answer: crisis]", "20:00 Team: Je suis là", "Team notes:"],
         "Statut"),
    ],
)  # fmt: skip
def test_the_card_reads_in_the_agents_language(
    language: str, expected: list[str], foreign: str
) -> None:
    texts = AgentTexts(CATALOGUE, language)
    card, buttons = texts.card(a_case(), history())
    for line in expected:
        assert line in card.splitlines(), (line, card)
    assert foreign not in card
    assert [data for _, data in buttons] == ["case:take:1", "case:close:1", "case:urgent:1"]
    assert texts.topic_name(a_case()) == "C-00001 · 🔴 URGENT · EN"
    assert "C-00001" in texts.urgent_case(a_case()) and "crisis" in texts.urgent_case(a_case())


def test_a_relayed_text_is_redacted_and_names_what_was_masked_in_the_agents_language() -> None:
    said = "rappelez-moi au 06 12 34 56 78"
    [french] = AgentTexts(CATALOGUE, "fr").relayed(said)
    [english] = AgentTexts(CATALOGUE, "en").relayed(said)
    assert french == "💬 rappelez-moi au <PHONE>\n(masqué par le bot : téléphone)"
    assert english == "💬 rappelez-moi au <PHONE>\n(masked by the bot: phone number)"


def test_the_agents_language_is_a_setting_french_by_default() -> None:
    assert Settings(_env_file=None).agents_language == "fr"  # type: ignore[call-arg]
    assert Settings(_env_file=None, agents_language="en").agents_language == "en"  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(_env_file=None, agents_language="de")  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        AgentTexts(CATALOGUE, "de")


# --- reminders ------------------------------------------------------------------------------


async def test_reminders_go_by_the_injected_clock(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    opened = datetime(2026, 11, 28, 20, 0)  # naive UTC, as stored
    case_id = await case_with_topic(sessions)
    async with sessions() as session, session.begin():
        case = await session.get(Case, case_id)
        assert case is not None
        case.opened_at = opened
    clock = [opened.replace(tzinfo=UTC) + timedelta(minutes=5)]
    escalations = Escalations(
        CATALOGUE, sessions, ALWAYS, reminder_after=timedelta(minutes=10), now=lambda: clock[0]
    )
    assert await escalations.remind_waiting() == 0  # five minutes: not yet
    clock[0] += timedelta(minutes=6)
    assert await escalations.remind_waiting() == 1
    assert await escalations.remind_waiting() == 0  # reminded at this very time
    [(payload, reminded)] = await stored(
        sessions,
        "SELECT payload, reminded_at FROM agent_outbox JOIN cases ON cases.id = case_id",
    )
    assert json.loads(payload)["text"] == "⏰ C-00001 (⚪ normal, FR) attend depuis 11 min."
    assert reminded.startswith("2026-11-28 20:11")


# --- the group's pacing ---------------------------------------------------------------------


class Requests:
    """A Bot API that answers at once and notes when each request arrived."""

    def __init__(self) -> None:
        self.at: list[tuple[str, float]] = []

    async def __call__(self, bot: Any, method: TelegramMethod[Any]) -> Any:
        self.at.append((method.__api_method__, time.monotonic()))
        return True


async def test_requests_into_a_group_are_paced_pins_and_edits_included() -> None:
    pacing, requests = GroupPacing(limit=2, window=0.3), Requests()
    started = time.monotonic()
    for method in (
        SendMessage(chat_id=AGENTS, text="card"),
        PinChatMessage(chat_id=AGENTS, message_id=1),
        EditMessageText(chat_id=AGENTS, message_id=1, text="card again"),
    ):
        await pacing(requests, None, method)  # type: ignore[arg-type]
    assert [name for name, _ in requests.at] == ["sendMessage", "pinChatMessage", "editMessageText"]
    assert requests.at[1][1] - started < 0.1
    assert requests.at[2][1] - started >= 0.3  # the pin took the window's second place


async def test_private_chats_other_groups_and_reads_are_not_held_back() -> None:
    pacing, requests = GroupPacing(limit=1, window=5.0), Requests()
    started = time.monotonic()
    await pacing(requests, None, SendMessage(chat_id=AGENTS, text="x"))  # type: ignore[arg-type]
    others = [
        *(SendMessage(chat_id=42, text=str(n)) for n in range(5)),  # a patient
        SendMessage(chat_id=-1002000, text="another group"),
        GetChatMember(chat_id=AGENTS, user_id=7),  # not a message
    ]
    await asyncio.gather(*(pacing(requests, None, m) for m in others))  # type: ignore[arg-type]
    assert len(requests.at) == 8 and time.monotonic() - started < 1
    assert [group_chat(c) for c in (AGENTS, "-100", "@helpline", 42, "42", None)] == [
        AGENTS, -100, "@helpline", None, None, None,
    ]  # fmt: skip


async def test_simultaneous_requests_into_a_group_never_exceed_the_limit() -> None:
    pacing, window = GroupPacing(limit=3, window=0.2), 0.2
    ends: list[float] = []

    async def slow(bot: Any, method: TelegramMethod[Any]) -> Any:
        await asyncio.sleep(0.05)
        ends.append(time.monotonic())
        return True

    methods = [SendMessage(chat_id=AGENTS, text=str(n)) for n in range(7)]
    await asyncio.gather(*(pacing(slow, None, m) for m in methods))  # type: ignore[arg-type]
    # any window holds at most 3 answered requests: the 4th ends a window after the 1st
    assert all(ends[n + 3] - ends[n] >= window for n in range(len(ends) - 3))


# --- end to end -----------------------------------------------------------------------------


async def test_with_agents_language_en_the_group_reads_english(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    settings = settings_for(emulator, rasa_url, tmp_path / "bot.db").model_copy(
        update={"agents_language": "en"}
    )
    async with open_helpline(settings) as helpline:
        running = await start_bot(emulator, helpline)
        emulator.push_text(PATIENT, "/human")
        [pin] = await emulator.wait_for_calls("pinChatMessage", 1, chat_id=AGENTS)
        card = emulator.message(AGENTS, pin.params["message_id"])
        await running.stop()
    assert card["text"].startswith("📁 Case C-00001\nStatus: waiting\nPriority: ⚪ normal")
    assert emulator.topic(AGENTS, card["message_thread_id"])["name"] == "C-00001 · ⚪ normal · FR"
    assert [b["text"] for b in card["reply_markup"]["inline_keyboard"][0]] == [
        "✋ Take", "✅ Close", "🔴 Urgent",
    ]  # fmt: skip
