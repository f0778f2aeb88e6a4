"""Conversation filters and keyset paging on 10,000 seeded conversations (a real SQLite file),
checked against the answer computed in Python from what was seeded."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nlu.rasa import fallback_threshold, intents_from_domain
from review.demo import SeededConversation, seed
from review.queries.conversations import Filters, list_conversations, page_query
from review.queries.inbox import inbox
from storage.db import create_engine, migrate, session_factory

THRESHOLD = fallback_threshold()
CONVERSATIONS = 10_000

Seeded = tuple[async_sessionmaker[AsyncSession], list[SeededConversation]]


@pytest.fixture(scope="module")
async def seeded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Seeded]:
    path: Path = tmp_path_factory.mktemp("review") / "helpline.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    sessions = session_factory(engine)
    made = await seed(sessions, CONVERSATIONS)
    yield sessions, made
    await engine.dispose()


async def walk(
    sessions: async_sessionmaker[AsyncSession], filters: Filters, size: int = 1000
) -> list[str]:
    """Every page, following the 'older' cursor; the pseudonyms in the order shown."""
    shown: list[str] = []
    cursor = None
    async with sessions() as session:
        for _ in range(CONVERSATIONS // size + 2):
            page = await list_conversations(session, filters, THRESHOLD, after=cursor, size=size)
            shown.extend(row.pseudonym for row in page.rows)
            if page.next_cursor is None:
                return shown
            cursor = page.next_cursor
    raise AssertionError("paging did not end")


def fell_back(c: SeededConversation) -> bool:
    return any(
        m.direction == "in"
        and m.kind == "text"
        and (m.intent == "nlu_fallback" or (m.confidence is not None and m.confidence < THRESHOLD))
        for m in c.messages
    )


def newest_first(made: list[SeededConversation]) -> list[SeededConversation]:
    return sorted(made, key=lambda c: (c.last_seen_at, c.id), reverse=True)


async def test_paging_shows_every_conversation_once_newest_first(seeded: Seeded) -> None:
    sessions, made = seeded
    shown = await walk(sessions, Filters(), size=700)
    assert shown == [c.pseudonym for c in newest_first(made)]


async def test_newer_pages_come_back_the_same(seeded: Seeded) -> None:
    sessions, made = seeded
    async with sessions() as session:
        first = await list_conversations(session, Filters(), THRESHOLD, size=50)
        second = await list_conversations(
            session, Filters(), THRESHOLD, after=first.next_cursor, size=50
        )
        third = await list_conversations(
            session, Filters(), THRESHOLD, after=second.next_cursor, size=50
        )
        back = await list_conversations(
            session, Filters(), THRESHOLD, before=third.prev_cursor, size=50
        )
        back_again = await list_conversations(
            session, Filters(), THRESHOLD, before=back.prev_cursor, size=50
        )
    assert first.prev_cursor is None and second.prev_cursor is not None
    assert [r.pseudonym for r in back.rows] == [r.pseudonym for r in second.rows]
    assert [r.pseudonym for r in back_again.rows] == [r.pseudonym for r in first.rows]
    assert back_again.prev_cursor is None
    by_name = {c.pseudonym: c for c in made}
    row = first.rows[0]
    seeded_row = by_name[row.pseudonym]
    assert row.messages == len(seeded_row.messages)
    assert row.cases == (1 if seeded_row.case else 0)


def cases(c: SeededConversation) -> dict:
    return c.case or {}


FILTERS: list[tuple[str, Filters, Callable[[SeededConversation], bool]]] = [
    ("english", Filters(language="en"), lambda c: c.language == "en"),
    (
        "intent",
        Filters(intent="am_i_affected"),
        lambda c: any(m.direction == "in" and m.intent == "am_i_affected" for m in c.messages),
    ),
    (
        "intent with confidence range",
        Filters(intent="greet", confidence_min=0.5, confidence_max=0.8),
        lambda c: any(
            m.direction == "in"
            and m.intent == "greet"
            and m.confidence is not None
            and 0.5 <= m.confidence <= 0.8
            for m in c.messages
        ),
    ),
    (
        "confidence range",
        Filters(confidence_max=0.1),
        lambda c: any(
            m.direction == "in" and m.confidence is not None and m.confidence <= 0.1
            for m in c.messages
        ),
    ),
    ("fell back", Filters(fell_back=True), fell_back),
    ("never fell back", Filters(fell_back=False), lambda c: not fell_back(c)),
    ("escalated", Filters(escalated=True), lambda c: c.case is not None),
    ("not escalated", Filters(escalated=False), lambda c: c.case is None),
    ("crisis", Filters(risk="crisis"), lambda c: "crisis" in cases(c).get("risk_flags", [])),
    (
        "blackmail",
        Filters(risk="blackmail"),
        lambda c: "blackmail" in cases(c).get("risk_flags", []),
    ),
    ("satisfaction 2", Filters(satisfaction=2), lambda c: cases(c).get("satisfaction") == 2),
    (
        "combined",
        Filters(language="fr", escalated=True, fell_back=True),
        lambda c: c.language == "fr" and c.case is not None and fell_back(c),
    ),
]


@pytest.mark.parametrize(("name", "filters", "expected"), FILTERS, ids=[f[0] for f in FILTERS])
async def test_each_filter_shows_exactly_the_matching_conversations(
    seeded: Seeded,
    name: str,
    filters: Filters,
    expected: Callable[[SeededConversation], bool],
) -> None:
    sessions, made = seeded
    wanted = [c.pseudonym for c in newest_first(made) if expected(c)]
    assert 0 < len(wanted) < CONVERSATIONS, f"seeded data does not exercise '{name}'"
    assert await walk(sessions, filters) == wanted


async def test_date_range_keeps_conversations_active_in_it(seeded: Seeded) -> None:
    sessions, made = seeded
    latest = max(c.last_seen_at for c in made).date()
    start, end = latest - timedelta(days=20), latest - timedelta(days=10)
    wanted = [
        c.pseudonym
        for c in newest_first(made)
        if c.last_seen_at.date() >= start and c.created_at.date() <= end
    ]
    assert 0 < len(wanted) < CONVERSATIONS
    assert await walk(sessions, Filters(date_from=start, date_to=end)) == wanted


def test_filters_come_from_the_query_string_and_go_back_to_it() -> None:
    intents = list(intents_from_domain())
    query = {
        "from": "2026-01-02",
        "to": "nonsense",
        "language": "en",
        "intent": "greet",
        "cmin": "0.2",
        "cmax": "7",  # out of range: ignored
        "fallback": "yes",
        "escalated": "no",
        "risk": "crisis",
        "satisfaction": "9",  # not a score: ignored
    }
    filters = Filters.parse(query, intents)
    assert filters == Filters(
        date_from=date(2026, 1, 2),
        language="en",
        intent="greet",
        confidence_min=0.2,
        fell_back=True,
        escalated=False,
        risk="crisis",
    )
    assert Filters.parse(filters.query(), intents) == filters
    assert Filters.parse({"intent": "drop table"}, intents).intent is None


async def test_pages_use_the_index_not_a_sort(seeded: Seeded) -> None:
    """Keyset paging stays fast at any depth only if SQLite walks ix_patients_last_seen_id
    instead of sorting every patient: check the query plan of a deep, filtered page."""
    sessions, _made = seeded
    async with sessions() as session:
        page = await list_conversations(session, Filters(), THRESHOLD, size=50)
        for filters in (Filters(), Filters(language="en", escalated=True, risk="crisis")):
            query, _back, _cursor = page_query(filters, THRESHOLD, after=page.next_cursor)
            sql = str(
                query.limit(51).compile(
                    dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
                )
            )
            plan = " / ".join(
                row[-1] for row in await session.execute(text("EXPLAIN QUERY PLAN " + sql))
            )
            assert "ix_patients_last_seen_id" in plan, plan
            assert "TEMP B-TREE" not in plan, plan


async def test_the_inbox_lists_texts_of_consenting_patients_only(seeded: Seeded) -> None:
    """Without the patient's yes their messages do not serve to improve the service: the NLU
    inbox (to review and annotated) shows exactly the consenting patients' texts to review."""
    sessions, made = seeded
    low = 0.5
    bar = max(THRESHOLD, low)

    def to_review(c: SeededConversation) -> list[tuple[str, str]]:
        return [
            (c.pseudonym, m.text)
            for m in c.messages
            if m.direction == "in"
            and m.kind == "text"
            and m.text
            and (m.intent == "nlu_fallback" or (m.confidence is not None and m.confidence < bar))
        ]

    wanted = Counter(t for c in made if c.consent_improve for t in to_review(c))
    refused = Counter(t for c in made if not c.consent_improve for t in to_review(c))
    assert wanted and refused
    listed: Counter[tuple[str, str]] = Counter()
    before = None
    async with sessions() as session:
        while True:
            items = await inbox(session, THRESHOLD, low, before_id=before, size=2000)
            listed.update((i.pseudonym, i.text) for i in items)
            if len(items) < 2000:
                break
            before = items[-1].message_id
    assert listed == wanted
