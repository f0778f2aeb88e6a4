"""What a test starts outside its own process (PostgreSQL, nginx, the bot's workers, an NLU
server) is stopped even when pytest itself is killed (SIGTERM from CI's timeout, SIGKILL, a
closed terminal): no finalizer runs then, and the servers stayed behind holding ports and CPU.

A watchdog process, started at the first registration (one per pytest process, xdist's workers
included), reads a pipe from this process until it closes, which the kernel does however this
process ends; it then runs the stop command of every server still registered. A server stopped
the normal way is forgotten first (`forget`), so the watchdog has nothing left to do then."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_WATCHDOG = """
import json, os, subprocess, sys
sys.stdin.buffer.read()  # end of file: the test process ended, however it ended
path = sys.argv[1]
try:
    commands = json.loads(open(path).read() or "{}")
except (OSError, ValueError):
    commands = {}
for command in commands.values():
    try:
        subprocess.run(command, capture_output=True, timeout=60)
    except Exception:
        pass
try:
    os.unlink(path)
except OSError:
    pass
"""

_registry: dict[str, list[str]] = {}
_numbers = itertools.count()
_watchdog: subprocess.Popen[bytes] | None = None
_path: Path | None = None


def _write() -> None:
    global _watchdog, _path
    if _watchdog is None:
        handle, name = tempfile.mkstemp(prefix="helpline-reaper-", suffix=".json")
        os.close(handle)
        _path = Path(name)
        _watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, name],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a signal to the tests' process group does not reach it
        )
    assert _path is not None
    _path.write_text(json.dumps(_registry), encoding="utf-8")


def stop_later(command: list[str]) -> str:
    """Run `command` if this process ends before `forget(token)`; returns the token."""
    token = str(next(_numbers))
    _registry[token] = command
    _write()
    return token


def forget(token: str) -> None:
    """The server was stopped the normal way."""
    if _registry.pop(token, None) is not None:
        _write()


def kill_group_later(pid: int) -> str:
    """A process started with `start_new_session=True`: its whole group killed (-9)."""
    return stop_later(["kill", "-9", "--", f"-{pid}"])
