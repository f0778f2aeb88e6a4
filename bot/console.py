"""Console channel: a terminal conversation with the same engine, NLU and database as Telegram.

Buttons are shown as numbered choices; typing the number presses the button. A letter's PDF is
written into a folder (var/letters/ unless told) and its path shown; the follow-ups a patient
asked for are shown once due, before the next prompt.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.deliveries import Deliveries
from bot.documents import letter_pdf
from bot.engine import Button, Engine, Incoming, Turn
from bot.followup_messages import DueFollowups
from bot.replies import LetterFile

BOLD = re.compile(r"\*\*(.+?)\*\*")
LETTERS = Path("var") / "letters"  # where a letter's PDF goes


def save_letter(document: LetterFile, folder: Path = LETTERS) -> Path:
    """The letter's PDF, written into `folder` (made private to the user)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name, pdf = letter_pdf(document)
    path = folder / name
    path.write_bytes(pdf)
    return path.resolve()


def render(
    turn: Turn, *, color: bool, save: Callable[[LetterFile], Path] | None = None
) -> tuple[str, list[Button]]:
    """`save` writes a document and says where: without it, a document shows its caption only."""
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in turn.replies:
        text = BOLD.sub("\033[1m\\1\033[0m" if color else "\\1", reply.text)
        lines += ["", text]
        if reply.document is not None and save is not None:
            lines.append(f"  [PDF: {save(reply.document)}]")
        if reply.buttons:
            buttons = list(reply.buttons)  # the last reply's buttons are the ones to choose from
            lines += [f"  {i}) {b.label}" for i, b in enumerate(buttons, 1)]
    for escalation in turn.escalations:
        lines.append(
            f"  [case requested: {escalation.reason}, {escalation.priority}; in console mode no "
            "agents' group is connected]"
        )
    return "\n".join(lines), buttons


async def chat(
    engine: Engine,
    *,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    chat_id: str = "local",
    client_language: str | None = None,
    deliveries: Deliveries | None = None,
    letters: Path = LETTERS,
) -> None:
    """`deliveries`: told when a turn is shown, so that its stored replies are forgotten.
    `letters`: the folder the letters' PDFs are written into."""
    color = stdout.isatty()
    due = DueFollowups.of(engine)

    def save(document: LetterFile) -> Path:
        return save_letter(document, letters)

    def show(turn: Turn) -> list[Button]:
        text, shown = render(turn, color=color, save=save)
        stdout.write(text + "\n")
        if deliveries is not None:
            deliveries.done(turn.delivery)
        return shown

    loop = asyncio.get_running_loop()
    client_language = client_language or os.environ.get("LANG", "fr")[:2]
    stdout.write("Helpline (console). Type your message; a number picks a choice; /quit leaves.\n")
    buttons: list[Button] = []
    first = True
    while True:
        for followup in await due.take("console", chat_id):  # asked for, and now due
            shown = show(Turn("", list(followup.items), delivery=followup.delivery))
            buttons = shown or buttons
        stdout.write("\n> ")
        stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line or line.strip() in {"/quit", "/exit"}:
            stdout.write("\n")
            return
        typed = line.rstrip("\n")
        if typed.strip().isdigit() and 1 <= int(typed) <= len(buttons):
            incoming = Incoming("console", chat_id, button=buttons[int(typed) - 1].data)
        else:
            incoming = Incoming("console", chat_id, typed, client_language=client_language)
        if first and not typed.strip():
            incoming = Incoming("console", chat_id, "/start", client_language=client_language)
        first = False
        turn = await engine.handle(incoming)
        buttons = show(turn) or buttons
