"""The answer files: complete, well-formed, and stating only facts of responses/facts.yml."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.settings import Settings
from nlu.dataset import intents_contract
from responses import LANGUAGES, ContentError, load_catalogue
from responses.canned_replies import load_canned_replies
from responses.facts import (
    Fact,
    FactSheetError,
    duplicate_ids,
    fact_problems,
    latest_today,
    load_facts,
    read_facts,
)
from tests.content_helpers import is_known, normalise_url, numbers_in, urls_in


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(intents_contract())


@pytest.fixture(scope="module")
def sheet() -> list[Fact]:
    facts, _ = read_facts()  # test_the_fact_sheet_is_well_formed reports what is malformed
    return facts


def test_every_intent_has_an_answer_in_both_languages(catalogue) -> None:
    assert {(i, lang) for i in intents_contract() for lang in LANGUAGES} == set(catalogue.answers)


def all_texts(catalogue) -> list[tuple[str, str, str]]:
    texts = [(a.intent, a.language, f"{a.title} {a.text}") for a in catalogue.answers.values()]
    texts += [
        (key, language, text)
        for language, phrases in catalogue.phrases.items()
        for key, text in phrases.items()
    ]
    # the agents' canned replies (responses/<lang>/_replies/) reach patients too
    texts += [
        (f"_replies/{r.name}", r.language, f"{r.title} {r.text}")
        for r in load_canned_replies().replies.values()
    ]
    return texts


def test_every_phone_number_and_figure_in_the_answers_is_in_the_fact_sheet(
    catalogue, sheet: list[Fact]
) -> None:
    known = {
        n for fact in sheet for text in (*fact.numbers, *fact.figures) for n in numbers_in(text)
    }
    unknown = {
        (name, language, n)
        for name, language, text in all_texts(catalogue)
        for n in numbers_in(text)
        if len(n) >= 2 and n not in known
    }
    assert unknown == set()


def test_every_url_in_the_answers_is_in_the_fact_sheet(catalogue, sheet: list[Fact]) -> None:
    """Addresses given to patients are facts' urls; an answer's sources may also cite theirs."""
    given = {normalise_url(url) for fact in sheet for url in fact.urls}
    cited = given | {url for fact in sheet for source in fact.sources for url in urls_in(source)}
    unknown = {
        (name, language, url)
        for name, language, text in all_texts(catalogue)
        for url in urls_in(text)
        if not is_known(url, given)
    }
    unknown |= {
        (a.intent, a.language, url)
        for a in catalogue.answers.values()
        for url in urls_in(" ".join(a.sources))
        if not is_known(url, cited)
    }
    unknown |= {
        (f"_replies/{r.name}", r.language, url)
        for r in load_canned_replies().replies.values()
        for url in urls_in(" ".join(r.sources))
        if not is_known(url, cited)
    }
    assert unknown == set()


def test_a_url_is_known_by_itself_or_a_page_under_it() -> None:
    known = {"cnil.fr", "service-public.fr/particuliers"}
    assert is_known("cnil.fr", known) and is_known("cnil.fr/adresser-une-plainte", known)
    assert is_known(normalise_url("https://www.CNIL.fr/fr/node/166989."), known)
    assert not is_known("cnil.fr.example.com", known) and not is_known("cnil.frx", known)
    assert not is_known("service-public.fr", known)


def test_the_fact_sheet_is_well_formed() -> None:
    _, problems = read_facts()
    assert problems == []


def test_every_fact_has_a_source_a_past_check_date_and_a_known_status(sheet: list[Fact]) -> None:
    assert [problem for fact in sheet for problem in fact_problems(fact)] == []


def test_fact_ids_are_unique(sheet: list[Fact]) -> None:
    assert duplicate_ids(sheet) == []


def write_sheet(tmp_path: Path, *facts: str) -> Path:
    path = tmp_path / "facts.yml"
    path.write_text("facts:\n" + "".join(f"  - {{{fact}}}\n" for fact in facts), encoding="utf-8")
    return path


SOUND = "what: A fact., sources: [example.fr], checked: 2026-01-01, status: verified"


def test_the_checks_catch_a_fact_without_source_or_check_date_or_known_status(
    tmp_path: Path,
) -> None:
    path = write_sheet(
        tmp_path,
        f"id: sound, {SOUND}",
        "id: no_source, what: A fact., sources: [], checked: 2026-01-01, status: verified",
        "id: no_date, what: A fact., sources: [example.fr], status: verified",
        "id: not_a_date, what: A fact., sources: [example.fr], checked: soon, status: verified",
        "id: future, what: A fact., sources: [example.fr], checked: 2026-01-03, status: verified",
        "id: odd_status, what: A fact., sources: [example.fr], checked: 2026-01-01, status: sure",
        "id: typo, what: A fact., source: [example.fr], checked: 2026-01-01, status: verified",
    )
    with pytest.raises(FactSheetError) as error:
        load_facts(path, today=date(2026, 1, 2))
    lines = str(error.value).splitlines()
    for expected in (
        "no_source: has no source",
        "no_date: has no 'checked' date",
        "not_a_date: checked 'soon' is not a date",
        "future: checked 2026-01-03 is in the future",
        "odd_status: status 'sure' is not one of",
        "typo: unknown field 'source'",
        "typo: has no source",
    ):
        assert any(expected in line for line in lines), expected
    assert not any("sound" in line for line in lines)


def test_a_check_date_is_in_the_future_once_it_is_past_today_everywhere() -> None:
    def checked(day: date) -> Fact:
        return Fact("f", "A fact.", (), (), (), ("example.fr",), day, "verified")

    assert fact_problems(checked(date.today())) == []
    assert fact_problems(checked(latest_today() + timedelta(days=1))) != []


def test_the_checks_catch_duplicate_ids(tmp_path: Path) -> None:
    path = write_sheet(tmp_path, f"id: same, {SOUND}", f"id: other, {SOUND}", f"id: same, {SOUND}")
    assert duplicate_ids(read_facts(path)[0]) == ["same: id used 2 times"]
    with pytest.raises(FactSheetError, match="same: id used 2 times"):
        load_facts(path, today=date(2026, 1, 2))


def test_the_retention_the_answers_state_is_the_bot_default(sheet: list[Fact]) -> None:
    retention = next(fact for fact in sheet if fact.id == "service_retention")
    assert str(Settings.model_fields["retention_days"].default) in retention.figures


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


# --- The corrections of the professional review (2026-11-29) -----------------------------------


def text_of(catalogue, intent: str, language: str) -> str:
    return catalogue.answer(intent, language).text


def test_numbers_and_urls_only_unverified_facts_hold_are_never_stated(
    catalogue, sheet: list[Fact]
) -> None:
    """An unverified fact may be written down (to say what not to state), never given."""
    stated = [fact for fact in sheet if fact.status != "unverified"]
    numbers = {n for f in stated for t in (*f.numbers, *f.figures) for n in numbers_in(t)}
    urls = {normalise_url(url) for fact in stated for url in fact.urls}
    for name, language, text in all_texts(catalogue):
        assert {n for n in numbers_in(text) if len(n) >= 2} <= numbers, (name, language)
        assert all(is_known(url, urls) for url in urls_in(text)), (name, language)


def test_compensation_warns_that_the_civil_delay_has_very_probably_passed(catalogue) -> None:
    for language, words in {
        "fr": ("partie civile", "aide juridictionnelle", "protection juridique"),
        "en": ("partie civile", "legal aid", "protection juridique"),
    }.items():
        text = text_of(catalogue, "compensation", language)
        assert {"2224", "2021"} <= numbers_in(text), language
        assert all(word in text for word in words), (language, words)


def test_sensitive_data_answers_the_employer_question(catalogue) -> None:
    for language, must_not in {
        "fr": ("avis juridique", "petite partie"),
        "en": ("legal advice", "small share"),
    }.items():
        text = text_of(catalogue, "sensitive_data_exposed", language)
        assert {"3928", "0800840800"} <= numbers_in(text), language
        assert "médecin du travail" in text and "antidiscriminations.fr" in urls_in(text), language
        assert not any(word in text.lower() for word in must_not), language


def test_the_welcome_names_who_runs_the_service_and_promises_no_total_erasure(catalogue) -> None:
    for language in LANGUAGES:
        welcome = catalogue.phrase("welcome", language)
        unset = catalogue.phrase("operator_unset", language)
        assert unset in welcome and "HELPLINE_OPERATOR" in unset, language  # the engine swaps it
        assert "90" in numbers_in(welcome) and "/delete" in welcome and "Telegram" in welcome
        for text in (
            welcome,
            catalogue.phrase("delete_confirm", language),
            catalogue.phrase("delete_yes", language),
            catalogue.phrase("deleted", language),
            text_of(catalogue, "bot_privacy", language),
        ):
            assert not re.search(r"efface(nt)? tout|tout effacer|erases? everything", text), text
        for key in ("delete_confirm", "deleted"):
            assert "Telegram" in catalogue.phrase(key, language), (key, language)
        assert "Telegram" in text_of(catalogue, "bot_privacy", language), language


class _NoNLU:
    async def parse(self, text: str):  # commands are never parsed
        raise AssertionError(text)


async def test_the_engine_puts_the_configured_operator_in_the_welcome(catalogue, sessions) -> None:
    from bot.engine import Engine, Incoming

    for language in LANGUAGES:
        named = Engine(catalogue, _NoNLU(), sessions, operator="  Association Exemple ")
        turn = await named.handle(Incoming("test", f"op-{language}", "/start", None, language))
        welcome = turn.replies[0].text
        assert "Association Exemple" in welcome and "HELPLINE_OPERATOR" not in welcome
        assert welcome == catalogue.phrase("welcome", language).replace(
            catalogue.phrase("operator_unset", language), "Association Exemple"
        )
        unnamed = Engine(catalogue, _NoNLU(), sessions)
        turn = await unnamed.handle(Incoming("test", f"no-{language}", "/start", None, language))
        assert turn.replies[0].text == catalogue.phrase("welcome", language)


def test_identity_theft_advice_has_no_main_courante_nor_id_renewal(catalogue) -> None:
    for language in LANGUAGES:
        for intent in ("identity_theft", "file_complaint"):
            text = text_of(catalogue, intent, language).lower()
            assert "main courante" not in text, (intent, language)
            assert not re.search(r"renouvel|renew", text), (intent, language)
        assert "procureur" in text_of(catalogue, "identity_theft", language)


def test_ficoba_gives_the_cnil_page_and_the_tax_space(catalogue) -> None:
    for language in LANGUAGES:
        for intent in ("what_to_do", "change_nir", "identity_theft"):
            urls = urls_in(text_of(catalogue, intent, language))
            assert "cnil.fr/demander-une-verification-sur-le-ficoba" in urls, (intent, language)
            assert "impots.gouv.fr" in urls, (intent, language)


def test_file_complaint_gives_the_letter_and_the_offline_routes(catalogue) -> None:
    for language in LANGUAGES:
        text = text_of(catalogue, "file_complaint", language)
        assert "procureur" in text and "France Services" in text, language
        assert "116006" in numbers_in(text), language
        assert "service-public.fr/particuliers/vosdroits/F34124" in urls_in(text), language


def test_blackmail_gives_17cyber_and_the_emergency_numbers_and_no_phantom_button(
    catalogue,
) -> None:
    for language in LANGUAGES:
        text = text_of(catalogue, "blackmail", language)
        assert {"17", "112"} <= numbers_in(text) and "17cyber.gouv.fr" in urls_in(text)
        assert not re.search(r"bouton ci-dessous|button below", text), language


def test_scam_victim_blocks_in_the_app_first_and_gives_the_refund_limit(catalogue) -> None:
    for language, app in {"fr": "application de votre banque", "en": "bank's app"}.items():
        text = text_of(catalogue, "scam_victim", language)
        assert text.index(app) < text.index("0 892 705 705"), language
        assert {"13", "0805805817", "33442605303", "33180523376"} <= numbers_in(text), language
        assert re.search(r"surtaxé|premium-rate", text), language


def test_change_nir_says_how_the_number_is_built(catalogue) -> None:
    for language, words in {"fr": "état civil", "en": "civil-status"}.items():
        text = text_of(catalogue, "change_nir", language)
        assert words in text and "3646" in numbers_in(text), language
        assert not re.search(r"pas d'information vérifiée|no verified information", text)


def test_the_leak_is_about_thirty_labs_and_email_a_minority(catalogue) -> None:
    for language in LANGUAGES:
        for intent in ("leak_details", "am_i_affected"):
            text = text_of(catalogue, intent, language)
            assert {"27", "28"} <= numbers_in(text), (intent, language)
            assert not re.search(r"\b28 (lab|labo)|\*\*28 ", text), (intent, language)
        details = text_of(catalogue, "leak_details", language)
        assert not re.search(r"(souvent|often)[^.;]*e-?mail", details), language
        cnil = text_of(catalogue, "cnil_complaint", language)
        assert {"2021", "2022"} <= numbers_in(cnil), language


# --- Issue 16: two new topics, and questions victims ask that no answer covered ----------------


def fact(sheet: list[Fact], fact_id: str) -> Fact:
    return next(f for f in sheet if f.id == fact_id)


def test_the_new_topics_are_answered_listed_in_help_and_reachable_by_a_button(catalogue) -> None:
    for intent in ("relative_data", "data_online"):
        assert intent in intents_contract()
        for language in LANGUAGES:
            assert catalogue.answer(intent, language).text, (intent, language)
    for language, words in {
        "fr": ("données d'un proche", "fichier encore en ligne"),
        "en": ("a relative's data", "whether the file is still online"),
    }.items():
        assert all(w in text_of(catalogue, "help", language) for w in words), language
        assert "relative_data" in catalogue.answer("data_rights", language).buttons
        assert "data_online" in catalogue.answer("leak_details", language).buttons


def test_relative_data_covers_minors_the_deceased_and_protected_adults(catalogue) -> None:
    for language, words in {
        "fr": ("mineur", "décédé", "héritiers", "tutelle", "curatelle", "mandat"),
        "en": ("minor", "died", "heirs", "tutelle", "curatelle", "mandate"),
    }.items():
        text = text_of(catalogue, "relative_data", language)
        assert all(w in text.lower() for w in words), (language, words)
        assert "impots.gouv.fr" in urls_in(text) and {"2025", "116006"} <= numbers_in(text)


def test_data_online_gives_pharos_delisting_and_what_cannot_be_undone(catalogue) -> None:
    for language, (cannot, stays) in {
        "fr": ("personne ne peut garantir", "La page reste en ligne"),
        "en": ("nobody can guarantee", "The page stays online"),
    }.items():
        text = text_of(catalogue, "data_online", language)
        urls = urls_in(text)
        assert {"internet-signalement.gouv.fr", "cnil.fr/fr/le-droit-au-dereferencement"} <= urls
        assert cannot in text and stays in text and "2021" in numbers_in(text), language
        # whether the file is online today has no source (fact file_still_online)
        online_now = r"(est|is) (encore|toujours|still|no longer|plus) (en ligne|online)"
        assert not re.search(online_now, text), language


def test_a_fake_call_gets_hang_up_call_back_faked_number_and_no_sms_code(catalogue) -> None:
    for language, words in {
        "fr": ("Raccrochez", "rappelez vous-même", "peut être falsifié", "code reçu par SMS"),
        "en": ("Hang up", "call back yourself", "can be faked", "code received by text"),
    }.items():
        text = text_of(catalogue, "phishing_report", language)
        assert all(w in text for w in words), (language, words)
        assert re.search(r"« labo »|\"the lab\"", text) and "ameli" in text, language
        assert "3646" in numbers_in(text), language
    assert "code reçu par sms" in text_of(catalogue, "scam_victim", "fr").lower()
    assert "code received by text" in text_of(catalogue, "scam_victim", "en")


def test_people_abroad_get_alternatives_to_the_short_numbers_worded_as_uncertain(
    catalogue,
) -> None:
    for language, words in {
        "fr": ("À l'étranger", "peuvent ne pas fonctionner", "compte ameli"),
        "en": ("Abroad", "may not work", "ameli account"),
    }.items():
        text = text_of(catalogue, "phishing_report", language)
        assert all(w in text for w in words) and "33700.fr" in urls_in(text), language
    # no answer promises a service in English (fact services_in_english): only Signal Spam's page
    for answer in catalogue.answers.values():
        if answer.language == "en":
            assert not re.search(r"\bin English\b", answer.text), answer.intent


def test_people_without_internet_get_offline_routes(catalogue) -> None:
    for language, words in {
        "fr": ("France Services", "commissariat", "gendarmerie"),
        "en": ("France Services", "police station", "gendarmerie"),
    }.items():
        text = text_of(catalogue, "what_to_do", language)
        assert all(w in text for w in words) and "116006" in numbers_in(text), language
        for intent in ("relative_data", "data_online"):
            assert "116006" in numbers_in(text_of(catalogue, intent, language)), intent
    assert "par courrier" in text_of(catalogue, "identity_theft", "fr")
    assert "by post" in text_of(catalogue, "identity_theft", "en")


def test_loan_insurance_says_only_what_the_notes_verify(catalogue, sheet: list[Fact]) -> None:
    banned_words = {"fr": r"oubli|€|euros|\bans\b", "en": r"forgotten|€|euros|years"}
    for language, banned in banned_words.items():
        text = text_of(catalogue, "sensitive_data_exposed", language)
        assert "loi Lemoine" in text and "2022" in numbers_in(text), language
        # thresholds and the droit à l'oubli are not verified (facts loi_lemoine, droit_a_l_oubli)
        (line,) = [line for line in text.splitlines() if "loi Lemoine" in line]
        assert not re.search(banned, line) and numbers_in(line) == {"2022"}, language
    assert fact(sheet, "droit_a_l_oubli").status == "secondary"


def test_the_new_facts_are_in_the_sheet_with_the_status_the_notes_give_them(sheet) -> None:
    expected = {
        "minor_rights_parents": "verified",
        "child_identity_unnoticed": "verified",
        "heirs_rights": "verified",
        "protected_adults": "unverified",
        "file_still_online": "unverified",
        "delisting": "verified",
        "report_published_data": "verified",
        "call_back_official_number": "verified",
        "caller_id_spoofing": "secondary",
        "sms_code_never_given": "secondary",
        "short_numbers_abroad": "unverified",
        "spam_33700_web_form": "verified",
        "services_in_english": "unverified",
        "loi_lemoine": "verified",
        "droit_a_l_oubli": "secondary",
    }
    assert {f.id: f.status for f in sheet if f.id in expected} == expected


def test_what_is_not_verified_is_worded_as_uncertain(catalogue) -> None:
    hedges = {
        ("relative_data", "fr"): ("en principe", "À confirmer"),
        ("relative_data", "en"): ("as a rule", "Check what the court order says"),
        ("data_online", "fr"): ("ont pu être faites",),
        ("data_online", "en"): ("may have been made",),
        ("phishing_report", "fr"): ("peut être falsifié", "peuvent ne pas"),
        ("phishing_report", "en"): ("can be faked", "may not"),
        ("change_nir", "fr"): ("peut ne pas fonctionner",),
        ("change_nir", "en"): ("may not work",),
    }
    for (intent, language), words in hedges.items():
        text = text_of(catalogue, intent, language)
        assert all(w in text for w in words), (intent, language, words)
