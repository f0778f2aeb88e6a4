"""The capacity plan for the 491,840 patients, computed from the benchmarks' figures.

Reads what the benches wrote under reports/bench/*.json (bench/cluster_workers.py: the webhook
workers' CPU per message and the bare NLU server's parses per second; bench/agents_groups.py:
what one agents' group relays a minute; bench/surge.py: the sends a second Telegram accepted and
the crisis latency under a surge) and writes docs/capacity.md: the inputs, the assumptions below,
and how many workers, NLU servers, agents' groups and agents a normal week and a news day need.
Run: `.venv/bin/python scripts/capacity.py [--figures reports/bench] [--out docs/capacity.md]`
(`make capacity`). Nothing here is measured: change an assumption, run it again.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CRISIS_TARGET = 2.0  # seconds: issue 18's target for the crisis answer's p99 under a surge

# --- assumptions: each a guess, stated so that it can be argued with and changed -------------
# the patients whose records leaked (the project's premise)
PATIENTS = 491_840
# a normal week, months after the leak: a few write, about a letter, a scam, a worry
NORMAL_WEEK_WRITERS_SHARE = 0.02
# the day the leak is in the news again: about one in ten opens the chat, most on that day
NEWS_DAY_WRITERS_SHARE = 0.10
# patient messages in one conversation: a question, two or three follow-ups and buttons
MESSAGES_PER_WRITER = 6
# bot messages sent per patient message: the first answer carries the privacy notice too
REPLIES_PER_MESSAGE = 1.3
# share of the week's messages in its busiest hour (an even spread is 1/168 = 0.6%)
NORMAL_PEAK_HOUR_SHARE = 0.015
# share of a news day's messages in its busiest hour (the evening news, a push notification)
NEWS_PEAK_HOUR_SHARE = 0.20
# share of writers who end up with a person (a case): /human, crisis, scam, two misunderstandings
CASE_SHARE = 0.08
# messages a case posts into its agents' group: topic, card, pin, relayed patient messages
GROUP_MESSAGES_PER_CASE = 8
# an agent's time per case, reading the topic, answering, closing with an outcome
AGENT_MINUTES_PER_CASE = 20
# hours the desk is staffed in a normal week (Monday to Friday, 8:00 to 20:00)
DESK_HOURS_PER_WEEK = 60
# hours an agent works in a week (a French full-time week)
AGENT_HOURS_PER_WEEK = 35
# share of an agent's hours spent on cases (breaks, handovers, the General topic)
AGENT_OCCUPANCY = 0.75
# hours the desk is staffed on a news day: extended, 8:00 to 22:00
NEWS_DAY_DESK_HOURS = 14
# hours one agent works on a news day (one shift)
NEWS_DAY_AGENT_HOURS = 8
# webhook workers and NLU servers never fewer than this: one can die or restart meanwhile
MIN_REPLICAS = 2
# run each resource at most at this share of what it was measured to do (bursts, a slow minute)
HEADROOM = 0.7
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """The measured figures the plan rests on."""

    worker_cpu_per_message: float  # CPU seconds one worker spends per patient message
    worker_cpu_source: str
    nlu_parses_per_second: float  # one NLU server (one core)
    group_messages_per_minute: float  # what one agents' group takes (Telegram: about 20)
    telegram_sends_per_second: float  # what Telegram accepts from the bot, all workers together
    surge_crisis_p99: float | None = None
    surge_lost: int | None = None
    # a crisis only the model reads (the crisis screen puts it ahead of the line)
    surge_model_crisis_p99: float | None = None
    # both kinds again, written while the backlog drained
    surge_late_crisis_p99: float | None = None
    surge_late_model_crisis_p99: float | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    writers: float
    messages: float  # patient messages over the scenario
    peak_hour_messages: float
    cases: float
    desk_hours: float  # hours the desk is staffed over the scenario
    agent_hours: float  # hours one agent works over the scenario


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    peak_messages_per_second: float
    peak_sends_per_second: float
    workers: int
    nlu_servers: int
    groups: int
    agents_on_duty: int
    agent_headcount: int
    peak_hour_send_minutes: float  # minutes Telegram's bot-wide limit needs for the peak hour


def _load(directory: Path, name: str) -> dict[str, Any] | None:
    path = directory / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def read_inputs(directory: Path) -> Inputs:
    """The plan's inputs from the benches' JSON; a missing figure is an error naming its bench."""
    workers = _load(directory, "cluster_workers")
    groups = _load(directory, "agents_groups")
    surge = _load(directory, "surge")
    if workers is None or groups is None or surge is None:
        missing = [
            n for n, f in (("cluster_workers", workers), ("agents_groups", groups),
                           ("surge", surge)) if f is None
        ]  # fmt: skip
        raise SystemExit(f"missing in {directory}: {', '.join(missing)} (run `make bench`)")
    runs = sorted(workers["runs"], key=lambda run: run["workers"])
    # one worker: the least contention on the measuring machine, the figure that carries over
    worker_cpu = runs[0]["cpu_seconds_per_message"]
    postgres = [run for run in groups["runs"] if run["database"] == "postgresql"] or groups["runs"]
    per_group = min(run["per_minute"] / run["groups"] for run in postgres)
    return Inputs(
        worker_cpu_per_message=worker_cpu,
        worker_cpu_source=f"cluster_workers.json, {runs[0]['workers']} worker",
        nlu_parses_per_second=workers["nlu_parses_per_second"],
        group_messages_per_minute=per_group,
        telegram_sends_per_second=surge["bot_limit_per_second"],
        surge_crisis_p99=surge.get("crisis_latency_p99"),
        surge_lost=surge.get("lost"),
        surge_model_crisis_p99=surge.get("model_crisis_latency_p99"),
        surge_late_crisis_p99=surge.get("late_crisis_latency_p99"),
        surge_late_model_crisis_p99=surge.get("late_model_crisis_latency_p99"),
    )


def scenarios() -> list[Scenario]:
    week_writers = PATIENTS * NORMAL_WEEK_WRITERS_SHARE
    day_writers = PATIENTS * NEWS_DAY_WRITERS_SHARE
    week_messages = week_writers * MESSAGES_PER_WRITER
    day_messages = day_writers * MESSAGES_PER_WRITER
    return [
        Scenario(
            "normal week",
            week_writers,
            week_messages,
            week_messages * NORMAL_PEAK_HOUR_SHARE,
            week_writers * CASE_SHARE,
            DESK_HOURS_PER_WEEK,
            AGENT_HOURS_PER_WEEK,
        ),
        Scenario(
            "news day",
            day_writers,
            day_messages,
            day_messages * NEWS_PEAK_HOUR_SHARE,
            day_writers * CASE_SHARE,
            NEWS_DAY_DESK_HOURS,
            NEWS_DAY_AGENT_HOURS,
        ),
    ]


def plan(inputs: Inputs, scenario: Scenario) -> Plan:
    peak = scenario.peak_hour_messages / 3600  # patient messages a second in the busiest hour
    sends = peak * REPLIES_PER_MESSAGE
    # a worker is one process on one core: it can take 1 / (CPU per message) messages a second
    workers = max(MIN_REPLICAS, math.ceil(peak * inputs.worker_cpu_per_message / HEADROOM))
    nlu = max(MIN_REPLICAS, math.ceil(peak / (inputs.nlu_parses_per_second * HEADROOM)))
    share_in_peak = scenario.peak_hour_messages / scenario.messages
    peak_cases_per_hour = scenario.cases * share_in_peak
    group_per_minute = peak_cases_per_hour * GROUP_MESSAGES_PER_CASE / 60
    groups = max(1, math.ceil(group_per_minute / (inputs.group_messages_per_minute * HEADROOM)))
    case_hours = scenario.cases * AGENT_MINUTES_PER_CASE / 60
    # on duty at once while the desk is open: its case hours spread over the desk's hours (the
    # busiest hour's cases beyond that wait in the queue, urgent ones first)
    on_duty = max(1, math.ceil(case_hours / (scenario.desk_hours * AGENT_OCCUPANCY)))
    # people: the desk's hours staffed by agents working their own hours
    headcount = max(on_duty, math.ceil(on_duty * scenario.desk_hours / scenario.agent_hours))
    send_minutes = scenario.peak_hour_messages * REPLIES_PER_MESSAGE
    send_minutes /= inputs.telegram_sends_per_second * 60
    return Plan(scenario, peak, sends, workers, nlu, groups, on_duty, headcount, send_minutes)


def _assumptions() -> list[tuple[str, Any, str]]:
    """(name, value, reason) of each assumption, read from this file's own comments."""
    lines = Path(__file__).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# --- assumptions"))
    found, reason = [], ""
    for line in lines[start + 1 :]:
        if line.startswith("# ---"):
            break
        if line.startswith("#"):
            reason = line.lstrip("# ").strip()
        elif "=" in line:
            name = line.partition("=")[0].strip()
            found.append((name, globals()[name], reason))
            reason = ""
    return found


def _crisis_p99s(inputs: Inputs) -> list[tuple[str, float]]:
    """The surge's crisis answers held to CRISIS_TARGET: (what, p99) of those measured."""
    kinds = (
        ("a crisis the keyword net reads", inputs.surge_crisis_p99),
        ("a crisis only the model reads", inputs.surge_model_crisis_p99),
        ("a crisis written while the backlog drained", inputs.surge_late_crisis_p99),
        ("one only the model reads, then", inputs.surge_late_model_crisis_p99),
    )
    return [(what, p99) for what, p99 in kinds if p99 is not None]


def render(inputs: Inputs, plans: list[Plan]) -> str:
    out = [
        "# Capacity plan for the 491,840 patients",
        "",
        "Generated by `scripts/capacity.py` (`make capacity`) from the benchmarks' figures in",
        "`reports/bench/*.json`; do not edit by hand: change an assumption in the script, or run",
        "the benches again, then regenerate.",
        "",
        "## Measured inputs",
        "",
        "| input | value | from |",
        "|---|---|---|",
        f"| CPU per patient message, one webhook worker | "
        f"{inputs.worker_cpu_per_message * 1000:.1f} ms | {inputs.worker_cpu_source} |",
        f"| parses a second, one NLU server | {inputs.nlu_parses_per_second:.0f} | "
        "cluster_workers.json (bare server) |",
        f"| messages a minute one agents' group takes | {inputs.group_messages_per_minute:.1f} | "
        "agents_groups.json (PostgreSQL runs, the lowest per group) |",
        f"| messages a second Telegram takes from the bot | "
        f"{inputs.telegram_sends_per_second:.0f} | surge.json (the emulated bot-wide limit) |",
    ]
    if inputs.surge_lost is not None:
        out.append(
            f"| surge: messages lost, crisis answer p99 | {inputs.surge_lost}, "
            f"{inputs.surge_crisis_p99:.2f} s | surge.json |"
        )
    for what, p99 in _crisis_p99s(inputs)[1:]:  # the first is in the row above
        out.append(f"| surge: answer p99 to {what} | {p99:.2f} s | surge.json |")
    out += [
        "",
        "The benches ran on a 2-core machine: workers beyond two share its cores, so the",
        "messages a second of 2 and 4 workers there do not scale. The CPU per message is the",
        "figure that carries over to a bigger machine: a worker is one process on one core.",
        "",
        "## Assumptions",
        "",
        "| name | value | why |",
        "|---|---|---|",
    ]
    out += [f"| `{name}` | {value:,} | {reason} |" for name, value, reason in _assumptions()]
    out += [
        "",
        "## The plan",
        "",
        "| | " + " | ".join(p.scenario.name for p in plans) + " |",
        "|---|" + "---|" * len(plans),
    ]
    rows: list[tuple[str, Any]] = [
        ("patients who write", lambda p: f"{p.scenario.writers:,.0f}"),
        ("patient messages", lambda p: f"{p.scenario.messages:,.0f}"),
        ("messages in the busiest hour", lambda p: f"{p.scenario.peak_hour_messages:,.0f}"),
        ("messages a second, busiest hour", lambda p: f"{p.peak_messages_per_second:.2f}"),
        ("bot messages a second, busiest hour", lambda p: f"{p.peak_sends_per_second:.2f}"),
        ("**webhook workers** (one core each)", lambda p: f"**{p.workers}**"),
        ("**NLU servers** (one core each)", lambda p: f"**{p.nlu_servers}**"),
        ("cases opened", lambda p: f"{p.scenario.cases:,.0f}"),
        ("**agents' groups**", lambda p: f"**{p.groups}**"),
        ("desk hours staffed", lambda p: f"{p.scenario.desk_hours:g}"),
        ("**agents on duty** at once", lambda p: f"**{p.agents_on_duty}**"),
        ("**agents** (people, working their own hours)", lambda p: f"**{p.agent_headcount}**"),
        (
            "minutes Telegram's limit needs to send the busiest hour's replies",
            lambda p: f"{p.peak_hour_send_minutes:.0f}",
        ),
    ]
    out += ["| " + label + " | " + " | ".join(f(p) for p in plans) + " |" for label, f in rows]
    out += [
        "",
        "How each is computed: workers = peak messages a second x CPU per message / headroom;",
        "NLU servers = peak messages a second / (parses a second x headroom), both at least",
        "`MIN_REPLICAS`; agents' groups = the busiest hour's cases x group messages per case / 60",
        "/ (one group's messages a minute x headroom); agents on duty = the period's cases x",
        "minutes per case / 60 / (desk hours x occupancy), the busiest hour's cases beyond them",
        "waiting in the queue (urgent first); agents = on duty x desk hours / one agent's hours.",
        "",
    ]
    for what, p99 in [(w, p) for w, p in _crisis_p99s(inputs) if p > CRISIS_TARGET]:
        out.append(
            f"Under the surge (surge.json) the answer to {what} took {p99:.2f} s at the p99, "
            f"against a target of {CRISIS_TARGET:g} s: the deployment measured does not meet "
            "it yet, whatever the numbers above."
        )
    for p in plans:
        if p.peak_hour_send_minutes > 60:
            out.append(
                f"On a {p.scenario.name}, the busiest hour's replies need "
                f"{p.peak_hour_send_minutes:.0f} minutes of Telegram's bot-wide limit: no number "
                "of workers changes that; replies queue (crisis answers first) and drain after."
            )
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--figures", type=Path, default=ROOT / "reports" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "capacity.md")
    args = parser.parse_args(argv)
    inputs = read_inputs(args.figures)
    plans = [plan(inputs, scenario) for scenario in scenarios()]
    args.out.write_text(render(inputs, plans), encoding="utf-8")
    for p in plans:
        print(
            f"{p.scenario.name}: {p.peak_messages_per_second:.1f} messages/s at the peak, "
            f"{p.workers} worker(s), {p.nlu_servers} NLU server(s), {p.groups} agents' "
            f"group(s), {p.agents_on_duty} agents on duty, {p.agent_headcount} agents"
        )
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
