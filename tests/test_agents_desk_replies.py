"""The agents' canned replies (issue 17, point 2): `/r NAME` in a case's topic sends a ready-made
message to the patient in the patient's language, the way an agent's own message goes; `/r` alone
lists them with a button each. The replies' files are checked like the answers (their facts in
tests/test_responses.py). Service tests without Telegram (the keyword parser, a real SQLite file);
end-to-end ones through the Bot API emulator with the real NLU server, two agents in one group."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import case_closing
from bot.agent_texts import case_button, read_case_button
from bot.canned_replies import canned_reply
from bot.engine import Engine
from bot.escalation import Escalations
from bot.replies import Reply
from responses import LANGUAGES, ContentError
from responses.canned_replies import load_canned_replies
from responses.case_categories import load_case_taxonomy
from storage.models import Outcome, Patient
from storage.outbox import TopicText
from storage.redaction import redact
from tests.agents_helpers import AGENT, AGENTS, agent_says, in_topic, open_case_by_button
from tests.content_helpers import numbers_in
from tests.desk_helpers import (
    OTHER_AGENT,
    OTHER_PATIENT,
    label_of,
    open_case,
    open_english_case,
    outbox,
    press,
    texts_to,
)
from tests.engine_helpers import CATALOGUE, make_engine, stored
from tests.fake_parser import KeywordParser
from tests.telegram_helpers import PATIENT, RunningBot, button_data, plain, replies

REPLIES = load_canned_replies()
BIGGEST_CASE_ID = 10**12 - 1  # a trillion cases: every button must still fit 64 bytes


@pytest.fixture
def desk(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> tuple[Engine, Escalations]:
    return make_engine(fake_nlu, sessions)


# --- the replies' files ---------------------------------------------------------------------


def test_the_replies_are_the_same_in_both_languages_and_survive_redaction_unchanged() -> None:
    expected = {"welcome", "wait", "complaint", "sms", "identity", "cnil", "crisis", "closing"}
    assert set(REPLIES.names) == expected
    assert set(REPLIES.replies) == {(name, lang) for name in expected for lang in LANGUAGES}
    for reply in REPLIES.replies.values():
        assert reply.title and reply.text, (reply.name, reply.language)
        # stored like an agent's message, redacted: what is stored is what the patient read
        assert redact(reply.text) == reply.text, (reply.name, reply.language)
        assert "{" not in reply.text, (reply.name, reply.language)  # no placeholder to fill
    assert load_canned_replies() is REPLIES  # read and checked once


def test_the_safety_replies_say_what_the_answers_say() -> None:
    for language in LANGUAGES:
        crisis = REPLIES.get("crisis", language)
        assert crisis is not None
        assert {"15", "112"} <= numbers_in(crisis.text[:120]) and "3114" in numbers_in(crisis.text)
        sms = REPLIES.get("sms", language)
        assert sms is not None and {"33700", "3646"} <= numbers_in(sms.text)
        complaint = REPLIES.get("complaint", language)
        assert complaint is not None and "116006" in numbers_in(complaint.text)
        assert "procureur" in complaint.text and "THESEE" in complaint.text
        welcome = REPLIES.get("welcome", language)
        assert welcome is not None and "/delete" not in welcome.text


def write_reply(folder: Path, name: str, front: str = "title: T", body: str = "Hi") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")


def test_a_broken_reply_edit_fails_loudly(tmp_path: Path) -> None:
    for language in LANGUAGES:
        write_reply(tmp_path / language / "_replies", "hello")
    write_reply(tmp_path / "fr" / "_replies", "only_french")
    write_reply(tmp_path / "en" / "_replies", "Bad-Name")
    write_reply(tmp_path / "fr" / "_replies", "Bad-Name")
    write_reply(tmp_path / "fr" / "_replies", "empty", body="")
    write_reply(tmp_path / "en" / "_replies", "empty", front="titel: T")
    with pytest.raises(ContentError) as error:
        load_canned_replies(tmp_path)
    message = str(error.value)
    assert "en/_replies/only_french.md: missing" in message
    assert "Bad-Name.md: the file's name must be lower_snake_case" in message
    assert "fr/_replies/empty.md: text must be 1-" in message
    assert "en/_replies/empty.md: unknown front matter ['titel']" in message
    assert "en/_replies/empty.md: title must be" in message
    assert "hello.md" not in message


def test_every_desk_button_fits_telegrams_64_bytes_and_reads_back() -> None:
    arguments = [("r", name) for name in REPLIES.names]
    arguments += [(case_closing.OUTCOME, outcome) for outcome in Outcome]
    arguments += [(case_closing.CATEGORY, category) for category in load_case_taxonomy().categories]
    arguments += [(case_closing.DONE, ""), ("close", "")]
    for action, argument in arguments:
        data = case_button(action, BIGGEST_CASE_ID, argument)
        assert len(data.encode()) <= 64
        assert read_case_button(data) == (action, BIGGEST_CASE_ID, argument)
    assert read_case_button("case:take:12") == ("take", 12, "")  # the card's, as before
    with pytest.raises(ValueError, match="64 bytes"):
        case_button("r", 1, "x" * 60)
    for forged in ("case:take", "case:take:x", "case:take:-1", "sat:5", "case:r:1:" + "x" * 60):
        assert read_case_button(forged) is None, forged


# --- /r, without Telegram -------------------------------------------------------------------


async def test_r_sends_the_reply_in_the_patients_language_stored_like_an_agents_message(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = desk
    await open_case(engine, "1", "fr")
    await open_case(engine, "2", "en")
    french = await canned_reply(escalations, 1, AGENT, "welcome")
    english = await canned_reply(escalations, 2, OTHER_AGENT, "WELCOME extra words")
    for outcome, language in ((french, "fr"), (english, "en")):
        text = REPLIES.replies[("welcome", language)].text
        assert outcome.items == [Reply(text)] and outcome.delivery is not None
    agent_rows = await stored(
        sessions, "SELECT case_id, direction, text FROM messages WHERE kind = 'agent'"
    )
    assert agent_rows == [
        (1, "out", REPLIES.replies[("welcome", "fr")].text),
        (2, "out", REPLIES.replies[("welcome", "en")].text),
    ]
    # the case is taken, as when an agent writes; the delivery waits to be sent
    assert await stored(sessions, "SELECT status, assigned_agent_id FROM cases") == [
        ("taken", AGENT),
        ("taken", OTHER_AGENT),
    ]
    [(items,)] = await stored(
        sessions,
        "SELECT items FROM patient_deliveries WHERE chat_id = '2' ORDER BY id DESC LIMIT 1",
    )
    assert json.loads(items)[0]["text"] == REPLIES.replies[("welcome", "en")].text
    echoes = [p.text for p in await outbox(sessions) if isinstance(p, TopicText)]
    # the agents read French (AGENTS_LANGUAGE), with the reply as the patient got it
    assert echoes == [
        "📤 Réponse type « Premier contact » envoyée au patient (FR) :\n\n"
        + REPLIES.replies[("welcome", "fr")].text,
        "📤 Réponse type « Premier contact » envoyée au patient (EN) :\n\n"
        + REPLIES.replies[("welcome", "en")].text,
    ]


async def test_a_canned_reply_in_discreet_mode_starts_with_the_neutral_line(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = desk
    await open_case(engine, "1", "fr")
    async with sessions() as session, session.begin():
        patient = await session.get(Patient, 1)
        assert patient is not None
        patient.discreet_minutes = 60
    outcome = await canned_reply(escalations, 1, AGENT, "crisis")
    lead = CATALOGUE.phrase("discreet_lead", "fr")
    assert outcome.items == [Reply(REPLIES.replies[("crisis", "fr")].text, lead=lead)]


async def test_r_alone_or_an_unknown_name_lists_the_replies_with_a_button_each(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = desk
    await open_case(engine, "1", "en")
    for argument in ("", "nope"):
        outcome = await canned_reply(escalations, 1, AGENT, argument)
        assert outcome.items == [] and outcome.patient_chat is None
    listing, unknown = (p for p in await outbox(sessions) if isinstance(p, TopicText))
    assert [data for _, data in listing.buttons] == [f"case:r:1:{n}" for n in REPLIES.names]
    assert [label for label, _ in listing.buttons] == [
        REPLIES.replies[(n, "fr")].title for n in REPLIES.names
    ]
    assert listing.columns == 2
    assert listing.text.startswith("💬 Réponses types") and "(EN)" in listing.text
    assert all(f"• {name} : " in listing.text for name in REPLIES.names)
    assert unknown.text.startswith("Pas de réponse type « nope ».")
    assert unknown.buttons == listing.buttons
    assert await stored(sessions, "SELECT count(*) FROM messages WHERE kind = 'agent'") == [(0,)]
    assert await stored(sessions, "SELECT status FROM cases") == [("waiting",)]


async def test_a_closed_case_gets_no_canned_reply(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = desk
    await open_case(engine, "1", "fr")
    await escalations.close(1)
    before = len(await stored(sessions, "SELECT id FROM patient_deliveries"))
    for argument in ("welcome", ""):
        assert (await canned_reply(escalations, 1, AGENT, argument)).items == []
    texts = [p.text for p in await outbox(sessions) if isinstance(p, TopicText)]
    assert texts[-2:] == [CATALOGUE.agent_phrase("closed_hint", "fr")] * 2
    assert len(await stored(sessions, "SELECT id FROM patient_deliveries")) == before


# --- end to end, through the emulator --------------------------------------------------------


@pytest.fixture
def running(running_with_agents: RunningBot) -> RunningBot:
    running_with_agents.emulator.set_member(AGENTS, OTHER_AGENT, "member")
    return running_with_agents


@pytest.mark.rasa
async def test_r_in_a_french_and_an_english_case_reaches_each_patient_in_their_language(
    running: RunningBot,
) -> None:
    emulator = running.emulator
    french_topic = await open_case_by_button(running, "fr")
    await replies(running, 4)
    english_topic = await open_english_case(running, 2)
    await replies(running, 4, OTHER_PATIENT)
    agent_says(running, french_topic, "/r welcome", user_id=AGENT)
    agent_says(running, english_topic, "/r@helpline_bot sms", user_id=OTHER_AGENT)
    fr_text = plain(REPLIES.replies[("welcome", "fr")].text)
    en_text = plain(REPLIES.replies[("sms", "en")].text)
    await emulator.wait_until(lambda: fr_text in texts_to(running, PATIENT), what="fr reply")
    await emulator.wait_until(lambda: en_text in texts_to(running, OTHER_PATIENT), what="en")
    assert fr_text not in texts_to(running, OTHER_PATIENT)
    await emulator.wait_until(
        lambda: any(
            m["text"].startswith("📤 Réponse type « SMS suspect » envoyée au patient (EN)")
            and en_text in m["text"]
            for m in in_topic(running, english_topic)
        ),
        what="the echo in the English case's topic",
    )
    assert any("« Premier contact »" in m["text"] for m in in_topic(running, french_topic))
    rows = await running.rows(
        "SELECT case_id, kind, text FROM messages WHERE kind = 'agent' ORDER BY case_id"
    )
    assert rows == [
        (1, "agent", REPLIES.replies[("welcome", "fr")].text),
        (2, "agent", REPLIES.replies[("sms", "en")].text),
    ]
    assert await running.rows("SELECT id, assigned_agent_id FROM cases ORDER BY id") == [
        (1, AGENT),
        (2, OTHER_AGENT),
    ]


@pytest.mark.rasa
async def test_r_alone_lists_the_replies_and_another_agent_sends_one_by_button(
    running: RunningBot,
) -> None:
    emulator = running.emulator
    topic = await open_case_by_button(running, "fr")
    await replies(running, 4)
    agent_says(running, topic, "/r")
    listing = await press(running, topic, "case:r:1:wait", user_id=OTHER_AGENT)
    assert button_data(listing) == [f"case:r:1:{n}" for n in REPLIES.names]
    rows = listing["reply_markup"]["inline_keyboard"]
    assert [len(row) for row in rows] == [2, 2, 2, 2]
    assert label_of(listing, "case:r:1:crisis") == "Urgence, détresse"
    wait_text = plain(REPLIES.replies[("wait", "fr")].text)
    await emulator.wait_until(lambda: wait_text in texts_to(running, PATIENT), what="the reply")
    assert await running.rows("SELECT status, assigned_agent_id FROM cases") == [
        ("taken", OTHER_AGENT)
    ]
    agent_says(running, topic, "/r nimporte")
    await emulator.wait_until(
        lambda: any(
            "Pas de réponse type « nimporte »" in m["text"] for m in in_topic(running, topic)
        )
    )
    assert texts_to(running, PATIENT).count(wait_text) == 1
