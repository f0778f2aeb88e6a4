"""Several NLU servers behind one `parse` (RASA_URLS): the least busy one answers, a failing one is
set aside for a while.

Each parse goes to the server with the fewest parses in flight (in turn when they tie). A server
that fails (refused, an HTTP error, a body that is not Rasa's, no answer within the timeout) is
marked down and skipped for `retry_seconds`; then one parse tries it again (only one at a time),
and it is up again if that parse succeeds. A parse that fails is tried once more on another server
before `NLUUnavailable` reaches the caller (the engine then degrades, as with one server).

When every server is down, the parse still tries the one that went down first rather than giving
up unheard: with a single server (RASA_URL alone) a blip costs one turn, as it always did, not a
whole pause.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from yarl import URL

from nlu.client import DEFAULT_MAX_CHARS, NLUClient, NLUUnavailable, ParseResult, blank_result

log = logging.getLogger(__name__)

# a failed parse is tried on one other server, no more: two timeouts are the most a turn waits
ATTEMPTS = 2


@dataclass(eq=False)
class Server:
    """One NLU server and what the pool knows of it."""

    url: str  # for the logs: no password or query (the token goes apart)
    client: NLUClient
    in_flight: int = 0
    parses: int = 0  # parses it answered
    down_until: float | None = None  # None: up
    probing: bool = False  # one parse is trying it again after its pause

    @property
    def up(self) -> bool:
        return self.down_until is None

    def available(self, now: float) -> bool:
        if self.down_until is None:
            return True
        return now >= self.down_until and not self.probing


class NLUPool:
    """The engine's parser over one or more NLU servers (same interface as `NLUClient`)."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        timeout: float = 2.0,
        max_chars: int = DEFAULT_MAX_CHARS,
        token: str | None = None,
        retry_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not urls:
            raise ValueError("NLUPool needs at least one server URL")
        self.servers = tuple(
            Server(
                str(URL(url).with_user(None).with_query(None)),
                NLUClient(url, timeout=timeout, max_chars=max_chars, token=token),
            )
            for url in urls
        )
        self._max_chars = max_chars
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._next = 0  # where the search for a server starts: turns among equals

    def _pick(self, tried: set[Server]) -> Server | None:
        now = self._clock()
        count = len(self.servers)
        best: Server | None = None
        best_index = 0
        for step in range(count):
            index = (self._next + step) % count
            server = self.servers[index]
            if server in tried or not server.available(now):
                continue
            if best is None or server.in_flight < best.in_flight:
                best, best_index = server, index
        if best is None and not tried:
            # everything is down: rather than refuse unheard, try the one down the longest
            best = min(self.servers, key=lambda s: s.down_until or 0.0)
            best_index = self.servers.index(best)
        if best is not None:
            self._next = (best_index + 1) % count
        return best

    def _failed(self, server: Server, error: NLUUnavailable) -> None:
        was_up = server.up
        server.down_until = self._clock() + self._retry_seconds
        if was_up:
            log.warning(
                "NLU server %s down (%s): skipped for %.0f s",
                server.url,
                error,
                self._retry_seconds,
            )

    def _answered(self, server: Server, *, trial: bool) -> None:
        server.parses += 1
        # only a parse sent while it was down brings it back: one that was already on its way
        # when another failed says nothing of the server now
        if trial and not server.up:
            server.down_until = None
            log.info("NLU server %s up again", server.url)

    async def parse(self, text: str) -> ParseResult:
        text = text[: self._max_chars]
        if (blank := blank_result(text)) is not None:
            return blank
        tried: set[Server] = set()
        error: NLUUnavailable | None = None
        for _ in range(ATTEMPTS):
            server = self._pick(tried)
            if server is None:
                break
            tried.add(server)
            trial = not server.up
            probe = trial and not server.probing  # this parse owns the one trial
            if probe:
                server.probing = True
            server.in_flight += 1
            try:
                result = await server.client.parse(text)
            except NLUUnavailable as exc:
                self._failed(server, exc)
                error = exc
                continue
            finally:
                server.in_flight -= 1
                if probe:
                    server.probing = False
            self._answered(server, trial=trial)
            return result
        assert error is not None  # the first pick always finds a server
        raise error

    async def close(self) -> None:
        for server in self.servers:
            await server.client.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
