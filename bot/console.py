"""Console channel: a terminal conversation with the same engine, NLU and database as Telegram.

Buttons are shown as numbered choices; typing the number presses the button.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from typing import TextIO

from bot.deliveries import Deliveries
from bot.engine import Button, Engine, Incoming, Turn

BOLD = re.compile(r"\*\*(.+?)\*\*")


def render(turn: Turn, *, color: bool) -> tuple[str, list[Button]]:
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in turn.replies:
        text = BOLD.sub("\033[1m\\1\033[0m" if color else "\\1", reply.text)
        lines += ["", text]
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
) -> None:
    """`deliveries`: told when a turn is shown, so that its stored replies are forgotten."""
    color = stdout.isatty()
    loop = asyncio.get_running_loop()
    client_language = client_language or os.environ.get("LANG", "fr")[:2]
    stdout.write("Helpline (console). Type your message; a number picks a choice; /quit leaves.\n")
    buttons: list[Button] = []
    first = True
    while True:
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
        text, new_buttons = render(turn, color=color)
        buttons = new_buttons or buttons
        stdout.write(text + "\n")
        if deliveries is not None:
            deliveries.done(turn.delivery)
