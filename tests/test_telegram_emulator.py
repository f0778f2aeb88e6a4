"""The Bot API emulator, exercised through the real aiogram Bot and AiohttpSession."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberMember,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from tests.telegram_emulator import BotAPIEmulator

SUPERGROUP = -1001234567890
SECRET = "s3cret-Token_1"


def make_bot(emulator: BotAPIEmulator, token: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    return Bot(token or emulator.token, session=session)


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    emu = BotAPIEmulator()
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
async def bot(emulator: BotAPIEmulator) -> AsyncIterator[Bot]:
    real_bot = make_bot(emulator)
    yield real_bot
    await real_bot.session.close()


def keyboard(*data: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(text=f"btn {d}", callback_data=d) for d in data]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


async def test_get_me(emulator: BotAPIEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == emulator.bot_id == 123456
    assert me.is_bot
    assert me.username == "helpline_test_bot"
    assert [c.method for c in emulator.calls()] == ["getMe"]
    assert emulator.calls("getme")[0].ok


async def test_send_message_keyboard_and_thread_round_trip(
    emulator: BotAPIEmulator, bot: Bot
) -> None:
    markup = keyboard("yes", "no")
    first = await bot.send_message(SUPERGROUP, "Bonjour", message_thread_id=7, reply_markup=markup)
    second = await bot.send_message(SUPERGROUP, "Encore", message_thread_id=7)
    assert isinstance(first, Message)
    assert first.chat.id == SUPERGROUP
    assert first.chat.type == "supergroup"
    assert first.from_user is not None and first.from_user.id == emulator.bot_id
    assert first.message_thread_id == 7 and first.is_topic_message
    assert first.reply_markup is not None
    assert first.reply_markup.model_dump() == markup.model_dump()
    assert second.message_id == first.message_id + 1
    assert second.reply_markup is None
    sent = emulator.sent(SUPERGROUP, thread_id=7)
    assert [m["text"] for m in sent] == ["Bonjour", "Encore"]
    assert sent[0]["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "no"
    assert emulator.sent(SUPERGROUP, thread_id=8) == []
    call = emulator.calls("sendMessage", chat_id=SUPERGROUP)[0]
    assert call.params["message_thread_id"] == 7
    assert call.params["text"] == "Bonjour"


async def test_numeric_text_stays_a_string(emulator: BotAPIEmulator, bot: Bot) -> None:
    message = await bot.send_message(5, "42")
    assert message.text == "42"
    assert emulator.sent(5)[0]["text"] == "42"


async def test_reply_to_pushed_message(emulator: BotAPIEmulator, bot: Bot) -> None:
    update = emulator.push_text(9, "question")
    asked = update["message"]["message_id"]
    answer = await bot.send_message(9, "réponse", reply_to_message_id=asked)
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "question"
    assert answer.message_id == asked + 1
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(9, "réponse", reply_to_message_id=999)


async def test_get_updates_long_poll_and_offset(emulator: BotAPIEmulator, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emulator.wait_until(lambda: emulator.waiting_pollers == 1, what="a blocked getUpdates")
    started = time.monotonic()
    update = emulator.push_text(42, "salut")
    updates = await asyncio.wait_for(poll, 5)
    assert time.monotonic() - started < 2
    assert [u.update_id for u in updates] == [update["update_id"]]
    message = updates[0].message
    assert message is not None and message.text == "salut"
    assert message.from_user is not None and message.from_user.language_code == "fr"

    again = await bot.get_updates()
    assert [u.update_id for u in again] == [update["update_id"]], "not confirmed yet"
    second = emulator.push_text(42, "deux")
    third = emulator.push_text(42, "trois")
    page = await bot.get_updates(offset=update["update_id"] + 1, limit=1)
    assert [u.update_id for u in page] == [second["update_id"]]
    rest = await bot.get_updates(offset=second["update_id"] + 1)
    assert [u.update_id for u in rest] == [third["update_id"]]

    started = time.monotonic()
    assert await bot.get_updates(offset=third["update_id"] + 1, timeout=1) == []
    assert time.monotonic() - started >= 0.9, "long poll must block until its timeout"


async def test_get_updates_survives_client_disconnect(emulator: BotAPIEmulator, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await emulator.wait_until(lambda: emulator.waiting_pollers == 1, what="a blocked getUpdates")
    poll.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await poll
    await emulator.wait_until(lambda: emulator.waiting_pollers == 0, timeout=5, what="release")
    update = emulator.push_text(3, "perdu ?")
    updates = await bot.get_updates(timeout=5)
    assert [u.update_id for u in updates] == [update["update_id"]]


async def test_retry_after_from_fail_next(emulator: BotAPIEmulator, bot: Bot) -> None:
    emulator.fail_next("sendMessage", retry_after=3, chat_id=11)
    await bot.send_message(12, "other chat unaffected")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(11, "hello")
    assert caught.value.retry_after == 3
    assert "Too Many Requests: retry after 3" in str(caught.value)
    await bot.send_message(11, "hello again")
    assert [c.ok for c in emulator.calls("sendMessage", chat_id=11)] == [False, True]
    assert [m["text"] for m in emulator.sent(11)] == ["hello again"]


async def test_chat_rate_limits_each_private_chat(emulator: BotAPIEmulator, bot: Bot) -> None:
    emulator.limit_chat_rate(2, 60.0)
    emulator.limit_rate(-100500, 1, 60.0)  # a group's own limit takes its place there
    for chat in (41, 42):
        await bot.send_message(chat, "un")
        await bot.send_message(chat, "deux")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(41, "trois")
    await bot.send_message(-100500, "groupe")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(-100500, "encore")
    assert emulator.rate_refusals == 2
    assert emulator.rate_refusals_by == {"bot": 0, "group": 1, "chat": 1}
    assert [m["text"] for m in emulator.sent(41)] == ["un", "deux"]


async def test_fail_next_server_error_times(emulator: BotAPIEmulator, bot: Bot) -> None:
    emulator.fail_next("getMe", times=2, error_code=502)
    for _ in range(2):
        with pytest.raises(Exception, match="Bad Gateway"):
            await bot.get_me()
    assert (await bot.get_me()).id == emulator.bot_id


async def test_blocked_chat_is_forbidden(emulator: BotAPIEmulator, bot: Bot) -> None:
    emulator.block(21)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(21, "hello")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(21, "typing")
    assert emulator.sent(21) == []
    await bot.send_message(22, "still fine")
    assert len(emulator.sent(22)) == 1


async def test_my_chat_member_kicked_blocks(emulator: BotAPIEmulator, bot: Bot) -> None:
    emulator.push_my_chat_member(31, "private", "kicked", by_user_id=31)
    updates = await bot.get_updates(allowed_updates=["message", "my_chat_member"])
    event = updates[0].my_chat_member
    assert event is not None
    assert isinstance(event.new_chat_member, ChatMemberBanned)
    assert isinstance(event.old_chat_member, ChatMemberMember)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(31, "hello?")


async def test_forum_topics(emulator: BotAPIEmulator, bot: Bot) -> None:
    topic = await bot.create_forum_topic(SUPERGROUP, "Dossier 42")
    assert topic.name == "Dossier 42"
    message = await bot.send_message(
        SUPERGROUP, "ouvert", message_thread_id=topic.message_thread_id
    )
    assert message.message_thread_id == topic.message_thread_id
    assert await bot.close_forum_topic(SUPERGROUP, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(SUPERGROUP, topic.message_thread_id)
    emulator.delete_topic(SUPERGROUP, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(SUPERGROUP, "perdu", message_thread_id=topic.message_thread_id)
    with pytest.raises(TelegramBadRequest):
        await bot.create_forum_topic(SUPERGROUP, "x" * 129)
    other = await bot.create_forum_topic(SUPERGROUP, "Autre")
    assert other.message_thread_id > topic.message_thread_id
    assert await bot.delete_forum_topic(SUPERGROUP, other.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(SUPERGROUP, "perdu", message_thread_id=other.message_thread_id)


async def test_edit_message_text(emulator: BotAPIEmulator, bot: Bot) -> None:
    markup = keyboard("a")
    sent = await bot.send_message(41, "v1", reply_markup=markup)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "v1", chat_id=41, message_id=sent.message_id, reply_markup=markup
        )
    edited = await bot.edit_message_text(
        "v2", chat_id=41, message_id=sent.message_id, reply_markup=markup
    )
    assert isinstance(edited, Message) and edited.text == "v2"
    assert emulator.sent(41)[0]["text"] == "v2"
    stripped = await bot.edit_message_text("v2", chat_id=41, message_id=sent.message_id)
    assert isinstance(stripped, Message) and stripped.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("v3", chat_id=41, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=41, message_id=sent.message_id)


async def test_message_length_and_empty(emulator: BotAPIEmulator, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(51, "x" * 4097)
    assert (await bot.send_message(51, "x" * 4096)).text == "x" * 4096
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(51, "😀" * 2049)  # 4098 UTF-16 code units
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(51, "")
    assert len(emulator.sent(51)) == 1


async def test_html_parse_mode(emulator: BotAPIEmulator, bot: Bot) -> None:
    message = await bot.send_message(52, "<b>Gras</b> &amp; <i>it</i>", parse_mode="HTML")
    assert message.text == "Gras & it"
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(52, "ligne<br>suivante", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(52, "<b>pas fermé", parse_mode="HTML")


async def test_wait_for_calls(emulator: BotAPIEmulator, bot: Bot) -> None:
    await bot.get_me()
    with pytest.raises(TimeoutError, match=r"sendMessage call\(s\) to chat 61") as caught:
        await emulator.wait_for_calls("sendMessage", chat_id=61, timeout=0.2)
    assert "getMe" in str(caught.value)

    waiter = asyncio.create_task(emulator.wait_for_calls("sendMessage", 2, chat_id=61))
    await bot.send_message(61, "one")
    assert not waiter.done()
    await bot.send_message(61, "two")
    calls = await asyncio.wait_for(waiter, 5)
    assert [c.params["text"] for c in calls] == ["one", "two"]


async def test_dispatcher_polling_echo(emulator: BotAPIEmulator, bot: Bot) -> None:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"écho: {message.text}")

    dp = Dispatcher()
    dp.include_router(router)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    try:
        emulator.push_text(555, "Bonjour")
        await emulator.wait_for_calls("sendMessage", chat_id=555)
        assert [m["text"] for m in emulator.sent(555)] == ["écho: Bonjour"]
        emulator.push_text(555, "Encore")
        await emulator.wait_for_calls("sendMessage", 2, chat_id=555)
        # a redelivered (unconfirmed) first update would show up here as a second "Bonjour"
        assert [m["text"] for m in emulator.sent(555)] == ["écho: Bonjour", "écho: Encore"]
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 10)
    await emulator.wait_until(lambda: emulator.waiting_pollers == 0, timeout=5, what="release")
    assert emulator.calls("getUpdates")[0].params["allowed_updates"] == ["message"]


async def test_callback_query(emulator: BotAPIEmulator, bot: Bot) -> None:
    sent = await bot.send_message(71, "Choisis", reply_markup=keyboard("oui"))
    emulator.push_callback(71, "oui", message_id=sent.message_id)
    emulator.push_callback(71, "vieux", message_id=999)
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    first, second = (u.callback_query for u in updates)
    assert first is not None and second is not None
    assert first.data == "oui"
    assert isinstance(first.message, Message) and first.message.text == "Choisis"
    assert isinstance(second.message, InaccessibleMessage)
    assert await bot.answer_callback_query(first.id, text="ok")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(first.id)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(71, "x", reply_markup=keyboard("d" * 65))


async def test_allowed_updates_filter(emulator: BotAPIEmulator, bot: Bot) -> None:
    emulator.push_callback(72, "ignored", message_id=1)
    kept = emulator.push_text(72, "kept")
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.update_id for u in updates] == [kept["update_id"]]
    assert len(emulator.discarded_updates) == 1


async def test_media_upload_file_id_and_copy(emulator: BotAPIEmulator, bot: Bot) -> None:
    upload = BufferedInputFile(b"\x89PNG fake", filename="plan.png")
    photo_message = await bot.send_photo(81, upload, caption="plan")
    assert photo_message.photo is not None and photo_message.caption == "plan"
    file_id = photo_message.photo[-1].file_id
    again = await bot.send_photo(81, file_id)
    assert again.photo is not None and again.photo[-1].file_id == file_id
    file = await bot.get_file(file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"\x89PNG fake"

    document = await bot.send_document(81, BufferedInputFile(b"%PDF", filename="cr.pdf"))
    assert document.document is not None and document.document.file_name == "cr.pdf"

    pushed = emulator.push_message(
        82,
        photo=[{"file_id": "user-photo", "file_unique_id": "u1", "width": 10, "height": 10}],
        caption="ma photo",
    )
    copied = await bot.copy_message(
        SUPERGROUP, 82, pushed["message"]["message_id"], message_thread_id=5
    )
    copy_sent = emulator.sent(SUPERGROUP, thread_id=5)
    assert [m["message_id"] for m in copy_sent] == [copied.message_id]
    assert copy_sent[0]["photo"][0]["file_id"] == "user-photo"
    assert copy_sent[0]["caption"] == "ma photo"
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(SUPERGROUP, 82, 999)
    forwarded = await bot.forward_message(SUPERGROUP, 82, pushed["message"]["message_id"])
    assert forwarded.forward_origin is not None and forwarded.caption == "ma photo"


async def test_commands_members_and_chat(emulator: BotAPIEmulator, bot: Bot) -> None:
    commands = [BotCommand(command="aide", description="Obtenir de l'aide")]
    scope = BotCommandScopeAllPrivateChats()
    assert await bot.set_my_commands(commands, scope=scope, language_code="fr")
    stored = await bot.get_my_commands(scope=scope, language_code="fr")
    assert [c.model_dump() for c in stored] == [c.model_dump() for c in commands]
    assert await bot.get_my_commands() == []
    assert emulator.commands({"type": "all_private_chats"}, "fr")[0]["command"] == "aide"
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Aide!", description="x")])
    assert await bot.delete_my_commands(scope=scope, language_code="fr")
    assert emulator.commands({"type": "all_private_chats"}, "fr") == []

    emulator.set_member(SUPERGROUP, 7, "administrator")
    admin = await bot.get_chat_member(SUPERGROUP, 7)
    assert isinstance(admin, ChatMemberAdministrator)
    assert isinstance(await bot.get_chat_member(SUPERGROUP, 8), ChatMemberMember)
    chat = await bot.get_chat(SUPERGROUP)
    assert chat.id == SUPERGROUP and chat.type == "supergroup"
    sent = await bot.send_message(SUPERGROUP, "épinglé")
    assert await bot.pin_chat_message(SUPERGROUP, sent.message_id)
    assert emulator.pinned(SUPERGROUP) == [sent.message_id]
    assert await bot.delete_message(SUPERGROUP, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(SUPERGROUP, sent.message_id)
    assert await bot.leave_chat(SUPERGROUP)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(SUPERGROUP, "parti")


async def test_wrong_token_unknown_method_and_case(emulator: BotAPIEmulator) -> None:
    intruder = make_bot(emulator, token="999:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await intruder.get_me()
    finally:
        await intruder.session.close()
    async with aiohttp.ClientSession() as http:
        url = f"{emulator.base_url}/bot{emulator.token}"
        async with http.post(f"{url}/fooBar") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        async with http.post(f"{url}/GETME") as response:
            body = await response.json()
            assert response.status == 200 and body["result"]["id"] == emulator.bot_id
        payload = {"chat_id": 5, "text": "json body"}
        async with http.post(f"{url}/sendMessage", json=payload) as response:
            assert (await response.json())["result"]["text"] == "json body"


@pytest.mark.parametrize("in_background", [False, True])
async def test_webhook_delivery(emulator: BotAPIEmulator, bot: Bot, in_background: bool) -> None:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> SendMessage:
        return message.answer(f"écho: {message.text}")

    dp = Dispatcher()
    dp.include_router(router)
    hook_bot = make_bot(emulator)
    app = web.Application()
    handler = SimpleRequestHandler(
        dp, hook_bot, handle_in_background=in_background, secret_token=SECRET
    )
    handler.register(app, path="/hook")
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        assert await bot.set_webhook(url, secret_token=SECRET)
        assert (await bot.get_webhook_info()).url == url
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        update = emulator.push_text(77, "bonjour")
        assert (await bot.get_webhook_info()).pending_update_count == 1
        assert await emulator.deliver_webhook(update) == 200
        await emulator.wait_for_calls("sendMessage", chat_id=77)
        assert [m["text"] for m in emulator.sent(77)] == ["écho: bonjour"]
        assert (await bot.get_webhook_info()).pending_update_count == 0

        assert await bot.set_webhook(url, secret_token="not-the-secret")
        assert await emulator.deliver_webhook(emulator.push_text(77, "encore")) == 401
        assert len(emulator.calls("sendMessage")) == 1
        assert await bot.delete_webhook()
        assert (await bot.get_updates())[0].message is not None
    finally:
        await runner.cleanup()
