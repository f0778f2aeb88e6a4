"""Several agents' groups (bot/agents_groups.py) and /transfer (bot/transfer.py): the setting, the
routing of new cases, each group's outbox delivered on its own, assignment among a group's
members, the lookup of a topic's case within its group; then, through the Bot API emulator with
the real NLU server, the router of both groups and a transfer end to end."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agents_groups import AgentGroups, AgentsGroup, GroupLoad, route
from bot.app import open_helpline
from bot.deliveries import to_rows
from bot.engine import Engine
from bot.escalation import Escalations
from bot.settings import Settings
from bot.telegram.group_delivery import GroupDelivery
from bot.telegram.group_lanes import GroupLanes
from bot.transfer import transfer
from storage.cases import CaseRepository, OutboxRepository
from storage.models import Case, CaseStatus, Patient, Priority
from storage.outbox import EraseTopic, TopicText
from storage.repositories import PatientRepository
from tests.agents_helpers import AGENT, agents_settings
from tests.desk_helpers import open_case
from tests.engine_helpers import ALWAYS, CATALOGUE, say, stored
from tests.fake_parser import KeywordParser
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import PATIENT, RunningBot, plain, replies, start_bot

FR, EN, URGENT = -1001000, -1002000, -1003000
SETTING = f"{FR}:fr, {EN}:en, {URGENT}:urgent"
A, B = 7001, 7002
CRISIS = "je veux mourir"


def groups(text: str = SETTING, default: int | None = None) -> AgentGroups:
    return AgentGroups.parse(text, default)


# --- the setting --------------------------------------------------------------------------------


def test_the_setting_names_each_group_its_rules_and_puts_the_default_first() -> None:
    parsed = groups()
    assert parsed.names == ("fr", "en", "urgent") and parsed.default_chat == FR
    assert parsed.by_name("EN") == AgentsGroup(EN, "en", frozenset({"en"}))
    assert parsed.by_name("urgent") == AgentsGroup(URGENT, "urgent", urgent=True)
    explicit = groups("-11:paris:fr, -12:night:en+urgent, -13:overflow", default=-12)
    assert explicit.names == ("night", "paris", "overflow")  # HELPLINE_AGENTS_CHAT_ID first
    night = explicit.by_name("night")
    assert night is not None and night.languages == {"en"} and night.urgent
    overflow = explicit.by_name("overflow")
    assert overflow is not None and overflow.general


def test_the_single_group_setting_alone_works_as_before() -> None:
    single = groups("", default=FR)
    assert single.chat_ids == (FR,) and single.is_default(None) and single.is_default(FR)
    assert groups("", None).chat_ids == ()


@pytest.mark.parametrize(
    ("text", "default", "says"),
    [
        ("1001000:fr", None, "no group id"),
        ("-1:Team A", None, "a-z, 0-9"),
        ("-1:a:de", None, "unknown rule"),
        ("-1", None, "CHAT_ID:NAME"),
        ("-1:a, -2:a", None, "name listed twice"),
        ("-1:a, -1:b", None, "chat id listed twice"),
        ("-1:a, -2:b", -3, "must be one of"),
    ],
)
def test_a_mistake_in_the_setting_stops_the_start_saying_what_is_wrong(
    text: str, default: int | None, says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        groups(text, default)
    with pytest.raises(ValidationError, match=says):
        Settings(helpline_agents_chat_ids=text, helpline_agents_chat_id=default)


# --- routing ------------------------------------------------------------------------------------


def test_routing_urgent_then_language_then_general_then_the_least_loaded() -> None:
    configured = groups(f"{SETTING}, -1004000:overflow").groups
    assert route(configured, "fr", urgent=True, loads={}).chat_id == URGENT
    assert route(configured, "en", urgent=False, loads={}).chat_id == EN
    assert route(configured, "de", urgent=False, loads={}).chat_id == -1004000  # general
    two_french = groups("-11:paris:fr, -12:lyon:fr").groups
    busy = {-11: GroupLoad(open=3, waiting=0), -12: GroupLoad(open=2, waiting=2)}
    assert route(two_french, "fr", False, busy).chat_id == -12  # fewer open cases
    tie = {-11: GroupLoad(open=2, waiting=1), -12: GroupLoad(open=2, waiting=0)}
    assert route(two_french, "fr", False, tie).chat_id == -12  # then fewer waiting
    assert route(two_french, "fr", False, {}).chat_id == -11  # then the first listed
    only_french = groups("-11:fr, -13:urgent").groups  # nothing fits: the least loaded of all
    assert route(only_french, "en", False, {-11: GroupLoad(open=1)}).chat_id == -13
    assert route((), "fr", False, {}) is None


def engine_with(
    nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession], setting: str = SETTING
) -> tuple[Engine, Escalations]:
    escalations = Escalations(CATALOGUE, sessions, ALWAYS, groups=groups(setting))
    return Engine(CATALOGUE, nlu, sessions, threshold=0.3, handoff=escalations), escalations


async def test_new_cases_open_in_their_group_and_so_does_everything_written_for_them(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, _ = engine_with(fake_nlu, sessions)
    await open_case(engine, "1", "fr")
    await open_case(engine, "2", "en")
    await say(engine, CRISIS, chat="3")
    assert await stored(sessions, "SELECT id, agents_chat_id FROM cases ORDER BY id") == [
        (1, FR),
        (2, EN),
        (3, URGENT),
    ]
    rows = await stored(sessions, "SELECT case_id, group_chat_id FROM agent_outbox")
    assert {(case, group) for case, group in rows} == {(1, FR), (2, EN), (3, URGENT)}


async def test_without_rules_the_least_loaded_group_takes_the_case_and_queues_are_per_group(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, _ = engine_with(fake_nlu, sessions, "-11:a, -12:b")
    turns = [await say(engine, "/human", chat=str(n)) for n in range(1, 5)]
    assert await stored(sessions, "SELECT agents_chat_id FROM cases ORDER BY id") == [
        (-11,), (-12,), (-11,), (-12,)
    ]  # fmt: skip
    # the third case is second in group a's queue, not third of all
    third = " ".join(reply.text for reply in turns[2].replies)
    assert "**2**" in third


async def test_a_topic_is_found_within_its_own_group_old_cases_in_the_default_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    escalations = Escalations(CATALOGUE, sessions, ALWAYS, groups=groups())
    async with sessions() as session, session.begin():
        ids = []
        for chat, group in (("1", None), ("2", EN), ("3", URGENT)):
            patient, _, _ = await PatientRepository(session).arrive("telegram", chat)
            case, _, _ = await CaseRepository(session).open(patient, "human", Priority.NORMAL, "fr")
            case.topic_id, case.agents_chat_id = 42, group  # the same topic id in each group
            ids.append(case.id)
    found = [await escalations.case_for_topic(42, chat) for chat in (FR, EN, URGENT)]
    assert [case.id if case else None for case in found] == ids
    assert (await escalations.case_for_topic(42)).id == ids[0]  # type: ignore[union-attr]
    assert await escalations.case_for_topic(42, -1009999) is None


async def test_a_case_goes_only_to_an_available_member_of_its_group(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = engine_with(fake_nlu, sessions, f"{FR}:fr, {EN}:en")
    await escalations.desk.set_available(A, "@alice", True, FR)
    await escalations.desk.set_available(B, "@bob", True, EN)
    await open_case(engine, "1", "en")
    await open_case(engine, "2", "fr")
    assert await stored(sessions, "SELECT id, assigned_agent_id FROM cases ORDER BY id") == [
        (1, B),
        (2, A),
    ]
    announces = await stored(sessions, "SELECT group_chat_id, payload FROM agent_outbox")
    said = {(group, json.loads(p)["text"]) for group, p in announces if "disponible" in p}
    assert {group for group, _ in said} == {FR, EN}  # each answered in the group it was said in


async def test_assign_refuses_an_agent_who_is_not_a_member_of_the_cases_group(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = engine_with(fake_nlu, sessions, f"{FR}:fr, {EN}:en")
    await escalations.desk.set_available(B, "@bob", False, EN)  # bob works in the English group
    await open_case(engine, "1", "fr")
    await escalations.desk.assign(1, "@carol", user_id=None, name="@bob")
    assert await stored(sessions, "SELECT assigned_agent_id FROM cases") == [(None,)]
    payloads = await stored(sessions, "SELECT payload FROM agent_outbox")
    said = [json.loads(p).get("text") for (p,) in payloads]
    assert CATALOGUE.agent_phrase("desk.not_member", "fr", name="@bob") in said
    await escalations.desk.set_available(B, "@bob", False, FR)  # now seen in the French group
    await escalations.desk.assign(1, "@carol", user_id=None, name="@bob")
    assert await stored(sessions, "SELECT assigned_agent_id FROM cases") == [(B,)]


# --- delivery, group by group -------------------------------------------------------------------


class FakeBot:
    """Answers like Telegram; sends into `held` never return (a group at its limit)."""

    def __init__(self, held: int | None = None) -> None:
        self.held = held
        self.sent: list[tuple[int, str, int | None]] = []
        self.closed: list[tuple[int, int]] = []
        self.arrived = asyncio.Event()

    async def send_message(self, chat_id: int, text: str, **kw: Any) -> Any:
        if chat_id == self.held:
            await asyncio.Event().wait()
        self.sent.append((chat_id, text, kw.get("message_thread_id")))
        self.arrived.set()
        return type("Sent", (), {"message_id": len(self.sent)})()

    async def close_forum_topic(self, chat_id: int, topic: int) -> bool:
        self.closed.append((chat_id, topic))
        return True


async def case_in(sessions: async_sessionmaker[AsyncSession], chat: str, group: int) -> Case:
    async with sessions() as session, session.begin():
        patient, _, _ = await PatientRepository(session).arrive("telegram", chat)
        case, _, _ = await CaseRepository(session).open(patient, "human", Priority.NORMAL, "fr")
        case.topic_id, case.card_message_id, case.agents_chat_id = 10, 1, group
        return case


async def write(sessions: async_sessionmaker[AsyncSession], case: Case, *texts: str) -> None:
    async with sessions() as session, session.begin():
        merged = await session.merge(case)
        for text in texts:
            await OutboxRepository(session).add(merged, TopicText(text))


async def test_each_group_delivers_only_its_own_rows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    escalations = Escalations(CATALOGUE, sessions, ALWAYS, groups=groups())
    await write(sessions, await case_in(sessions, "1", FR), "fr 1", "fr 2")
    await write(sessions, await case_in(sessions, "2", EN), "en 1")
    english, bot = GroupDelivery(escalations, sessions, EN), FakeBot()
    while await english.deliver_one(bot):  # type: ignore[arg-type]
        pass
    assert bot.sent == [(EN, "en 1", 10)]
    french = GroupDelivery(escalations, sessions, FR)
    while await french.deliver_one(bot):  # type: ignore[arg-type]
        pass
    assert [text for _, text, _ in bot.sent] == ["en 1", "fr 1", "fr 2"]


async def test_a_group_held_at_its_limit_does_not_hold_up_another(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    escalations = Escalations(CATALOGUE, sessions, ALWAYS, groups=groups())
    written = asyncio.Event()
    lanes = GroupLanes(escalations, sessions, written=written)
    french, english = await case_in(sessions, "1", FR), await case_in(sessions, "2", EN)
    bot = FakeBot(held=FR)
    await lanes.start(bot)  # type: ignore[arg-type]
    try:
        await write(sessions, french, "fr 1")
        await write(sessions, english, "en 1", "en 2")
        written.set()  # what a commit that queued rows does (storage.session)
        while len(bot.sent) < 2:
            bot.arrived.clear()
            await asyncio.wait_for(bot.arrived.wait(), timeout=10)
    finally:
        await lanes.stop()
    assert bot.sent == [(EN, "en 1", 10), (EN, "en 2", 10)]
    assert await stored(sessions, "SELECT group_chat_id FROM agent_outbox") == [(FR,)]


async def test_a_row_written_for_the_old_group_follows_its_transferred_case(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A patient's message relayed in a transaction that read the case before its transfer."""
    escalations = Escalations(CATALOGUE, sessions, ALWAYS, groups=groups())
    case = await case_in(sessions, "1", FR)
    await write(sessions, case, "late")
    async with sessions() as session, session.begin():
        moved = await session.get(Case, case.id)
        assert moved is not None
        moved.agents_chat_id = EN
    bot = FakeBot()
    assert not await GroupDelivery(escalations, sessions, FR).deliver_one(bot)  # type: ignore[arg-type]
    assert await GroupDelivery(escalations, sessions, EN).deliver_one(bot)  # type: ignore[arg-type]
    assert bot.sent == [(EN, "late", 10)]


# --- /transfer as a service ---------------------------------------------------------------------


async def test_transfer_moves_the_case_its_pending_rows_and_its_queue_and_tells_the_patient(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = engine_with(fake_nlu, sessions, f"{FR}:fr, {EN}:en")
    await escalations.desk.set_available(A, "@alice", True, FR)
    await escalations.desk.set_available(B, "@bob", True, EN)
    await open_case(engine, "1", "fr")
    await escalations.note(1, "rappeler au 06 12 34 56 78")
    async with sessions() as session, session.begin():
        case = await session.get(Case, 1)
        assert case is not None and case.assigned_agent_id == A
        case.topic_id, case.card_message_id, case.status = 10, 1, CaseStatus.TAKEN
    before = await stored(sessions, "SELECT max(id) FROM agent_outbox")
    outcome = await transfer(escalations, 1, "@alice", "en")
    assert outcome.items and outcome.patient_chat == ("test", "1")
    assert outcome.items[0].text == CATALOGUE.phrase("case_transferred", "fr", number="C-00001")  # type: ignore[union-attr]
    assert await stored(
        sessions,
        "SELECT agents_chat_id, topic_id, card_message_id, status, former_topics FROM cases",
    ) == [(EN, None, None, "waiting", f"[[{FR}, 10]]")]
    # alice's no more: it is given at once to bob, the available member of the new group
    assert await stored(sessions, "SELECT assigned_agent_id FROM cases") == [(B,)]
    rows = await stored(
        sessions, "SELECT id, case_id, kind, group_chat_id, payload FROM agent_outbox"
    )
    assert {group for _, case_id, _, group, _ in rows if case_id == 1} == {EN}  # all followed it
    [(_, _, _, old_group, payload)] = [r for r in rows if r[2] == "moved_out"]
    note = json.loads(payload)["text"]
    assert old_group == FR and "C-00001" in note and "« en »" in note and "@alice" in note
    new = [(kind, json.loads(p)) for id_, _, kind, _, p in rows if id_ > before[0][0]]
    summary = next(
        p["text"] for kind, p in new if kind == "text" and "transféré depuis" in p["text"]
    )
    assert "« fr »" in summary and "notes de l'équipe : 1" in summary
    assert "06 12" not in str(rows)  # the note was redacted, and the summary only counts notes
    assert ("topic", {}) in new
    last = "SELECT id, items FROM patient_deliveries ORDER BY id DESC LIMIT 1"
    [(delivery, items)] = await stored(sessions, last)
    assert delivery == outcome.delivery and json.loads(items) == to_rows(outcome.items)


async def test_transfer_to_a_wrong_group_the_same_one_or_from_a_closed_case_only_explains(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = engine_with(fake_nlu, sessions, f"{FR}:fr, {EN}:en")
    await open_case(engine, "1", "fr")
    for argument, says in (("", "Usage : /transfer GROUPE"), ("fr", "déjà dans le groupe « fr »")):
        outcome = await transfer(escalations, 1, "@alice", argument)
        assert not outcome.items
        [(payload,)] = await stored(
            sessions, "SELECT payload FROM agent_outbox ORDER BY id DESC LIMIT 1"
        )
        assert says in json.loads(payload)["text"] and "en" in json.loads(payload)["text"]
    _, single = engine_with(fake_nlu, sessions, f"{FR}:fr")
    assert not (await transfer(single, 1, "@alice", "en")).items
    [(payload,)] = await stored(
        sessions, "SELECT payload FROM agent_outbox ORDER BY id DESC LIMIT 1"
    )
    assert "pas d'autre groupe" in json.loads(payload)["text"]
    assert await stored(sessions, "SELECT agents_chat_id FROM cases") == [(FR,)]


async def test_erasure_after_a_transfer_deletes_the_old_topic_too(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = engine_with(fake_nlu, sessions, f"{FR}:fr, {EN}:en")
    await open_case(engine, "1", "fr")
    async with sessions() as session, session.begin():
        case = await session.get(Case, 1)
        assert case is not None
        case.topic_id = 10
    await transfer(escalations, 1, "@alice", "en")
    async with sessions() as session, session.begin():
        case = await session.get(Case, 1)
        assert case is not None
        case.topic_id = 20  # the new topic, made by the delivery
        patient = await session.get(Patient, case.patient_id)
        assert patient is not None
        await escalations.forget(session, patient)
    rows = await stored(
        sessions, "SELECT group_chat_id, payload FROM agent_outbox WHERE kind = 'erase_topic'"
    )
    erased = {(group, EraseTopic.from_json(json.loads(p)).topic_id) for group, p in rows}
    assert erased == {(EN, 20), (FR, 10)}


# --- end to end, through the emulator -----------------------------------------------------------


@pytest.fixture
async def two_groups(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    """The real bot with a French (the default, HELPLINE_AGENTS_CHAT_ID's) and an English
    agents' group; AGENT is in both."""
    settings = agents_settings(
        emulator, rasa_url, tmp_path / "bot.db", helpline_agents_chat_ids=f"{FR}:fr, {EN}:en"
    )
    async with open_helpline(settings) as helpline:
        running = await start_bot(emulator, helpline)
        yield running
        await running.stop()


async def topic_in(running: RunningBot, group: int, number: int = 1) -> int:
    """Wait for the `number`th pinned card in the group; returns its topic."""
    calls = await running.emulator.wait_for_calls("pinChatMessage", number, chat_id=group)
    message = running.emulator.message(group, calls[number - 1].params["message_id"])
    assert message is not None
    return int(message["message_thread_id"])


def texts_in(running: RunningBot, group: int, topic: int) -> list[str]:
    return [m.get("text", "") for m in running.emulator.sent(group, thread_id=topic)]


def says(running: RunningBot, group: int, topic: int, text: str, user_id: int = AGENT) -> None:
    running.emulator.push_text(
        group, text, user_id=user_id, chat_type="supergroup", message_thread_id=topic
    )


async def ask_for_a_person(running: RunningBot, language: str) -> None:
    hello = "bonjour" if language == "fr" else "hello"
    running.emulator.push_text(PATIENT, hello, first_name="Jeanne", language_code=language)
    _, greet = await replies(running, 2)
    running.emulator.push_callback(
        PATIENT, "person", message_id=greet["message_id"], language_code=language
    )


async def test_the_router_serves_both_groups_and_ignores_strangers(two_groups: RunningBot) -> None:
    running, emulator = two_groups, two_groups.emulator
    await ask_for_a_person(running, "en")
    topic = await topic_in(running, EN)  # an English patient: the English group
    assert not emulator.calls("createForumTopic", chat_id=FR)
    emulator.set_member(EN, 666, "left")
    says(running, EN, topic, "/close", user_id=666)  # not a member of this group
    says(running, -1009000, topic, "/note from elsewhere")  # a group that is not ours
    says(running, EN, topic, "/note seen")
    await emulator.wait_until(
        lambda: any("Note added" in t or "Note ajoutée" in t for t in texts_in(running, EN, topic))
    )
    says(running, EN, topic, "Hello, I am here to help.")
    await emulator.wait_until(lambda: bool(emulator.calls("copyMessage", chat_id=PATIENT)))
    assert await running.rows("SELECT status, notes FROM cases") == [("taken", '["seen"]')]
    assert not emulator.sent(-1009000)
    assert await running.rows("SELECT groups FROM agents") == [(f"[{EN}]",)]
    emulator.push_my_chat_member(EN, "supergroup", "administrator", by_user_id=AGENT)
    emulator.push_my_chat_member(-1009000, "supergroup", "member", by_user_id=AGENT)
    await emulator.wait_for_calls("leaveChat", 1, chat_id=-1009000)  # strangers' groups are left
    assert not emulator.calls("leaveChat", chat_id=EN)


async def test_transfer_end_to_end_new_topic_and_card_old_topic_closed_patient_told(
    two_groups: RunningBot,
) -> None:
    running, emulator = two_groups, two_groups.emulator
    await ask_for_a_person(running, "fr")
    old = await topic_in(running, FR)
    emulator.push_text(PATIENT, "j'ai reçu un SMS bizarre, mon numéro 06 12 34 56 78")
    await emulator.wait_until(lambda: any(t.startswith("💬") for t in texts_in(running, FR, old)))
    says(running, FR, old, "/transfer en")
    new = await topic_in(running, EN)
    [pin] = emulator.calls("pinChatMessage", chat_id=EN)
    card = emulator.message(EN, pin.params["message_id"])
    assert card is not None and "C-00001" in card["text"] and "SMS bizarre" in card["text"]
    assert "12 34" not in card["text"] and "Jeanne" not in card["text"]
    await emulator.wait_until(
        lambda: any("transféré depuis" in t for t in texts_in(running, EN, new))
    )
    await emulator.wait_until(lambda: (emulator.topic(FR, old) or {}).get("closed") is True)
    assert any("transféré au groupe « en »" in t for t in texts_in(running, FR, old))
    notice = plain(running.catalogue.phrase("case_transferred", "fr", number="C-00001"))
    await emulator.wait_until(lambda: any(m.get("text") == notice for m in emulator.sent(PATIENT)))
    assert await running.rows("SELECT agents_chat_id, topic_id, former_topics FROM cases") == [
        (EN, new, f"[[{FR}, {old}]]")
    ]
    says(running, EN, new, "Bonjour, je prends la suite.")  # the new group answers the patient
    await emulator.wait_until(lambda: bool(emulator.calls("copyMessage", chat_id=PATIENT)))
