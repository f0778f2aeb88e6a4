"""The console channel drives the real engine: numbered buttons, commands, quitting."""

from __future__ import annotations

import io
from pathlib import Path

from bot.console import chat
from bot.engine import Engine
from nlu.client import NLUClient
from nlu.rasa import intents_from_domain
from responses import load_catalogue
from storage.db import create_engine, migrate, session_factory


async def test_console_conversation_with_numbered_buttons(rasa_url: str, tmp_path: Path) -> None:
    db = create_engine(f"sqlite+aiosqlite:///{tmp_path}/console.db")
    await migrate(db)
    catalogue = load_catalogue(intents_from_domain())
    out = io.StringIO()
    typed = io.StringIO("bonjour\n2\n/language\n2\n/quit\nnever read\n")
    async with NLUClient(rasa_url) as nlu:
        await chat(
            Engine(catalogue, nlu, session_factory(db)),
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
