"""End to end: the real bot (aiogram's real HTTP session and polling loop, real NLU server, real
SQLite file) against the Bot API emulator on loopback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from aiohttp import ClientSession, web

from bot.app import open_helpline
from bot.telegram.patients import TYPING_AFTER
from bot.telegram.send_queue import SendQueue
from nlu.rasa import RasaServer, model_path
from storage.models import HandledUpdate, utcnow
from tests.conftest import free_port
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import (
    RunningBot,
    button_data,
    html_of,
    plain,
    push_album,
    replies,
    settings_for,
    start_bot,
)

pytestmark = pytest.mark.rasa  # end to end, with the real NLU server
PATIENT = 5001
T = TypeVar("T")


async def test_french_conversation_with_buttons(running: RunningBot) -> None:
    running.emulator.push_text(PATIENT, "bonjour")
    welcome, greet = await replies(running, 2)
    assert welcome["text"] == plain(running.catalogue.phrase("welcome", "fr"))
    assert (
        any(e["type"] == "bold" for e in welcome.get("entities", []))
        or "/delete" in welcome["text"]
    )
    assert greet["text"] == html_of(running.catalogue, "greet", "fr")
    assert "t:phishing_report" in button_data(greet)
    running.emulator.push_callback(PATIENT, "t:phishing_report", message_id=greet["message_id"])
    answer = (await replies(running, 3))[-1]
    assert answer["text"] == html_of(running.catalogue, "phishing_report", "fr")
    assert running.emulator.calls("answerCallbackQuery")


@asynccontextmanager
async def slow_nlu(rasa_url: str, delay: float) -> AsyncIterator[str]:
    """A loopback proxy in front of the real NLU server that answers `delay` seconds late."""

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        await asyncio.sleep(delay)
        async with (
            ClientSession() as client,
            client.post(
                rasa_url + request.path_qs, data=body, headers={"Content-Type": "application/json"}
            ) as answer,
        ):
            return web.Response(
                body=await answer.read(), status=answer.status, content_type="application/json"
            )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_typing_shown_while_a_slow_nlu_works(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    """A quick answer needs no "typing…"; one that takes longer than TYPING_AFTER shows it."""
    async with (
        slow_nlu(rasa_url, delay=TYPING_AFTER + 1.0) as slow_url,
        open_helpline(settings_for(emulator, slow_url, tmp_path / "bot.db")) as helpline,
    ):
        running = await start_bot(emulator, helpline)
        try:
            emulator.push_text(PATIENT, "quelqu'un a ouvert un crédit à mon nom")
            *_, answer = await replies(running, 2)
            assert answer["text"] == html_of(running.catalogue, "identity_theft", "fr")
            typing = emulator.calls("sendChatAction", chat_id=PATIENT)
            assert typing and typing[0].params["action"] == "typing"
            answered = emulator.calls("sendMessage", chat_id=PATIENT)[-1]
            assert typing[0].at < answered.at
        finally:
            await running.stop()


async def test_a_patient_message_is_routed_without_thread_trips(
    running: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiogram runs a plain (sync) filter in a worker thread; ours are async (filters.py)."""
    trips: list[object] = []
    to_thread = asyncio.to_thread

    async def counted(func: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        trips.append(func)
        return await to_thread(func, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counted)
    running.emulator.push_text(PATIENT, "bonjour")
    _, greet = await replies(running, 2)
    assert greet["text"] == html_of(running.catalogue, "greet", "fr")
    assert trips == []


async def test_english_conversation(running: RunningBot) -> None:
    running.emulator.push_text(PATIENT, "hi, someone opened a loan in my name", language_code="en")
    *_, answer = await replies(running, 2)
    assert answer["text"] == html_of(running.catalogue, "identity_theft", "en")
    assert "person" in button_data(answer)


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (
            {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]},
            "attachment_received",
        ),
        (
            {"document": {"file_id": "d1", "file_unique_id": "u2", "file_name": "sms.pdf"}},
            "attachment_received",
        ),
        ({"voice": {"file_id": "v1", "file_unique_id": "u3", "duration": 3}}, "voice_received"),
        (
            {
                "sticker": {
                    "file_id": "s1",
                    "file_unique_id": "u4",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            },
            "other_received",
        ),
        ({"location": {"latitude": 47.65, "longitude": -2.76}}, "other_received"),
        ({"contact": {"phone_number": "+33612345678", "first_name": "Someone"}}, "other_received"),
        (
            {
                "poll": {
                    "id": "1",
                    "question": "?",
                    "options": [],
                    "total_voter_count": 0,
                    "is_closed": False,
                    "is_anonymous": True,
                    "type": "regular",
                    "allows_multiple_answers": False,
                    "allows_revoting": False,
                    "members_only": False,
                }
            },
            "other_received",
        ),
    ],
    ids=["photo", "document", "voice", "sticker", "location", "contact", "poll"],
)
async def test_every_kind_of_message_gets_a_kind_answer(
    running: RunningBot, content: dict, phrase: str
) -> None:
    running.emulator.push_message(PATIENT, **content)
    *_, answer = await replies(running, 2)
    assert answer["text"] == plain(running.catalogue.phrase(phrase, "fr"))
    stored = await running.rows("SELECT kind, text FROM messages WHERE direction = 'in'")
    assert len(stored) == 1 and stored[0][1] == ""  # only the fact, never the content
    assert "612345678" not in str(await running.rows("SELECT * FROM messages"))
    assert "612345678" not in str(await running.rows("SELECT * FROM patients"))


async def test_a_crisis_in_a_photo_caption_gets_the_emergency_answer(
    running: RunningBot,
) -> None:
    photo = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]
    running.emulator.push_message(PATIENT, photo=photo, caption="je veux mourir")
    crisis, waiting, _ = await replies(running, 3)  # then the privacy notice
    assert crisis["text"] == html_of(running.catalogue, "crisis", "fr")
    assert "C-00001" in waiting["text"]  # and a person, at once
    stored = await running.rows("SELECT kind, text, intent FROM messages WHERE direction = 'in'")
    assert stored == [("photo", "", "crisis")]  # the caption itself is not kept


async def test_a_ten_thousand_character_message(running: RunningBot) -> None:
    running.emulator.push_text(PATIENT, "j'ai reçu un SMS frauduleux de l'ameli. " * 250)
    *_, answer = await replies(running, 2)
    assert answer["text"] == html_of(running.catalogue, "phishing_report", "fr")


async def test_html_and_markdown_in_the_patient_text_are_harmless(running: RunningBot) -> None:
    sneaky = "<b>bonjour</b> <a href='http://x.invalid'>clic</a> **gras** &amp; _x_ `code`"
    running.emulator.push_text(PATIENT, sneaky)
    sent = await replies(running, 2)
    assert all("x.invalid" not in m["text"] and "<a " not in m["text"] for m in sent)
    [(stored,)] = await running.rows("SELECT text FROM messages WHERE direction = 'in'")
    assert stored == sneaky  # stored as typed (redacted only), never interpreted


async def test_edited_message_is_answered_as_a_new_message(running: RunningBot) -> None:
    running.emulator.push_text(PATIENT, "bonjour")
    first = await replies(running, 2)
    running.emulator.push_edited_text(PATIENT, 1, "je veux porter plainte")
    answer = (await replies(running, 3))[-1]
    assert answer["text"] == html_of(running.catalogue, "file_complaint", "fr")
    assert len(first) == 2


async def test_forged_callback_gets_a_polite_answer(running: RunningBot) -> None:
    running.emulator.push_text(PATIENT, "bonjour")
    await replies(running, 2)
    for data in ["t:../../etc/passwd", "delete:maybe", "💥" * 20]:
        running.emulator.push_callback(PATIENT, data, message_id=999)
    sent = await replies(running, 5)
    stale = plain(running.catalogue.phrase("stale_button", "fr"))
    assert [m["text"] for m in sent[2:]] == [stale] * 3


async def test_a_flood_gets_one_slow_down_and_nothing_is_lost(running: RunningBot) -> None:
    for i in range(50):
        running.emulator.push_text(PATIENT, f"message {i}")
    await running.emulator.wait_for_calls(
        "getUpdates", len(running.emulator.calls("getUpdates")) + 2
    )
    await asyncio.wait_for(_until_stored(running, 50), timeout=30)
    await _until_sent(running)
    sent = running.emulator.sent(PATIENT)
    slow = plain(running.catalogue.phrase("slow_down", "fr"))
    assert [m["text"] for m in sent].count(slow) == 1
    assert len(sent) < 20  # not 50 answers


ATTACHMENTS: list[dict] = [
    {"photo": [{"file_id": "p", "file_unique_id": "up", "width": 90, "height": 90}]},
    {
        "sticker": {
            "file_id": "s", "file_unique_id": "us", "type": "regular", "width": 512,
            "height": 512, "is_animated": False, "is_video": False,
        }
    },
    {"voice": {"file_id": "v", "file_unique_id": "uv", "duration": 3}},
    {"document": {"file_id": "d", "file_unique_id": "ud", "file_name": "sms.pdf"}},
    {"location": {"latitude": 48.85, "longitude": 2.35}},
    {"contact": {"phone_number": "+33612345678", "first_name": "Paul"}},
]  # fmt: skip


async def test_a_question_sent_in_a_burst_is_answered_once_the_window_frees(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    settings = settings_for(emulator, rasa_url, tmp_path / "bot.db").model_copy(
        update={"throttle_seconds": 3.0}  # the default 6 messages in 3 s, not 10
    )
    async with open_helpline(settings) as helpline:
        running = await start_bot(emulator, helpline)
        for content in ATTACHMENTS:  # six attachments fill the window...
            emulator.push_message(PATIENT, **content)
        emulator.push_text(PATIENT, "je veux porter plainte")  # ...the question is over it
        complaint = html_of(running.catalogue, "file_complaint", "fr")
        await emulator.wait_until(
            lambda: any(m["text"] == complaint for m in emulator.sent(PATIENT)),
            timeout=20,
            what="the answer to the question sent in the burst",
        )
        before = len(emulator.calls("sendMessage", chat_id=PATIENT))
        emulator.push_text(PATIENT, "merci")  # its answer comes after any second one
        await emulator.wait_for_calls("sendMessage", before + 1, chat_id=PATIENT)
        texts = [m["text"] for m in emulator.sent(PATIENT)]
        questions = await running.rows(
            "SELECT count(*) FROM messages WHERE direction = 'in' AND text LIKE '%plainte%'"
        )
        await running.stop()
    slow = plain(running.catalogue.phrase("slow_down", "fr"))
    assert texts.count(slow) == 1
    assert texts.count(complaint) == 1
    assert texts.index(slow) < texts.index(complaint)  # answered after the flood, not in it
    assert texts[-1] != complaint
    assert questions == [(1,)]  # stored once, when it came


async def _until_sent(running: RunningBot) -> None:
    """Until the replies queued so far went: one chat takes about a message a second
    (send_queue.CHAT_BURST), so a flood's replies go after its messages are stored."""
    queue = SendQueue.of(running.bot)
    assert queue is not None
    await queue.drain()


async def _until_stored(running: RunningBot, count: int) -> None:
    while (await running.rows("SELECT count(*) FROM messages WHERE direction='in'"))[0][0] < count:
        await running.emulator.wait_for_calls(
            "getUpdates", len(running.emulator.calls("getUpdates")) + 1
        )


async def test_flood_control_429_is_honoured(running: RunningBot) -> None:
    running.emulator.fail_next("sendMessage", 1, error_code=429, retry_after=1, chat_id=PATIENT)
    running.emulator.push_text(PATIENT, "bonjour")
    await running.emulator.wait_for_calls("sendMessage", 3, chat_id=PATIENT)  # 1 refused + 2
    sent = running.emulator.sent(PATIENT)
    attempts = running.emulator.calls("sendMessage", chat_id=PATIENT)
    assert [c.ok for c in attempts] == [False, True, True]
    assert attempts[1].at - attempts[0].at >= 1.0  # waited retry_after before trying again
    assert len(sent) == 2


async def test_a_patient_who_blocked_the_bot_is_marked_not_retried(running: RunningBot) -> None:
    running.emulator.block(PATIENT)
    running.emulator.push_text(PATIENT, "bonjour")
    await running.emulator.wait_for_calls("sendMessage", 1, chat_id=PATIENT)
    await asyncio.wait_for(_until_blocked(running), timeout=10)
    assert len(running.emulator.calls("sendMessage", chat_id=PATIENT)) == 1


async def _until_blocked(running: RunningBot) -> None:
    while (await running.rows("SELECT blocked_at FROM patients"))[0][0] is None:
        await running.emulator.wait_for_calls(
            "getUpdates", len(running.emulator.calls("getUpdates")) + 1
        )


async def test_groups_are_ignored_and_strangers_groups_left(running: RunningBot) -> None:
    running.emulator.push_text(-2002, "bonjour le groupe", chat_type="group")
    running.emulator.push_my_chat_member(-2003, "group", "member", by_user_id=77)
    await running.emulator.wait_for_calls("leaveChat", 1)
    assert running.emulator.sent(-2002) == []
    assert await running.rows("SELECT count(*) FROM patients") == [(0,)]


async def test_a_duplicate_update_is_handled_once(running: RunningBot) -> None:
    update = running.emulator.push_text(PATIENT, "bonjour")
    running.emulator.push_update(dict(update))  # same update_id, in the same batch
    running.emulator.push_text(PATIENT, "je veux porter plainte")
    complaint = html_of(running.catalogue, "file_complaint", "fr")
    await running.emulator.wait_until(
        lambda: any(m["text"] == complaint for m in running.emulator.sent(PATIENT)),
        timeout=20,
        what="the answer to the last message",
    )
    texts = [m["text"] for m in running.emulator.sent(PATIENT)]
    assert texts.count(html_of(running.catalogue, "greet", "fr")) == 1
    assert len(texts) == 3


async def test_restart_mid_conversation_loses_nothing_answers_nothing_twice(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    settings = settings_for(emulator, rasa_url, tmp_path / "bot.db")
    async with open_helpline(settings) as helpline:
        first = await start_bot(emulator, helpline)
        handled = emulator.push_text(PATIENT, "je voudrais parler à un humain svp")
        await replies(first, 2)  # notice + "do you want a person?"
        await first.stop()
    emulator.push_text(PATIENT, "oui")  # written while the bot is down
    emulator.push_update(dict(handled))  # and Telegram redelivers an update already handled
    async with open_helpline(settings) as helpline:
        second = await start_bot(emulator, helpline)
        sent = await replies(second, 4)  # the answer, then the case number and queue place
        await second.stop()
    assert sent[-2]["text"] == html_of(second.catalogue, "human_handoff", "fr")
    assert "C-00001" in sent[-1]["text"]
    assert len(emulator.sent(PATIENT)) == 4  # the redelivered update was not answered again


async def test_update_ids_starting_again_do_not_silence_the_bot(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A new bot token starts the update ids again (and after a week without updates Telegram
    picks the next one at random): an id already handled can come back as another update. Only
    an exact repeat of an update handled lately is dropped, and the drop is logged."""
    caplog.set_level(logging.INFO, logger="bot.telegram.middlewares")
    db = tmp_path / "bot.db"
    async with open_helpline(settings_for(emulator, rasa_url, db)) as helpline:
        first = await start_bot(emulator, helpline)
        for n in range(20):
            emulator.push_text(10_000 + n, "bonjour")
        await emulator.wait_for_calls("sendMessage", 40, timeout=30)
        await first.stop()
    async with (
        BotAPIEmulator() as new_token,  # its update ids start at 1 again
        open_helpline(settings_for(new_token, rasa_url, db)) as helpline,
    ):
        second = await start_bot(new_token, helpline)
        try:
            pushed = [new_token.push_text(20_000 + n, "bonjour") for n in range(20)]
            await new_token.wait_for_calls("sendMessage", 40, timeout=30)
            assert all(len(new_token.sent(20_000 + n)) == 2 for n in range(20))
            new_token.push_update(dict(pushed[3]))  # Telegram redelivers one: handled once
            new_token.push_text(20_003, "je veux porter plainte")
            await replies(second, 3, chat_id=20_003)
        finally:
            await second.stop()
    assert [m["text"] for m in new_token.sent(20_003)][-1] == html_of(
        second.catalogue, "file_complaint", "fr"
    )
    assert len(new_token.sent(20_003)) == 3
    dropped = [r.getMessage() for r in caplog.records if "duplicate" in r.getMessage()]
    assert dropped == [f"update {pushed[3]['update_id']} dropped: a duplicate"]


def days_ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


async def test_handled_updates_are_remembered_two_days_then_forgotten(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path
) -> None:
    """Telegram keeps an undelivered update 24 hours at most: the ids handled are kept in the
    database about two days (ids and a checksum only), then pruned."""
    settings = settings_for(emulator, rasa_url, tmp_path / "bot.db")
    async with open_helpline(settings) as helpline:
        async with helpline.sessions() as session, session.begin():
            session.add_all(
                [
                    HandledUpdate(update_id=900, fingerprint=1, handled_at=days_ago(3)),
                    HandledUpdate(update_id=901, fingerprint=1, handled_at=days_ago(1)),
                ]
            )
        running = await start_bot(emulator, helpline)
        emulator.push_text(PATIENT, "bonjour")
        await replies(running, 2)
        ids: list[tuple] = []
        async with asyncio.timeout(5):  # written in batches, a moment after the update
            while ids != [(1,), (901,)]:
                await asyncio.sleep(0.05)
                ids = await running.rows("SELECT update_id FROM handled_updates ORDER BY 1")
        columns = await running.rows("SELECT name FROM pragma_table_info('handled_updates')")
        await running.stop()
    assert sorted(c for (c,) in columns) == ["fingerprint", "handled_at", "update_id"]


async def test_edits_are_throttled_with_the_messages(running: RunningBot) -> None:
    running.emulator.push_text(PATIENT, "bonjour")
    await replies(running, 2)
    for i in range(15):
        running.emulator.push_edited_text(PATIENT, 1, f"bonjour, correction {i}")
    await asyncio.wait_for(_until_stored(running, 16), timeout=30)
    await _until_sent(running)
    texts = [m["text"] for m in running.emulator.sent(PATIENT)]
    assert texts.count(plain(running.catalogue.phrase("slow_down", "fr"))) == 1
    assert len(texts) <= 2 + 6  # the message and 5 edits fill the window: not 15 answers


async def test_an_album_is_answered_once_and_counts_once_toward_the_flood_limit(
    running: RunningBot,
) -> None:
    push_album(running.emulator, PATIENT, 8, caption="les SMS reçus")
    await asyncio.wait_for(_until_stored(running, 8), timeout=30)
    running.emulator.push_text(PATIENT, "je veux porter plainte")
    complaint = html_of(running.catalogue, "file_complaint", "fr")
    await running.emulator.wait_until(
        lambda: any(m["text"] == complaint for m in running.emulator.sent(PATIENT)),
        timeout=20,
        what="the answer to the message after the album",
    )
    assert [m["text"] for m in running.emulator.sent(PATIENT)] == [
        plain(running.catalogue.phrase("welcome", "fr")),
        plain(running.catalogue.phrase("attachment_received", "fr")),
        complaint,
    ]
    stored = await running.rows("SELECT kind, text FROM messages WHERE direction = 'in'")
    assert stored.count(("photo", "")) == 8  # every photo noted, no caption kept


async def test_nlu_server_stopped_mid_conversation(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    with (
        (tmp_path / "rasa.log").open("wb") as log,
        RasaServer(model_path(), port=free_port(), log=log) as nlu,
    ):
        settings = settings_for(emulator, nlu.url, tmp_path / "bot.db")
        async with open_helpline(settings) as helpline:
            running = await start_bot(emulator, helpline)
            emulator.push_text(PATIENT, "je veux porter plainte")
            answer = (await replies(running, 2))[-1]
            assert answer["text"] == html_of(running.catalogue, "file_complaint", "fr")
            nlu.stop()
            emulator.push_text(PATIENT, "et pour la CNIL ?")
            menu = (await replies(running, 3))[-1]
            emulator.push_text(PATIENT, "j'ai envie d'en finir")
            crisis = (await replies(running, 4))[-1]
            await running.stop()
    assert menu["text"] == plain(running.catalogue.phrase("nlu_down", "fr"))
    assert "person" in button_data(menu) and len(button_data(menu)) >= 4
    assert crisis["text"] == html_of(running.catalogue, "crisis", "fr")
