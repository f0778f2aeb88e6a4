"""Benchmark of `storage.redaction.redact`: time per 4 KB message on adversarial inputs.

redact() runs before every write, on whatever a patient or an agent typed: a long message made to
look like the start of an e-mail or a number everywhere must not cost more than an ordinary one.
Each input is cut to 4 KB (and to 64 KB, to show the time grows linearly with the length); the
figure is the median of several runs; then the worst case and the median over the inputs.
Run: `make bench` or `.venv/bin/python bench/redaction.py [--module other/redaction.py]`
(`--module` measures another version of the file, e.g. the one before a change).
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import string
import time
from collections.abc import Callable
from pathlib import Path

SIZE = 4096
REALISTIC = (
    "Bonjour, j'ai reçu un courrier du laboratoire, mes résultats d'analyse du 12/03/2021 ont "
    "fuité. Mon numéro de sécu est le 2 94 03 2A 123 456 78, mon portable 06 12 34 56 78, "
    "écrivez-moi à jean.exemple@example.org ou jean [at] example [dot] org. Mon IBAN FR76 3000 "
    "6000 0112 3456 7890 189 a été débité de 49,90 € par une carte 4970 1012 3456 7890 exp 09/27. "
    "J'ai appelé le 3114 à 10h30 puis le 116 006, j'habite au 12 rue des Lilas, 33700 Mérignac. "
)


def inputs() -> dict[str, str]:
    rng = random.Random(0)
    mixed = string.ascii_letters + string.digits + " @.-_/+()[]<>:,\u00a0"
    return {
        "letters, no space": "".join(rng.choice(string.ascii_lowercase) for _ in range(SIZE)),
        "digits only": "".join(rng.choice(string.digits) for _ in range(SIZE)),
        '"a@" repeated': "a@" * (SIZE // 2),
        '"1 " repeated': "1 " * (SIZE // 2),
        '". " repeated': ". " * (SIZE // 2),
        '"a." repeated': "a." * (SIZE // 2),
        '"1/" repeated': "1/" * (SIZE // 2),
        '"FR76 " repeated': "FR76 " * (SIZE // 5),
        '"a at b dot " repeated': "a at b dot " * (SIZE // 11),
        "mixed characters": "".join(rng.choice(mixed) for _ in range(SIZE)),
        "realistic message": REALISTIC * (SIZE // len(REALISTIC) + 1),
    }


def load(path: str | None) -> Callable[[str], str]:
    if path is None:
        from storage.redaction import redact

        return redact
    spec = importlib.util.spec_from_file_location("redaction_under_test", Path(path))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.redact


def per_4kb(redact: Callable[[str], str], text: str, runs: int) -> float:
    """Median milliseconds per 4 KB of text."""
    redact(text)  # warm-up: compiled patterns
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        redact(text)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings) * SIZE / len(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--module", help="a redaction.py to measure instead of the project's")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    redact = load(args.module)
    small, large = [], []
    for name, text in inputs().items():
        at_4kb = per_4kb(redact, text[:SIZE], args.runs)
        at_64kb = per_4kb(redact, (text * 16)[: 16 * SIZE], max(3, args.runs // 5))
        small.append(at_4kb)
        large.append(at_64kb)
        print(f"{name:24} {at_4kb:7.2f} ms per 4 KB, {at_64kb:7.2f} ms per 4 KB in 64 KB")
    print(
        f"redact() over {len(small)} inputs: worst {max(small):.2f} ms per 4 KB "
        f"(in 64 KB: {max(large):.2f}), median {statistics.median(small):.2f} ms per 4 KB"
    )


if __name__ == "__main__":
    main()
