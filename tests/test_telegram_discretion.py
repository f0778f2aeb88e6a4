"""Discretion on a shared phone, end to end: the real bot (real NLU server, real SQLite file)
against the Bot API emulator. /delete removes the chat's recent messages and leaves what
Telegram no longer lets a bot delete; discreet mode deletes the chat's messages after the
patient's delay (an injected clock: no sleeping), also after a restart; and no bot message in
discreet mode begins with a sensitive word, with the real answers."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

import storage.chat_messages
from bot.app import open_helpline
from bot.discretion import ChatTrail
from bot.telegram.app import COMMANDS
from bot.telegram.discretion import Sweeper
from storage.models import utcnow
from tests.telegram_emulator import BotAPIEmulator
from tests.telegram_helpers import RunningBot, settings_for, start_bot

pytestmark = pytest.mark.rasa  # end to end, with the real NLU server
PATIENT, OTHER = 5101, 5102
HOURS_49 = 49 * 3600
# what a lock screen must not show first: diagnoses, the services that name them, crisis words
SENSITIVE = re.compile(
    r"vih|\bhiv\b|sida|\baids\b|s[ée]ropositi|h[ée]patite|hepatitis|cancer|suicid|mourir|"
    r"\bdie\b|crise|crisis|danger|urgen|emergenc|samu|\b15\b|\b112\b|3114|sant[ée]|health|"
    r"diagnos|maladie|illness|\bist\b|\bsti\b|discrimin|m[ée]decin|doctor|chantage|blackmail|"
    r"employeur|employer|d[ée]fenseur|3928|d[ée]tresse|distress|\bmal\b|harm|inqui[ée]tude",
    re.IGNORECASE,
)


class Clock:
    """Now, moved forward by `ahead`: when the bot's and the patient's messages were sent, and
    when the sweep runs."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.ahead


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The clock of the message ids: the engine's (the patient's messages) through
    storage.chat_messages; give it to the bot's trail too (`running.helpline.deliveries.trail`)."""
    clock = Clock()
    monkeypatch.setattr(storage.chat_messages, "utcnow", clock)
    return clock


def phrase(running: RunningBot, key: str, language: str = "fr", **values: str) -> str:
    return running.catalogue.phrase(key, language, **values).replace("**", "")


def button_data(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


async def answered(running: RunningBot, count: int, chat: int = PATIENT) -> list[dict]:
    """The bot's messages to `chat`, once `count` were sent."""
    await running.emulator.wait_for_calls("sendMessage", count, chat_id=chat)
    return running.emulator.sent(chat)


async def says(running: RunningBot, words: str, chat: int = PATIENT) -> dict:
    """The patient writes; the bot's last message once its answer came (one more message)."""
    count = len(running.emulator.calls("sendMessage", chat_id=chat))
    running.emulator.push_text(chat, words)
    return (await answered(running, count + 1, chat))[-1]


async def presses(running: RunningBot, data: str, on: dict, chat: int = PATIENT) -> dict:
    count = len(running.emulator.calls("sendMessage", chat_id=chat))
    running.emulator.push_callback(chat, data, message_id=on["message_id"])
    return (await answered(running, count + 1, chat))[-1]


async def sees(running: RunningBot, fragment: str, chat: int = PATIENT) -> None:
    """Wait until a message to `chat` contains `fragment`."""
    await running.emulator.wait_until(
        lambda: any(fragment in m.get("text", "") for m in running.emulator.sent(chat)),
        what=f"a message with {fragment[:30]!r}",
    )


async def turn_discreet_on(running: RunningBot, minutes: int = 60) -> dict:
    prompt = await says(running, "/discreet")
    assert prompt["text"] == phrase(running, "discreet_prompt")
    assert button_data(prompt) == ["discreet:60", "discreet:1440"]
    done = await presses(running, f"discreet:{minutes}", prompt)
    delay = running.catalogue.phrase(f"discreet_delay_{minutes}", "fr")
    lead = phrase(running, "discreet_lead")
    assert done["text"] == f"{lead}\n\n{phrase(running, 'discreet_on', delay=delay)}"
    return done


class Watch:
    """The ids the bot's trail is told of from now on (it notes a message's id just after
    Telegram answered, a moment after the emulator saw the call)."""

    def __init__(self, trail: ChatTrail) -> None:
        self.ids: set[tuple[str, int]] = set()
        self.changed = asyncio.Event()
        told = trail.sent

        def sent(channel: str, chat_id: str, message_id: int) -> None:
            told(channel, chat_id, message_id)
            self.ids.add((chat_id, message_id))
            self.changed.set()

        trail.sent = sent  # type: ignore[method-assign]


async def noted(running: RunningBot, message: dict, chat: int = PATIENT) -> None:
    """Wait until the bot noted the id of its message, and wrote it."""
    trail = running.helpline.deliveries.trail
    watch, key = Watch(trail), (str(chat), message["message_id"])
    if key[1] not in await trail.recent("telegram", key[0]):
        async with asyncio.timeout(5):
            while key not in watch.ids:
                watch.changed.clear()
                await watch.changed.wait()
    await trail.flush()


async def ids_noted(running: RunningBot, chat: int) -> list[int]:
    await running.helpline.deliveries.trail.flush()
    rows = await running.rows(
        f"SELECT message_id FROM chat_messages WHERE chat_id = '{chat}' ORDER BY message_id"
    )
    return [r[0] for r in rows]


def sweeper(running: RunningBot) -> Sweeper:
    found = running.dispatcher["sweeper"]
    assert isinstance(found, Sweeper)
    return found


async def test_discreet_is_in_the_bots_command_list(running: RunningBot) -> None:
    assert "discreet" in COMMANDS
    commands = {c["command"]: c["description"] for c in running.emulator.commands()}
    assert commands["discreet"] == running.catalogue.phrase("command_discreet", "fr")


async def test_delete_removes_the_chats_recent_messages_and_its_confirmation_stays(
    running: RunningBot,
) -> None:
    emulator = running.emulator
    emulator.push_text(PATIENT, "bonjour")
    await answered(running, 2)
    await says(running, "j'ai reçu un SMS bizarre qui parle de mon labo et de mes analyses")
    emulator.push_text(OTHER, "bonjour")  # another patient's chat is not touched
    await answered(running, 2, OTHER)
    confirm = await says(running, "/delete")
    assert confirm["text"] == phrase(running, "delete_confirm")
    assert len(emulator.history(PATIENT)) == 7  # 3 messages of theirs, 4 of the bot's
    done = await presses(running, "delete:yes", confirm)

    assert done["text"] == phrase(running, "deleted")
    assert emulator.history(PATIENT) == [emulator.message(PATIENT, done["message_id"])]
    assert len(emulator.history(OTHER)) == 3
    calls = emulator.calls("deleteMessages", chat_id=PATIENT)
    assert calls and all(call.ok for call in calls)
    # the ids are forgotten with the chat's messages; the patient's row went before
    await noted(running, done)
    assert await ids_noted(running, PATIENT) == [done["message_id"]]  # the confirmation's
    assert await running.rows(f"SELECT count(*) FROM patients WHERE chat_id = '{PATIENT}'") == [
        (0,)
    ]


async def test_delete_leaves_what_telegram_no_longer_lets_a_bot_delete(
    running: RunningBot,
) -> None:
    emulator = running.emulator
    emulator.push_text(PATIENT, "bonjour")
    await noted(running, (await answered(running, 2))[-1])
    old = emulator.history(PATIENT)
    # two days later: Telegram no longer lets the bot delete those; their ids are forgotten
    emulator.backdate(PATIENT, HOURS_49)
    async with running.helpline.sessions() as session, session.begin():
        await session.execute(
            text("UPDATE chat_messages SET sent_at = :then"),
            {"then": utcnow() - timedelta(seconds=HOURS_49)},
        )
    await says(running, "comment savoir si je suis concerné par la fuite ?")
    confirm = await says(running, "/delete")
    done = await presses(running, "delete:yes", confirm)

    left = [m["message_id"] for m in emulator.history(PATIENT)]
    assert left == [*(m["message_id"] for m in old), done["message_id"]]
    # the bot asked only for what it may delete: the emulator refuses a call with an old id
    assert all(call.ok for call in emulator.calls("deleteMessages", chat_id=PATIENT))
    for words in ("48 heures", "Telegram ne permet pas à un bot", "supprimez vous-même"):
        assert words in done["text"]


async def test_discreet_mode_deletes_the_chats_messages_after_the_delay(
    running: RunningBot, clock: Clock
) -> None:
    emulator, trail = running.emulator, running.helpline.deliveries.trail
    trail.clock = clock
    emulator.push_text(PATIENT, "bonjour")
    await answered(running, 2)
    await turn_discreet_on(running, 60)
    await says(running, "mon employeur peut-il savoir que je suis séropositif ?")
    emulator.push_text(OTHER, "bonjour")  # not in discreet mode
    await noted(running, (await answered(running, 2, OTHER))[-1], OTHER)
    assert len(emulator.history(PATIENT)) == 8
    await noted(running, emulator.sent(PATIENT)[-1])
    clock.ahead = timedelta(minutes=59)
    assert await sweeper(running).sweep(running.bot) == 0
    assert len(emulator.history(PATIENT)) == 8

    clock.ahead = timedelta(minutes=61)
    assert await sweeper(running).sweep(running.bot) == 8
    assert emulator.history(PATIENT) == []
    assert len(emulator.history(OTHER)) == 3
    assert await ids_noted(running, PATIENT) == []
    assert len(await ids_noted(running, OTHER)) == 3

    # what comes after waits for its own hour
    later = await says(running, "merci")
    await noted(running, later)
    assert await sweeper(running).sweep(running.bot) == 0
    assert [m["message_id"] for m in emulator.history(PATIENT)] == [
        later["message_id"] - 1,
        later["message_id"],
    ]
    clock.ahead = timedelta(minutes=122)
    assert await sweeper(running).sweep(running.bot) == 2
    # and the sweep forgets every id past 48 hours, the other chat's included
    clock.ahead = timedelta(hours=49)
    await sweeper(running).sweep(running.bot)
    assert await ids_noted(running, OTHER) == []
    assert len(emulator.history(OTHER)) == 3  # not discreet: nothing deleted


async def test_discreet_mode_survives_a_restart(
    emulator: BotAPIEmulator, rasa_url: str, tmp_path: Path, clock: Clock
) -> None:
    settings = settings_for(emulator, rasa_url, tmp_path / "bot.db")
    async with open_helpline(settings) as helpline:
        helpline.deliveries.trail.clock = clock
        running = await start_bot(emulator, helpline)
        try:
            emulator.push_text(PATIENT, "bonjour")
            await answered(running, 2)
            await turn_discreet_on(running, 1440)
        finally:
            await running.stop()
    assert len(emulator.history(PATIENT)) == 6

    async with open_helpline(settings) as helpline:
        helpline.deliveries.trail.clock = clock
        running = await start_bot(emulator, helpline)
        try:
            # the state is in the database: the new process knows the patient is discreet
            lead = phrase(running, "discreet_lead")
            thanked = await says(running, "merci")
            assert thanked["text"].startswith(lead + "\n\n")
            await noted(running, thanked)
            clock.ahead = timedelta(hours=23, minutes=59)
            assert await sweeper(running).sweep(running.bot) == 0
            clock.ahead = timedelta(hours=24, minutes=1)
            assert await sweeper(running).sweep(running.bot) == 8
            assert emulator.history(PATIENT) == []
        finally:
            await running.stop()


async def test_no_bot_message_in_discreet_mode_begins_with_a_sensitive_word(
    running: RunningBot,
) -> None:
    emulator, catalogue = running.emulator, running.catalogue

    def first_answer_line(intent: str) -> str:
        return catalogue.answer(intent, "fr").text.replace("**", "").strip().split("\n")[0][:40]

    # without discreet mode, the real answers do begin with what a lock screen must not show
    emulator.push_text(OTHER, "j'ai pris 20 comprimés de doliprane")
    await sees(running, first_answer_line("crisis"), OTHER)
    assert any(SENSITIVE.search(m["text"].split("\n")[0]) for m in emulator.sent(OTHER))

    emulator.push_text(PATIENT, "bonjour")
    await answered(running, 2)
    await turn_discreet_on(running, 60)
    since = len(emulator.sent(PATIENT)) - 1  # the confirmation of discreet mode on
    for words, intent in [
        ("Mon employeur peut-il savoir que je suis séropositif à cause de la fuite ?",
         "sensitive_data_exposed"),
        ("je suis très angoissée depuis la fuite, je n'en dors plus", "emotional_support"),
        ("/privacy", "bot_privacy"),
        ("on me fait du chantage avec mes résultats d'analyses", "blackmail"),  # opens a case
        ("j'ai pris 20 comprimés de doliprane", "crisis"),  # answered inside the case
    ]:  # fmt: skip
        emulator.push_text(PATIENT, words)
        await sees(running, first_answer_line(intent))
    count = len(emulator.calls("sendMessage", chat_id=PATIENT))
    emulator.push_text(PATIENT, "/help")  # after everything queued before it
    await answered(running, count + 1)

    lead = phrase(running, "discreet_lead")
    sent = emulator.sent(PATIENT)[since:]
    texts = [m["text"] for m in sent]
    assert any("Sida Info Service" in t for t in texts) and any("3114" in t for t in texts)
    assert any(t.startswith(f"{lead}\n\n{phrase(running, 'crisis_imminent')}") for t in texts)
    assert len(sent) >= 8
    for message in sent:
        first_line = message["text"].split("\n")[0]
        assert first_line == lead, message["text"][:80]
        assert not SENSITIVE.search(first_line)


async def test_the_emulator_deletes_like_telegram(running: RunningBot) -> None:
    """deleteMessages: missing ids skipped; a message 48 hours old can no longer be deleted."""
    emulator, bot = running.emulator, running.bot
    emulator.push_text(PATIENT, "bonjour")
    first, second = await answered(running, 2)
    assert await bot.delete_messages(PATIENT, [first["message_id"], 99_999])
    assert emulator.message(PATIENT, first["message_id"]) is None
    emulator.backdate(PATIENT, 48 * 3600, [second["message_id"]])
    with pytest.raises(Exception, match="can't be deleted"):
        await bot.delete_messages(PATIENT, [second["message_id"]])
    with pytest.raises(Exception, match="can't be deleted"):
        await bot.delete_message(PATIENT, second["message_id"])
    assert emulator.message(PATIENT, second["message_id"]) is not None
    with pytest.raises(Exception, match="1-100"):
        await bot.delete_messages(PATIENT, list(range(1, 102)))
