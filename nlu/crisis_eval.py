"""Crisis detection measured on held-out sets (nlu/eval/crisis*.yml), never trained on.

Each message is read as the engine reads it (`Engine.assess`: the keyword net, then the model's
crisis score) and placed in a tier: CLEAR or IMMINENT get the emergency answer and an urgent case,
POSSIBLE gets the direct question. Reported, per set:

- recall: crisis messages that get either (the patient is at least asked), and per tier of the
  label (imminent / clear / possible);
- false alarms: non-crisis messages given the emergency answer, and those asked the question;
- the same for the keyword net alone and the model alone, so one can see which moved the figure.

`helpline nlu crisis-eval` writes reports/nlu/crisis.md.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.safety import Risk, read, risk_of_score
from nlu.client import NLUClient
from nlu.rasa import ROOT

EVAL_DIR = ROOT / "nlu" / "eval"
DEV_SET = EVAL_DIR / "crisis.yml"
SECOND_DEV_SET = EVAL_DIR / "crisis-test.yml"  # written as a test set; its errors were read once
# the test set of session 5, whose errors were read in session 6 to improve the net and data
THIRD_DEV_SET = EVAL_DIR / "crisis-final.yml"
# written as a test set on 2026-11-29; its errors were read in session 7 to improve the net and data
FOURTH_DEV_SET = EVAL_DIR / "crisis-untouched.yml"
# written apart by another hand on 2026-11-29, evaluated once; its errors were read in session 8
FIFTH_DEV_SET = EVAL_DIR / "crisis-holdout-2026-11-29.yml"
# written apart by another hand; the final set's messages are never printed nor read while tuning:
# reading its errors would make it a development set
FINAL_SET = EVAL_DIR / "crisis-holdout-2026-11-30.yml"
SETS = (DEV_SET, SECOND_DEV_SET, THIRD_DEV_SET, FOURTH_DEV_SET, FIFTH_DEV_SET, FINAL_SET)
REPORT = ROOT / "reports" / "nlu" / "crisis.md"
TIERS = ("imminent", "clear", "possible")


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    crisis: bool
    tier: str | None
    language: str


@dataclass(frozen=True, slots=True)
class Read:
    item: Labelled
    net: Risk  # the keyword net alone
    model: Risk  # the model's crisis score alone
    both: Risk  # what the engine decides (bot.safety.assess with the score)


def load_set(path: Path) -> list[Labelled]:
    messages = yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    return [Labelled(m["text"], m["label"] == "crisis", m.get("tier"), m["lang"]) for m in messages]


async def read_all(items: list[Labelled], nlu: NLUClient, concurrency: int = 8) -> list[Read]:
    """The net and the model on every message (the model is asked even when the net decided,
    so that each can be measured alone)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(item: Labelled) -> Read:
        async with gate:
            parsed = await nlu.parse(item.text)
        score = parsed.score("crisis")
        net = read(item.text)
        return Read(item, net.risk, risk_of_score(score), net.with_score(score))

    return list(await asyncio.gather(*(one(item) for item in items)))


@dataclass(frozen=True, slots=True)
class Figures:
    crisis: int
    other: int
    recall: float  # crisis messages asked or answered as a crisis
    recall_clear: float  # crisis messages given the emergency answer at once
    recall_by_tier: dict[str, float]
    false_alarms: float  # non-crisis messages given the emergency answer
    questioned: float  # non-crisis messages asked the direct question

    @property
    def flagged(self) -> float:
        return self.false_alarms + self.questioned


def figures(reads: list[Read], which: str = "both") -> Figures:
    def risk(read: Read) -> Risk:
        return {"both": read.both, "net": read.net, "model": read.model}[which]

    crisis = [r for r in reads if r.item.crisis]
    other = [r for r in reads if not r.item.crisis]

    def share(rows: list[Read], at_least: Risk) -> float:
        return sum(risk(r) >= at_least for r in rows) / len(rows) if rows else 0.0

    return Figures(
        crisis=len(crisis),
        other=len(other),
        recall=share(crisis, Risk.POSSIBLE),
        recall_clear=share(crisis, Risk.CLEAR),
        recall_by_tier={
            tier: share([r for r in crisis if r.item.tier == tier], Risk.POSSIBLE) for tier in TIERS
        },
        false_alarms=share(other, Risk.CLEAR),
        questioned=sum(risk(r) is Risk.POSSIBLE for r in other) / len(other) if other else 0.0,
    )


def report(results: dict[str, list[Read]]) -> str:
    lines = [
        "# Crisis detection on held-out sets",
        "",
        "Written by `helpline nlu crisis-eval` (nlu/crisis_eval.py). The six sets in `nlu/eval/`",
        "were written apart from the training data and the keyword net, each by another hand, and",
        "are never trained on. `crisis.yml` is the development set: its errors were read while",
        "improving the net, the data and the thresholds. `crisis-test.yml` was written as a test",
        "set, but its errors were printed once by mistake and then read: count it as a second",
        "development set. `crisis-final.yml` was the test set of the previous round (recall 0.959,",
        "false alarms 0.102 there); its errors were then read to improve the net and the data, so",
        "it is a third development set now. `crisis-untouched.yml` was written as a test set on",
        "2026-11-29; its errors were read in session 7 to improve the net and data: a fourth",
        "development set. `crisis-holdout-2026-11-29.yml` was written by a hand that read",
        "neither the training data, the net nor the other sets, and evaluated once (recall 0.979,",
        "false alarms 0.060 there); its errors were then read in session 8 to improve the net and",
        "the data: a fifth development set, whose figures below are development figures (its",
        "messages are still not listed here). A new held-out set, written apart and never read",
        "while tuning, gives the test figure.",
        "",
        "Recall: crisis messages that get the direct question or the emergency answer. Emergency",
        "answer: the share given 15/112/3114 and an urgent case at once. False alarms: non-crisis",
        "messages given the emergency answer; asked: non-crisis messages asked the direct question",
        "(« Est-ce que vous pensez à vous faire du mal ... ? », one gentle question).",
        "",
    ]
    for name, reads in results.items():
        lines += [
            f"## {name}",
            "",
            "| reader | recall | emergency answer | imminent | clear | possible "
            "| false alarms | asked |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for which, label in (
            ("both", "**net + model**"),
            ("net", "net alone"),
            ("model", "model alone"),
        ):
            f = figures(reads, which)
            tiers = " | ".join(f"{f.recall_by_tier[t]:.3f}" for t in TIERS)
            lines.append(
                f"| {label} | {f.recall:.3f} | {f.recall_clear:.3f} | {tiers} | "
                f"{f.false_alarms:.3f} | {f.questioned:.3f} |"
            )
        f = figures(reads)
        lines += ["", f"{f.crisis} crisis and {f.other} non-crisis messages.", ""]
        if name.endswith(FINAL_SET.name):
            continue
        lines += ["Missed by both (no question, no emergency answer):", ""]
        missed = [r for r in reads if r.item.crisis and r.both is Risk.NONE]
        lines += [f"- ({r.item.tier}, {r.item.language}) {r.item.text[:160]}" for r in missed]
        lines += ["" if missed else "- none", "", "Emergency answer to a non-crisis message:", ""]
        alarms = [r for r in reads if not r.item.crisis and r.both >= Risk.CLEAR]
        for r in alarms:
            reader = "net" if r.net >= Risk.CLEAR else "model"
            lines.append(f"- ({reader}, {r.item.language}) {r.item.text[:160]}")
        lines += ["" if alarms else "- none", ""]
    return "\n".join(lines).rstrip() + "\n"


async def evaluate(
    rasa_url: str, token: str | None = None, sets: list[Path] | None = None
) -> dict[str, list[Read]]:
    results: dict[str, list[Read]] = {}
    async with NLUClient(rasa_url, timeout=30, token=token) as nlu:
        for path in sets or SETS:
            results[path.relative_to(ROOT).as_posix()] = await read_all(load_set(path), nlu)
    return results
