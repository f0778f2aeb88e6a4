"""The README's pictures of what each role sees, made from the real parts.

- supervisor: the review workspace (`helpline review`'s app on a synthetic database), signed in and
  driven in Debian's headless Chromium;
- patient and agent: the real bot and the real NLU server talking to the Bot API emulator; the
  emulator's record of the patient's chat and of the case's forum topic is drawn as a Telegram-like
  page and photographed in the same browser.

`make screenshots` writes docs/*.png (`python -m tests.screenshots [--out DIR]`); the test suite
runs the same code into a temporary folder, so the command cannot rot.
"""

from __future__ import annotations

import argparse
import asyncio
import html
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web
from playwright.async_api import Browser, async_playwright

from bot.app import open_helpline
from bot.settings import Settings
from bot.telegram.app import build_bot, build_dispatcher
from nlu.rasa import RasaServer, model_path
from review.auth import LoginThrottle, add_user
from review.cli import review_config
from review.demo import seed
from review.web import create_app
from storage.db import create_engine, migrate, session_factory
from tests.postgres_helpers import free_port
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import settings_for

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SUPERVISOR, PASSWORD = "sam", "supervisor-password-1"
PATIENT, AGENTS, AGENT = 5001, -1001000, 7001
SUSPICIOUS_SMS = "j'ai reçu un sms de l'ameli qui me demande de payer des frais, c'est une arnaque"
JSON = dict[str, Any]


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


# ---------------------------------------------------------------- supervisor: the review workspace


async def review_shots(browser: Browser, out: Path, folder: Path) -> list[Path]:
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'review.db'}")
    await migrate(engine)
    sessions = session_factory(engine)
    made = await seed(sessions, 400)
    async with sessions() as session, session.begin():
        await add_user(session, SUPERVISOR, "supervisor", PASSWORD)
    settings = Settings(review_cookie_secure=False)
    app = create_app(sessions, review_config(settings), LoginThrottle(5, 20, 900))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    shots = [out / "review-conversations.png", out / "review-transcript.png"]
    try:
        page = await browser.new_page(viewport={"width": 1280, "height": 860})
        await page.goto(base + "/login?next=/conversations")
        await page.fill("input[name=name]", SUPERVISOR)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(base + "/conversations")
        await page.screenshot(path=shots[0])
        # the transcript of a long escalated conversation: bot phase, then the agent's
        escalated = [c for c in made if c.case is not None]
        chosen = max(escalated, key=lambda c: (len(c.messages), c.id))
        await page.goto(f"{base}/conversations/{chosen.pseudonym}")
        await page.screenshot(path=shots[1], full_page=True)
    finally:
        await runner.cleanup()
        await engine.dispose()
    return shots


# ------------------------------------------------------------------ patient and agent: Telegram

ENTITY_TAGS = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "spoiler": "span",
}


def entities_html(text: str, entities: list[JSON]) -> str:
    """Telegram's text + entities (offsets in UTF-16 code units) as HTML."""
    opens: dict[int, list[str]] = defaultdict(list)
    closes: dict[int, list[str]] = defaultdict(list)
    for entity in entities:
        kind, start = entity["type"], entity["offset"]
        end = start + entity["length"]
        if kind == "text_link":
            opens[start].append(f'<a href="{html.escape(entity["url"])}">')
            closes[end].insert(0, "</a>")
        elif kind in ("url", "bot_command"):
            opens[start].append('<span class="link">')
            closes[end].insert(0, "</span>")
        elif tag := ENTITY_TAGS.get(kind):
            opens[start].append(f"<{tag}>")
            closes[end].insert(0, f"</{tag}>")
    parts: list[str] = []
    position = 0
    for char in text:
        parts += closes.pop(position, []) + opens.pop(position, [])
        parts.append("<br>" if char == "\n" else html.escape(char))
        position += 2 if ord(char) > 0xFFFF else 1
    parts += closes.pop(position, [])
    return "".join(parts)


SERVICE = {
    "forum_topic_created": lambda m: f"Sujet « {m['forum_topic_created']['name']} » créé",
    "forum_topic_edited": lambda m: "Sujet renommé",
    "forum_topic_closed": lambda m: "Sujet fermé",
    "forum_topic_reopened": lambda m: "Sujet rouvert",
    "pinned_message": lambda m: "Message épinglé",
}


def bubble(message: JSON, mine: bool, names: dict[int, str]) -> str:
    for key, describe in SERVICE.items():
        if key in message:
            return f'<div class="service">{html.escape(describe(message))}</div>'
    sender = message.get("from", {})
    who = names.get(sender.get("id", 0), sender.get("first_name", ""))
    if "text" in message:
        body = entities_html(message["text"], message.get("entities", []))
    elif "photo" in message:
        caption = message.get("caption", "")
        body = '<div class="media">🖼 photo</div>' + html.escape(caption)
    else:
        body = '<div class="media">📎 ' + html.escape(
            next((k for k in ("document", "voice", "sticker") if k in message), "message")
        )
        body += "</div>"
    buttons = ""
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        cells = "".join(f'<span class="button">{html.escape(b["text"])}</span>' for b in row)
        buttons += f'<div class="row">{cells}</div>'
    side = "mine" if mine else "theirs"
    return (
        f'<div class="line {side}"><div class="bubble"><div class="who">{html.escape(who)}</div>'
        f"{body}</div>{buttons}</div>"
    )


PAGE = """<!doctype html><meta charset="utf-8"><style>
body {{ margin: 0; font: 15px/1.4 system-ui, sans-serif; background: #dfe7d8; }}
header {{ background: #fff; padding: 10px 16px; border-bottom: 1px solid #ccc; }}
header b {{ display: block; font-size: 16px; }} header small {{ color: #708499; }}
.pinned {{ background: #fff; border-bottom: 1px solid #ccc; padding: 6px 16px; font-size: 13px;
  border-left: 3px solid #3390ec; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }}
.pinned b {{ color: #3390ec; }}
main {{ padding: 12px 16px; max-width: 720px; }}
.line {{ margin: 6px 0; display: flex; flex-direction: column; }}
.mine {{ align-items: flex-end; }} .theirs {{ align-items: flex-start; }}
.bubble {{ max-width: 78%; padding: 6px 10px; border-radius: 12px; background: #fff;
  box-shadow: 0 1px 1px rgba(0,0,0,.15); }}
.mine .bubble {{ background: #effdde; }}
.who {{ font-size: 12px; font-weight: 600; color: #3390ec; }}
.service {{ margin: 8px auto; width: fit-content; padding: 2px 10px; border-radius: 10px;
  background: rgba(0,0,0,.2); color: #fff; font-size: 13px; }}
.media {{ color: #708499; }} .link {{ color: #3390ec; }} a {{ color: #3390ec; }}
blockquote {{ margin: 4px 0; padding-left: 8px; border-left: 3px solid #3390ec; }}
.row {{ display: flex; gap: 4px; margin-top: 3px; max-width: 78%; width: 100%; }}
.button {{ flex: 1; text-align: center; background: rgba(0,0,0,.25); color: #fff;
  border-radius: 8px; padding: 6px; font-size: 13px; }}
</style>
<header><b>{title}</b><small>{subtitle}</small></header>{pinned}<main>{lines}</main>"""


def chat_page(
    messages: list[JSON],
    *,
    title: str,
    subtitle: str,
    mine: set[int],
    names: dict[int, str],
    pinned: JSON | None = None,
) -> str:
    strip = ""
    if pinned is not None:
        first = pinned.get("text", "").split("\n", 1)[0]
        strip = f'<div class="pinned"><b>📌 Pinned</b> {html.escape(first)}</div>'
    lines = "".join(bubble(m, m.get("from", {}).get("id") in mine, names) for m in messages)
    return PAGE.format(
        title=html.escape(title), subtitle=html.escape(subtitle), pinned=strip, lines=lines
    )


class Conversation:
    """A patient and an agent acting through the emulator, each step waiting for the bot."""

    def __init__(self, emulator: BotAPIEmulator) -> None:
        self.emulator = emulator

    async def patient_says(self, text: str, replies: int) -> None:
        before = len(self.emulator.calls("sendMessage", chat_id=PATIENT))
        self.emulator.push_text(PATIENT, text, first_name="Camille", language_code="fr")
        await self.emulator.wait_for_calls("sendMessage", before + replies, chat_id=PATIENT)

    async def patient_taps(self, data: str) -> None:
        last = self.emulator.sent(PATIENT)[-1]
        before = len(self.emulator.calls("pinChatMessage", chat_id=AGENTS))
        self.emulator.push_callback(PATIENT, data, message_id=last["message_id"])
        await self.emulator.wait_for_calls("pinChatMessage", before + 1, chat_id=AGENTS)

    async def agent_says(
        self, topic: int, text: str, method: str | None = None, chat_id: int = PATIENT
    ) -> None:
        """Waits for one more `method` call to `chat_id` (None: a note, which sends nothing)."""
        before = len(self.emulator.calls(method, chat_id=chat_id)) if method else 0
        self.emulator.push_text(
            AGENTS,
            text,
            user_id=AGENT,
            first_name="Claire",
            chat_type="supergroup",
            message_thread_id=topic,
        )
        if method:
            await self.emulator.wait_for_calls(method, before + 1, chat_id=chat_id)


async def telegram_shots(browser: Browser, out: Path, folder: Path, rasa_url: str) -> list[Path]:
    emulator = BotAPIEmulator()
    await emulator.start()
    emulator.set_member(AGENTS, AGENT, "member")
    settings = settings_for(emulator, rasa_url, folder / "bot.db")
    assert settings.helpline_agents_chat_id == AGENTS
    shots = [out / "patient-chat.png", out / "agents-topic.png"]
    try:
        async with open_helpline(settings) as helpline:
            bot, dispatcher = build_bot(settings), build_dispatcher(helpline)
            polling = asyncio.create_task(
                dispatcher.start_polling(bot, handle_signals=False, polling_timeout=2)
            )
            try:
                talk = Conversation(emulator)
                await talk.patient_says("bonjour", 2)
                await talk.patient_says(SUSPICIOUS_SMS, 1)
                await talk.patient_says("/human", 2)
                await emulator.wait_for_calls("pinChatMessage", 1, chat_id=AGENTS)
                pin = emulator.calls("pinChatMessage", chat_id=AGENTS)[-1].params["message_id"]
                card = emulator.message(AGENTS, int(pin))
                assert card is not None
                topic = int(card["message_thread_id"])
                await talk.agent_says(topic, "/take", "sendMessage", PATIENT)
                await talk.agent_says(
                    topic,
                    "Bonjour, je suis Claire, de l'équipe. Avez-vous cliqué sur le lien ou payé "
                    "quelque chose ?",
                    "copyMessage",
                    PATIENT,
                )
                await talk.patient_says("non je n'ai rien payé, j'ai juste eu peur", 0)
                await emulator.wait_until(
                    lambda: any(
                        "rien payé" in m.get("text", "")
                        for m in emulator.history(AGENTS, thread_id=topic)
                    )
                )
                await talk.agent_says(
                    topic, "!Pas de paiement, patiente rassurée ; SMS signalé au 33700."
                )
            finally:
                await dispatcher.stop_polling()
                await polling
    finally:
        await emulator.stop()

    patient_view = chat_page(
        emulator.history(PATIENT),
        title="Helpline fuite de données",
        subtitle="bot",
        mine={PATIENT},
        names={PATIENT: "Camille (patiente)", emulator.bot_id: "Helpline"},
    )
    card = emulator.message(AGENTS, int(pin)) or {}
    topic_view = chat_page(
        emulator.history(AGENTS, thread_id=topic),
        title=(emulator.topic(AGENTS, topic) or {}).get("name", ""),
        subtitle="Groupe des agents · un sujet par dossier",
        mine={AGENT},
        names={AGENT: "Claire (agente)", emulator.bot_id: "Helpline"},
        pinned=card,
    )
    for path, page_html in zip(shots, (patient_view, topic_view), strict=True):
        page = await browser.new_page(viewport={"width": 760, "height": 900})
        await page.set_content(page_html)
        await page.screenshot(path=path, full_page=True)
        await page.close()
    return shots


async def make_all(out: Path, folder: Path, rasa_url: str | None = None) -> list[Path]:
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    async with chromium() as browser:
        shots = await review_shots(browser, out, folder)
        if rasa_url is not None:
            return shots + await telegram_shots(browser, out, folder, rasa_url)
        with RasaServer(model_path(), port=free_port()) as server:
            return shots + await telegram_shots(browser, out, folder, server.url)


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DOCS)
    parser.add_argument("--rasa-url", help="an NLU server already running (else one is started)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for path in asyncio.run(make_all(args.out, Path(folder), args.rasa_url)):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
