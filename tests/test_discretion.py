"""Discretion on a shared phone (bot/discretion.py), below the channel: the engine notes the
patient's message ids and never their text, /discreet and its buttons, the neutral first line of
every reply in discreet mode, the erasure /delete asks of the channel, and the trail of message
ids (what is due after the delay, forgotten after 48 hours, read back after a restart). The
Telegram end of it, through the emulator: tests/test_telegram_discretion.py."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.deliveries import Copy, EraseChat, from_rows
from bot.discretion import ChatTrail
from bot.engine import DISCREET, Engine, Incoming, Turn
from bot.replies import Reply
from bot.telegram.render import TELEGRAM_LIMIT, reply_parts
from storage.models import utcnow
from storage.retention import apply_retention
from tests.engine_helpers import CATALOGUE, make_engine, stored
from tests.fake_parser import KeywordParser

CHAT = "700"
LEAD = {language: CATALOGUE.phrase("discreet_lead", language) for language in ("fr", "en")}


@pytest.fixture
def engine(fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]) -> Engine:
    return Engine(CATALOGUE, fake_nlu, sessions, threshold=0.3)


async def say(
    engine: Engine, text: str = "", *, button: str | None = None, message_id: int | None = None
) -> Turn:
    return await engine.handle(
        Incoming("telegram", CHAT, text, button, "fr", message_id=message_id)
    )


def data_of(turn: Turn) -> list[str]:
    return [b.data for reply in turn.replies for b in reply.buttons]


async def test_the_patients_message_ids_are_noted_with_the_turn_never_their_text(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "bonjour, je suis séropositif", message_id=11)
    await say(engine, button="t:greet")  # a button press is no message of theirs
    await engine.handle(
        Incoming("telegram", CHAT, "", client_language="fr", attachment="photo", message_id=12)
    )
    await engine.handle(Incoming("telegram", CHAT, "hiv", "fr", message_id=13), throttled=True)
    # a flood's last text, answered once the flood is over: stored (and noted) already
    await engine.answer_stored(Incoming("telegram", CHAT, "hiv", "fr", message_id=13))
    rows = await stored(sessions, "SELECT * FROM chat_messages ORDER BY id")
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("telegram", CHAT, 11),
        ("telegram", CHAT, 12),
        ("telegram", CHAT, 13),
    ]
    columns = await stored(sessions, "SELECT name FROM pragma_table_info('chat_messages')")
    assert {c for (c,) in columns} == {"id", "channel", "chat_id", "message_id", "sent_at"}


async def test_discreet_mode_is_chosen_with_buttons_then_every_reply_begins_neutrally(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "/start")
    prompt = await say(engine, "/discreet")
    assert prompt.replies[-1].text == CATALOGUE.phrase("discreet_prompt", "fr")
    assert data_of(prompt) == [DISCREET + "60", DISCREET + "1440"]  # nothing to turn off yet
    assert all(not reply.lead for reply in prompt.replies)

    on = await say(engine, button=DISCREET + "60")
    delay = CATALOGUE.phrase("discreet_delay_60", "fr")
    assert on.replies == [
        Reply(CATALOGUE.phrase("discreet_on", "fr", delay=delay), lead=LEAD["fr"])
    ]
    assert await stored(sessions, "SELECT discreet_minutes FROM patients") == [(60,)]

    answer = await say(engine, "j'ai peur que mon employeur apprenne que j'ai le hiv")
    assert [r.lead for r in answer.replies] == [LEAD["fr"]] * len(answer.replies)
    # the answer's own text is stored as it is, without the line added for the lock screen
    texts = await stored(sessions, "SELECT text FROM messages WHERE direction = 'out'")
    assert texts[-1] == (CATALOGUE.answer("sensitive_data_exposed", "fr").text,)
    # the delivery stored for a crash carries the line too
    rows = await stored(sessions, "SELECT items FROM patient_deliveries ORDER BY id")
    assert [item.lead for item in from_rows(json.loads(rows[-1][0]))] == [LEAD["fr"]] * len(
        answer.replies
    )

    again = await say(engine, "/discreet")
    assert again.replies[-1].text == CATALOGUE.phrase("discreet_prompt_on", "fr", delay=delay)
    assert data_of(again) == [DISCREET + "60", DISCREET + "1440", DISCREET + "off"]
    longer = await say(engine, button=DISCREET + "1440")
    assert await stored(sessions, "SELECT discreet_minutes FROM patients") == [(1440,)]
    assert longer.replies[0].lead == LEAD["fr"]

    off = await say(engine, button=DISCREET + "off")
    assert off.replies == [Reply(CATALOGUE.phrase("discreet_off", "fr"))]
    assert await stored(sessions, "SELECT discreet_minutes FROM patients") == [(None,)]
    assert all(not r.lead for r in (await say(engine, "bonjour")).replies)


async def test_a_forged_delay_changes_nothing(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "/start")
    turn = await say(engine, button=DISCREET + "5")  # not a delay the buttons offer
    assert turn.replies[-1].text == CATALOGUE.phrase("discreet_prompt", "fr")
    assert await stored(sessions, "SELECT discreet_minutes FROM patients") == [(None,)]


async def test_a_sensitive_answer_offers_discreet_mode_until_it_is_on(engine: Engine) -> None:
    await say(engine, "/start")
    answer = await say(engine, "mon employeur peut-il savoir pour mon hiv ?")
    assert answer.replies[-1].text == CATALOGUE.answer("sensitive_data_exposed", "fr").text
    assert DISCREET + "ask" in data_of(answer)
    asked = await say(engine, button=DISCREET + "ask")
    assert asked.replies[-1].text == CATALOGUE.phrase("discreet_prompt", "fr")
    await say(engine, button=DISCREET + "1440")
    again = await say(engine, "mon employeur peut-il savoir pour mon hiv ?")
    assert DISCREET + "ask" not in data_of(again)
    assert DISCREET + "ask" not in data_of(await say(engine, "bonjour"))  # only where it helps


async def test_a_flood_notice_in_discreet_mode_begins_neutrally(engine: Engine) -> None:
    await say(engine, "/start")
    await say(engine, button=DISCREET + "60")
    turn = await engine.handle(Incoming("telegram", CHAT, "hiv", "fr"), throttled=True, warn=True)
    assert turn.replies == [Reply(CATALOGUE.phrase("slow_down", "fr"), lead=LEAD["fr"])]


async def test_delete_asks_the_channel_to_erase_the_chat_before_the_confirmation(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "/start", message_id=1)
    await say(engine, "/delete", message_id=3)
    deleted = await say(engine, button="delete:yes")
    assert deleted.erase_chat and deleted.patient_deleted
    assert deleted.items() == [EraseChat(), Reply(CATALOGUE.phrase("deleted", "fr"))]
    rows = await stored(sessions, "SELECT items FROM patient_deliveries ORDER BY id")
    assert from_rows(json.loads(rows[-1][0])) == deleted.items()
    # the patient is gone, the ids of their chat's messages stay for the channel to erase
    assert await stored(sessions, "SELECT count(*) FROM patients") == [(0,)]
    assert await stored(sessions, "SELECT message_id FROM chat_messages") == [(1,), (3,)]
    cancelled = await say(engine, button="delete:no")
    assert not cancelled.erase_chat and cancelled.items() == cancelled.replies


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_delete_phrases_say_what_is_erased_where(language: str) -> None:
    for key in ("delete_confirm", "deleted"):
        phrase = CATALOGUE.phrase(key, language)
        assert "48" in phrase and "Telegram" in phrase, (key, language)
    welcome = CATALOGUE.phrase("welcome", language)
    assert "/discreet" in welcome and "48" in welcome
    privacy = CATALOGUE.answer("bot_privacy", language).text
    assert "/discreet" in privacy and "48" in privacy


def test_a_long_reply_begins_every_message_with_the_lead() -> None:
    long = "\n\n".join(f"VIH et sida, paragraphe {n} : " + "mot " * 120 for n in range(20))
    parts = reply_parts(long, LEAD["fr"])
    assert len(parts) > 1
    assert all(p.startswith(LEAD["fr"] + "\n\n") and len(p) <= TELEGRAM_LIMIT for p in parts)
    assert reply_parts("VIH", "") == ["VIH"]


async def test_the_trail_gives_back_what_is_due_after_the_delay_and_survives_a_restart(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "/start", message_id=1)
    await engine.handle(Incoming("telegram", "other", "/start", None, "fr", message_id=1))
    await say(engine, button=DISCREET + "60")
    trail = ChatTrail(sessions)
    trail.sent("telegram", CHAT, 2)
    trail.sent("telegram", "other", 2)
    # the bot's message 2 is noted, not yet written: /delete erases it all the same
    assert await trail.recent("telegram", CHAT) == [1, 2]
    assert await stored(
        sessions, f"SELECT message_id FROM chat_messages WHERE chat_id = '{CHAT}'"
    ) == [(1,)]
    await trail.flush()
    assert await trail.recent("telegram", CHAT) == [1, 2]

    now = utcnow()
    trail.clock = lambda: now + timedelta(minutes=30)
    assert await trail.due("telegram") == {}
    # a restart: another trail on the same database
    later = ChatTrail(sessions, clock=lambda: now + timedelta(minutes=61))
    assert await later.due("telegram") == {CHAT: [1, 2]}  # the other chat is not discreet
    assert await later.due("console") == {}
    await later.forget("telegram", CHAT, [1, 2])
    assert await later.due("telegram") == {}
    assert await later.recent("telegram", "other") == [1, 2]


async def test_the_ids_are_forgotten_after_48_hours(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(engine, "/start", message_id=1)
    await say(engine, button=DISCREET + "1440")
    now = utcnow()
    trail = ChatTrail(sessions, clock=lambda: now + timedelta(hours=47))
    assert await trail.recent("telegram", CHAT) == [1]
    trail.clock = lambda: now + timedelta(hours=48, minutes=1)
    assert await trail.recent("telegram", CHAT) == []  # Telegram would refuse: not tried
    assert await trail.due("telegram") == {}  # and the sweep forgets them
    assert await stored(sessions, "SELECT count(*) FROM chat_messages") == [(0,)]

    await say(engine, "bonjour", message_id=5)  # the retention run forgets them too
    async with sessions() as session, session.begin():
        await apply_retention(session, 90, 0.5, now=utcnow() + timedelta(hours=49))
    assert await stored(sessions, "SELECT count(*) FROM chat_messages") == [(0,)]


async def test_no_id_is_kept_for_a_chat_erased_by_delete(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    trail = ChatTrail(sessions)
    trail.sent("telegram", CHAT, 7)
    await trail.forget("telegram", CHAT, await trail.recent("telegram", CHAT))
    await trail.flush()
    async with sessions() as session:
        left = (await session.execute(text("SELECT count(*) FROM chat_messages"))).scalar()
    assert left == 0


async def test_the_helplines_notices_keep_the_neutral_line_in_discreet_mode(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A case taken or closed: the notice the patient gets starts neutral too."""
    engine, escalations = make_engine(fake_nlu, sessions)
    await engine.handle(Incoming("telegram", "42", "/start", client_language="fr"))
    await engine.handle(Incoming("telegram", "42", button=DISCREET + "60"))
    await engine.handle(Incoming("telegram", "42", "/human", client_language="fr"))
    lead = CATALOGUE.phrase("discreet_lead", "fr")
    taken = await escalations.take(1, 7, "Ana")
    closed = await escalations.close(1)
    for outcome in (taken, closed):
        rows = await stored(
            sessions, f"SELECT items FROM patient_deliveries WHERE id = {outcome.delivery}"
        )
        [item] = from_rows(json.loads(rows[0][0]))
        assert isinstance(item, Reply) and item.lead == lead


async def test_an_agents_text_to_a_discreet_patient_starts_neutral_too(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A copy would open on the agent's first words: in discreet mode the text goes as the
    bot's own message with the neutral line; otherwise it is copied as it is."""
    engine, escalations = make_engine(fake_nlu, sessions)
    for chat in ("42", "43"):
        await engine.handle(Incoming("telegram", chat, "/start", client_language="fr"))
    await engine.handle(Incoming("telegram", "42", button=DISCREET + "60"))
    for chat in ("42", "43"):
        await engine.handle(Incoming("telegram", chat, "/human", client_language="fr"))
    copy = Copy(-100, 55)
    discreet = await escalations.agent_message(
        1, 7, "VIH : voici ce que je vous propose", "text", copy
    )
    plain = await escalations.agent_message(
        2, 7, "VIH : voici ce que je vous propose", "text", copy
    )
    lead = CATALOGUE.phrase("discreet_lead", "fr")
    assert discreet.items == [Reply("VIH : voici ce que je vous propose", lead=lead)]
    assert plain.items == [copy]
