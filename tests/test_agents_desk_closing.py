"""What an agent says of a case at close (issue 17, point 3): /close, or the card's button, asks
the outcome, then the categories (ticked, then "done"), and only then closes the case; both are
stored on the case and counted by the review workspace's statistics. Service tests without
Telegram (the keyword parser, a real SQLite file, and PostgreSQL once); end-to-end ones through
the Bot API emulator with the real NLU server, two agents in one group."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import case_closing
from bot.engine import Engine
from bot.escalation import Escalations
from responses import LANGUAGES, ContentError
from responses.case_categories import load_case_taxonomy
from review.auth import LoginThrottle
from review.queries.stats import statistics
from review.web import create_app
from storage.cases import CaseRepository
from storage.db import create_engine, migrate, session_factory
from storage.models import Case, CaseStatus, Outcome, utcnow
from storage.outbox import EditTopicText, TopicText
from storage.repositories import PatientRepository
from tests.agents_helpers import AGENTS, open_case_by_button
from tests.desk_helpers import (
    OTHER_AGENT,
    OTHER_PATIENT,
    close_with,
    open_case,
    open_english_case,
    outbox,
    press,
    tick,
    with_button,
)
from tests.engine_helpers import make_engine, stored
from tests.fake_parser import KeywordParser
from tests.review_helpers import add_accounts, login, review_config
from tests.telegram_helpers import PATIENT, RunningBot, button_data, plain, replies

TAXONOMY = load_case_taxonomy()


async def closing_state(sessions: async_sessionmaker[AsyncSession]) -> list[tuple]:
    return await stored(sessions, "SELECT status, outcome, categories FROM cases ORDER BY id")


@pytest.fixture
def desk(
    fake_nlu: KeywordParser, sessions: async_sessionmaker[AsyncSession]
) -> tuple[Engine, Escalations]:
    return make_engine(fake_nlu, sessions)


# --- the closing taxonomy -------------------------------------------------------------------


def test_every_outcome_is_labelled_and_the_categories_cover_the_helplines_cases() -> None:
    assert list(TAXONOMY.outcomes) == list(Outcome)
    assert {
        "phishing",
        "identity_theft",
        "blackmail",
        "complaint",
        "gdpr_rights",
        "sensitive_health",
        "distress",
        "employer_insurer",
        "relative_data",
        "other",
    } <= set(TAXONOMY.categories)
    for labels in [*TAXONOMY.outcomes.values(), *TAXONOMY.categories.values()]:
        assert set(labels) == set(LANGUAGES) and all(labels.values())
    assert TAXONOMY.outcome_label("no_reply", "fr") == "Plus de réponse"
    assert TAXONOMY.category_label("retired_one", "en") == "retired_one"  # no longer in the file


def test_a_broken_taxonomy_edit_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / "case_categories.yml"
    path.write_text(
        "outcomes:\n"
        "  - {id: informed, fr: Informé, en: Informed}\n"
        "  - {id: won, fr: Gagné, en: Won}\n"
        "categories:\n"
        "  - {id: Phishing, fr: Hameçonnage, en: Phishing}\n"
        "  - {id: other, fr: Autre, en: Other}\n"
        "  - {id: other, fr: Autre, en: ''}\n"
        "  - {id: x, fr: X}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContentError) as error:
        load_case_taxonomy(path)
    message = str(error.value)
    for expected in (
        "outcomes: no labels for ['complaint_help'",
        "outcomes: ['won'] are not in storage.models.Outcome",
        "id 'Phishing' is not lower_snake_case",
        "id 'other' used twice",
        "(other): en label must be 1-40",
        "categories #4: needs exactly the keys id, fr, en",
    ):
        assert expected in message, expected


# --- the outcome and categories at close, without Telegram ----------------------------------


async def test_close_asks_the_outcome_then_the_categories_and_only_then_closes(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = desk
    await open_case(engine, "1", "fr")
    asked = await case_closing.ask_outcome(escalations, 1)
    assert asked.notices == [] and asked.items == []
    [question] = [p for p in await outbox(sessions) if isinstance(p, TopicText)]
    assert question.text == "Clôture de C-00001 (1/2) : quelle a été l'issue ?"
    assert [data for _, data in question.buttons] == [f"case:outcome:1:{o}" for o in Outcome]
    assert question.buttons[0][0] == "Informé(e)" and question.columns == 2

    await case_closing.step(escalations, "outcome", 1, "complaint_help", 555)
    await case_closing.step(escalations, "cat", 1, "phishing", 555)
    await case_closing.step(escalations, "cat", 1, "complaint", 555)
    assert await closing_state(sessions) == [
        ("waiting", "complaint_help", '["phishing", "complaint"]')
    ]
    await case_closing.step(escalations, "cat", 1, "phishing", 555)  # unticked
    edits = [p for p in await outbox(sessions) if isinstance(p, EditTopicText)]
    assert {edit.message_id for edit in edits} == {555}  # the one question, edited
    last = edits[-1]
    assert "Issue : Aide à la plainte." in last.text and last.columns == 1
    labels = dict((data, label) for label, data in last.buttons)
    assert labels["case:cat:1:complaint"] == "✅ Plainte"
    assert labels["case:cat:1:phishing"] == "Hameçonnage, SMS, appel"
    assert labels["case:done:1"] == "☑️ Terminé"
    assert await closing_state(sessions) == [("waiting", "complaint_help", '["complaint"]')]

    closed = await case_closing.step(escalations, "done", 1, "", 555)
    [notice] = closed.notices  # the patient's satisfaction question, as before
    assert [data for _, data in notice.buttons] == [f"sat:{n}" for n in range(1, 6)]
    assert await closing_state(sessions) == [("closed", "complaint_help", '["complaint"]')]
    summary = [p for p in await outbox(sessions) if isinstance(p, EditTopicText)][-1]
    assert summary == EditTopicText(
        555, "Clôture de C-00001. Issue : Aide à la plainte. Catégories : Plainte."
    )
    kinds = [p.kind for p in await outbox(sessions)]
    assert kinds[-4:] == ["edit_text", "card_edit", "text", "close_topic"]


async def test_done_without_a_category_asks_for_one_and_keeps_the_case_open(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = desk
    await open_case(engine, "1", "fr")
    await case_closing.step(escalations, "outcome", 1, "no_reply", 9)
    outcome = await case_closing.step(escalations, "done", 1, "", 9)
    assert outcome.notices == []
    last = (await outbox(sessions))[-1]
    assert isinstance(last, EditTopicText)
    assert last.text.endswith("⚠️ Choisissez au moins une catégorie.")
    assert await closing_state(sessions) == [("waiting", "no_reply", "[]")]


async def test_forged_or_stale_closing_buttons_change_nothing(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = desk
    await open_case(engine, "1", "fr")
    before = await outbox(sessions)
    for action, argument in [("outcome", "won"), ("explode", "x"), ("outcome", "")]:
        await case_closing.step(escalations, action, 1, argument, 9)
    assert await outbox(sessions) == before
    # a category or "done" before any outcome: the first question again, nothing stored
    await case_closing.step(escalations, "cat", 1, "phishing", 9)
    assert await closing_state(sessions) == [("waiting", None, "[]")]
    again = (await outbox(sessions))[-1]
    assert isinstance(again, EditTopicText) and "(1/2)" in again.text
    await case_closing.step(escalations, "outcome", 1, "informed", 9)
    await case_closing.step(escalations, "cat", 1, "not_a_category", 9)
    assert await closing_state(sessions) == [("waiting", "informed", "[]")]
    assert (await case_closing.step(escalations, "done", 2, "", 9)).case is None  # no such case


async def test_a_risk_case_still_asks_its_confirmation_after_outcome_and_categories(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = desk
    await open_case(
        engine, "1", "fr", "on me fait du chantage avec mes résultats, ils veulent de l'argent"
    )
    await case_closing.step(escalations, "outcome", 1, "complaint_help", 9)
    await case_closing.step(escalations, "cat", 1, "blackmail", 9)
    refused = await case_closing.step(escalations, "done", 1, "", 9)
    assert refused.notices == []
    assert await closing_state(sessions) == [("waiting", "complaint_help", '["blackmail"]')]
    prompt = (await outbox(sessions))[-1]
    assert isinstance(prompt, TopicText) and prompt.buttons[0][1] == "case:confirm:1"
    closed = await case_closing.confirm(escalations, 1)
    assert closed.notices[0].buttons[0][1] == "sat:1"
    assert await closing_state(sessions) == [("closed", "complaint_help", '["blackmail"]')]


async def test_a_reopened_case_asks_its_outcome_again_and_keeps_its_categories_ticked(
    desk: tuple[Engine, Escalations], sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, escalations = desk
    await open_case(
        engine, "1", "fr", "on me fait du chantage avec mes résultats, ils veulent de l'argent"
    )
    await case_closing.step(escalations, "outcome", 1, "informed", 9)
    await case_closing.step(escalations, "cat", 1, "blackmail", 9)
    await case_closing.step(escalations, "done", 1, "", 9)
    await case_closing.confirm(escalations, 1)
    await escalations.reopen(1)
    assert await closing_state(sessions) == [("waiting", None, '["blackmail"]')]
    # the old confirmation and "done" buttons ask the outcome again rather than close
    assert (await case_closing.confirm(escalations, 1)).notices == []
    assert (await case_closing.step(escalations, "done", 1, "", 9)).notices == []
    assert await closing_state(sessions) == [("waiting", None, '["blackmail"]')]
    await case_closing.step(escalations, "outcome", 1, "emotional_support", 9)
    question = (await outbox(sessions))[-1]
    assert isinstance(question, EditTopicText)
    assert ("✅ Chantage, extorsion", "case:cat:1:blackmail") in question.buttons


# --- the statistics -------------------------------------------------------------------------


async def add_closed_case(
    sessions: async_sessionmaker[AsyncSession],
    chat: str,
    closed_at: datetime,
    outcome: Outcome | None,
    categories: list[str],
) -> None:
    async with sessions() as session, session.begin():
        patient, _ = await PatientRepository(session).get_or_create("telegram", chat, "fr")
        session.add(
            Case(
                patient_id=patient.id,
                reason="human_handoff",
                status=CaseStatus.CLOSED,
                risk_flags=[],
                opened_at=closed_at - timedelta(hours=1),
                closed_at=closed_at,
                outcome=outcome,
                categories=categories,
            )
        )


@pytest.fixture
async def closed_cases(sessions: async_sessionmaker[AsyncSession]) -> None:
    in_span = datetime(2026, 11, 10, 12)
    await add_closed_case(sessions, "1", in_span, Outcome.SCAM_HANDLED, ["phishing", "complaint"])
    await add_closed_case(sessions, "2", in_span, Outcome.SCAM_HANDLED, ["phishing"])
    await add_closed_case(sessions, "3", in_span, Outcome.NO_REPLY, ["retired_one"])
    await add_closed_case(sessions, "4", in_span, None, [])  # closed before outcomes
    await add_closed_case(sessions, "5", datetime(2026, 10, 1), Outcome.INFORMED, ["other"])


async def test_the_statistics_count_outcomes_and_categories_of_the_cases_closed_in_the_period(
    sessions: async_sessionmaker[AsyncSession], closed_cases: None
) -> None:
    start, end = datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date()
    async with sessions() as session:
        stats = await statistics(session, 0.3, start, end)
    outcomes = dict(stats.outcomes)
    assert outcomes["Scam handled"] == 2 and outcomes["No reply"] == 1
    assert outcomes["Informed"] == 0  # closed before the period
    assert outcomes["not recorded"] == 1
    assert [label for label, _ in stats.outcomes][:7] == [
        labels["en"] for labels in TAXONOMY.outcomes.values()
    ]
    categories = dict(stats.categories)
    assert categories["Phishing, SMS, call"] == 2 and categories["Complaint"] == 1
    assert categories["Other"] == 0 and categories["retired_one"] == 1


@pytest.fixture
async def review_client(
    sessions: async_sessionmaker[AsyncSession], closed_cases: None
) -> AsyncIterator[TestClient]:
    await add_accounts(sessions)
    app = create_app(
        sessions, review_config(), LoginThrottle(max_per_name=3, max_per_address=12, window=600)
    )
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_the_statistics_page_shows_the_outcomes_and_categories(
    review_client: TestClient,
) -> None:
    await login(review_client, "sam")
    page = await (await review_client.get("/stats?from=2026-11-01&to=2026-11-30")).text()
    outcomes = page[page.index('id="outcomes"') : page.index('id="categories"')]
    assert '<td>Scam handled</td><td class="n">2</td>' in outcomes
    assert '<td>not recorded</td><td class="n">1</td>' in outcomes
    categories = page[page.index('id="categories"') :]
    assert '<td>Phishing, SMS, call</td><td class="n">2</td>' in categories
    assert '<td>Other</td><td class="n">0</td>' in categories
    earlier = await (await review_client.get("/stats?from=2026-10-01&to=2026-10-02")).text()
    assert '<td>Informed</td><td class="n">1</td>' in earlier


async def test_closing_and_its_statistics_on_postgresql(
    database_url: str, fake_nlu: KeywordParser
) -> None:
    """The JSON list, the enum column and the row lock of the categories' ticks, on PostgreSQL."""
    database = create_engine(database_url)
    try:
        await migrate(database)
        sessions = session_factory(database)
        engine, escalations = make_engine(fake_nlu, sessions)
        await open_case(engine, "1", "fr")
        await case_closing.step(escalations, "outcome", 1, "informed", 9)
        # two agents ticking at once: the second waits for the first's row lock, both count
        async with sessions() as first, first.begin():
            held = await CaseRepository(first).for_closing(1)
            assert held is not None
            second = asyncio.create_task(case_closing.step(escalations, "cat", 1, "other", 9))
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(asyncio.shield(second), 0.5)
            await CaseRepository(first).set_categories(held, ["phishing"])
        await second
        await case_closing.step(escalations, "done", 1, "", 9)
        async with sessions() as session:
            case = await session.get(Case, 1)
            assert case is not None
            assert (case.status, case.outcome, case.categories) == (
                CaseStatus.CLOSED,
                Outcome.INFORMED,
                ["phishing", "other"],
            )
            today = utcnow().date()
            stats = await statistics(session, 0.3, today - timedelta(days=1), today)
        assert dict(stats.outcomes)["Informed"] == 1
        assert dict(stats.categories)["Other"] == dict(stats.categories)["Phishing, SMS, call"] == 1
    finally:
        await database.dispose()


# --- end to end, through the emulator --------------------------------------------------------


@pytest.fixture
def running(running_with_agents: RunningBot) -> RunningBot:
    running_with_agents.emulator.set_member(AGENTS, OTHER_AGENT, "member")
    return running_with_agents


@pytest.mark.rasa
async def test_the_cards_close_button_asks_outcome_and_categories_then_closes_with_both_stored(
    running: RunningBot,
) -> None:
    emulator = running.emulator
    topic = await open_case_by_button(running, "fr")
    await replies(running, 4)
    card = await press(running, topic, "case:close:1")
    question = await press(running, topic, "case:outcome:1:scam_handled", user_id=OTHER_AGENT)
    assert question["text"] == "Clôture de C-00001 (1/2) : quelle a été l'issue ?"
    assert question["message_id"] != card["message_id"]
    await tick(running, topic, 1, "phishing")
    await tick(running, topic, 1, "sensitive_health", user_id=OTHER_AGENT)
    assert await running.rows("SELECT status, outcome, categories FROM cases") == [
        ("waiting", "scam_handled", '["phishing", "sensitive_health"]')
    ]
    assert not any("sat:1" in button_data(m) for m in emulator.sent(PATIENT))
    await press(running, topic, "case:done:1")
    await emulator.wait_until(
        lambda: any("sat:5" in button_data(m) for m in emulator.sent(PATIENT)), what="sat"
    )
    summary = emulator.message(AGENTS, question["message_id"])
    assert summary is not None and "reply_markup" not in summary
    assert summary["text"] == (
        "Clôture de C-00001. Issue : Arnaque traitée. "
        "Catégories : Hameçonnage, SMS, appel, Santé sensible (VIH, grossesse…)."
    )
    await emulator.wait_until(lambda: emulator.topic(AGENTS, topic)["closed"])
    assert await running.rows("SELECT status, outcome, categories FROM cases") == [
        ("closed", "scam_handled", '["phishing", "sensitive_health"]')
    ]
    assert with_button(running, topic, "case:done:1") is None  # the question's buttons are gone


@pytest.mark.rasa
async def test_close_in_an_english_case_with_the_helper(running: RunningBot) -> None:
    """The agents read their own language whatever the patient's; the patient is asked in
    theirs once the case closes."""
    topic = await open_english_case(running, 1)
    await replies(running, 4, OTHER_PATIENT)
    await close_with(running, topic, "referred", ("gdpr_rights",), user_id=OTHER_AGENT)
    await running.emulator.wait_until(
        lambda: any("sat:5" in button_data(m) for m in running.emulator.sent(OTHER_PATIENT))
    )
    closing = running.emulator.sent(OTHER_PATIENT)[-1]
    assert closing["text"] == plain(running.catalogue.phrase("case_closed", "en"))
    assert await running.rows("SELECT outcome, categories FROM cases") == [
        ("referred", '["gdpr_rights"]')
    ]
