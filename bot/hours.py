"""The agents' opening hours, so that a patient waiting out of hours is told when a person
will answer instead of being left to wonder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_SPEC = re.compile(r"^(\w{3})(?:-(\w{3}))?\s+(\d\d):(\d\d)-(\d\d):(\d\d)$")


@dataclass(frozen=True)
class OpeningHours:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, timezone: str = "Europe/Paris") -> OpeningHours:
        """ "always", or "mon-fri 09:00-18:00" / "sat 10:00-12:00"."""
        zone = ZoneInfo(timezone)
        spec = spec.strip().lower()
        if spec in {"always", "24/7"}:
            return cls(frozenset(range(7)), time(0, 0), time.max, zone)
        match = _SPEC.match(spec)
        if match is None or match[1] not in DAYS or (match[2] or match[1]) not in DAYS:
            raise ValueError(f"opening hours must look like 'mon-fri 09:00-18:00', not {spec!r}")
        first, last = DAYS.index(match[1]), DAYS.index(match[2] or match[1])
        days = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        start = time(int(match[3]), int(match[4]))
        end = time(int(match[5]), int(match[6]))
        if end <= start:
            raise ValueError(f"opening hours end before they start: {spec!r}")
        return cls(frozenset(days), start, end, zone)

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_opening(self, at: datetime) -> datetime:
        """When people are next there (`at` itself if open now)."""
        if self.is_open(at):
            return at
        local = at.astimezone(self.zone)
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
            opening = datetime.combine(day, self.start, self.zone)
            if day.weekday() in self.days and opening > local:
                return opening
        raise AssertionError("no opening day in a week")  # parse() guarantees one

    def describe_opening(self, at: datetime, language: str) -> str:
        """ "lundi à 09:00" / "Monday at 09:00", in the helpline's time zone."""
        opening = self.next_opening(at).astimezone(self.zone)
        day = DAY_NAMES[language][opening.weekday()]
        joiner = "à" if language == "fr" else "at"
        return f"{day} {joiner} {opening:%H:%M}"
