"""`helpline review --demo`: a supervisor can look at a filled workspace before any patient exists,
through the real command, without the real database ever being opened."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from functools import partial
from pathlib import Path

import pytest
from aiohttp import ClientSession, CookieJar

from tests.conftest import free_port
from tests.review_helpers import form_token

pytestmark = pytest.mark.slow  # starts the helpline command, as a process: seconds each

# the `helpline` command of this tree (the installed script would run the tree it was installed
# from, which is not this one in a copy of the repository)
HELPLINE = (sys.executable, "-m", "bot.cli")
ROOT = Path(__file__).resolve().parent.parent
PSEUDONYM = re.compile(r"P-[0-9A-Z]{8}")


async def read_until(stream: asyncio.StreamReader, pattern: str) -> tuple[re.Match[str], str]:
    seen = ""
    while True:
        line = (await asyncio.wait_for(stream.readline(), 60)).decode()
        assert line, f"the command ended before printing {pattern!r}: {seen}"
        seen += line
        if found := re.search(pattern, line):
            return found, seen


async def test_review_demo_serves_synthetic_conversations_and_never_opens_the_database(
    tmp_path: Path,
) -> None:
    real = tmp_path / "real" / "helpline.db"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{real}",
        "REVIEW_COOKIE_SECURE": "false",  # plain http on loopback for this client
    }
    process = await asyncio.create_subprocess_exec(
        *HELPLINE, "review", "--demo", "--port", str(port),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        served, _ = await read_until(process.stdout, r"on http://127\.0\.0\.1:(\d+)/")
        assert int(served[1]) == port
        folder_line, _ = await read_until(process.stdout, r" in (\S+), deleted when this stops")
        demo_folder = Path(folder_line[1])
        login, _ = await read_until(process.stdout, r"sign in as '(\w+)'.*password: (\S+)")
        name, password = login[1], login[2]
        assert await asyncio.to_thread(demo_folder.is_dir)

        base = f"http://127.0.0.1:{port}"
        async with ClientSession(base, cookie_jar=CookieJar(unsafe=True)) as client:
            page = await client.get("/login")
            token = form_token(await page.text())
            form = {"csrf": token, "name": name, "password": password, "next": "/conversations"}
            signed_in = await client.post("/login", data=form, allow_redirects=False)
            assert signed_in.status == 303
            listing = await client.get("/conversations")
            assert listing.status == 200
            pseudonyms = set(PSEUDONYM.findall(await listing.text()))
            assert len(pseudonyms) >= 20
            transcript = await client.get(f"/conversations/{sorted(pseudonyms)[0]}")
            assert transcript.status == 200
            # a supervisor's pages open too: statistics over the synthetic days
            assert (await client.get("/stats")).status == 200
            # a wrong password is refused: the printed one is the only way in
            form = {"csrf": token, "name": name, "password": "guess-" + password}
            refused = await client.post("/login", data=form, allow_redirects=False)
            assert refused.status != 303
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    exists = partial(asyncio.to_thread, os.path.exists)
    assert not await exists(real) and not await exists(real.parent)
    assert not await exists(demo_folder)  # the throwaway database went with the process
