"""scripts/capacity.py: the plan computed from made-up bench figures, written to a tmp dir."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "capacity.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("capacity", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["capacity"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


capacity = load()


def write_figures(directory: Path, *, cpu: float = 0.02, parses: float = 150.0,
                  group_per_minute: float = 19.0,
                  model_crisis_p99: float = 1.5) -> None:  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    runs = [
        {"workers": n, "messages_per_second": 40.0 * min(n, 2), "cpu_seconds_per_message": cpu}
        for n in (4, 1, 2)  # in any order: the plan takes the one-worker run
    ]
    figures = {
        "cluster_workers": {"runs": runs, "nlu_parses_per_second": parses},
        "agents_groups": {
            "runs": [
                {"database": "postgresql", "groups": 1, "per_minute": group_per_minute},
                {"database": "postgresql", "groups": 2, "per_minute": 2 * group_per_minute + 2},
                {"database": "sqlite", "groups": 1, "per_minute": 1.0},  # not PostgreSQL: unused
            ]
        },
        "surge": {
            "bot_limit_per_second": 30.0,
            "lost": 0,
            "crisis_latency_p99": 1.2,
            "model_crisis_latency_p99": model_crisis_p99,
        },
    }
    for name, content in figures.items():
        (directory / f"{name}.json").write_text(json.dumps(content), encoding="utf-8")


def test_inputs_come_from_the_benches_figures(tmp_path: Path) -> None:
    write_figures(tmp_path, cpu=0.025, parses=120.0, group_per_minute=18.0)
    inputs = capacity.read_inputs(tmp_path)
    assert inputs.worker_cpu_per_message == 0.025
    assert inputs.nlu_parses_per_second == 120.0
    assert inputs.group_messages_per_minute == 18.0  # the lowest per group, PostgreSQL only
    assert inputs.telegram_sends_per_second == 30.0


def test_a_missing_bench_is_named(tmp_path: Path) -> None:
    write_figures(tmp_path)
    (tmp_path / "surge.json").unlink()
    with pytest.raises(SystemExit, match="surge"):
        capacity.read_inputs(tmp_path)


def test_more_messages_need_more_workers_and_nlu_servers(tmp_path: Path) -> None:
    write_figures(tmp_path, cpu=0.2, parses=2.0)
    inputs = capacity.read_inputs(tmp_path)
    week, news = (capacity.plan(inputs, s) for s in capacity.scenarios())
    assert news.peak_messages_per_second > week.peak_messages_per_second
    assert news.workers > week.workers
    assert news.nlu_servers > week.nlu_servers
    # the arithmetic: workers = peak messages/s x CPU per message / headroom, rounded up
    expected = -(-news.peak_messages_per_second * 0.2 // capacity.HEADROOM)
    assert news.workers == max(capacity.MIN_REPLICAS, int(expected)) > capacity.MIN_REPLICAS
    assert week.workers == capacity.MIN_REPLICAS  # never fewer: one can die
    doubled = dataclasses.replace(
        news.scenario, peak_hour_messages=2 * news.scenario.peak_hour_messages
    )
    assert capacity.plan(inputs, doubled).workers > news.workers


def test_a_costlier_message_needs_more_workers(tmp_path: Path) -> None:
    write_figures(tmp_path / "cheap", cpu=0.01)
    write_figures(tmp_path / "costly", cpu=0.5)
    news = capacity.scenarios()[1]
    cheap = capacity.plan(capacity.read_inputs(tmp_path / "cheap"), news)
    costly = capacity.plan(capacity.read_inputs(tmp_path / "costly"), news)
    assert costly.workers > cheap.workers
    assert costly.nlu_servers == cheap.nlu_servers  # the NLU's cost is its own


def test_groups_and_agents_follow_the_cases(tmp_path: Path) -> None:
    write_figures(tmp_path / "slow", group_per_minute=5.0)
    write_figures(tmp_path / "fast", group_per_minute=50.0)
    week, news = capacity.scenarios()
    slow = capacity.read_inputs(tmp_path / "slow")
    fast = capacity.read_inputs(tmp_path / "fast")
    assert capacity.plan(slow, news).groups > capacity.plan(fast, news).groups
    assert capacity.plan(slow, news).groups >= capacity.plan(slow, week).groups
    more_cases = dataclasses.replace(news, cases=news.cases * 3)
    base, bigger = capacity.plan(slow, news), capacity.plan(slow, more_cases)
    assert bigger.agents_on_duty > base.agents_on_duty
    assert bigger.agent_headcount > base.agent_headcount
    assert bigger.groups > base.groups
    # people cover the desk's hours working fewer hours each
    assert base.agent_headcount > base.agents_on_duty
    assert base.agent_headcount == -(-base.agents_on_duty * news.desk_hours // news.agent_hours)


def test_the_script_writes_the_plan(tmp_path: Path) -> None:
    figures, out = tmp_path / "bench", tmp_path / "capacity.md"
    write_figures(figures)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--figures", str(figures), "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "normal week" in done.stdout and "news day" in done.stdout
    text = out.read_text(encoding="utf-8")
    inputs = capacity.read_inputs(figures)
    for plan in (capacity.plan(inputs, s) for s in capacity.scenarios()):
        assert f"**{plan.workers}**" in text
        assert f"{plan.scenario.writers:,.0f}" in text
    # every assumption is in the document with its value and a reason
    for name, value, reason in capacity._assumptions():
        assert f"| `{name}` | {value:,} | {reason} |" in text
        assert reason
    assert "20 msg" not in text  # nothing written by hand: the group's rate is the measured one
    assert "| messages a minute one agents' group takes | 20.0 |" not in text
    assert "| messages a minute one agents' group takes | 19.0 |" in text


def test_a_crisis_target_missed_is_said_for_either_kind_of_crisis(tmp_path: Path) -> None:
    write_figures(tmp_path / "met")
    write_figures(tmp_path / "missed", model_crisis_p99=2.4)
    documents = {}
    for name in ("met", "missed"):
        inputs = capacity.read_inputs(tmp_path / name)
        documents[name] = capacity.render(
            inputs, [capacity.plan(inputs, s) for s in capacity.scenarios()]
        )
    met, missed = documents["met"], documents["missed"]
    assert "| surge: answer p99 to a crisis only the model reads | 1.50 s | surge.json |" in met
    assert "does not meet it" not in met
    assert "the answer to a crisis only the model reads took 2.40 s at the p99" in missed
    assert "does not meet it" in missed
