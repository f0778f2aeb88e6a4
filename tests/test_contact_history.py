"""Contact history and flags on a patient (issue 17, point 5): the case card lists the patient's
earlier cases and active flags; flags expire and the retention job purges them; /delete erases
them; supervisors set and remove them in the review workspace, agents with /flag in a topic;
and, end to end through the emulator, a second case's card shows the first case and a flag."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agent_texts import AgentTexts
from bot.engine import Engine
from bot.escalation import Escalations
from bot.patient_flags import flag_from_topic, flags_in_topic, parse_flag
from responses.case_categories import load_case_taxonomy
from responses.flags import FLAGS_FILE, flag_labels, load_flag_labels
from review.web import create_app
from storage.db import create_engine, migrate, session_factory
from storage.flags import EARLIER_CASES, ContactHistory, FlagKind, FlagRepository
from storage.models import Case, Outcome, utcnow
from storage.retention import apply_retention
from tests.agents_helpers import agent_says, in_topic, open_case_by_button, topic_of_case
from tests.desk_helpers import close_with
from tests.engine_helpers import CATALOGUE, make_engine, say, stored
from tests.fake_parser import KeywordParser
from tests.review_helpers import add_accounts, form_token, login, review_config
from tests.telegram_helpers import PATIENT, RunningBot, button_data, replies

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def desk(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> tuple[Engine, Escalations]:
    return make_engine(fake_nlu, sessions, now=NOW)


async def card_of(escalations: Escalations, case_id: int) -> str:
    async with escalations.sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        text_, _buttons = await escalations.card(session, case)
        return text_


async def set_flag(
    sessions: async_sessionmaker[AsyncSession],
    kind: FlagKind,
    *,
    days: int | None = None,
    note: str = "",
    now: datetime = NOW,
    patient_id: int = 1,
) -> int:
    async with sessions() as session, session.begin():
        flag = await FlagRepository(session).set(
            patient_id, kind, "review:sam", days=days, note=note, now=now
        )
        return flag.id


async def test_the_card_lists_the_last_earlier_cases_newest_first_and_the_active_flags(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = desk
    for number in range(1, 8):  # seven cases, each closed; the 3rd rated
        await say(engine, "/human")
        await escalations.close(number)
        if number == 3:
            await say(engine, button="sat:4")
    await say(engine, "/human")  # the 8th, open
    await set_flag(sessions, FlagKind.PREFERS_ENGLISH, note="rappeler au 06 12 34 56 78")
    await set_flag(sessions, FlagKind.SENSITIVE_HIV, days=30)
    await set_flag(sessions, FlagKind.SHARED_PHONE, days=1, now=NOW - timedelta(days=2))

    card = await card_of(escalations, 8)
    lines = card.splitlines()
    assert "🗂 Contacts précédents (7) :" in lines
    shown = [line.split(" · ")[0].removeprefix("• ") for line in lines if " · ouvert le " in line]
    assert shown == ["C-00007", "C-00006", "C-00005", "C-00004", "C-00003"]
    assert len(shown) == EARLIER_CASES
    assert "  … et 2 dossier(s) plus ancien(s)" in lines
    [third] = [line for line in lines if line.startswith("• C-00003")]
    assert third.endswith("· satisfaction 4/5")
    assert "C-00002" not in card and "C-00001" not in card
    # the active flags, the expiry and the note redacted; the expired flag is not there
    assert "🏷 Signalements (/flag pour en ajouter) :" in lines
    assert "• préfère l'anglais · « rappeler au <PHONE> »" in lines
    assert "• sensible : statut VIH · jusqu'au 30/12/2026" in lines
    assert "téléphone partagé" not in card and "06 12" not in card
    # the first case's card says it was the first
    first = await card_of(escalations, 1)
    assert "🗂 Contacts précédents : aucun, c'est le premier dossier." in first.splitlines()


def test_earlier_cases_show_their_outcome_and_categories_in_the_agents_language() -> None:
    """`outcome` and `categories` are chosen at /close (bot/case_closing.py); their labels are
    in responses/case_categories.yml, a category no longer there is shown by its id."""
    taxonomy = load_case_taxonomy()
    case = Case(
        id=12,
        patient_id=1,
        opened_at=datetime(2026, 11, 2, 10, 0),
        outcome=Outcome.INFORMED,
        categories=["phishing", "retired_category"],
    )
    bare = Case(id=9, patient_id=1, opened_at=datetime(2026, 10, 1, 10, 0), satisfaction=2)
    lines = AgentTexts(CATALOGUE, "en").contact_lines(ContactHistory([case, bare], 2, []))
    outcome = taxonomy.outcome_label(Outcome.INFORMED, "en")
    phishing = taxonomy.category_label("phishing", "en")
    assert outcome != "informed" and phishing != "phishing"
    assert lines == [
        "",
        "🗂 Earlier contacts (2):",
        f"• C-00012 · opened 2026-11-02 · {outcome} · {phishing}, retired_category",
        "• C-00009 · opened 2026-10-01 · satisfaction 2/5",
        "🏷 Flags: none (/flag to add one)",
    ]


def test_the_flags_file_names_every_kind_in_both_languages(tmp_path: Path) -> None:
    labels = flag_labels()
    assert set(labels["fr"]) == set(labels["en"]) == set(FlagKind)
    assert labels["en"][FlagKind.SENSITIVE_HIV] == "sensitive: HIV status"
    broken = FLAGS_FILE.read_text(encoding="utf-8").replace("id: prefers_french", "id: nope")
    path = tmp_path / "flags.yml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ValueError, match=r"'nope' is not a storage\.flags\.FlagKind"):
        load_flag_labels(path)


async def test_flags_expire_and_the_retention_job_purges_them_and_a_forgotten_patients(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, _ = desk
    await say(engine, "/human", chat="1")
    await say(engine, "bonjour", chat="2")
    now = utcnow()
    await set_flag(sessions, FlagKind.SHARED_PHONE, days=1, now=now)
    await set_flag(sessions, FlagKind.PREFERS_WRITTEN, now=now)  # no expiry
    await set_flag(sessions, FlagKind.CRISIS_BEFORE, now=now, patient_id=2)
    async with sessions() as session:
        flags = FlagRepository(session)
        soon = [f.kind for f in await flags.active(1, now + timedelta(hours=12))]
        later = [f.kind for f in await flags.active(1, now + timedelta(days=2))]
    assert soon == ["shared_phone", "prefers_written"] and later == ["prefers_written"]
    # patient 2 has been silent past the retention period: forgotten, and their flags with them
    async with sessions() as session, session.begin():
        old = now - timedelta(days=100)
        await session.execute(
            text("UPDATE patients SET last_seen_at = :old WHERE id = 2"), {"old": old}
        )
    async with sessions() as session, session.begin():
        done = await apply_retention(session, 90, 0.3, now=now + timedelta(days=2))
    assert done.flags == 2
    assert await stored(sessions, "SELECT patient_id, kind FROM patient_flags") == [
        (1, "prefers_written")
    ]
    # patient 1's open case: its pinned card is shown again, without the expired flag
    assert await stored(sessions, "SELECT case_id, kind FROM agent_outbox") == [
        (1, "topic"),
        (1, "card_edit"),
    ]


async def test_erasure_deletes_the_patients_flags_and_only_theirs(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, _ = desk
    await say(engine, "/human", chat="1")
    await say(engine, "bonjour", chat="2")
    await set_flag(sessions, FlagKind.SENSITIVE_HIV, note="ne pas nommer le labo")
    await set_flag(sessions, FlagKind.PREFERS_ENGLISH, patient_id=2)
    await say(engine, "/delete", chat="1")
    await say(engine, button="delete:yes", chat="1")
    assert await stored(sessions, "SELECT patient_id, kind FROM patient_flags") == [
        (2, "prefers_english")
    ]


async def test_an_agent_flags_the_patient_from_the_topic_and_lists_the_flags(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = desk
    await say(engine, "/human")
    await flag_from_topic(escalations, 1, 7001, "prefers_english 30")
    await flag_from_topic(escalations, 1, 7001, "prefers_nothing")  # not a kind: the usage
    await flag_from_topic(escalations, 1, 7001, "shared_phone 999")  # too long: the usage
    await flags_in_topic(escalations, 1)
    assert await stored(
        sessions, "SELECT kind, set_by, expires_at IS NOT NULL FROM patient_flags"
    ) == [("prefers_english", "agent:7001", 1)]
    posts = await stored(
        sessions, "SELECT kind, payload FROM agent_outbox WHERE id > 1 ORDER BY id"
    )
    assert [kind for kind, _ in posts] == ["card_edit", "text", "text", "text", "text"]
    said = [json.loads(payload).get("text", "") for _, payload in posts]
    assert said[1] == "🏷 Signalement ajouté : préfère l'anglais. La fiche est mise à jour."
    assert said[2] == said[3] and said[2].startswith("Usage : /flag TYPE [jours]")
    assert "• shared_phone : téléphone partagé : rester discret" in said[2].splitlines()
    assert said[4].splitlines()[:2] == [
        "🏷 Signalements actifs :",
        "• préfère l'anglais · jusqu'au 30/12/2026",
    ]
    assert "préfère l'anglais" in await card_of(escalations, 1)
    assert parse_flag("PREFERS_WRITTEN") == (FlagKind.PREFERS_WRITTEN, None)
    for wrong in ("", "prefers_written 0", "prefers_written -3", "prefers_written 3 4", "x 3"):
        assert parse_flag(wrong) is None


async def test_on_postgresql_too_flags_expire_are_purged_and_go_with_their_patient(
    fake_nlu: KeywordParser, database_url: str
) -> None:
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = session_factory(engine)
    try:
        helpline, _ = make_engine(fake_nlu, sessions, now=NOW)
        await say(helpline, "/human", chat="1")
        await say(helpline, "bonjour", chat="2")
        now = utcnow()
        await set_flag(sessions, FlagKind.SHARED_PHONE, days=1, now=now)
        await set_flag(sessions, FlagKind.SENSITIVE_HIV, now=now)
        await set_flag(sessions, FlagKind.PREFERS_ENGLISH, now=now, patient_id=2)
        async with sessions() as session, session.begin():
            done = await apply_retention(session, 90, 0.3, now=now + timedelta(days=2))
        assert done.flags == 1
        await say(helpline, "/delete", chat="1")
        await say(helpline, button="delete:yes", chat="1")
        assert await stored(sessions, "SELECT patient_id, kind FROM patient_flags") == [
            (2, "prefers_english")
        ]
    finally:
        await engine.dispose()


@pytest.fixture
async def review(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[tuple[TestClient, str]]:
    """The review workspace, and the pseudonym of a patient with an open case."""
    engine, _ = desk
    await add_accounts(sessions)
    await say(engine, "/human")
    [(pseudonym,)] = await stored(sessions, "SELECT pseudonym FROM patients")
    async with TestClient(TestServer(create_app(sessions, review_config()))) as client:
        yield client, pseudonym


async def test_a_supervisor_sets_and_removes_a_flag_on_the_transcript_page(
    review: tuple[TestClient, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, pseudonym = review
    await login(client, "sam")
    page = await (await client.get(f"/conversations/{pseudonym}")).text()
    assert 'id="add-flag"' in page and "No active flag." in page
    form = {"csrf": form_token(page), "kind": "sensitive_hiv", "days": "30", "note": "a@b.fr"}
    added = await client.post(f"/conversations/{pseudonym}/flags", data=form, allow_redirects=False)
    assert added.status == 303
    assert added.headers["Location"] == f"/conversations/{pseudonym}#flags"
    [(flag_id, note, set_by)] = await stored(sessions, "SELECT id, note, set_by FROM patient_flags")
    assert (note, set_by) == ("<EMAIL>", "review:sam")
    page = await (await client.get(f"/conversations/{pseudonym}")).text()
    assert "sensitive: HIV status" in page and "&lt;EMAIL&gt;" in page
    # the open case's pinned card is shown again, with the flag
    assert ("card_edit",) in await stored(sessions, "SELECT kind FROM agent_outbox")
    wrong = {**form, "days": "0"}
    bad = await client.post(f"/conversations/{pseudonym}/flags", data=wrong, allow_redirects=False)
    assert bad.status == 400
    removal = {"csrf": form["csrf"], "flag": str(flag_id)}
    gone = await client.post(
        f"/conversations/{pseudonym}/flags/remove", data=removal, allow_redirects=False
    )
    assert gone.status == 303
    assert await stored(sessions, "SELECT count(*) FROM patient_flags") == [(0,)]
    again = await client.post(
        f"/conversations/{pseudonym}/flags/remove", data=removal, allow_redirects=False
    )
    assert again.status == 404
    audit = await stored(sessions, "SELECT user_name, action, target FROM review_audit")
    flag_actions = [row for row in audit if row[1].endswith("_flag")]
    assert flag_actions == [
        ("sam", "add_flag", f"{pseudonym} flag {flag_id}"),
        ("sam", "remove_flag", f"{pseudonym} flag {flag_id}"),
    ]
    assert await stored(sessions, "SELECT count(*) FROM agent_outbox WHERE kind = 'card_edit'") == [
        (2,)
    ]


async def test_a_reviewer_cannot_set_a_flag_nor_forge_one_without_the_token(
    review: tuple[TestClient, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, pseudonym = review
    await login(client, "rita")
    page = await (await client.get("/conversations")).text()
    form = {"csrf": form_token(page), "kind": "prefers_english"}
    refused = await client.post(f"/conversations/{pseudonym}/flags", data=form)
    assert refused.status == 403
    await client.post("/logout", data={"csrf": form["csrf"]})
    await login(client, "sam")
    forged = await client.post(
        f"/conversations/{pseudonym}/flags", data={**form, "csrf": "not-the-token"}
    )
    assert forged.status == 403
    assert await stored(sessions, "SELECT count(*) FROM patient_flags") == [(0,)]


@pytest.mark.rasa
async def test_a_second_cases_card_shows_the_first_case_and_the_flag(
    running_with_agents: RunningBot,
) -> None:
    running = running_with_agents
    emulator = running.emulator
    topic = await open_case_by_button(running)
    await replies(running, 4)
    agent_says(running, topic, "/flag prefers_english 30")

    def card(topic_id: int, number: str) -> str:
        found = [m["text"] for m in in_topic(running, topic_id) if f"Dossier {number}" in m["text"]]
        return found[0] if found else ""

    await emulator.wait_until(lambda: "préfère l'anglais" in card(topic, "C-00001"))
    await close_with(running, topic, "informed", ("phishing",))  # as agents close a case
    await emulator.wait_until(
        lambda: any("sat:4" in button_data(m) for m in emulator.sent(PATIENT))
    )
    closing = emulator.sent(PATIENT)[-1]
    emulator.push_callback(PATIENT, "sat:4", message_id=closing["message_id"])
    await replies(running, len(emulator.sent(PATIENT)) + 1)  # thanks
    emulator.push_text(PATIENT, "/human")
    second = await topic_of_case(running, 2)
    assert second != topic
    await emulator.wait_until(lambda: bool(card(second, "C-00002")))
    text_ = card(second, "C-00002")
    lines = text_.splitlines()
    assert "🗂 Contacts précédents (1) :" in lines
    [earlier] = [line for line in lines if line.startswith("• C-00001 · ouvert le ")]
    taxonomy = load_case_taxonomy()
    outcome = taxonomy.outcome_label("informed", "fr")
    phishing = taxonomy.category_label("phishing", "fr")
    assert earlier.endswith(f" · {outcome} · {phishing} · satisfaction 4/5")
    assert any(line.startswith("• préfère l'anglais · jusqu'au ") for line in lines)
    for secret in ("Jeanne", str(PATIENT)):
        assert secret not in text_
