"""The console channel drives the real engine: numbered buttons, commands, quitting (with the
keyword parser); and, wired by open_helpline with the real NLU server, never promises a person."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import open_helpline
from bot.console import chat
from bot.engine import Engine
from bot.settings import Settings
from nlu.rasa import intents_from_domain
from responses import load_catalogue
from storage.db import create_engine, migrate, session_factory
from tests.fake_parser import KeywordParser


async def test_console_conversation_with_numbered_buttons(
    fake_nlu: KeywordParser, tmp_path: Path
) -> None:
    db = create_engine(f"sqlite+aiosqlite:///{tmp_path}/console.db")
    await migrate(db)
    catalogue = load_catalogue(intents_from_domain())
    out = io.StringIO()
    typed = io.StringIO("bonjour\n2\n/language\n2\n/quit\nnever read\n")
    await chat(
        Engine(catalogue, fake_nlu, session_factory(db)),
        stdin=typed,
        stdout=out,
        client_language="fr",
    )
    await db.dispose()
    text = out.getvalue()
    assert catalogue.answer("greet", "fr").text.splitlines()[0] in text
    greet_buttons = catalogue.answer("greet", "fr").buttons
    assert f"2) {catalogue.title(greet_buttons[1], 'fr')}" in text
    # "2" pressed the second button: its answer follows
    assert catalogue.answer(greet_buttons[1], "fr").text.replace("**", "").splitlines()[0] in text
    assert catalogue.phrase("language_set", "en") in text  # "2" = English in the language prompt
    assert "**" not in text  # bold markers are rendered, not shown
    assert typed.readline() == "never read\n"  # /quit stopped reading


@pytest.mark.rasa
async def test_without_agents_a_handoff_says_who_to_call_and_the_bot_keeps_answering(
    rasa_url: str, tmp_path: Path
) -> None:
    """The console has no agents' group: a person is never promised, and the conversation goes
    on after /human (it used to fall silent, waiting for agents who could not come)."""
    settings = Settings(
        rasa_url=rasa_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/console.db",
        helpline_agents_chat_id=-1001000,  # even configured, the console cannot reach it
    )
    out = io.StringIO()
    typed = io.StringIO("bonjour\n/human\nj'ai reçu un SMS bizarre\nje veux mourir\n/quit\n")
    async with open_helpline(settings, console=True) as helpline:
        catalogue = helpline.engine.catalogue
        await chat(helpline.engine, stdin=typed, stdout=out, client_language="fr")
        async with helpline.sessions() as session:
            opened = (await session.execute(text("SELECT count(*) FROM cases"))).scalar()
    shown = out.getvalue()
    no_team = catalogue.phrase("no_team", "fr").replace("**", "")
    assert no_team in shown and "116 006" in no_team
    assert (
        catalogue.answer("human_handoff", "fr").text.replace("**", "").splitlines()[0] not in shown
    )
    assert catalogue.answer("phishing_report", "fr").text.replace("**", "").splitlines()[0] in shown
    crisis = catalogue.phrase("crisis_no_team", "fr").replace("**", "")
    assert crisis in shown and "3114" in crisis and "prévenue" not in crisis
    assert opened == 0
