"""The plan, a letter and a follow-up in the console chat (bot/console.py): numbered buttons tick
and choose, the letter's PDF is written into a folder and its path shown, and what comes due is
shown before the next prompt."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console import chat
from bot.deliveries import Deliveries
from bot.engine import Engine
from bot.letters import LetterKind, chat_texts, reminder_text
from tests.engine_helpers import CATALOGUE
from tests.fake_parser import KeywordParser
from tests.plan_helpers import Clock, rows


def first_bytes(path: Path) -> bytes:
    return path.read_bytes()[:4]


class Typed(io.StringIO):
    """What the patient types, line by line; `on_line[n]` runs as line n is read."""

    def __init__(self, lines: list[str], on_line: dict[int, Callable[[], object]]) -> None:
        super().__init__("".join(f"{line}\n" for line in lines))
        self.read_lines = 0
        self.on_line = on_line

    def readline(self, *args: object) -> str:  # type: ignore[override]
        self.read_lines += 1
        if (act := self.on_line.get(self.read_lines)) is not None:
            act()
        return super().readline()


async def test_plan_letter_and_reminder_in_the_console(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    clock = Clock(datetime(2026, 1, 31, 8, 0))
    engine = Engine(CATALOGUE, fake_nlu, sessions, clock=clock)
    deliveries = Deliveries(sessions)

    def month_later() -> None:
        clock.now = datetime(2026, 2, 28, 9, 30)

    typed = Typed(
        [
            "/plan",  # the welcome, then what leaked?
            "1",  # social security number
            "7",  # see my plan: tick a step, the access letter, ...
            "2",  # the access letter
            "1",  # sent today
            "/help",  # a month on: the reminder comes before the next prompt
            "/quit",
        ],
        {6: month_later},
    )
    out = io.StringIO()
    letters = tmp_path / "letters"
    await chat(
        engine,
        stdin=typed,
        stdout=out,
        client_language="fr",
        deliveries=deliveries,
        letters=letters,
    )
    await deliveries.flush()
    shown = out.getvalue()
    assert "Votre plan pour : numéro de sécurité sociale" in shown  # bold rendered, not shown
    [pdf_line] = re.findall(r"\[PDF: (.+)\]", shown)
    pdf = Path(pdf_line)
    assert pdf.parent == letters.resolve() and pdf.name == "courrier-acces.pdf"
    assert first_bytes(pdf) == b"%PDF"
    assert chat_texts(LetterKind.ACCESS_REQUEST, "fr").here_is in shown
    assert "Madame, Monsieur" in shown
    reminder = reminder_text(LetterKind.ACCESS_REQUEST, "fr", date(2026, 1, 31))
    assert reminder in shown
    after_menu = shown.split(CATALOGUE.phrase("menu", "fr"))[-1]
    assert reminder in after_menu and "1) ✉️ Plainte à la CNIL" in after_menu
    assert await rows(sessions, "SELECT count(*) FROM patient_deliveries") == [(0,)]


async def test_a_scam_check_in_the_console(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    engine = Engine(CATALOGUE, fake_nlu, sessions, clock=Clock())
    typed = Typed(
        [
            "/check",
            "URGENT: votre colis est bloqué, frais de 1,99€ à régler sur https://bit.ly/colis-fr2",
            "/quit",
        ],
        {},
    )
    out = io.StringIO()
    await chat(engine, stdin=typed, stdout=out, client_language="fr", letters=tmp_path)
    shown = out.getvalue()
    assert "Collez ici le message suspect" in shown
    assert "arnaque" in shown and "bit[.]ly" in shown and "33700" in shown
    assert "1) 🔎 Vérifier un autre message" in shown  # the buttons, numbered
    assert await rows(sessions, "SELECT kind FROM messages WHERE direction = 'in'") == [
        ("command",),
        ("pasted",),
    ]
