"""The servers a test starts are stopped even when the test process is killed -9
(tests/reaper_helpers.py): a child process registers a server, then dies without any cleanup."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import os, signal, subprocess, sys
from tests.reaper_helpers import forget, kill_group_later
server = subprocess.Popen(["sleep", "300"], start_new_session=True)
kill_group_later(server.pid)
stopped = subprocess.Popen(["sleep", "300"], start_new_session=True)
token = kill_group_later(stopped.pid)
stopped.kill()
stopped.wait()
forget(token)
print(server.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no finalizer, no atexit
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead (its parent is gone)
        return stat.read().split(") ")[-1][0] != "Z"


def test_a_server_outlives_no_test_process_killed_minus_nine() -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert child.returncode == -9, child.stderr
    server = int(child.stdout.split()[0])
    deadline = time.monotonic() + 30
    while alive(server) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the process table, not waiting for a guess
    assert not alive(server), "the registered server was left running"
