"""Where the benchmarks write their figures for scripts/capacity.py: reports/bench/<name>.json,
alongside what they print. Only figures and the conditions they were measured in: no text any
patient wrote."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

REPORTS = Path(__file__).resolve().parent.parent / "reports" / "bench"


def write_figures(name: str, figures: dict[str, Any], directory: Path = REPORTS) -> Path:
    """Write `figures` (JSON-able) with the machine it was measured on; returns the file."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    document = {
        "bench": name,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        **figures,
    }
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    print(f"figures written to {path.relative_to(REPORTS.parent.parent)}")
    return path
