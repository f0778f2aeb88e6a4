"""The answer files: complete, well-formed, and stating only facts found in domain-facts.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nlu.dataset import intents_contract
from nlu.rasa import ROOT
from responses import LANGUAGES, ContentError, load_catalogue

DOMAIN_FACTS = ROOT.parent / "shared" / "domain-facts.md"
# digit groups as people write phone numbers: "0 805 805 817", "116 006", "+33 1 80 52 33 76"
NUMBER = re.compile(r"\+?\d+(?:[ .\u00a0\u202f]\d+)*")
URL = re.compile(r"(?:https?://)?(?:[\w-]+\.)+(?:fr|org|com|eu|net|gouv\.fr)(?:/[^\s)»\"']*)?")
LIST_MARKER = re.compile(r"^\s*\d+\.\s", re.MULTILINE)


def numbers_in(text: str) -> set[str]:
    return {re.sub(r"\D", "", n) for n in NUMBER.findall(LIST_MARKER.sub("", text))}


def urls_in(text: str) -> set[str]:
    found = set()
    for url in URL.findall(text):
        url = re.sub(r"^https?://", "", url).rstrip(".,;:!?")
        found.add(url.removeprefix("www."))
    return found


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(intents_contract())


@pytest.fixture(scope="module")
def facts() -> str:
    return DOMAIN_FACTS.read_text(encoding="utf-8")


def test_every_intent_has_an_answer_in_both_languages(catalogue) -> None:
    assert {(i, lang) for i in intents_contract() for lang in LANGUAGES} == set(catalogue.answers)


def all_texts(catalogue) -> list[tuple[str, str, str]]:
    texts = [(a.intent, a.language, f"{a.title} {a.text}") for a in catalogue.answers.values()]
    texts += [
        (key, language, text)
        for language, phrases in catalogue.phrases.items()
        for key, text in phrases.items()
    ]
    return texts


def test_every_phone_number_in_the_answers_is_in_domain_facts(catalogue, facts: str) -> None:
    known = numbers_in(facts)
    unknown = {
        (name, language, n)
        for name, language, text in all_texts(catalogue)
        for n in numbers_in(text)
        if len(n) >= 2 and n not in known
    }
    assert unknown == set()


def test_every_url_in_the_answers_is_in_domain_facts(catalogue, facts: str) -> None:
    unknown = {
        (a.intent, a.language, url)
        for a in catalogue.answers.values()
        for url in urls_in(" ".join([a.text, *a.sources]))
        if url not in facts
    }
    assert unknown == set()


def test_crisis_answer_gives_the_emergency_numbers_first(catalogue) -> None:
    for language in LANGUAGES:
        text = catalogue.answer("crisis", language).text
        first_lines = text[:300]
        assert "15" in numbers_in(first_lines) and "112" in numbers_in(first_lines), language
        assert "3114" in numbers_in(text), language


def test_phishing_answer_names_the_reporting_channels(catalogue) -> None:
    for language in LANGUAGES:
        numbers = numbers_in(catalogue.answer("phishing_report", language).text)
        assert {"33700", "3646"} <= numbers, language


def test_a_broken_edit_fails_loudly(tmp_path: Path) -> None:
    for language in LANGUAGES:
        (tmp_path / language).mkdir()
        for intent in ("greet", "help"):
            (tmp_path / language / f"{intent}.md").write_text(
                f"---\nintent: {intent}\ntitle: T\nbuttons: [help, nowhere]\nsources: []\n---\nHi\n"
            )
        (tmp_path / language / "_ui.yml").write_text("menu: Menu\n")
    with pytest.raises(ContentError) as error:
        load_catalogue(["greet", "help", "thanks"], tmp_path)
    message = str(error.value)
    assert "thanks.md: missing" in message
    assert "button 'nowhere' is not an intent" in message
    assert "button 'help' is not a topic to follow up with" in message  # help.md points to itself
