"""`helpline nlu evaluate`: k-fold cross-validation of pipeline configs, side by side.

Each config is cross-validated by `rasa test nlu --cross-validation` with its FallbackClassifier
removed, so that the raw confidences of every out-of-fold prediction are kept. From those we report
accuracy and macro-F1 (overall and per language), per-intent scores, the worst confusions, and how a
fallback threshold would trade wrong answers against "did you mean ...?" questions.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.dataset import load_examples, normalize
from nlu.rasa import (
    CONFIG,
    DATA_DIR,
    DOMAIN,
    PIPELINES_DIR,
    ROOT,
    data_files,
    rasa_command,
    rasa_env,
)

REPORTS = ROOT / "reports" / "nlu"
RUNS = REPORTS / "runs"
# A wrong answer costs a patient more than a "did you mean ...?" question: count it twice.
WRONG_ANSWER_COST = 2.0
THRESHOLDS = [round(0.05 * i, 2) for i in range(20)]


@dataclass(frozen=True)
class Prediction:
    text: str
    intent: str
    predicted: str
    confidence: float


@dataclass
class Evaluation:
    name: str
    config: Path
    seconds: float
    predictions: list[Prediction]
    report: dict
    confusion_png: Path | None


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = {t for t, _ in pairs}
    scores = []
    for label in labels:
        tp = sum(1 for t, p in pairs if t == label and p == label)
        fp = sum(1 for t, p in pairs if t != label and p == label)
        fn = sum(1 for t, p in pairs if t == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def without_fallback(config: Path, target: Path) -> None:
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["pipeline"] = [c for c in data["pipeline"] if c.get("name") != "FallbackClassifier"]
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def run_key(config: Path, folds: int) -> str:
    """What a cross-validation result depends on: the pipeline without its FallbackClassifier
    (which CV leaves out), the data, the folds."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    pipeline = [c for c in data["pipeline"] if c.get("name") != "FallbackClassifier"]
    digest = hashlib.sha256(f"{json.dumps(pipeline, sort_keys=True)}|{folds}".encode())
    for path in data_files():
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _rasa(*args: str) -> None:
    subprocess.run(
        rasa_command(*args), cwd=ROOT, env=rasa_env(), check=True, stdout=subprocess.DEVNULL
    )


def _run(config: Path, folds: int, out: Path) -> None:
    """folds >= 2: k-fold cross-validation; folds == 1: one stratified 80/20 split (for pipelines
    too slow to cross-validate here, such as DIET at 100 epochs)."""
    with tempfile.TemporaryDirectory() as tmp:
        stripped = Path(tmp) / "config.yml"
        without_fallback(config, stripped)
        if folds >= 2:
            _rasa(
                "test", "nlu", "--nlu", str(DATA_DIR), "--domain", str(DOMAIN),
                "--config", str(stripped), "--cross-validation", "--folds", str(folds),
                "--out", str(out), "--successes",
            )  # fmt: skip
            return
        split = Path(tmp) / "split"
        _rasa("data", "split", "nlu", "--nlu", str(DATA_DIR), "--training-fraction", "0.8",
              "--random-seed", "42", "--out", str(split))  # fmt: skip
        _rasa("train", "nlu", "--config", str(stripped), "--domain", str(DOMAIN),
              "--nlu", str(split / "training_data.yml"), "--out", tmp,
              "--fixed-model-name", "holdout")  # fmt: skip
        _rasa("test", "nlu", "--model", str(Path(tmp) / "holdout.tar.gz"),
              "--nlu", str(split / "test_data.yml"), "--domain", str(DOMAIN),
              "--out", str(out), "--successes")  # fmt: skip


def cross_validate(config: Path, folds: int, *, reuse: bool = False) -> Evaluation:
    name = config.stem if config != CONFIG else "chosen"
    out = RUNS / (name if folds >= 2 else f"{name}-holdout")
    meta_file = out / "meta.json"
    key = run_key(config, folds)
    meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
    if not (reuse and meta.get("key") == key):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        started = time.perf_counter()
        _run(config, folds, out)
        meta = {"key": key, "seconds": time.perf_counter() - started}
        meta_file.write_text(json.dumps(meta))
    predictions = []
    for file in ("intent_successes.json", "intent_errors.json"):
        path = out / file
        for item in json.loads(path.read_text()) if path.exists() else []:
            predicted = item.get("intent_prediction") or {}
            predictions.append(
                Prediction(
                    item["text"], item["intent"],
                    predicted.get("name") or "", float(predicted.get("confidence") or 0.0),
                )
            )  # fmt: skip
    png = out / "intent_confusion_matrix.png"
    return Evaluation(
        name, config, meta["seconds"], predictions,
        json.loads((out / "intent_report.json").read_text()), png if png.exists() else None,
    )  # fmt: skip


def threshold_table(predictions: list[Prediction]) -> list[tuple[float, float, float, float]]:
    """(threshold, fallback rate, accuracy of accepted answers, cost per message) per threshold."""
    rows = []
    n = len(predictions)
    for t in THRESHOLDS:
        accepted = [p for p in predictions if p.confidence >= t]
        wrong = sum(1 for p in accepted if p.predicted != p.intent)
        rejected = n - len(accepted)
        accuracy = (len(accepted) - wrong) / len(accepted) if accepted else 1.0
        rows.append((t, rejected / n, accuracy, (WRONG_ANSWER_COST * wrong + rejected) / n))
    return rows


def best_threshold(predictions: list[Prediction]) -> float:
    return min(threshold_table(predictions), key=lambda row: (row[3], -row[0]))[0]


def language_of() -> dict[str, str]:
    return {
        normalize(text): lang
        for lang, by_intent in load_examples().items()
        for texts in by_intent.values()
        for text in texts
    }


def write_summary(evaluations: list[Evaluation], folds: int) -> Path:
    langs = language_of()
    lines = [
        "# NLU evaluation" + ("" if folds >= 2 else ": one 80/20 split"),
        "",
        (
            f"{folds}-fold cross-validation of each pipeline on `nlu/data/`"
            if folds >= 2
            else "One stratified 80/20 split of `nlu/data/` (seed 42), the same for every pipeline:"
            " for pipelines too slow to cross-validate on this machine"
        )
        + f" ({len(evaluations[0].predictions)} test examples), FallbackClassifier removed so"
        " that every prediction is scored (written by `helpline nlu evaluate`).",
        "",
        "| pipeline | accuracy | macro-F1 | macro-F1 fr | macro-F1 en | wall time (train+test) | "
        "best fallback threshold |",
        "|---|---|---|---|---|---|---|",
    ]
    for ev in evaluations:
        by_lang = {
            lang: macro_f1(
                [
                    (p.intent, p.predicted)
                    for p in ev.predictions
                    if langs.get(normalize(p.text)) == lang
                ]
            )
            for lang in ("fr", "en")
        }
        lines.append(
            f"| {ev.name} (`{ev.config.relative_to(ROOT)}`) | {ev.report['accuracy']:.3f} "
            f"| {ev.report['macro avg']['f1-score']:.3f} "
            f"| {by_lang['fr']:.3f} | {by_lang['en']:.3f} "
            f"| {ev.seconds:.0f} s | {best_threshold(ev.predictions):.2f} |"
        )
    for ev in evaluations:
        lines += ["", f"## {ev.name}", ""]
        if ev.confusion_png:
            target = REPORTS / f"{ev.name if folds >= 2 else ev.name + '-holdout'}_confusion.png"
            shutil.copyfile(ev.confusion_png, target)
            lines += [f"Confusion matrix: `{target.relative_to(ROOT)}`", ""]
        lines += ["| intent | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        per_intent = {k: v for k, v in ev.report.items() if isinstance(v, dict) and "support" in v}
        for intent, s in sorted(per_intent.items(), key=lambda kv: kv[1]["f1-score"]):
            if intent.endswith(" avg"):
                continue
            lines.append(
                f"| {intent} | {s['precision']:.2f} | {s['recall']:.2f} | {s['f1-score']:.2f} "
                f"| {s['support']} |"
            )
        confusions = Counter(
            (p.intent, p.predicted) for p in ev.predictions if p.intent != p.predicted
        )
        lines += ["", "Worst confusions (true -> predicted: count):", ""]
        lines += [f"- {t} -> {p}: {n}" for (t, p), n in confusions.most_common(10)]
        lines += [
            "",
            f"Fallback threshold trade-off (cost = {WRONG_ANSWER_COST:g} x wrong answers + "
            "fallbacks, per message):",
            "",
            "| threshold | fallback rate | accuracy of answered | cost |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {t:.2f} | {rate:.3f} | {acc:.3f} | {cost:.3f} |"
            for t, rate, acc, cost in threshold_table(ev.predictions)
        ]
    summary = REPORTS / ("summary.md" if folds >= 2 else "summary-holdout.md")
    summary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return summary


def evaluate(configs: list[Path] | None = None, folds: int = 5, *, reuse: bool = False) -> Path:
    configs = [c.resolve() for c in configs or [CONFIG, PIPELINES_DIR / "rasa_default.yml"]]
    REPORTS.mkdir(parents=True, exist_ok=True)
    evaluations = []
    for config in configs:
        print(f"cross-validating {config.relative_to(ROOT)} ({folds} folds)...", flush=True)
        evaluations.append(cross_validate(config, folds, reuse=reuse))
    return write_summary(evaluations, folds)
