"""Benchmark: the crisis screen (bot/crisis_screen.py) on the held-out crisis sets.

The screen only orders the webhook's line: the messages it suspects are handled (and parsed by
the NLU) first. What it is for is the crises the keyword net misses, which only the model sees:
the figure is the share of those it puts ahead (per set), against the share of non-crisis
messages it puts ahead too (they only go first; nothing answers differently). Also its time per
message. The sets are nlu/eval/crisis*.yml (nlu/crisis_eval.py says which were read while
tuning); the final one's messages are never printed. Their non-crisis messages are written to be
hard (sad, worried, near the words of a crisis): for everyday messages, a screen built on four
fifths of the training data is measured on the fifth left out (what share of the other intents'
examples it puts ahead).
Run: `.venv/bin/python bench/crisis_screen.py`
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import yaml
from figures import write_figures

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.crisis_screen import THRESHOLD, CrisisScreen, crises_and_others, training_screen
from bot.safety import Risk, read
from nlu.crisis_eval import FINAL_SET, SETS
from nlu.dataset import load_examples

HELD_OUT = 5  # one in this many training examples left out of the split screen


def held_out_figures() -> dict:
    """A screen built on four fifths of the training data, on the fifth left out."""
    examples = load_examples()
    crises, others = crises_and_others(examples)
    rng = random.Random(0)
    rng.shuffle(crises)
    rng.shuffle(others)
    cut_crises, cut_others = len(crises) // HELD_OUT, len(others) // HELD_OUT
    screen = CrisisScreen(crises[cut_crises:], others[cut_others:])
    ahead_crises = sum(map(screen.suspect, crises[:cut_crises])) / cut_crises
    ahead_others = sum(map(screen.suspect, others[:cut_others])) / cut_others
    return {
        "crises": cut_crises,
        "crises_ahead": round(ahead_crises, 3),
        "others": cut_others,
        "others_ahead": round(ahead_others, 3),
    }


def main() -> None:
    started = time.perf_counter()
    screen = training_screen()
    built = time.perf_counter() - started
    figures: dict = {"threshold": THRESHOLD, "built_in_seconds": round(built, 2), "sets": {}}
    print(f"screen built in {built:.2f} s from the training data; threshold {THRESHOLD}")
    timed, seconds = 0, 0.0
    for path in SETS:
        messages = yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
        crises = [m["text"] for m in messages if m["label"] == "crisis"]
        others = [m["text"] for m in messages if m["label"] != "crisis"]
        net_missed = [t for t in crises if read(t).risk is Risk.NONE]
        before = time.perf_counter()
        ahead_missed = sum(map(screen.suspect, net_missed))
        ahead_crises = sum(map(screen.suspect, crises))
        ahead_others = sum(map(screen.suspect, others))
        seconds += time.perf_counter() - before
        timed += len(net_missed) + len(crises) + len(others)
        row = {
            "crises": len(crises),
            "net_missed": len(net_missed),
            "net_missed_ahead": round(ahead_missed / len(net_missed), 3) if net_missed else None,
            "crises_ahead": round(ahead_crises / len(crises), 3),
            "others": len(others),
            "others_ahead": round(ahead_others / len(others), 3),
            "final": path == FINAL_SET,
        }
        figures["sets"][path.name] = row
        print(
            f"  {path.name:34} crises the net misses put ahead {ahead_missed}/{len(net_missed)}"
            f" ({row['net_missed_ahead']}), all crises {row['crises_ahead']}, non-crisis"
            f" messages put ahead too {ahead_others}/{len(others)} ({row['others_ahead']})"
        )
    held_out = figures["training_fifth_left_out"] = held_out_figures()
    print(
        f"  training data, a fifth left out: crises put ahead {held_out['crises_ahead']} of"
        f" {held_out['crises']}, the other intents' examples {held_out['others_ahead']} of"
        f" {held_out['others']}"
    )
    figures["microseconds_per_message"] = round(seconds / timed * 1e6, 1)
    print(f"  {figures['microseconds_per_message']} µs per message")
    if "--write" in sys.argv:
        write_figures("crisis_screen", figures)


if __name__ == "__main__":
    main()
