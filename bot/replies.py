"""What the helpline says to a patient: text, and buttons under it. Channel-independent."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    # a neutral first line shown above the text of each message the reply makes (discreet mode,
    # bot/discretion.py: what a lock screen's preview shows); "" for none
    lead: str = ""
