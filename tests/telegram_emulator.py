"""Telegram Bot API emulator for end-to-end tests: an aiohttp.web server on 127.0.0.1.

The real aiogram ``Bot`` talks to it through ``AiohttpSession`` with
``TelegramAPIServer.from_base(emulator.base_url)``. Tests drive it with plain calls
(``push_text``, ``fail_next``, ``block``...) made on the same event loop, and inspect what
the bot did with ``calls()``, ``sent()`` and ``wait_for_calls()``.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import inspect
import json
import logging
import mimetypes
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import aiohttp
from aiohttp import web

log = logging.getLogger(__name__)

JSON = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_TOPIC_NAME = 128
DEFAULT_TOPIC_COLOR = 0x6FB9F0
TOPIC_COLORS = frozenset({0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F})
DEFAULT_GROUP_USER_ID = 100_000_001
# a bot can delete a message only this long after it was sent (deleteMessage, deleteMessages)
DELETABLE_FOR = 48 * 3600  # seconds
MAX_DELETE_IDS = 100  # deleteMessages: 1-100 ids a call
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
# What counts toward a group's message limit and the bot-wide one (limit_rate, limit_bot_rate).
RATE_LIMITED = frozenset(
    {"sendMessage", "copyMessage", "forwardMessage", "createForumTopic", "sendPhoto",
     "sendDocument", "sendVoice", "sendVideo", "sendAudio", "sendSticker", "sendAnimation"}
)  # fmt: skip
# Parameters that are strings in the Bot API: never json.loads them ("42" must stay "42").
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "name",
        "title",
        "description",
        "short_description",
        "callback_query_id",
        "url",
        "secret_token",
        "parse_mode",
        "action",
        "language_code",
        "icon_custom_emoji_id",
        "inline_message_id",
        "file_id",
        "emoji",
        "question",
        "first_name",
        "last_name",
        "phone_number",
        "business_connection_id",
        "message_effect_id",
        "ip_address",
    }
)
MEDIA_KINDS = ("photo", "document", "audio", "video", "voice", "animation", "sticker", "video_note")
MEDIA_EXTRA: dict[str, JSON] = {
    "photo": {"width": 800, "height": 600},
    "document": {},
    "audio": {"duration": 1},
    "video": {"width": 640, "height": 480, "duration": 1},
    "voice": {"duration": 1, "mime_type": "audio/ogg"},
    "animation": {"width": 320, "height": 240, "duration": 1},
    "sticker": {
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    },
    "video_note": {"length": 240, "duration": 1},
}
# Message keys that are not "content" (not carried over by copyMessage).
NON_CONTENT = frozenset(
    {
        "message_id",
        "date",
        "chat",
        "from",
        "sender_chat",
        "message_thread_id",
        "is_topic_message",
        "reply_to_message",
        "edit_date",
        "forward_origin",
        "reply_markup",
        "author_signature",
        "is_automatic_forward",
        "via_bot",
        "has_protected_content",
    }
)
SERVICE_KEYS = frozenset(
    {
        "new_chat_members",
        "left_chat_member",
        "new_chat_title",
        "new_chat_photo",
        "delete_chat_photo",
        "group_chat_created",
        "supergroup_chat_created",
        "pinned_message",
        "forum_topic_created",
        "forum_topic_closed",
        "forum_topic_reopened",
        "forum_topic_edited",
        "migrate_to_chat_id",
    }
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
    "can_pin_messages",
    "can_manage_topics",
)
RESTRICTED_RIGHTS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
# Update types Telegram leaves out when allowed_updates is not given (or empty).
NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
HTML_TAGS = {
    "b": "b",
    "strong": "b",
    "i": "i",
    "em": "i",
    "u": "u",
    "ins": "u",
    "s": "s",
    "strike": "s",
    "del": "s",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "a",
    "tg-emoji": "tg-emoji",
    "tg-time": "tg-time",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
BUTTON_DECORATIONS = frozenset({"text", "icon_custom_emoji_id", "style", "disabled"})
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
BOT_COMMAND_IN_TEXT = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")
PATH_RE = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[^/]*)$")
FILE_PATH_RE = re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$")


@dataclass(frozen=True)
class Call:
    """One Bot API request received by the emulator."""

    method: str
    params: dict[str, Any]
    at: float
    ok: bool
    error: str | None = None


@dataclass
class _Upload:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class _Fault:
    method: str
    remaining: int
    error_code: int
    description: str
    parameters: JSON | None
    chat_id: int | None


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes | None
    file_name: str | None
    mime_type: str | None
    file_path: str


class ApiError(Exception):
    """A Bot API error answer (HTTP status = error_code)."""

    def __init__(self, error_code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        """The JSON body Telegram answers with."""
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _json_copy(value: Any) -> Any:
    """A deep copy of a JSON tree (dicts, lists and scalars), several times faster than
    `copy.deepcopy`, which was a quarter of the emulator's time under the throughput bench."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    if value is None or isinstance(value, str | int | float):
        return value
    return copy.deepcopy(value)


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _decode(key: str, value: str) -> Any:
    if key in STRING_PARAMS or key in MEDIA_KINDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _as_chat_id(value: Any) -> int | str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value if isinstance(value, str) else None


def _as_int(value: Any, default: int) -> int:
    if isinstance(value, bool) or value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(f"wrong parameter value {value!r}") from None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _update_type(update: JSON) -> str:
    return next((key for key in update if key != "update_id"), "")


def _unique_id(seed: str) -> str:
    return "AQAD" + hashlib.sha1(seed.encode()).hexdigest()[:12]


class _TelegramHTML(HTMLParser):
    """Parses Telegram's HTML subset: plain text plus an entity fingerprint."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.parts: list[str] = []
        self.stack: list[str] = []
        self.marks: list[tuple[str, int, str]] = []

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        return len(self.source[: self.line_starts[line - 1] + column].encode())

    def _fail(self, reason: str) -> ApiError:
        return _bad(f"can't parse entities: {reason} at byte offset {self._byte_offset()}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise self._fail(f'Unsupported start tag "{tag}"')
        self.stack.append(tag)
        position = _utf16_len("".join(self.parts))
        self.marks.append((HTML_TAGS[tag], position, json.dumps(sorted(attrs))))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise self._fail(f'Unexpected end tag "{tag}"')
        expected = self.stack.pop()
        if expected != tag:
            raise self._fail(f'Unmatched end tag "{tag}", expected "</{expected}>"')
        self.marks.append(("/" + HTML_TAGS[tag], _utf16_len("".join(self.parts)), ""))

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def finish(self) -> tuple[str, str]:
        """Return (plain text, fingerprint of the formatting)."""
        self.feed(self.source)
        self.close()
        if self.stack:
            raise _bad(
                "can't parse entities: Can't find end tag corresponding to start tag "
                f'"{self.stack[-1]}"'
            )
        return "".join(self.parts), json.dumps(self.marks)


def _format(raw: str, parse_mode: Any, entities: Any) -> tuple[str, str]:
    """Apply parse_mode: (plain text, formatting fingerprint). Only HTML is parsed."""
    if isinstance(parse_mode, str) and parse_mode.lower() == "html":
        return _TelegramHTML(raw).finish()
    return raw, json.dumps([parse_mode, entities])


def _inline_markup(markup: Any) -> JSON | None:
    """Validate an inline keyboard; other markups are accepted but not echoed."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise _bad("can't parse inline keyboard button: Text must be non-empty")
            if not set(button) - BUTTON_DECORATIONS:
                raise _bad(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise _bad("BUTTON_DATA_INVALID")
    return _json_copy(markup)


def _member(user: JSON, status: str) -> JSON:
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
        member.update(dict.fromkeys(ADMIN_RIGHTS, True))
    elif status == "restricted":
        member.update(dict.fromkeys(RESTRICTED_RIGHTS, False))
        member.update(is_member=True, until_date=0)
    elif status == "kicked":
        member["until_date"] = 0
    return member


class BotAPIEmulator:
    """In-process fake of api.telegram.org for one bot token."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        bot_username: str = "helpline_test_bot",
        *,
        bot_first_name: str = "Helpline Test Bot",
    ) -> None:
        prefix, _, secret = token.partition(":")
        if not prefix.isdigit() or not secret:
            raise ValueError(f"token must look like '123:secret', got {token!r}")
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False
        self._calls: list[Call] = []
        self._calls_by: dict[tuple[str, int | None], list[Call]] = {}
        self._changed = asyncio.Event()
        self._updates: list[JSON] = []
        # the updates pushed since the webhook deliverer last looked (None: none is running):
        # it must not scan every pending update at each push, a surge's backlog included
        self._fresh: deque[JSON] | None = None
        self._updates_changed = asyncio.Event()
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._waiting_pollers = 0
        self.discarded_updates: list[JSON] = []
        self._messages: dict[int, dict[int, JSON]] = {}
        self._next_message_id: dict[int, int] = {}
        self._formatting: dict[tuple[int, int], str] = {}
        self._sent: list[JSON] = []
        self._chats: dict[int, JSON] = {}
        self._users: dict[int, JSON] = {}
        self._faults: list[_Fault] = []
        self._blocked: set[int] = set()
        self._members: dict[tuple[int, int], str] = {}
        self._bot_status: dict[int, str] = {}
        self._topics: dict[tuple[int, int], JSON] = {}
        self._pinned: dict[int, list[int]] = {}
        self._callbacks: dict[str, bool] = {}
        self._next_callback = 1
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._webhook: JSON | None = None
        self._files: dict[str, _StoredFile] = {}
        self._admin_posts_in_closed = False
        self._rate_limits: dict[int, tuple[int, float]] = {}
        self._rate_log: dict[int, list[float]] = {}
        self._bot_rate: tuple[int, float] | None = None
        self._bot_rate_log: deque[float] = deque()
        self._chat_rate: tuple[int, float] | None = None  # limit_chat_rate: every private chat
        self.rate_refusals = 0  # 429s answered by limit_rate, limit_chat_rate and limit_bot_rate
        # the same 429s by limit: "bot" (bot-wide), "group" (limit_rate), "chat" (limit_chat_rate)
        self.rate_refusals_by: dict[str, int] = {"bot": 0, "group": 0, "chat": 0}
        self._file_paths: dict[str, str] = {}
        self._extra: dict[str, Any] = {}
        # deliver_webhook_forever: each update's webhook answers, in order (0: none came)
        self.webhook_statuses: dict[int, list[int]] = {}
        # deliver_webhook_forever: when each update's post was answered 2xx (time.monotonic())
        self.webhook_answered_at: dict[int, float] = {}
        methods: dict[str, Callable[[JSON, dict[str, _Upload]], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "createForumTopic": self._create_forum_topic,
            "editForumTopic": self._edit_forum_topic,
            "closeForumTopic": self._close_forum_topic,
            "reopenForumTopic": self._reopen_forum_topic,
            "deleteForumTopic": self._delete_forum_topic,
            "pinChatMessage": self._pin_chat_message,
            "unpinChatMessage": self._unpin_chat_message,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "leaveChat": self._leave_chat,
            "getFile": self._get_file,
            "close": self._true,
            "logOut": self._true,
            "setMyDescription": self._store_setting,
            "setMyShortDescription": self._store_setting,
            "setMyName": self._store_setting,
            "setChatMenuButton": self._store_setting,
        }
        for kind in MEDIA_KINDS:
            name = "send" + "".join(part.title() for part in kind.split("_"))
            methods[name] = self._media_sender(kind)
        self._methods = {name.lower(): (name, handler) for name, handler in methods.items()}

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Serve on a free loopback port."""
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=2.0
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._closing = False

    async def stop(self) -> None:
        """Release pending long polls and shut the server down."""
        if self._runner is None:
            return
        self._closing = True
        self._wake_pollers()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> BotAPIEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (only once started)."""
        if self._port is None:
            raise RuntimeError("emulator not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def bot_id(self) -> int:
        """The bot's user id: the token prefix."""
        return int(self.token.split(":", 1)[0])

    @property
    def bot_user(self) -> JSON:
        """The bot as a User dict."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    @property
    def waiting_pollers(self) -> int:
        """How many getUpdates requests are currently blocked in a long poll."""
        return self._waiting_pollers

    # ------------------------------------------------------------------ test-side: updates

    def push_update(self, update: JSON) -> JSON:
        """Queue a raw update for getUpdates (assigns update_id if missing)."""
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        self._updates.append(update)
        if self._fresh is not None:
            self._fresh.append(update)
        self._wake_pollers()
        self._notify()
        return update

    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        language_code: str | None = "fr",
        chat_type: str = "private",
        message_thread_id: int | None = None,
        first_name: str = "Test",
    ) -> JSON:
        """Queue a text message from a user; returns the Update dict."""
        return self.push_message(
            chat_id,
            user_id=user_id,
            chat_type=chat_type,
            message_thread_id=message_thread_id,
            language_code=language_code,
            first_name=first_name,
            text=text,
        )

    def push_message(
        self,
        chat_id: int,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        message_thread_id: int | None = None,
        language_code: str | None = "fr",
        first_name: str = "Test",
        **content: Any,
    ) -> JSON:
        """Queue a message with any content fields (photo=[...], voice={...}, caption=...)."""
        message = self._user_message(
            chat_id,
            user_id=user_id,
            chat_type=chat_type,
            message_thread_id=message_thread_id,
            language_code=language_code,
            first_name=first_name,
            content=content,
        )
        self._store(message)
        return self.push_update({"message": _json_copy(message)})

    def push_edited_text(self, chat_id: int, message_id: int, text: str, **kw: Any) -> JSON:
        """Queue an edited_message update for a message the user sent earlier."""
        known = self._messages.get(chat_id, {}).get(message_id)
        if known is not None and not kw:
            message = _json_copy(known)
            for key in ("text", "entities", "caption", "caption_entities"):
                message.pop(key, None)
            message.update(self._text_content(text))
        else:
            message = self._user_message(
                chat_id,
                user_id=kw.pop("user_id", None),
                chat_type=kw.pop("chat_type", "private"),
                message_thread_id=kw.pop("message_thread_id", None),
                language_code=kw.pop("language_code", "fr"),
                first_name=kw.pop("first_name", "Test"),
                content={"text": text, **kw},
                message_id=message_id,
            )
            if known is not None:
                message["date"] = known["date"]
        message["edit_date"] = int(time.time())
        self._store(message)
        return self.push_update({"edited_message": _json_copy(message)})

    def push_callback(
        self,
        chat_id: int,
        data: str,
        *,
        message_id: int,
        user_id: int | None = None,
        language_code: str | None = "fr",
    ) -> JSON:
        """Queue a callback_query (button click) on message ``message_id`` of ``chat_id``."""
        uid = self._default_user(chat_id, user_id)
        known = self._messages.get(chat_id, {}).get(message_id)
        message = (
            _json_copy(known)
            if known is not None
            else {"chat": self._chat(chat_id), "message_id": message_id, "date": 0}
        )
        query_id = str(4_000_000_000_000 + self._next_callback)
        self._next_callback += 1
        self._callbacks[query_id] = False
        query = {
            "id": query_id,
            "from": self._user(uid, language_code=language_code),
            "chat_instance": str(int(hashlib.sha1(str(chat_id).encode()).hexdigest()[:15], 16)),
            "message": message,
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def push_my_chat_member(
        self, chat_id: int, chat_type: str, new_status: str, *, by_user_id: int
    ) -> JSON:
        """Queue a my_chat_member update (bot added, promoted, blocked, kicked...)."""
        if new_status not in MEMBER_STATUSES:
            raise ValueError(f"unknown status {new_status!r}")
        chat = self._register_chat(chat_id, chat_type)
        if chat_type == "private":
            default_old = "member" if new_status == "kicked" else "kicked"
        else:
            default_old = "left"
        old_status = self._bot_status.get(chat_id, default_old)
        self._bot_status[chat_id] = new_status
        if chat_type == "private":
            if new_status == "kicked":
                self._blocked.add(chat_id)
            else:
                self._blocked.discard(chat_id)
        event = {
            "chat": chat,
            "from": self._user(by_user_id),
            "date": int(time.time()),
            "old_chat_member": _member(self.bot_user, old_status),
            "new_chat_member": _member(self.bot_user, new_status),
        }
        return self.push_update({"my_chat_member": event})

    # ------------------------------------------------------------------ test-side: state

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        chat_id: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (optionally for one chat) fail."""
        if times < 1:
            raise ValueError("times must be >= 1")
        parameters: JSON = {}
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            elif migrate_to_chat_id is not None:
                description = "Bad Request: group chat was upgraded to a supergroup chat"
            else:
                description = DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        self._faults.append(
            _Fault(method.lower(), times, error_code, description, parameters or None, chat_id)
        )

    def limit_rate(self, chat_id: int, count: int, per_seconds: float) -> None:
        """Like Telegram's limit on messages into one group: more than ``count`` messages
        (topics created included) within ``per_seconds`` answer 429 with ``retry_after``."""
        self._rate_limits[chat_id] = (count, per_seconds)

    def _apply_rate_limit(self, method: str, params: JSON) -> None:
        if method not in RATE_LIMITED:
            return
        chat_id = _as_chat_id(params.get("chat_id"))
        if not isinstance(chat_id, int):
            return
        if chat_id in self._rate_limits:
            (count, window), kind = self._rate_limits[chat_id], "group"
        elif self._chat_rate is not None and chat_id > 0:
            (count, window), kind = self._chat_rate, "chat"
        else:
            return
        now = time.monotonic()
        recent = [t for t in self._rate_log.get(chat_id, []) if now - t < window]
        if len(recent) >= count:
            self.rate_refusals += 1
            self.rate_refusals_by[kind] += 1
            retry = max(1, int(recent[0] + window - now + 0.999))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        recent.append(now)
        self._rate_log[chat_id] = recent

    def limit_bot_rate(self, count: int, per_seconds: float) -> None:
        """Like Telegram's limit on one bot's messages, all chats together (about 30 a second):
        more than ``count`` messages (the same kinds as ``limit_rate``) within ``per_seconds``
        answer 429 with ``retry_after``. A message refused by either limit counts toward none."""
        self._bot_rate = (count, per_seconds)

    def limit_chat_rate(self, count: int, per_seconds: float) -> None:
        """Like Telegram's limit on messages into one private chat (about one a second, short
        bursts allowed): into any private chat without a ``limit_rate`` of its own, more than
        ``count`` messages within ``per_seconds`` answer 429 with ``retry_after``."""
        self._chat_rate = (count, per_seconds)

    def _check_bot_rate(self, method: str) -> None:
        if self._bot_rate is None or method not in RATE_LIMITED:
            return
        count, window = self._bot_rate
        recent, now = self._bot_rate_log, time.monotonic()
        while recent and now - recent[0] >= window:
            recent.popleft()
        if len(recent) >= count:
            self.rate_refusals += 1
            self.rate_refusals_by["bot"] += 1
            retry = max(1, int(recent[0] + window - now + 0.999))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _count_bot_rate(self, method: str) -> None:
        if self._bot_rate is not None and method in RATE_LIMITED:
            self._bot_rate_log.append(time.monotonic())

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sends to ``chat_id`` answer 403."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """The user restarted the bot."""
        self._blocked.discard(chat_id)

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Set what getChatMember answers for (chat, user)."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown status {status!r}; use one of {sorted(MEMBER_STATUSES)}")
        if user_id == self.bot_id:
            self._bot_status[chat_id] = status
        else:
            self._members[(chat_id, user_id)] = status

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Delete a forum topic: later sends to it answer 400 "message thread not found"."""
        topic = self._topics.setdefault((chat_id, thread_id), self._new_topic(thread_id))
        topic["deleted"] = True

    def close_topic(self, chat_id: int, thread_id: int) -> None:
        """Someone closed a forum topic by hand: later sends to it answer 400 TOPIC_CLOSED."""
        self._topics[(chat_id, thread_id)]["closed"] = True

    def topic(self, chat_id: int, thread_id: int) -> JSON | None:
        """The stored forum topic (name, icon_color, closed, deleted), if any."""
        topic = self._topics.get((chat_id, thread_id))
        return _json_copy(topic) if topic is not None else None

    def commands(self, scope: JSON | None = None, language_code: str | None = None) -> list[JSON]:
        """The commands stored by setMyCommands for that scope and language."""
        return _json_copy(self._commands.get(self._commands_key(scope, language_code), []))

    def backdate(self, chat_id: int, seconds: float, message_ids: list[int] | None = None) -> None:
        """Make messages of ``chat_id`` (all, or ``message_ids``) as if sent ``seconds`` earlier:
        past 48 hours, the bot can no longer delete them."""
        for message_id, message in self._messages.get(chat_id, {}).items():
            if message_ids is None or message_id in message_ids:
                message["date"] = int(message["date"] - seconds)

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """The current state of a stored message (None if unknown or deleted)."""
        found = self._messages.get(chat_id, {}).get(message_id)
        return _json_copy(found) if found is not None else None

    def add_file(
        self,
        data: bytes,
        *,
        file_id: str | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> JSON:
        """Register downloadable content (for getFile); returns {file_id, file_unique_id, ...}."""
        stored = self._store_file("document", data, file_name, mime_type, file_id=file_id)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
        }

    def file_data(self, file_id: str) -> bytes | None:
        """What was uploaded under ``file_id`` (sendDocument's multipart upload...), or None."""
        stored = self._files.get(file_id)
        return stored.data if stored is not None else None

    @property
    def webhook(self) -> JSON | None:
        """The current webhook settings (url, secret_token...), or None."""
        return _json_copy(self._webhook)

    # ------------------------------------------------------------------ test-side: inspection

    def calls(self, method: str | None = None, *, chat_id: int | None = None) -> list[Call]:
        """Requests received so far, optionally filtered by method and chat_id."""
        wanted = method.lower() if method else None
        if wanted is not None:  # indexed: benchmarks wait on thousands of calls
            return list(self._calls_by.get((wanted, chat_id), ()))
        return [
            call
            for call in self._calls
            if (wanted is None or call.method.lower() == wanted)
            and (chat_id is None or _as_chat_id(call.params.get("chat_id")) == chat_id)
        ]

    def sent(self, chat_id: int | None = None, *, thread_id: int | None = None) -> list[JSON]:
        """Messages the bot sent (current state, edits applied), in order."""
        return [
            _json_copy(message)
            for message in self._sent
            if (chat_id is None or message["chat"]["id"] == chat_id)
            and (thread_id is None or message.get("message_thread_id") == thread_id)
        ]

    def history(self, chat_id: int, *, thread_id: int | None = None) -> list[JSON]:
        """Every message still in ``chat_id`` (users' and the bot's, edits applied), in order."""
        messages = sorted(self._messages.get(chat_id, {}).values(), key=lambda m: m["message_id"])
        return [
            _json_copy(message)
            for message in messages
            if thread_id is None or message.get("message_thread_id") == thread_id
        ]

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the test-facing API
        what: str = "condition",
    ) -> None:
        """Wait (event-driven, no polling) until ``predicate()`` holds after some request."""
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(
                f"timed out after {timeout}s waiting for {what}; {self._describe_calls()}"
            ) from None

    async def wait_for_calls(
        self,
        method: str,
        count: int = 1,
        *,
        chat_id: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the test-facing API
    ) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` arrived; returns all matching."""
        target = f" to chat {chat_id}" if chat_id is not None else ""
        await self.wait_until(
            lambda: len(self._calls_by.get((method.lower(), chat_id), ())) >= count,
            timeout=timeout,
            what=f"{count} {method} call(s){target} "
            f"(got {len(self.calls(method, chat_id=chat_id))})",
        )
        return self.calls(method, chat_id=chat_id)

    async def deliver_webhook(self, update: JSON) -> int:
        """POST ``update`` to the webhook URL; executes a reply-in-webhook; returns HTTP status."""
        if self._webhook is None:
            raise RuntimeError("no webhook is set: the bot must call setWebhook first")
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
            self._next_update_id += 1
        headers = {}
        if secret := self._webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with (
            aiohttp.ClientSession() as session,
            session.post(self._webhook["url"], json=update, headers=headers) as response,
        ):
            status = response.status
            if 200 <= status < 300:
                delivered = update["update_id"]
                self._updates = [u for u in self._updates if u["update_id"] != delivered]
                reply = await self._read_webhook_reply(response)
                if reply is not None:
                    method, params, uploads = reply
                    await self._call(method, params, uploads)
        self._notify()
        return status

    async def deliver_webhook_updates(
        self,
        *,
        shuffle: Callable[[list[JSON]], None] | None = None,
        retry_after: float = 0.05,
        timeout: float = 30.0,  # noqa: ASYNC109 - part of the test-facing API
    ) -> int:
        """Deliver every pending update like Telegram: all at once, up to the webhook's
        ``max_connections`` posts in flight (setWebhook, 40 by default), each with the secret
        token header and posted again every ``retry_after`` seconds until answered 2xx (a
        refused connection or an error status alike); a reply-in-webhook is executed. So they
        reach the bot in any order: ``shuffle`` (e.g. ``random.Random(7).shuffle``) sets the order
        the posts start in. Returns the number of posts made (retries included)."""
        if self._webhook is None:
            raise RuntimeError("no webhook is set: the bot must call setWebhook first")
        webhook = self._webhook
        allowed = webhook["allowed_updates"]
        pending: list[JSON] = []
        for update in self._updates:
            kind = _update_type(update)
            if kind in allowed if allowed else kind not in NOT_DEFAULT_UPDATES:
                pending.append(update)
            else:
                self.discarded_updates.append(update)
        self._updates = list(pending)
        if shuffle is not None:
            shuffle(pending)
        headers = {}
        if secret := webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        posts = 0

        async def deliver(session: aiohttp.ClientSession, update: JSON) -> None:
            nonlocal posts
            while True:
                posts += 1
                try:
                    async with session.post(
                        webhook["url"], json=update, headers=headers
                    ) as response:
                        if 200 <= response.status < 300:
                            reply = await self._read_webhook_reply(response)
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(retry_after)
            delivered = update["update_id"]
            self._updates = [u for u in self._updates if u["update_id"] != delivered]
            if reply is not None:
                await self._call(*reply)
            self._notify()

        connector = aiohttp.TCPConnector(limit=webhook["max_connections"])
        async with aiohttp.ClientSession(connector=connector) as session:
            try:
                async with asyncio.timeout(timeout), asyncio.TaskGroup() as posting:
                    for update in pending:
                        posting.create_task(deliver(session, _json_copy(update)))
            except TimeoutError:
                raise TimeoutError(
                    f"webhook: {len(self._updates)} update(s) still not answered 2xx after "
                    f"{timeout}s ({posts} posts)"
                ) from None
        return posts

    async def deliver_webhook_forever(self, *, retry_after: float = 0.05) -> None:
        """Deliver updates like Telegram while a webhook is set, until cancelled: every update
        pushed is posted at once, in update_id order, at most the webhook's ``max_connections``
        posts in flight, each posted again every ``retry_after`` seconds until answered 2xx (a
        refused connection, an error status or no answer alike); a reply-in-webhook is executed.
        ``webhook_statuses`` records every update's answers (0: none came)."""
        if self._webhook is None:
            raise RuntimeError("no webhook is set: the bot must call setWebhook first")
        webhook = self._webhook
        allowed = webhook["allowed_updates"]
        headers = {}
        if secret := webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        slots = asyncio.Semaphore(webhook["max_connections"])  # first come, first served
        started: set[int] = set()

        async def deliver(session: aiohttp.ClientSession, update: JSON) -> None:
            update_id, reply = update["update_id"], None
            async with slots:
                while True:
                    status = 0
                    try:
                        async with session.post(
                            webhook["url"], json=update, headers=headers
                        ) as response:
                            status = response.status
                            if 200 <= status < 300:
                                reply = await self._read_webhook_reply(response)
                    except (aiohttp.ClientError, TimeoutError):
                        pass
                    self.webhook_statuses.setdefault(update_id, []).append(status)
                    if 200 <= status < 300:
                        self.webhook_answered_at[update_id] = time.monotonic()
                        break
                    await asyncio.sleep(retry_after)
            self._forget(update_id)
            if reply is not None:
                await self._call(*reply)
            self._notify()

        connector = aiohttp.TCPConnector(limit=webhook["max_connections"])
        timeout = aiohttp.ClientTimeout(total=60)  # Telegram gives up on a post after a while
        async with (
            aiohttp.ClientSession(connector=connector, timeout=timeout) as session,
            asyncio.TaskGroup() as posting,
        ):
            fresh = self._fresh = deque(self._updates)
            try:
                while True:
                    changed = self._updates_changed
                    while fresh:
                        update = fresh.popleft()
                        kind = _update_type(update)
                        wanted = kind in allowed if allowed else kind not in NOT_DEFAULT_UPDATES
                        if update["update_id"] in started or not wanted:
                            continue
                        started.add(update["update_id"])
                        posting.create_task(deliver(session, _json_copy(update)))
                    await changed.wait()
            finally:
                self._fresh = None

    # ------------------------------------------------------------------ HTTP plumbing

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        file_match = FILE_PATH_RE.match(request.path)
        if file_match is not None:
            return self._serve_file(file_match["token"], file_match["path"])
        match = PATH_RE.match(request.path)
        if match is None:
            return self._json(ApiError(404, "Not Found").body(), 404)
        try:
            params, uploads = await self._read_params(request)
        except ApiError as error:
            return self._json(error.body(), error.error_code)
        if match["token"] != self.token:
            error = ApiError(401, "Unauthorized")
            self._record(match["method"], params, error)
            return self._json(error.body(), 401)
        status, body = await self._call(match["method"], params, uploads)
        return self._json(body, status)

    @staticmethod
    def _json(body: JSON, status: int) -> web.Response:
        return web.json_response(body, status=status)

    async def _read_params(self, request: web.Request) -> tuple[JSON, dict[str, _Upload]]:
        params: JSON = {key: _decode(key, value) for key, value in request.query.items()}
        uploads: dict[str, _Upload] = {}
        if request.method != "POST" or not request.can_read_body:
            return params, uploads
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad("can't parse JSON encoded request") from None
            if isinstance(body, dict):
                params.update(body)
            return params, uploads
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = _Upload(value.filename, value.content_type, value.file.read())
            else:
                params[key] = _decode(key, str(value))
        return params, uploads

    async def _call(
        self, method: str, params: JSON, uploads: dict[str, _Upload]
    ) -> tuple[int, JSON]:
        name, handler = self._methods.get(method.lower(), (method, None))
        try:
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            self._apply_fault(name, params)
            self._check_bot_rate(name)
            self._apply_rate_limit(name, params)
            self._count_bot_rate(name)
            result = handler(params, uploads)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            self._record(name, params, error)
            return error.error_code, error.body()
        except asyncio.CancelledError:
            self._record(name, params, ApiError(499, "client disconnected"))
            raise
        self._record(name, params, None)
        return 200, {"ok": True, "result": result}

    def _record(self, method: str, params: JSON, error: ApiError | None) -> None:
        call = Call(
            method=method,
            params=params,
            at=time.monotonic(),
            ok=error is None,
            error=error.description if error else None,
        )
        self._calls.append(call)
        chat_id = _as_chat_id(params.get("chat_id"))
        for key in {(method.lower(), None), (method.lower(), chat_id)}:
            if key[1] is None or isinstance(key[1], int):
                self._calls_by.setdefault(key, []).append(call)
        if error is not None:
            log.debug("emulator: %s -> %s", method, error.description)
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _wake_pollers(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    def _describe_calls(self) -> str:
        if not self._calls:
            return "no calls seen"
        lines = []
        for call in self._calls[-40:]:
            detail = {k: call.params[k] for k in ("chat_id", "text", "offset") if k in call.params}
            status = "ok" if call.ok else f"error: {call.error}"
            lines.append(f"  {call.method} {detail} -> {status}")
        return f"calls seen ({len(self._calls)}, last 40):\n" + "\n".join(lines)

    def _apply_fault(self, method: str, params: JSON) -> None:
        chat_id = _as_chat_id(params.get("chat_id"))
        for fault in self._faults:
            if fault.method != method.lower():
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            raise ApiError(fault.error_code, fault.description, fault.parameters)

    async def _read_webhook_reply(
        self, response: aiohttp.ClientResponse
    ) -> tuple[str, JSON, dict[str, _Upload]] | None:
        if response.content_type == "application/json":
            body = await response.json()
            if isinstance(body, dict) and isinstance(body.get("method"), str):
                params = {k: v for k, v in body.items() if k != "method"}
                return body["method"], params, {}
            return None
        if response.content_type != "multipart/form-data":
            return None
        params: JSON = {}
        uploads: dict[str, _Upload] = {}
        reader = aiohttp.MultipartReader(response.headers, response.content)
        while (part := await reader.next()) is not None:
            if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                data = await part.read(decode=True)
                content_type = part.headers.get(aiohttp.hdrs.CONTENT_TYPE)
                uploads[part.name] = _Upload(part.filename, content_type, bytes(data))
            else:
                params[part.name] = _decode(part.name, await part.text())
        method = params.pop("method", None)
        return (str(method), params, uploads) if method else None

    def _serve_file(self, token: str, path: str) -> web.Response:
        if token != self.token:
            return self._json(ApiError(401, "Unauthorized").body(), 401)
        file_id = self._file_paths.get(path)
        stored = self._files.get(file_id) if file_id else None
        if stored is None or stored.data is None:
            return self._json(ApiError(404, "Not Found").body(), 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # ------------------------------------------------------------------ model helpers

    def _default_user(self, chat_id: int, user_id: int | None) -> int:
        if user_id is not None:
            return user_id
        return chat_id if chat_id > 0 else DEFAULT_GROUP_USER_ID

    def _user(
        self, user_id: int, *, language_code: str | None = None, first_name: str | None = None
    ) -> JSON:
        user = self._users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": first_name or "Test"}
        )
        if first_name:
            user["first_name"] = first_name
        if language_code:
            user["language_code"] = language_code
        return _json_copy(user)

    def _register_chat(self, chat_id: int, chat_type: str, first_name: str = "Test") -> JSON:
        chat = self._chats.get(chat_id)
        if chat is None or chat["type"] != chat_type:
            chat = {"id": chat_id, "type": chat_type}
            if chat_type == "private":
                chat["first_name"] = first_name
            else:
                chat["title"] = f"Test {chat_type} {chat_id}"
            self._chats[chat_id] = chat
        return _json_copy(chat)

    def _chat(self, chat_id: int) -> JSON:
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                return self._register_chat(chat_id, "private")
            kind = "supergroup" if str(chat_id).startswith("-100") else "group"
            return self._register_chat(chat_id, kind)
        return _json_copy(chat)

    def _alloc_message_id(self, chat_id: int) -> int:
        next_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    def _store(self, message: JSON) -> None:
        chat_id = message["chat"]["id"]
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        self._next_message_id[chat_id] = max(
            self._next_message_id.get(chat_id, 1), message["message_id"] + 1
        )

    @staticmethod
    def _new_topic(thread_id: int) -> JSON:
        return {
            "message_thread_id": thread_id,
            "name": f"Topic {thread_id}",
            "icon_color": DEFAULT_TOPIC_COLOR,
            "closed": False,
            "deleted": False,
        }

    @staticmethod
    def _text_content(text: str) -> JSON:
        content: JSON = {"text": text}
        entities = []
        for match in BOT_COMMAND_IN_TEXT.finditer(text):
            entities.append(
                {
                    "type": "bot_command",
                    "offset": _utf16_len(text[: match.start()]),
                    "length": _utf16_len(match.group()),
                }
            )
        if entities:
            content["entities"] = entities
        return content

    def _user_message(
        self,
        chat_id: int,
        *,
        user_id: int | None,
        chat_type: str,
        message_thread_id: int | None,
        language_code: str | None,
        first_name: str,
        content: JSON,
        message_id: int | None = None,
    ) -> JSON:
        uid = self._default_user(chat_id, user_id)
        chat = self._register_chat(chat_id, chat_type, first_name)
        message: JSON = {
            "message_id": message_id if message_id is not None else self._alloc_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
            "from": self._user(uid, language_code=language_code, first_name=first_name),
        }
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
            message["is_topic_message"] = True
            self._topics.setdefault(
                (chat_id, message_thread_id), self._new_topic(message_thread_id)
            )
            if chat_type == "supergroup":
                self._chats[chat_id]["is_forum"] = True
                message["chat"]["is_forum"] = True
        if isinstance(content.get("text"), str) and "entities" not in content:
            message.update(self._text_content(content["text"]))
            content = {k: v for k, v in content.items() if k != "text"}
        message.update(content)
        return message

    # ------------------------------------------------------------------ request helpers

    def _chat_id(self, params: JSON, key: str = "chat_id") -> int:
        value = _as_chat_id(params.get(key))
        if value is None:
            raise _bad(f"{key} is empty")
        if isinstance(value, str):
            raise _bad("chat not found")
        return value

    def _check_reachable(self, chat_id: int) -> None:
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        status = self._bot_status.get(chat_id)
        kind = self._chats.get(chat_id, {}).get("type", "group")
        if status == "kicked" and kind != "private":
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    def _check_thread(self, chat_id: int, thread_id: Any) -> int | None:
        if thread_id in (None, 0, ""):
            return None
        thread = _as_int(thread_id, 0)
        topic = self._topics.get((chat_id, thread))
        if topic is not None and topic["deleted"]:
            raise _bad("message thread not found")
        if topic is not None and topic["closed"] and not self._admin_posts_in_closed:
            raise _bad("TOPIC_CLOSED")
        return thread

    def _find_message(self, chat_id: int, message_id: Any, not_found: str) -> JSON:
        found = self._messages.get(chat_id, {}).get(_as_int(message_id, 0))
        if found is None:
            raise _bad(not_found)
        return found

    def _reply_to(self, chat_id: int, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply"))
            other = _as_chat_id(reply.get("chat_id"))
            target = other if isinstance(other, int) else chat_id
        else:
            message_id = params.get("reply_to_message_id")
            allow = bool(params.get("allow_sending_without_reply"))
            target = chat_id
        if not message_id:
            return None
        found = self._messages.get(target, {}).get(_as_int(message_id, 0))
        if found is None:
            if allow:
                return None
            raise _bad("message to be replied not found")
        replied = _json_copy(found)
        replied.pop("reply_to_message", None)
        return replied

    def _text(self, params: JSON, key: str, limit: int, too_long: str) -> tuple[str, str] | None:
        raw = params.get(key)
        if raw in (None, ""):
            return None
        if not isinstance(raw, str):
            raw = json.dumps(raw)
        entities = params.get("entities" if key == "text" else "caption_entities")
        plain, fingerprint = _format(raw, params.get("parse_mode"), entities)
        if not plain.strip():
            return None
        if _utf16_len(plain) > limit:
            raise _bad(too_long)
        return plain, fingerprint

    def _bot_message(self, chat_id: int, params: JSON, content: JSON, fingerprint: str) -> JSON:
        self._check_reachable(chat_id)
        thread = self._check_thread(chat_id, params.get("message_thread_id"))
        replied = self._reply_to(chat_id, params)
        markup = _inline_markup(params.get("reply_markup"))
        message: JSON = {
            "message_id": self._alloc_message_id(chat_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
        }
        if thread is not None:
            message["message_thread_id"] = thread
            message["is_topic_message"] = True
            self._topics.setdefault((chat_id, thread), self._new_topic(thread))
        if replied is not None:
            message["reply_to_message"] = replied
        message.update(content)
        if markup is not None:
            message["reply_markup"] = markup
        self._store(message)
        self._formatting[(chat_id, message["message_id"])] = fingerprint
        self._sent.append(message)
        return _json_copy(message)

    def _store_file(
        self,
        kind: str,
        data: bytes | None,
        file_name: str | None,
        mime_type: str | None,
        *,
        file_id: str | None = None,
    ) -> _StoredFile:
        if file_id is not None and file_id in self._files:
            return self._files[file_id]
        number = len(self._files) + 1
        file_id = file_id or f"emu-{kind}-{number}-{_unique_id(str(number))}"
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        stored = _StoredFile(
            file_id=file_id,
            file_unique_id=_unique_id(file_id),
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{kind}s/file_{number}{extension}",
        )
        self._files[file_id] = stored
        self._file_paths[stored.file_path] = file_id
        return stored

    # ------------------------------------------------------------------ Bot API methods

    def _true(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        return True

    def _store_setting(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        self._extra.update(params)
        return True

    def _get_me(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _deliverable(self, limit: int) -> list[JSON]:
        allowed = self._allowed_updates
        batch: list[JSON] = []
        kept: list[JSON] = []
        for update in self._updates:
            kind = _update_type(update)
            wanted = kind in allowed if allowed else kind not in NOT_DEFAULT_UPDATES
            if not wanted:
                self.discarded_updates.append(update)
                continue
            kept.append(update)
            if len(batch) < limit:
                batch.append(update)
        self._updates = kept
        return _json_copy(batch)

    async def _get_updates(self, params: JSON, uploads: dict[str, _Upload]) -> list[JSON]:
        if self._webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = _as_int(params.get("offset"), 0)
        limit = min(max(_as_int(params.get("limit"), 100), 1), 100)
        timeout = max(_as_int(params.get("timeout"), 0), 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list) and allowed:
            self._allowed_updates = [str(kind) for kind in allowed]
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, POLL_CONFLICT)
            if self._webhook is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                return batch
            event = self._updates_changed
            self._waiting_pollers += 1
            self._notify()
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                pass
            finally:
                self._waiting_pollers -= 1
                self._notify()

    def _set_webhook(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        url = params.get("url")
        if not url:
            return self._delete_webhook(params, uploads)
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_RE.match(str(secret)):
            raise _bad("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._drop_pending()
        allowed = params.get("allowed_updates")
        self._webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": _as_int(params.get("max_connections"), 40),
            "allowed_updates": allowed if isinstance(allowed, list) else None,
        }
        self._wake_pollers()
        return True

    def _drop_pending(self) -> None:
        self._updates.clear()
        if self._fresh is not None:
            self._fresh.clear()

    def _forget(self, update_id: int) -> None:
        """A delivered update leaves the pending ones (the oldest, as a rule: looked for from
        the front)."""
        for index, update in enumerate(self._updates):
            if update["update_id"] == update_id:
                del self._updates[index]
                return

    def _delete_webhook(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        self._webhook = None
        if params.get("drop_pending_updates"):
            self._drop_pending()
        return True

    def _get_webhook_info(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        info: JSON = {
            "url": self._webhook["url"] if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook:
            info["max_connections"] = self._webhook["max_connections"]
            if self._webhook["allowed_updates"]:
                info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    def _send_message(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        chat_id = self._chat_id(params)
        text = self._text(params, "text", MAX_TEXT, "message is too long")
        if text is None:
            raise _bad("message text is empty")
        return self._bot_message(chat_id, params, {"text": text[0]}, text[1])

    def _editable(self, params: JSON) -> tuple[int, JSON] | None:
        if params.get("inline_message_id"):
            return None
        chat_id = self._chat_id(params)
        self._check_reachable(chat_id)
        message = self._find_message(chat_id, params.get("message_id"), "message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise _bad("message can't be edited")
        return chat_id, message

    def _edit_message_text(self, params: JSON, uploads: dict[str, _Upload]) -> JSON | bool:
        text = self._text(params, "text", MAX_TEXT, "message is too long")
        if text is None:
            raise _bad("message text is empty")
        target = self._editable(params)
        markup = _inline_markup(params.get("reply_markup"))
        if target is None:
            return True
        chat_id, message = target
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        key = (chat_id, message["message_id"])
        if (
            message["text"] == text[0]
            and self._formatting.get(key) == text[1]
            and message.get("reply_markup") == markup
        ):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        message["text"] = text[0]
        self._formatting[key] = text[1]
        message["edit_date"] = int(time.time())
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        return _json_copy(message)

    def _edit_message_reply_markup(self, params: JSON, uploads: dict[str, _Upload]) -> JSON | bool:
        target = self._editable(params)
        markup = _inline_markup(params.get("reply_markup"))
        if target is None:
            return True
        _, message = target
        if message.get("reply_markup") == markup:
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return _json_copy(message)

    def _delete_message(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        chat_id = self._chat_id(params)
        message = self._find_message(
            chat_id, params.get("message_id"), "message to delete not found"
        )
        if time.time() - message["date"] >= DELETABLE_FOR:
            raise _bad("message can't be deleted")
        del self._messages[chat_id][message["message_id"]]
        return True

    def _delete_messages(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        """Like Telegram: 1-100 ids; the ids not found are skipped. A message sent 48 hours ago
        or more cannot be deleted; what Telegram answers for such a mix is not documented, so
        the call is refused whole, as deleteMessage refuses one ("message can't be deleted")."""
        chat_id = self._chat_id(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_DELETE_IDS:
            raise _bad("message_ids must be a list of 1-100 message identifiers")
        self._check_reachable(chat_id)
        stored = self._messages.get(chat_id, {})
        found = [stored[i] for i in {_as_int(i, 0) for i in ids} if i in stored]
        if any(time.time() - message["date"] >= DELETABLE_FOR for message in found):
            raise _bad("message can't be deleted")
        for message in found:
            del stored[message["message_id"]]
        return True

    def _answer_callback_query(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if self._callbacks.get(query_id, True):
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        self._callbacks[query_id] = True
        return True

    def _send_chat_action(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        chat_id = self._chat_id(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._check_reachable(chat_id)
        self._check_thread(chat_id, params.get("message_thread_id"))
        return True

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) and scope else {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    def _set_my_commands(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        commands = params.get("commands") or []
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH" if isinstance(commands, list) else "bad commands")
        for command in commands:
            if not isinstance(command, dict) or not COMMAND_RE.match(str(command.get("command"))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description") or "")) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: JSON, uploads: dict[str, _Upload]) -> list[JSON]:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return _json_copy(self._commands.get(key, []))

    def _delete_my_commands(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands.pop(key, None)
        return True

    def _source_message(self, params: JSON, verb: str) -> JSON | None:
        from_chat = self._chat_id(params, "from_chat_id")
        known = self._messages.get(from_chat)
        source = known.get(_as_int(params.get("message_id"), 0)) if known is not None else None
        if source is None and known is not None:
            raise _bad(f"message to {verb} not found")
        if source is not None and SERVICE_KEYS & source.keys():
            raise _bad(
                "message can't be copied" if verb == "copy" else "message can't be forwarded"
            )
        return source

    def _copy_message(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        chat_id = self._chat_id(params)
        source = self._source_message(params, "copy")
        content = {k: _json_copy(v) for k, v in (source or {}).items() if k not in NON_CONTENT}
        caption = self._text(params, "caption", MAX_CAPTION, "message caption is too long")
        if caption is not None and "text" not in content:
            content.pop("caption_entities", None)
            content["caption"] = caption[0]
            if not caption[0]:  # an empty caption removes the original one
                del content["caption"]
        fingerprint = json.dumps(["copy", content.get("text")])
        message = self._bot_message(chat_id, params, content, fingerprint)
        return {"message_id": message["message_id"]}

    def _forward_message(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        chat_id = self._chat_id(params)
        source = self._source_message(params, "forward")
        content: JSON = {}
        if source is not None:
            content = {k: _json_copy(v) for k, v in source.items() if k not in NON_CONTENT}
            origin = source.get("forward_origin") or {
                "type": "user",
                "sender_user": source.get("from", self.bot_user),
                "date": source["date"],
            }
            content["forward_origin"] = origin
        fingerprint = json.dumps(["forward", content.get("text")])
        return self._bot_message(chat_id, params, content, fingerprint)

    def _media_sender(self, kind: str) -> Callable[[JSON, dict[str, _Upload]], JSON]:
        def send(params: JSON, uploads: dict[str, _Upload]) -> JSON:
            return self._send_media(kind, params, uploads)

        return send

    def _send_media(self, kind: str, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        chat_id = self._chat_id(params)
        reference = params.get(kind)
        upload = uploads.get(kind)
        if isinstance(reference, str) and reference.startswith("attach://"):
            upload = uploads.get(reference.removeprefix("attach://"))
            if upload is None:
                raise _bad("wrong file identifier/HTTP URL specified")
        if upload is not None:
            # like Telegram, a generic upload's type is read from its file name (a PDF's)
            mime = upload.content_type
            if upload.filename and mime in (None, "", "application/octet-stream"):
                mime = mimetypes.guess_type(upload.filename)[0] or mime
            stored = self._store_file(kind, upload.data, upload.filename, mime)
        elif isinstance(reference, str) and reference.startswith(("http://", "https://")):
            stored = self._store_file(kind, None, reference.rsplit("/", 1)[-1], None)
        elif isinstance(reference, str) and reference:
            stored = self._store_file(kind, None, None, None, file_id=reference)
        else:
            raise _bad(f"there is no {kind.replace('_', ' ')} in the request")
        media: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.data is not None:
            media["file_size"] = len(stored.data)
        media.update(MEDIA_EXTRA[kind])
        if kind in ("document", "audio", "video", "animation"):
            if stored.file_name:
                media["file_name"] = stored.file_name
            if stored.mime_type:
                media["mime_type"] = stored.mime_type
        content: JSON = {kind: [media] if kind == "photo" else media}
        fingerprint = ""
        if kind not in ("sticker", "video_note"):
            caption = self._text(params, "caption", MAX_CAPTION, "message caption is too long")
            if caption is not None:
                content["caption"], fingerprint = caption
        return self._bot_message(chat_id, params, content, fingerprint)

    def _get_file(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        result: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.data is not None:
            result["file_size"] = len(stored.data)
            result["file_path"] = stored.file_path
        return result

    def _topic_for(self, params: JSON) -> JSON:
        chat_id = self._chat_id(params)
        thread = _as_int(params.get("message_thread_id"), 0)
        topic = self._topics.get((chat_id, thread))
        if topic is None:
            raise _bad("TOPIC_ID_INVALID")
        if topic["deleted"]:
            raise _bad("message thread not found")
        return topic

    @staticmethod
    def _topic_name(value: Any) -> str:
        name = "" if value is None else str(value)
        if not name.strip():
            raise _bad("TOPIC_TITLE_EMPTY")
        if len(name) > MAX_TOPIC_NAME:
            raise _bad("TOPIC_TITLE_TOO_LONG")
        return name

    def _create_forum_topic(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        chat_id = self._chat_id(params)
        self._check_reachable(chat_id)
        chat = self._chat(chat_id)
        if chat["type"] in ("group", "channel"):
            raise _bad("the chat is not a forum")
        name = self._topic_name(params.get("name"))
        color = _as_int(params.get("icon_color"), DEFAULT_TOPIC_COLOR)
        if color not in TOPIC_COLORS:
            raise _bad("TOPIC_ICON_COLOR_INVALID")
        thread = self._alloc_message_id(chat_id)
        created: JSON = {"name": name, "icon_color": color}
        if emoji := params.get("icon_custom_emoji_id"):
            created["icon_custom_emoji_id"] = emoji
        if chat["type"] == "supergroup":
            self._chats[chat_id]["is_forum"] = True
        self._store(
            {
                "message_id": thread,
                "date": int(time.time()),
                "chat": self._chat(chat_id),
                "from": self.bot_user,
                "message_thread_id": thread,
                "is_topic_message": True,
                "forum_topic_created": created,
            }
        )
        self._topics[(chat_id, thread)] = {
            "message_thread_id": thread,
            **created,
            "closed": False,
            "deleted": False,
        }
        return {"message_thread_id": thread, **created}

    def _edit_forum_topic(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        topic = self._topic_for(params)
        changed = False
        if "name" in params:
            name = self._topic_name(params["name"])
            changed |= name != topic["name"]
            topic["name"] = name
        if "icon_custom_emoji_id" in params:
            emoji = params["icon_custom_emoji_id"]
            changed |= emoji != topic.get("icon_custom_emoji_id")
            topic["icon_custom_emoji_id"] = emoji
        if not changed:
            raise _bad("TOPIC_NOT_MODIFIED")
        return True

    def _close_forum_topic(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        topic = self._topic_for(params)
        if topic["closed"]:
            raise _bad("TOPIC_NOT_MODIFIED")
        topic["closed"] = True
        return True

    def _reopen_forum_topic(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        topic = self._topic_for(params)
        if not topic["closed"]:
            raise _bad("TOPIC_NOT_MODIFIED")
        topic["closed"] = False
        return True

    def _delete_forum_topic(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        """Like Telegram: the topic goes with all its messages."""
        self._topic_for(params)["deleted"] = True
        chat_id, thread = self._chat_id(params), _as_int(params.get("message_thread_id"), 0)
        stored = self._messages.get(chat_id, {})
        for message_id in [i for i, m in stored.items() if m.get("message_thread_id") == thread]:
            del stored[message_id]
        return True

    def _pin_chat_message(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        chat_id = self._chat_id(params)
        self._check_reachable(chat_id)
        message = self._find_message(chat_id, params.get("message_id"), "message to pin not found")
        pinned = self._pinned.setdefault(chat_id, [])
        if message["message_id"] not in pinned:
            pinned.append(message["message_id"])
        return True

    def _unpin_chat_message(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        chat_id = self._chat_id(params)
        pinned = self._pinned.get(chat_id, [])
        message_id = params.get("message_id")
        if message_id:
            if message_id in pinned:
                pinned.remove(message_id)
        elif pinned:
            pinned.pop()
        return True

    def pinned(self, chat_id: int) -> list[int]:
        """Message ids pinned in ``chat_id`` (oldest first)."""
        return list(self._pinned.get(chat_id, []))

    def _get_chat(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        chat = self._chat(self._chat_id(params))
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        return chat

    def _get_chat_member(self, params: JSON, uploads: dict[str, _Upload]) -> JSON:
        chat_id = self._chat_id(params)
        user_id = _as_int(params.get("user_id"), 0)
        if not user_id:
            raise _bad("user_id is empty")
        if user_id == self.bot_id:
            return _member(self.bot_user, self._bot_status.get(chat_id, "member"))
        status = self._members.get((chat_id, user_id), "member")
        return _member(self._user(user_id), status)

    def _leave_chat(self, params: JSON, uploads: dict[str, _Upload]) -> bool:
        chat_id = self._chat_id(params)
        self._bot_status[chat_id] = "left"
        return True
