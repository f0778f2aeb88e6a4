"""What the review workspace is configured with (built from the settings by `review.cli`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from review.queries.live import LiveSetup


@dataclass(frozen=True)
class ReviewConfig:
    threshold: float  # the engine's fallback bar (config.yml's FallbackClassifier)
    low_confidence: float  # the inbox also shows patient texts placed under this
    intents: tuple[str, ...]
    retention_days: int
    session_hours: float = 8.0
    cookie_secure: bool = True
    page_size: int = 50
    # --- the supervisors' live view (review/pages/live.py): the desk's settings ---
    live: LiveSetup = field(default_factory=LiveSetup)
