"""Async client of Rasa's `POST /model/parse`.

One aiohttp session per client, a hard timeout on every call, and a single exception type
(`NLUUnavailable`) for every way the server can fail, so that callers degrade instead of hanging.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import aiohttp

FALLBACK_INTENT = "nlu_fallback"


def unsure(intent: str | None, confidence: float | None, threshold: float) -> bool:
    """The one rule for a message the engine could not place: the model's own fallback, or a
    confidence under the engine's bar (config.yml's FallbackClassifier threshold). The engine
    answers such a message with "did you mean"; the review workspace and the statistics count it
    as a fallback (storage.stats.fell_back is the same rule in SQL)."""
    return intent == FALLBACK_INTENT or (confidence is not None and confidence < threshold)


# Longer texts add nothing to the classification and cost the server time; Rasa tokenizes all of it.
DEFAULT_MAX_CHARS = 1000


class NLUUnavailable(Exception):
    """The NLU server could not be reached, answered an error, or did not answer in time."""


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class ParseResult:
    text: str
    intent: str
    confidence: float
    ranking: tuple[IntentScore, ...]

    @property
    def fell_back(self) -> bool:
        return self.intent == FALLBACK_INTENT

    def score(self, intent: str) -> float:
        """The model's confidence in `intent` (0.0 when it is not in the ranking)."""
        if self.intent == intent:
            return self.confidence
        return next((s.confidence for s in self.ranking if s.name == intent), 0.0)

    @classmethod
    def from_rasa(cls, text: str, body: dict[str, Any]) -> ParseResult:
        intent = body.get("intent") or {}
        # A body without an intent is treated as a fallback at zero confidence.
        name = intent.get("name") or FALLBACK_INTENT
        ranking = tuple(
            IntentScore(str(item["name"]), float(item.get("confidence") or 0.0))
            for item in body.get("intent_ranking") or []
            if item.get("name")
        )
        return cls(text, name, float(intent.get("confidence") or 0.0), ranking)


def blank_result(text: str) -> ParseResult | None:
    """The result of a blank text, which needs no server; None for any other text."""
    if text.strip():
        return None
    # Rasa would still pick some intent for "" (e.g. affirm at 0.36): a blank has none.
    return ParseResult(text, FALLBACK_INTENT, 0.0, ())


class NLUClient:
    """One NLU server. `nlu.pool.NLUPool` spreads parses over several (RASA_URLS)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 2.0,
        max_chars: int = DEFAULT_MAX_CHARS,
        token: str | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + "/model/parse"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_chars = max_chars
        self._params = {"token": token} if token else {}
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def parse(self, text: str) -> ParseResult:
        text = text[: self._max_chars]
        if (blank := blank_result(text)) is not None:
            return blank
        try:
            async with self._get_session().post(
                self._url, json={"text": text}, params=self._params
            ) as response:
                if response.status != 200:
                    raise NLUUnavailable(f"NLU server answered HTTP {response.status}")
                body = await response.json()
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise NLUUnavailable(f"NLU server unreachable: {type(exc).__name__}") from exc
        if not isinstance(body, dict):
            raise NLUUnavailable("NLU server sent an unexpected body")
        return ParseResult.from_rasa(text, body)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
