"""The workspace as a person uses it: `helpline review` started as a real process on a loopback
port, driven in Debian's headless Chromium by Playwright (no browser download: the system's
/usr/bin/chromium, which scripts/setup.sh installs). Sign in, filter, open a transcript, relabel
an inbox message, find it in the export."""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import func, select

from review.demo import SeededConversation, seed
from storage.db import create_engine, migrate, session_factory
from storage.models import Agent, Case, CaseStatus, GroupPost, Message
from storage.repositories import MessageRepository, PatientRepository
from tests.conftest import free_port
from tests.review_helpers import PASSWORDS, add_accounts
from tests.screenshots import CHROMIUM, chromium

pytestmark = pytest.mark.slow  # starts a headless Chromium: seconds each

NEW_TEXT = "zorglub demande si on peut être indemnisé pour cette fuite"
LIVE_AGENT, LIVE_CHATS = 7301, itertools.count()


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"helpline review exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("helpline review did not listen in time")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list]]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('browser')}/helpline.db"

    async def prepare() -> tuple[list[SeededConversation], int]:
        engine = create_engine(url)
        await migrate(engine)
        sessions = session_factory(engine)
        await add_accounts(sessions)
        made = await seed(sessions, 300)
        async with sessions() as session, session.begin():
            patient, _ = await PatientRepository(session).get_or_create("telegram", "77", "fr")
            patient.consent_improve = True
            MessageRepository(session).add(
                patient, "in", NEW_TEXT, intent="nlu_fallback", confidence=0.12
            )
            message_id = await session.scalar(select(func.max(Message.id)))
        await engine.dispose()
        return made, message_id

    made, message_id = asyncio.run(prepare())
    yield url, [made, message_id]


@pytest.fixture(scope="module")
def server(database: tuple[str, list]) -> Iterator[str]:
    url, _ = database
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "REVIEW_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "review"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
        assert process.returncode == 0, stderr.decode()[-2000:]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert await asyncio.to_thread(os.path.exists, CHROMIUM), "no chromium: run scripts/setup.sh"
    async with chromium() as browser:
        yield browser


async def test_sign_in_filter_read_relabel_and_export(
    server: str, database: tuple[str, list], browser: Browser, tmp_path: Path
) -> None:
    made, message_id = database[1]
    context = await browser.new_context(accept_downloads=True)
    page = await context.new_page()

    # anonymous: sent to the login page, then back to where we were going
    await page.goto(server + "/inbox")
    await expect(page).to_have_url(f"{server}/login?next=/inbox")
    await page.fill("input[name=name]", "sam")
    await page.fill("input[name=password]", PASSWORDS["sam"])
    await page.click("button[type=submit]")
    await expect(page).to_have_url(server + "/inbox")
    cookie = next(c for c in await context.cookies() if c["name"] == "helpline_review")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"

    # filter: escalated French conversations with a crisis flag
    await page.click("text=Conversations")
    await page.select_option("select[name=language]", "fr")
    await page.select_option("select[name=escalated]", "yes")
    await page.select_option("select[name=risk]", "crisis")
    await page.click("#filters button[type=submit]")
    await expect(page).to_have_url(
        f"{server}/conversations?from=&to=&language=fr&intent=&cmin=&cmax=&fallback="
        "&escalated=yes&risk=crisis&satisfaction="
    )
    shown = await page.locator("#conversations a.pseudonym").all_inner_texts()
    expected = sorted(
        (c for c in made if c.language == "fr" and c.case and "crisis" in c.case["risk_flags"]),
        key=lambda c: (c.last_seen_at, c.id),
        reverse=True,
    )
    assert shown == [c.pseudonym for c in expected][:50] and shown

    # the transcript: both phases in one timeline, intent and confidence beside patient texts
    await page.click(f"text={shown[0]}")
    await expect(page.locator("h1")).to_have_text(f"Conversation {shown[0]}")
    timeline = page.locator("#timeline")
    await expect(timeline.locator(".phase-bot").first).to_be_visible()
    await expect(timeline.locator(".phase-human")).to_have_count(1)
    await expect(timeline.locator(".from-agent")).to_have_count(1)
    first = next(c for c in expected if c.pseudonym == shown[0]).messages[0]
    await expect(timeline.locator(".from-patient .nlu").first).to_contain_text(
        f"{first.intent} {first.confidence:.2f}"
    )
    await page.screenshot(path=str(tmp_path / "transcript.png"), full_page=True)

    # the inbox: relabel the new message, which leaves the "to review" list
    await page.click("text=NLU inbox")
    row = page.locator(f"#m{message_id}")
    await expect(row).to_contain_text(NEW_TEXT)
    await row.locator("select[name=intent]").select_option("compensation")
    await row.locator("button[value=relabel]").click()
    await expect(page.locator(f"#m{message_id}")).to_have_count(0)
    await page.click("text=Annotated")
    await expect(page.locator(f"#m{message_id}")).to_contain_text("relabel: compensation")

    # the export carries it, under its new intent
    async with page.expect_download() as download_info:
        await page.click("#export")
    download = await download_info.value
    exported = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8")
    assert f"- intent: compensation\n  examples: |\n    - {NEW_TEXT}\n" in exported

    # and the opening of the conversation is in the audit log
    await page.click("text=Audit log")
    await expect(page.locator("#audit")).to_contain_text(shown[0])
    await context.close()


async def add_live_cases(url: str, *, queued: int, assigned: int, posts: int) -> None:
    """Cases for the live view's agent "@live" (created available if new), and outbox posts."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        if await session.get(Agent, LIVE_AGENT) is None:
            session.add(Agent(user_id=LIVE_AGENT, name="@live", available=True))
        for n in range(queued + assigned):
            chat = f"live-{next(LIVE_CHATS)}"
            patient, _ = await PatientRepository(session).get_or_create("telegram", chat, "fr")
            await session.flush()
            case = Case(patient_id=patient.id, reason="human_handoff")
            if n >= queued:
                case.status, case.assigned_agent_id = CaseStatus.TAKEN, LIVE_AGENT
            session.add(case)
        session.add_all(GroupPost(kind="announce") for _ in range(posts))
    await engine.dispose()


async def test_the_live_view_follows_the_desk_by_itself(
    server: str, database: tuple[str, list], browser: Browser
) -> None:
    url, _ = database
    await add_live_cases(url, queued=1, assigned=1, posts=3)
    page = await (await browser.new_context()).new_page()
    await page.goto(server + "/live?every=2")
    await page.fill("input[name=name]", "sam")
    await page.fill("input[name=password]", PASSWORDS["sam"])
    await page.click("button[type=submit]")
    await expect(page).to_have_url(server + "/live?every=2")
    await expect(page.locator("header a.here")).to_have_text("Live")

    group = page.locator("#groups tbody tr").first
    outbox = page.locator("#outbox tbody tr").first
    agent = page.locator('#agents tr[data-agent="@live"]')
    await expect(agent.locator("td.open")).to_have_text("1 / 5")
    queued = int(await group.locator("td.queued").inner_text())
    posts = int(await outbox.locator("td.rows").inner_text())
    assert queued >= 1 and posts >= 3
    updated = await page.locator("#updated").inner_text()

    # the desk changes; nobody reloads the page
    await add_live_cases(url, queued=2, assigned=1, posts=30)
    await expect(group.locator("td.queued")).to_have_text(str(queued + 2), timeout=20_000)
    await expect(agent.locator("td.open")).to_have_text("2 / 5")
    await expect(outbox.locator("td.rows")).to_have_text(str(posts + 30))
    await expect(outbox.locator("td.state")).to_have_text("held back by Telegram's limit")
    await expect(group.locator("td.loads")).to_contain_text("@live: 2")
    assert await page.locator("#updated").inner_text() != updated
    await page.context.close()
