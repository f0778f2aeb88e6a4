"""The letters drafted for patients: complete, printable, discreet, and stating only facts of
responses/facts.yml (checked as tests/test_responses.py checks the answers, with its helpers)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from fontTools.ttLib import TTFont

from bot.letters import (
    FONT_DIR,
    LetterKind,
    chat_texts,
    draft,
    load_letters,
    next_step,
    reminder_text,
    reply_deadline,
    to_pdf,
)
from responses import LANGUAGES, RESPONSES_DIR, ContentError
from responses.facts import Fact, read_facts
from tests.content_helpers import is_known, normalise_url, numbers_in, pdf_text, urls_in

BLANK = re.compile(r"_{4,}")
KEY_PHRASES = {
    LetterKind.ACCESS_REQUEST: ("droit d'accès", "« Personnel et confidentiel »", "délégué"),
    LetterKind.ERASURE_OBJECTION: ("Effacement", "situation particulière", "jusqu'à quelle date"),
    LetterKind.CNIL_COMPLAINT: ("Commission nationale de l'informatique et des libertés", "reçu"),
    LetterKind.PROSECUTOR_LETTER: ("Procureur de la République", "plainte contre X", "façon"),
}


def all_texts() -> list[tuple[str, str]]:
    """Every text a patient reads around the letters, and the letters, as written in the files."""
    texts = []
    for language in LANGUAGES:
        for path in sorted((RESPONSES_DIR / language / "_letters").glob("*.md")):
            texts.append((str(path), path.read_text(encoding="utf-8")))
        raw = yaml.safe_load((RESPONSES_DIR / language / "_letters.yml").read_text("utf-8"))
        texts += [(f"{language} {key}", str(v)) for key, v in raw.items() if key != "letters"]
        texts += [
            (f"{language} {kind}.{key}", str(text))
            for kind, letter in raw["letters"].items()
            for key, text in letter.items()
        ]
    return texts


@pytest.fixture(scope="module")
def stated() -> list[Fact]:
    """The facts a text may state: an unverified fact is written down only to say what not to."""
    return [fact for fact in read_facts()[0] if fact.status != "unverified"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(LetterKind))
def test_every_letter_drafts_with_blanks_and_no_placeholder_left(
    kind: LetterKind, language: str
) -> None:
    letter = draft(kind, language)
    assert letter.kind is kind and letter.title and letter.filename.endswith(".pdf")
    for text in (letter.text, letter.body):
        assert BLANK.search(text) and not re.search(r"[{}]", text), (kind, language)
        assert "Nom et prénom : ____" in text and "Fait à ____" in text
    assert letter.body in letter.text and "Madame, Monsieur" in letter.body
    assert "Je vous prie d'agréer" in letter.body and "Signature : ____" in letter.body
    assert not re.search(r"\b(tu|ton|ta|tes|toi)\b", letter.body, re.IGNORECASE)
    if language == "en":  # the explanation in English, then the letter in French
        assert letter.text.index("in French") < letter.text.index(letter.body)


def test_a_letter_to_the_lab_asks_for_a_discreet_answer() -> None:
    for kind in (LetterKind.ACCESS_REQUEST, LetterKind.ERASURE_OBJECTION):
        body = draft(kind, "fr").body
        assert "« Personnel et confidentiel »" in body and "sans le nom du laboratoire" in body
        assert "uniquement à cette adresse : ____" in body and "par téléphone" in body
        assert body.count("☐") == 3


def test_file_names_say_nothing_sensitive() -> None:
    for kind in LetterKind:
        for language in LANGUAGES:
            name = draft(kind, language).filename
            assert not re.search(r"sant|health|fuite|leak|lab|plainte|complaint", name), name


def test_numbers_and_urls_in_the_letters_and_chat_texts_are_in_the_fact_sheet(
    stated: list[Fact],
) -> None:
    numbers = {n for f in stated for t in (*f.numbers, *f.figures) for n in numbers_in(t)}
    urls = {normalise_url(url) for fact in stated for url in fact.urls}
    for name, text in all_texts():
        assert {n for n in numbers_in(text) if len(n) >= 2} <= numbers, name
        assert all(is_known(url, urls) for url in urls_in(text)), name


ARTICLE = re.compile(r"\b[Aa]rt(?:icle)?s?\.? (\d+)((?:(?:, | and | et )\d+)*)")


def articles_in(text: str) -> set[str]:
    return {n for first, rest in ARTICLE.findall(text) for n in (first, *re.findall(r"\d+", rest))}


def test_every_article_cited_is_one_the_fact_sheet_names(stated: list[Fact]) -> None:
    named = {n for fact in stated for n in articles_in(fact.what)}
    cited = {(name, n) for name, text in all_texts() for n in articles_in(text)}
    assert {n for _, n in cited} >= {"12", "15", "17", "21"}
    assert {(name, n) for name, n in cited if n not in named} == set()


def test_every_character_of_the_letters_is_in_the_font() -> None:
    cmap = TTFont(str(FONT_DIR / "OpenSans-Regular.ttf")).getBestCmap()
    used = {c for kind in LetterKind for c in draft(kind, "fr").body} - {"\n", "☐"}  # drawn
    assert {c for c in used if ord(c) not in cmap} == set()


@pytest.mark.parametrize("kind", list(LetterKind))
def test_the_pdf_is_the_french_letter_with_its_accents(kind: LetterKind) -> None:
    pdf = to_pdf(draft(kind, "en"))
    assert pdf.startswith(b"%PDF") and len(pdf) < 200_000
    text = " ".join(pdf_text(pdf).split())
    for phrase in ("Madame, Monsieur", "Je vous prie d'agréer", *KEY_PHRASES[kind]):
        assert phrase in text, (kind, phrase)
    assert "in French" not in text and "____" not in text  # blanks are drawn lines
    assert to_pdf(draft(kind, "fr")).count(b"/Type /Page\n") == 1  # one sheet


def test_reply_deadline_is_the_same_day_next_month_or_its_last_day() -> None:
    assert reply_deadline(date(2025, 1, 31)) == date(2025, 2, 28)
    assert reply_deadline(date(2024, 1, 31)) == date(2024, 2, 29)
    assert reply_deadline(date(2025, 3, 15)) == date(2025, 4, 15)
    assert reply_deadline(date(2025, 3, 31)) == date(2025, 4, 30)
    assert reply_deadline(date(2025, 12, 31)) == date(2026, 1, 31)


def test_next_steps_and_reminders() -> None:
    assert next_step(LetterKind.ACCESS_REQUEST) is LetterKind.CNIL_COMPLAINT
    assert next_step(LetterKind.ERASURE_OBJECTION) is LetterKind.CNIL_COMPLAINT
    assert next_step(LetterKind.CNIL_COMPLAINT) is None
    assert next_step(LetterKind.PROSECUTOR_LETTER) is None
    for kind in LetterKind:
        for language in LANGUAGES:
            texts = chat_texts(kind, language)
            assert texts.here_is and texts.send and texts.next
            waits = next_step(kind) is not None
            assert (texts.when_sent is not None) == waits == (texts.reminder is not None)
            if not waits:
                with pytest.raises(ValueError):
                    reminder_text(kind, language, date(2025, 1, 31))
                continue
            assert "CNIL" in texts.next and "CNIL" in texts.reminder
            reminder = reminder_text(kind, language, date(2025, 1, 31))
            assert {"31", "2025", "28"} <= {n for n in re.findall(r"\d+", reminder)}
            first_sentence = reminder.split(".")[0]  # what a lock screen may show
            assert not re.search(r"lab|santé|health|CNIL", first_sentence), first_sentence
    reminder = reminder_text(LetterKind.ACCESS_REQUEST, "fr", date(2025, 1, 31))
    assert "31/01/2025" in reminder and "28/02/2025" in reminder


def test_the_prosecutor_letter_points_to_the_official_guide_and_help() -> None:
    for language in LANGUAGES:
        texts = chat_texts(LetterKind.PROSECUTOR_LETTER, language)
        assert "service-public.fr/particuliers/vosdroits/F34124" in urls_in(texts.send)
        assert "116006" in numbers_in(texts.send) and "116006" in numbers_in(texts.next)


def test_a_broken_edit_fails_loudly(tmp_path: Path) -> None:
    for language in LANGUAGES:
        (tmp_path / language / "_letters").mkdir(parents=True)
        for kind in LetterKind:
            source = RESPONSES_DIR / language / "_letters" / f"{kind}.md"
            (tmp_path / language / "_letters" / f"{kind}.md").write_bytes(source.read_bytes())
        raw = yaml.safe_load((RESPONSES_DIR / language / "_letters.yml").read_text("utf-8"))
        del raw["letters"]["access_request"]["reminder"]
        raw["letters"]["cnil_complaint"]["filename"] = "Plainte CNIL.pdf"
        raw["letters"]["nowhere"] = {"title": "?"}
        (tmp_path / language / "_letters.yml").write_text(yaml.safe_dump(raw), "utf-8")
    (tmp_path / "fr" / "_letters" / "access_request.md").write_text("Nom : {name}\n", "utf-8")
    (tmp_path / "en" / "_letters" / "prosecutor_letter.md").unlink()
    with pytest.raises(ContentError) as error:
        load_letters(tmp_path)
    message = str(error.value)
    for expected in (
        "access_request.md: unknown placeholders ['name']",
        "prosecutor_letter.md: missing",
        "access_request.reminder missing",
        "cnil_complaint.filename must be",
        "'nowhere' is not a letter",
    ):
        assert expected in message, expected


# --- Reading the PDF back: fpdf2 writes a TrueType font's text as glyph codes, mapped back to
# characters by the font's ToUnicode table.
