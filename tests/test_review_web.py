"""The review workspace over HTTP (aiohttp's test server on loopback, a real SQLite file):
access control on every route, CSRF, the login throttle, cookies, audit, pages' content."""

from __future__ import annotations

import asyncio
import base64
import csv
import html
import io
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import CookieJar
from aiohttp.test_utils import TestClient, TestServer
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from yarl import URL

from review import auth
from review.auth import LoginThrottle
from review.demo import SeededConversation, seed
from review.middlewares import SECURITY_HEADERS
from review.pages.login import LOGIN_COOKIE
from review.web import ROUTES, create_app
from storage.db import create_engine, migrate, session_factory
from storage.models import LoginFailure, Message, NLUAnnotation, Patient, ReviewAudit, utcnow
from tests.conftest import free_port
from tests.review_helpers import (
    PASSWORDS,
    add_accounts,
    form_token,
    login,
    review_config,
    session_token,
)

Seeded = tuple[TestClient, list[SeededConversation], int]


@pytest.fixture
async def web(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Seeded]:
    await add_accounts(sessions)
    made = await seed(sessions, 40)
    async with sessions() as session:
        message_id = await session.scalar(
            select(func.min(Message.id))
            .join(Patient, Patient.id == Message.patient_id)
            .where(
                Message.direction == "in",
                Message.kind == "text",
                Message.intent.is_not(None),
                Patient.consent_improve.is_(True),
            )
        )
    assert message_id is not None
    throttle = LoginThrottle(max_per_name=3, max_per_address=12, window=600)
    app = create_app(sessions, review_config(), throttle)
    async with TestClient(TestServer(app)) as client:
        yield client, made, message_id


def consenting(made: list[SeededConversation]) -> list[SeededConversation]:
    return [c for c in made if c.consent_improve]


def refusing(made: list[SeededConversation]) -> list[SeededConversation]:
    return [c for c in made if not c.consent_improve]


def concrete(path: str, made: list[SeededConversation], message_id: int) -> str:
    return path.replace("{pseudonym}", consenting(made)[0].pseudonym).replace(
        "{message_id:\\d+}", str(message_id)
    )


PROTECTED = [(method, path, role) for method, path, _h, role in ROUTES if role is not None]


async def test_every_page_sends_anonymous_visitors_to_the_login(web: Seeded) -> None:
    client, made, message_id = web
    assert len(PROTECTED) >= 10
    for method, path, _role in PROTECTED:
        url = concrete(path, made, message_id)
        response = await client.request(method, url, allow_redirects=False, data={"csrf": "x"})
        assert response.status == 303, (method, url)
        assert response.headers["Location"].startswith("/login"), (method, url)
    # and the login page says where to come back to
    response = await client.get(f"/conversations/{made[0].pseudonym}")
    assert response.url.path == "/login"
    assert f'value="/conversations/{made[0].pseudonym}"' in await response.text()


async def test_a_reviewer_gets_403_on_supervisor_pages_and_200_on_theirs(web: Seeded) -> None:
    client, made, message_id = web
    assert (await login(client, "rita")).status == 303
    checked = Counter()
    for method, path, role in PROTECTED:
        if method != "GET":
            continue
        response = await client.get(concrete(path, made, message_id), allow_redirects=False)
        expected = 403 if role == "supervisor" else (303 if path == "/" else 200)
        assert response.status == expected, path
        checked[role] += 1
    assert checked["supervisor"] >= 5 and checked["reviewer"] >= 4
    # a reviewer's pages do not link to what they cannot open
    page = await (await client.get("/inbox")).text()
    assert "/stats" not in page and "/inbox/export.yml" not in page


async def test_a_supervisor_opens_every_page(web: Seeded) -> None:
    client, made, message_id = web
    assert (await login(client, "sam")).status == 303
    for method, path, _role in PROTECTED:
        if method == "GET":
            response = await client.get(concrete(path, made, message_id))
            assert response.status == 200, path


async def test_posts_without_or_with_a_wrong_csrf_token_are_refused(
    web: Seeded, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, _made, message_id = web
    await login(client, "rita")
    token = await session_token(client)
    url = f"/inbox/{message_id}"
    form = {"verdict": "relabel", "intent": "greet"}
    assert (await client.post(url, data=form, allow_redirects=False)).status == 403
    wrong = await client.post(url, data={**form, "csrf": token[:-2] + "xx"}, allow_redirects=False)
    assert wrong.status == 403
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(NLUAnnotation)) == 0
    right = await client.post(url, data={**form, "csrf": token}, allow_redirects=False)
    assert right.status == 303
    async with sessions() as session:
        note = await session.scalar(select(NLUAnnotation))
    assert note is not None and (note.message_id, note.intent, note.reviewer) == (
        message_id,
        "greet",
        "rita",
    )
    # logging out is a form too
    assert (await client.post("/logout", allow_redirects=False)).status == 403


async def test_the_login_form_needs_its_own_token(web: Seeded) -> None:
    client, _made, _id = web
    response = await client.post(
        "/login", data={"name": "rita", "password": "reviewer-password-1"}, allow_redirects=False
    )
    assert response.status == 403


async def test_login_is_throttled_per_name_then_per_address(web: Seeded) -> None:
    client, _made, _id = web
    for _ in range(3):
        assert (await login(client, "rita", "wrong password!")).status == 401
    # the right password no longer helps for this name...
    assert (await login(client, "rita")).status == 429
    # ...while another account still signs in from the same address
    assert (await login(client, "sam")).status == 303
    for name in ("nobody-1", "nobody-2", "nobody-3"):
        for _ in range(3):
            assert (await login(client, name, "whatever password")).status == 401
    # twelve failures on four names from this address: every name is refused now
    assert (await login(client, "sam")).status == 429


async def simultaneous_logins(client: TestClient, passwords: list[str], late: float) -> list[int]:
    """One POST /login per password for rita, all at once; the last one `late` seconds later.
    All carry the same login token (cookie given with each request: the answers renew it)."""
    token = form_token(await (await client.get("/login")).text())

    async def attempt(password: str, delay: float) -> int:
        await asyncio.sleep(delay)
        response = await client.post(
            "/login",
            data={"csrf": token, "name": "rita", "password": password, "next": "/"},
            cookies={LOGIN_COOKIE: token},
            allow_redirects=False,
        )
        return response.status

    last = len(passwords) - 1
    return await asyncio.gather(
        *(attempt(p, late if i == last else 0.0) for i, p in enumerate(passwords))
    )


def count_password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    checked: list[str] = []
    check = auth.check_password

    def counted(password_hash: str, password: str) -> bool:
        checked.append(password)
        return check(password_hash, password)

    monkeypatch.setattr(auth, "check_password", counted)
    return checked


async def test_simultaneous_logins_reach_the_password_check_no_more_than_the_limit(
    web: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _made, _id = web
    checked = count_password_checks(monkeypatch)
    wrong = [f"wrong password {i}" for i in range(15)]
    statuses = await simultaneous_logins(client, [*wrong, PASSWORDS["rita"]], late=0.02)
    # each attempt is counted before argon2 runs: three reach it, the others are refused
    assert len(checked) == 3
    assert Counter(statuses) == {401: 3, 429: 13}
    assert statuses[-1] == 429  # the right password, too late


async def test_simultaneous_logins_on_postgresql_are_limited_too(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Truly concurrent there: attempts that count at once may all see the limit reached (and
    fewer than three get through), but never more than three passwords are checked."""
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = session_factory(engine)
    await add_accounts(sessions)
    checked = count_password_checks(monkeypatch)
    app = create_app(sessions, review_config(), LoginThrottle(3, 12, 600))
    try:
        async with TestClient(TestServer(app)) as client:
            wrong = [f"wrong password {i}" for i in range(16)]
            statuses = await simultaneous_logins(client, wrong, late=0.0)
            assert len(checked) <= 3 and statuses.count(401) == len(checked)
            assert statuses.count(429) == 16 - len(checked)
            for _ in range(5):
                await login(client, "rita", "wrong again")
            assert len(checked) == 3
            assert (await login(client, "rita")).status == 429
            assert (await login(client, "sam")).status == 303
    finally:
        await engine.dispose()


async def test_one_account_failing_never_locks_out_the_address(web: Seeded) -> None:
    """Behind a reverse proxy every colleague has the same address: failures on one name, however
    many (typos then a success, or someone hammering one account), must not lock the others out."""
    client, _made, _id = web
    for _ in range(6):  # twelve failures from this address...
        for _ in range(2):
            assert (await login(client, "rita", "a typo in it")).status == 401
        assert (await login(client, "rita")).status == 303
    for _ in range(3):
        assert (await login(client, "nobody", "guessing")).status == 401
    for _ in range(20):
        assert (await login(client, "nobody", "still guessing")).status == 429
    assert (await login(client, "sam")).status == 303  # ...and the team still signs in
    assert (await login(client, "rita")).status == 303


async def test_an_address_is_throttled_only_when_it_fails_on_several_names(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    throttle = LoginThrottle(max_per_name=3, max_per_address=6, window=600)
    for name in ("rita", "rita", "rita", "sam", "sam", "sam"):
        assert await throttle.reserve(sessions, name, "10.0.0.1")
    # six failures on two names: each name is held, not the address
    assert not await throttle.reserve(sessions, "Rita", "10.0.0.1")
    assert await throttle.reserve(sessions, "nora", "10.0.0.1")
    # a third name: now the address is
    assert not await throttle.reserve(sessions, "zoe", "10.0.0.1")
    assert await throttle.reserve(sessions, "zoe", "10.0.0.2")


async def test_the_throttle_is_shared_by_processes_through_the_database(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await add_accounts(sessions)
    # a second `helpline review` process: its own engine on the same database
    other = create_engine(f"sqlite+aiosqlite:///{tmp_path}/var/helpline.db")
    first = create_app(sessions, review_config(), LoginThrottle(3, 12, 600))
    second = create_app(session_factory(other), review_config(), LoginThrottle(3, 12, 600))
    try:
        async with TestClient(TestServer(first)) as one, TestClient(TestServer(second)) as two:
            for _ in range(3):
                assert (await login(one, "rita", "wrong password!")).status == 401
            assert (await login(two, "rita")).status == 429
            assert (await login(two, "sam")).status == 303
    finally:
        await other.dispose()


async def test_failures_older_than_the_window_are_forgotten_and_pruned(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    throttle = LoginThrottle(max_per_name=3, max_per_address=12, window=600)
    old = utcnow() - timedelta(seconds=601)
    async with sessions() as session, session.begin():
        for _ in range(5):
            session.add(LoginFailure(name_key=auth.name_key("rita"), address="10.0.0.1", at=old))
    assert await throttle.reserve(sessions, "rita", "10.0.0.1")
    async with sessions() as session:
        rows = (await session.execute(select(LoginFailure.at))).scalars().all()
    assert len(rows) == 1 and rows[0] > old
    # a success forgets the name's failures
    async with sessions() as session, session.begin():
        await throttle.succeeded(session, "RITA")
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(LoginFailure)) == 0


async def test_no_typed_name_is_stored_in_clear(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Someone may type their password in the name field."""
    throttle = LoginThrottle()
    await throttle.reserve(sessions, "my secret password", "10.0.0.1")
    async with sessions() as session:
        failure = await session.scalar(select(LoginFailure))
    assert failure is not None and "secret" not in failure.name_key


async def test_unknown_name_and_wrong_password_get_the_same_answer(web: Seeded) -> None:
    client, _made, _id = web
    unknown = await login(client, "nobody", "reviewer-password-1")
    wrong = await login(client, "rita", "not her password")
    assert unknown.status == wrong.status == 401
    assert "Wrong name or password." in await unknown.text()
    assert "Wrong name or password." in await wrong.text()


async def test_session_cookie_is_httponly_samesite_secure_and_logout_ends_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_accounts(sessions)
    app = create_app(sessions, review_config(cookie_secure=True))
    port = free_port()
    # a client that sends Secure cookies back over http to this loopback origin, like Chromium
    jar = CookieJar(unsafe=True, treat_as_secure_origin=[URL(f"http://127.0.0.1:{port}")])
    async with TestClient(TestServer(app, host="127.0.0.1", port=port), cookie_jar=jar) as client:
        response = await login(client, "rita")
        cookie = response.cookies["helpline_review"]
        assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Strict"
        assert len(cookie.value) >= 40
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    # same accounts, plain-http app: sign in, out, and the session is gone server-side
    app = create_app(sessions, review_config())
    async with TestClient(TestServer(app)) as client:
        await login(client, "rita")
        token = await session_token(client)
        assert (
            await client.post("/logout", data={"csrf": token}, allow_redirects=False)
        ).status == 303
        after = await client.get("/conversations", allow_redirects=False)
        assert after.status == 303 and after.headers["Location"].startswith("/login")


async def test_login_never_redirects_off_site(web: Seeded) -> None:
    client, _made, _id = web
    for target in (
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example/phish",  # aiohttp's URL drops tabs and newlines: "//evil.example"
        "/\n/evil.example/phish",
        "/\r\n/evil.example/phish",
        "\t//evil.example/",
        "/\x00/evil.example/",
        "/\u2028/evil.example/",
        "http:evil.example",
        "/ /evil.example",
        "//[",
    ):
        response = await login(client, "rita", next_=target)
        assert response.headers["Location"] == "/conversations", target
    # the login page never offers such a target either
    page = await (await client.get("/login?next=/%09/evil.example/phish")).text()
    assert 'name="next" value="/conversations"' in page
    # while a page of this site is where one comes back to
    wanted = "/conversations?language=fr&risk=crisis"
    assert (await login(client, "rita", next_=wanted)).headers["Location"] == wanted


async def test_transcript_shows_both_phases_with_nlu_and_is_audited(
    web: Seeded, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, made, _id = web
    escalated = next(c for c in consenting(made) if c.case is not None)
    await login(client, "rita")
    page = await (await client.get(f"/conversations/{escalated.pseudonym}")).text()
    assert "Bot phase" in page and f"Human phase · case C-{escalated.case['id']:05d}" in page
    agent_says = next(m.text for m in escalated.messages if m.kind == "agent")
    assert "from-agent" in page and html.escape(agent_says, quote=False) in page
    first = escalated.messages[0]
    assert f"{first.intent} {first.confidence:.2f}" in page
    assert page.index("Bot phase") < page.index("Human phase")
    async with sessions() as session:
        entries = (
            await session.execute(
                select(ReviewAudit.user_name, ReviewAudit.action, ReviewAudit.target)
            )
        ).all()
    assert ("rita", "open_conversation", escalated.pseudonym) in entries
    missing = await client.get("/conversations/P-NOTTHERE")
    assert missing.status == 404


async def test_audit_log_page_lists_who_opened_what(web: Seeded) -> None:
    client, made, _id = web
    await login(client, "rita")
    opened = consenting(made)[3]
    await client.get(f"/conversations/{opened.pseudonym}")
    await login(client, "sam")
    page = await (await client.get("/audit")).text()
    assert "open_conversation" in page and opened.pseudonym in page and "rita" in page


async def test_statistics_page_draws_svg_and_csv_matches_the_data(web: Seeded) -> None:
    client, made, _id = web
    await login(client, "sam")
    page = await (await client.get("/stats?from=2000-01-01")).text()
    assert page.count("<svg") == 5 and "<script" not in page
    response = await client.get("/stats.csv?from=2000-01-01")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    expected_in: Counter[str] = Counter()
    expected_out: Counter[str] = Counter()
    for conversation in made:
        for m in conversation.messages:
            (expected_in if m.direction == "in" else expected_out)[
                m.created_at.date().isoformat()
            ] += 1
    got_in = {r["day"]: int(r["messages_in"]) for r in rows if int(r["messages_in"])}
    got_out = {r["day"]: int(r["messages_out"]) for r in rows if int(r["messages_out"])}
    assert got_in == dict(expected_in) and got_out == dict(expected_out)
    escalations = sum(int(r["escalations"]) for r in rows)
    assert escalations == sum(1 for c in made if c.case is not None) > 0


async def test_retention_in_force_is_shown(web: Seeded) -> None:
    client, _made, _id = web
    await login(client, "sam")
    page = await (await client.get("/retention")).text()
    assert '<strong id="retention-days">90 days</strong>' in page
    await login(client, "rita")
    assert "messages are kept 90 days" in await (await client.get("/inbox")).text()


# --- consent (issue 13): without the patient's yes, their texts are not for improving the bot


def shown(text: str, page: str) -> bool:
    return str(escape(text)) in page  # as Jinja escapes it


def patient_texts(conversation: SeededConversation) -> list[str]:
    return [m.text for m in conversation.messages if m.direction == "in" and m.text]


async def audit_rows(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str, str]]:
    async with sessions() as session:
        found = await session.execute(
            select(ReviewAudit.user_name, ReviewAudit.action, ReviewAudit.target).order_by(
                ReviewAudit.id
            )
        )
        return [tuple(row) for row in found]  # type: ignore[misc]


async def test_a_reviewer_cannot_read_the_transcript_of_a_patient_who_did_not_consent(
    web: Seeded, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, made, _id = web
    refused = next(c for c in refusing(made) if c.case is not None)  # texts of both phases
    await login(client, "rita")
    # the list still shows the conversation (pseudonym, counts)...
    listing = await (await client.get("/conversations")).text()
    assert refused.pseudonym in listing
    # ...but not its text: 403 and a page that says why
    response = await client.get(f"/conversations/{refused.pseudonym}")
    page = await response.text()
    assert response.status == 403
    assert "did not consent" in page
    texts = [m.text for m in refused.messages if m.text]
    assert texts and not [t for t in texts if shown(t, page)]
    assert "timeline" not in page
    # nothing was opened, so nothing recorded as opened
    assert not [r for r in await audit_rows(sessions) if r[2] == refused.pseudonym]


async def test_a_supervisor_reads_it_and_the_opening_is_audited_as_without_consent(
    web: Seeded, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, made, _id = web
    refused = refusing(made)[0]
    agreed = consenting(made)[0]
    await login(client, "sam")
    response = await client.get(f"/conversations/{refused.pseudonym}")
    page = await response.text()
    assert response.status == 200
    assert all(shown(t, page) for t in patient_texts(refused))
    assert "did not consent" in page
    await client.get(f"/conversations/{agreed.pseudonym}")
    rows = [r for r in await audit_rows(sessions) if r[1] != "login"]
    assert rows == [
        ("sam", "open_conversation_no_consent", refused.pseudonym),
        ("sam", "open_conversation", agreed.pseudonym),
    ]


async def test_the_inbox_lists_only_consenting_patients_and_each_view_is_audited(
    web: Seeded, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, made, _id = web
    low = max(review_config().threshold, review_config().low_confidence)

    def to_review(c: SeededConversation) -> list[str]:
        return [
            m.text
            for m in c.messages
            if m.direction == "in"
            and m.kind == "text"
            and m.text
            and (m.intent == "nlu_fallback" or (m.confidence is not None and m.confidence < low))
        ]

    assert [t for c in refusing(made) for t in to_review(c)]  # there is something to hide
    wanted = sorted(t for c in consenting(made) for t in to_review(c))
    assert 0 < len(wanted) < review_config().page_size
    for name in ("rita", "sam"):
        await login(client, name)
        page = await (await client.get("/inbox")).text()
        texts = [html.unescape(t) for t in re.findall(r'<td class="text">(.*?)</td>', page, re.S)]
        assert sorted(texts) == wanted, name
        linked = set(re.findall(r'href="/conversations/(P-[^"]+)"', page))
        assert linked and linked <= {c.pseudonym for c in consenting(made)}, name
    # the annotated view too: a fallback text of each kind of patient, annotated
    async with sessions() as session, session.begin():
        annotated = {}
        for consent in (True, False):
            annotated[consent] = await session.scalar(
                select(func.min(Message.id))
                .join(Patient, Patient.id == Message.patient_id)
                .where(Message.intent == "nlu_fallback", Patient.consent_improve.is_(consent))
            )
            assert annotated[consent] is not None
            session.add(
                NLUAnnotation(message_id=annotated[consent], verdict="discard", reviewer="sam")
            )
    done = await (await client.get("/inbox?view=done")).text()
    assert f'id="m{annotated[True]}"' in done and f'id="m{annotated[False]}"' not in done
    # one audit row per view of the inbox, naming the view, never a patient text
    opened = [r for r in await audit_rows(sessions) if r[1] == "open_inbox"]
    assert opened == [
        ("rita", "open_inbox", "to-review"),
        ("sam", "open_inbox", "to-review"),
        ("sam", "open_inbox", "annotated"),
    ]
    every_text = {m.text for c in made for m in c.messages if m.text}
    assert not [r for r in opened if any(t in r[2] for t in every_text)]


async def test_a_reviewer_cannot_annotate_a_message_of_a_patient_who_did_not_consent(
    web: Seeded, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, _made, _id = web
    async with sessions() as session:
        hidden = await session.scalar(
            select(func.min(Message.id))
            .join(Patient, Patient.id == Message.patient_id)
            .where(
                Message.direction == "in",
                Message.kind == "text",
                Patient.consent_improve.is_(False),
            )
        )
    assert hidden is not None
    await login(client, "rita")
    token = await session_token(client)
    response = await client.post(
        f"/inbox/{hidden}", data={"csrf": token, "verdict": "discard"}, allow_redirects=False
    )
    assert response.status == 303 and "error=" in response.headers["Location"]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(NLUAnnotation)) == 0
    page = await (await client.get(response.headers["Location"])).text()
    assert '<p class="error" role="alert">This patient did not consent' in page


async def test_the_inbox_shows_only_its_own_error_messages(web: Seeded) -> None:
    client, _made, _id = web
    await login(client, "rita")
    planted = "Your session expired: call +33 1 23 45 67 89 and give your password"
    for error in (planted, "no such patient message", "<b>x</b>"):
        page = await (await client.get("/inbox", params={"error": error})).text()
        assert 'role="alert"' not in page and planted not in page, error


# --- input that makes no sense: 400 (never 500), with the pages' headers


def huge_cursor() -> str:
    raw = f"2025-01-01T00:00:00|{'9' * 23}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def test_bad_parameters_answer_400_with_the_security_headers(web: Seeded) -> None:
    client, _made, _id = web
    await login(client, "sam")
    huge = "9" * 23
    bad = [
        "/stats?from=9999-12-31",
        "/stats?to=0001-01-01",
        "/stats?from=not-a-day",
        "/stats.csv?to=0001-01-01",
        f"/audit?before={huge}",
        "/audit?before=-1",
        f"/inbox?before={huge}",
        "/inbox?before=x",
        f"/conversations?after={huge_cursor()}",
        f"/conversations?before={huge_cursor()}",
        "/conversations?after=bm90IGEgY3Vyc29y",
    ]
    for url in bad:
        response = await client.get(url, allow_redirects=False)
        assert response.status == 400, url
        for header, value in SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, (url, header)
        assert "aiohttp" not in response.headers.get("Server", ""), url
        assert "Python" not in response.headers.get("Server", ""), url
    token = await session_token(client)
    response = await client.post(
        f"/inbox/{huge}", data={"csrf": token, "verdict": "discard"}, allow_redirects=False
    )
    assert response.status == 400
    assert response.headers.get("X-Frame-Options") == "DENY"
    # a date far ahead is a filter without end, not an error
    for url in ("/conversations?to=9999-12-31", "/conversations?from=0001-01-01"):
        assert (await client.get(url)).status == 200, url


async def test_an_unexpected_error_is_our_500_page_with_the_headers(
    web: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _made, _id = web
    await login(client, "sam")

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("review.pages.stats.statistics", broken)
    response = await client.get("/stats")
    assert response.status == 500
    assert (
        response.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    )
    assert "Something went wrong." in await response.text()


async def test_no_page_names_the_server_software(web: Seeded) -> None:
    client, _made, _id = web
    for url in ("/login", "/static/nothing-here.css", "/no-such-page"):
        server = (await client.get(url)).headers.get("Server", "")
        assert "aiohttp" not in server and "Python" not in server, url
