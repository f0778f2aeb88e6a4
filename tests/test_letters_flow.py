"""Letters in the conversation (bot/letters_flow.py): offered where they help, sent as text and
as a PDF that a delivery stores only as (letter, language), the sending date asked, the reminder
due when the lab's month runs out (an injected clock), with the next step offered."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.deliveries import from_rows, to_rows
from bot.documents import letter_pdf
from bot.engine import Engine
from bot.followup_messages import DueFollowups
from bot.letters import LetterKind, chat_texts, draft, reminder_text
from bot.letters_flow import LETTER, SENT
from bot.plan import PLAN
from bot.replies import Button, LetterFile, Reply
from tests.content_helpers import pdf_text
from tests.engine_helpers import CATALOGUE
from tests.fake_parser import KeywordParser
from tests.plan_helpers import (
    Clock,
    command,
    data_of,
    delivered_items,
    followups,
    press,
    rows,
    tools_engine,
)

ACCESS = LetterKind.ACCESS_REQUEST


def test_a_document_reply_survives_the_round_trip_through_a_row() -> None:
    items = [Reply("caption", (Button("b", "x:y"),), "lead", LetterFile("cnil_complaint", "en"))]
    assert from_rows(to_rows(items)) == items
    assert to_rows(items)[0]["document"] == ["cnil_complaint", "en"]


async def test_letters_are_offered_under_the_rights_and_complaint_answers(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    engine = tools_engine(sessions, Clock())
    await command(engine, "/start")
    rights = await press(engine, "t:data_rights")
    assert f"{LETTER}menu" in data_of(rights.replies[0])
    menu = await press(engine, f"{LETTER}menu")
    assert data_of(menu.replies[0]) == [f"{LETTER}{kind}" for kind in LetterKind]
    assert menu.replies[0].buttons[0].label == f"✉️ {draft(ACCESS, 'fr').title}"
    cnil = await press(engine, "t:cnil_complaint")
    assert f"{LETTER}cnil_complaint" in data_of(cnil.replies[0])
    complaint = await press(engine, "t:file_complaint")
    assert f"{LETTER}prosecutor_letter" in data_of(complaint.replies[0])
    # and under the plan's steps that have one
    await command(engine, "/plan")
    await press(engine, f"{PLAN}x:phone")
    plan = await press(engine, f"{PLAN}go")
    letters = [d for d in data_of(plan.replies[0]) if d.startswith(LETTER)]
    assert letters == [f"{LETTER}access_request", f"{LETTER}prosecutor_letter"]


async def test_a_letter_comes_as_a_pdf_and_as_text_and_only_its_kind_is_stored(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    engine = tools_engine(sessions, Clock())
    await command(engine, "/start")
    turn = await press(engine, f"{LETTER}access_request")
    texts = chat_texts(ACCESS, "fr")
    pdf, text, send = turn.replies
    assert pdf == Reply(texts.here_is, document=LetterFile("access_request", "fr"))
    assert text.text == draft(ACCESS, "fr").text and text.document is None
    assert send.text == f"{texts.send}\n\n{texts.when_sent}"
    assert data_of(send) == [f"{SENT}access_request:{w}" for w in ("today", "yesterday", "later")]
    [stored] = (await delivered_items(sessions))[-1:]
    assert stored[0]["document"] == ["access_request", "fr"]
    assert "%PDF" not in str(stored) and len(str(stored[0])) < 1000  # never the bytes
    # the channel makes the PDF again from what is stored
    [document] = [item for item in from_rows(stored) if isinstance(item, Reply) and item.document]
    assert document.document is not None
    name, made = letter_pdf(document.document)
    assert name == draft(ACCESS, "fr").filename and made.startswith(b"%PDF")


async def test_an_english_patient_gets_the_french_letter_explained_in_english(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    engine = tools_engine(sessions, Clock())
    await command(engine, "/start", language="en")
    turn = await press(engine, f"{LETTER}cnil_complaint", language="en")
    pdf, text, send = turn.replies
    assert pdf.document == LetterFile("cnil_complaint", "en")
    assert "in French" in text.text and "Madame, Monsieur" in text.text
    texts = chat_texts(LetterKind.CNIL_COMPLAINT, "en")
    assert send.text == f"{texts.send}\n\n{texts.next}"  # it waits for no answer: no date asked
    assert data_of(send) == [f"{LETTER}prosecutor_letter", "fu:on"]


async def test_sent_today_schedules_the_reminder_for_the_end_of_the_month(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock(datetime(2026, 1, 31, 23, 30))  # already 1 February in Paris
    engine = tools_engine(sessions, clock)
    await command(engine, "/start")
    await press(engine, f"{LETTER}access_request")
    noted = await press(engine, f"{SENT}access_request:today")
    text = noted.replies[0].text
    assert text.startswith(
        CATALOGUE.phrase("sent_noted", "fr", sent_on="01/02/2026", deadline="01/03/2026")
    )
    assert chat_texts(ACCESS, "fr").next in text
    assert data_of(noted.replies[0]) == ["fu:on"]  # check-ins offered after a letter
    # 10:00 in Paris, in winter: 09:00 UTC
    assert await followups(sessions) == [
        ("letter_deadline", "access_request", "2026-02-01", "2026-03-01 09:00:00.000000", None)
    ]
    again = await command(engine, "/sent")  # nothing waits any more
    assert again.replies[0].text == CATALOGUE.phrase("sent_nothing", "fr")
    assert data_of(again.replies[0]) == [f"{LETTER}menu"]


async def test_later_then_sent_asks_the_date_and_yesterday_counts_from_the_day_before(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    engine = tools_engine(sessions, Clock(datetime(2026, 3, 31, 12, 0)))
    await command(engine, "/start")
    await press(engine, f"{LETTER}access_request")
    later = await press(engine, f"{SENT}access_request:later")
    assert later.replies[0].text == CATALOGUE.phrase("sent_later_noted", "fr")
    assert await followups(sessions) == []
    asked = await command(engine, "/sent")
    title = draft(ACCESS, "fr").title
    assert asked.replies[0].text == CATALOGUE.phrase("sent_ask", "fr", title=title)
    await press(engine, f"{SENT}access_request:yesterday")
    # sent on 30 March, summer time: the answer is due 30 April, at 10:00 in Paris (08:00 UTC)
    assert await followups(sessions) == [
        ("letter_deadline", "access_request", "2026-03-30", "2026-04-30 08:00:00.000000", None)
    ]


async def test_two_letters_waiting_sent_asks_which(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    engine = tools_engine(sessions, Clock())
    await command(engine, "/start")
    await press(engine, f"{LETTER}access_request")
    await press(engine, f"{LETTER}erasure_objection")
    which = await command(engine, "/sent")
    assert which.replies[0].text == CATALOGUE.phrase("sent_which", "fr")
    assert data_of(which.replies[0]) == [
        f"{SENT}access_request:ask",
        f"{SENT}erasure_objection:ask",
    ]
    stale = await press(engine, f"{SENT}cnil_complaint:today")  # waits for no answer
    assert stale.replies[0].text == CATALOGUE.phrase("stale_button", "fr")


async def test_the_reminder_comes_when_the_month_runs_out_once_with_the_next_step(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock(datetime(2026, 1, 31, 8, 0))
    engine = tools_engine(sessions, clock)
    due = DueFollowups.of(engine)
    await command(engine, "/start")
    await press(engine, f"{LETTER}access_request")
    await press(engine, f"{SENT}access_request:today")
    clock.now = datetime(2026, 2, 28, 8, 59)  # 09:59 in Paris on the day: not yet
    assert await due.take("test") == []
    clock.now = datetime(2026, 2, 28, 9, 0)
    [reminder] = await due.take("test")
    [reply] = reminder.items
    assert reply.text == reminder_text(ACCESS, "fr", date(2026, 1, 31))
    assert data_of(reply) == [f"{LETTER}cnil_complaint"]  # the next step
    assert await due.take("test") == []  # sent once
    assert (reminder.delivery,) in await rows(sessions, "SELECT id FROM patient_deliveries")
    next_letter = await press(engine, f"{LETTER}cnil_complaint")
    assert next_letter.replies[0].document == LetterFile("cnil_complaint", "fr")


IDENTITY = (
    "je suis Jeanne Lefort, 12 rue des Lilas 69003 Lyon, née le 14/02/1979, "
    "sécu 2 79 02 69 123 456 78, jeanne.lefort@example.org, 06 12 34 56 78"
)


@pytest.mark.parametrize("kind", list(LetterKind))
async def test_a_letter_carries_nothing_the_patient_typed(
    sessions: async_sessionmaker[AsyncSession], fake_nlu: KeywordParser, kind: LetterKind
) -> None:
    """Whatever the patient wrote before, the letter is the template with its blanks: name,
    address, birth date, lab and dates are filled in by hand, on paper."""
    engine = Engine(CATALOGUE, fake_nlu, sessions, clock=Clock())
    await command(engine, IDENTITY)
    turn = await press(engine, f"{LETTER}{kind.value}")
    [document] = [reply.document for reply in turn.replies if reply.document is not None]
    _, pdf = letter_pdf(document)
    printed = pdf_text(pdf)
    shown = " ".join(reply.text for reply in turn.replies)
    assert draft(kind, "fr").text in shown  # the template, as drafted without any conversation
    for typed in ("Lefort", "Lilas", "1979", "123 456", "example.org", "06 12 34"):
        assert typed not in shown and typed not in printed
    assert "Nom et prénom" in printed  # the text was read: the blank the patient fills in
