"""The personal plan (bot/plan.py, bot/plan_steps.py): its content states only facts of the
fact sheet, it is exactly the steps of the ticked mix, most urgent first, its steps can be ticked,
`/plan` shows it again, and only the ticks are stored."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.plan import DONE, PLAN, TO_DO
from bot.plan_steps import Exposure, load_plan, steps_for, texts
from responses import LANGUAGES, RESPONSES_DIR, ContentError
from responses.facts import Fact, read_facts
from tests.content_helpers import is_known, normalise_url, numbers_in, urls_in
from tests.engine_helpers import CATALOGUE
from tests.plan_helpers import Clock, command, data_of, press, rows, tools_engine

ALL = [e.value for e in Exposure]


def plan_texts() -> list[tuple[str, str]]:
    """Every text of the plan files, as written."""
    found = []
    for language in LANGUAGES:
        raw = yaml.safe_load((RESPONSES_DIR / language / "_plan.yml").read_text("utf-8"))
        for name, category in raw["categories"].items():
            found += [(f"{language} {name}.{key}", str(text)) for key, text in category.items()]
        for step in raw["steps"]:
            found += [
                (f"{language} {step['id']}.{key}", str(step[key]))
                for key in ("title", "do", "lasts", "watch")
            ]
    return found


def test_the_plan_states_only_numbers_and_addresses_of_the_fact_sheet() -> None:
    stated = [fact for fact in read_facts()[0] if fact.status != "unverified"]
    numbers = {n for f in stated for t in (*f.numbers, *f.figures) for n in numbers_in(t)}
    urls = {normalise_url(url) for fact in stated for url in fact.urls}
    checked = 0
    for name, text in plan_texts():
        assert {n for n in numbers_in(text) if len(n) >= 2} <= numbers, name
        assert all(is_known(url, urls) for url in urls_in(text)), name
        checked += len(numbers_in(text)) + len(urls_in(text))
    assert checked > 10  # the check reads the numbers and addresses the steps give


def test_the_check_catches_a_number_the_fact_sheet_does_not_hold() -> None:
    facts: list[Fact] = read_facts()[0]
    numbers = {n for f in facts for t in (*f.numbers, *f.figures) for n in numbers_in(t)}
    assert not {n for n in numbers_in("Appelez le 01 23 45 67 89.") if len(n) >= 2} <= numbers


def test_both_languages_list_the_same_steps_for_the_same_ticks() -> None:
    plans = load_plan()
    fr, en = plans["fr"].steps, plans["en"].steps
    shape = [(s.id, s.exposures, s.letter) for s in fr]
    assert shape == [(s.id, s.exposures, s.letter) for s in en]
    assert {e for step in fr for e in step.exposures} == set(Exposure)
    for step in fr:  # natural French: vous, accents
        text = f"{step.title} {step.do} {step.lasts} {step.watch}"
        assert not re.search(r"\b(tu|ton|ta|tes|toi)\b", text, re.IGNORECASE), step.id
    assert "é" in " ".join(s.do for s in fr)


def test_a_broken_plan_file_fails_loudly(tmp_path: Path) -> None:
    for language in LANGUAGES:
        raw = yaml.safe_load((RESPONSES_DIR / language / "_plan.yml").read_text("utf-8"))
        if language == "en":
            raw["steps"][0]["for"] = ["bank", "lottery"]
            raw["steps"][1]["letter"] = "love_letter"
            del raw["steps"][2]["watch"]
            raw["steps"].append(dict(raw["steps"][3]))  # an id used twice
            del raw["categories"]["email"]
        (tmp_path / language).mkdir()
        (tmp_path / language / "_plan.yml").write_text(yaml.safe_dump(raw), "utf-8")
    with pytest.raises(ContentError) as error:
        load_plan(tmp_path)
    message = str(error.value)
    for expected in (
        "'for' must list categories",
        "'love_letter' is not a letter",
        "'watch' is missing",
        "used twice",
        "categories.email: needs a label and a name",
        "steps differ from fr's",
    ):
        assert expected in message, expected


async def make_plan(engine, exposed: list[str], *, chat: str = "1", language: str = "fr"):
    """/plan, the ticks, "see my plan": the turns."""
    turns = [await command(engine, "/plan", chat=chat, language=language)]
    for exposure in exposed:
        turns.append(await press(engine, f"{PLAN}x:{exposure}", chat=chat, language=language))
    turns.append(await press(engine, f"{PLAN}go", chat=chat, language=language))
    return turns


def titles_in(text: str, language: str = "fr") -> list[str]:
    """The steps a plan shows, in its order."""
    return [s.id for s in texts(language).steps if f"**{s.title}" in text or s.title in text]


@pytest.mark.parametrize(
    ("exposed", "expected"),
    [
        (["bank"], ["bank", "accounts", "ask_lab", "complaint"]),
        (["email"], ["scam_messages", "passwords", "ask_lab", "complaint"]),
        (
            ["address", "health"],
            ["blackmail", "postal_mail", "health_rights", "ask_lab", "complaint"],
        ),
        (["phone", "nir"], ["scam_messages", "accounts", "ask_lab", "complaint"]),
        (ALL, [s.id for s in texts("fr").steps]),
    ],
)
async def test_the_plan_is_exactly_the_ticked_mix_most_urgent_first(
    sessions: async_sessionmaker[AsyncSession], exposed: list[str], expected: list[str]
) -> None:
    engine = tools_engine(sessions, Clock())
    *_, shown = await make_plan(engine, exposed)
    [reply] = shown.replies
    positions = [reply.text.index(f"**{n}. ") for n in range(1, len(expected) + 1)]
    assert positions == sorted(positions) and f"**{len(expected) + 1}. " not in reply.text
    shown_ids = [
        s.id
        for n, s in enumerate(steps_for(exposed, "fr"), 1)
        if f"{TO_DO} **{n}. {s.title}**" in reply.text
    ]
    assert shown_ids == expected
    absent = [s for s in texts("fr").steps if s.id not in expected]
    assert not any(s.title in reply.text for s in absent)
    # money that can go today first, the letters that take a month last
    assert expected[-2:] == ["ask_lab", "complaint"]
    for step in steps_for(exposed, "fr"):  # each step: what to do, how long, what to watch
        assert step.do in reply.text and step.lasts in reply.text and step.watch in reply.text
    assert reply.text.count(CATALOGUE.phrase("plan_lasts", "fr")) == len(expected)
    assert reply.text.count(CATALOGUE.phrase("plan_watch", "fr")) == len(expected)


async def test_ticks_toggle_and_only_the_ticks_are_stored(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    engine = tools_engine(sessions, Clock())
    turns = await make_plan(engine, ["nir", "health", "bank", "bank"])
    asked, health, bank = turns[0], turns[2], turns[4]
    labels = texts("fr").labels
    assert data_of(asked.replies[-1]) == [f"{PLAN}x:{e}" for e in Exposure] + [f"{PLAN}go"]
    assert asked.replies[-1].text == CATALOGUE.phrase("plan_ask", "fr")
    assert health.replies[0].buttons[1].label == f"☑️ {labels[Exposure.HEALTH]}"
    assert bank.replies[0].buttons[2].label == f"☐ {labels[Exposure.BANK]}"  # ticked, unticked
    assert await rows(sessions, "SELECT exposed, done FROM patient_plans") == [
        ('["nir", "health"]', "[]")
    ]
    [(state,)] = await rows(sessions, "SELECT state FROM patients")
    assert json.loads(state)["plan_draft"] is None  # the draft is gone once the plan is made


async def test_nothing_ticked_asks_again(sessions: async_sessionmaker[AsyncSession]) -> None:
    engine = tools_engine(sessions, Clock())
    *_, none = await make_plan(engine, [])
    assert none.replies[0].text == CATALOGUE.phrase("plan_none", "fr")
    assert await rows(sessions, "SELECT * FROM patient_plans") == []


async def test_steps_are_ticked_as_done_and_plan_shows_them_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    engine = tools_engine(sessions, Clock())
    *_, shown = await make_plan(engine, ["nir"])
    assert data_of(shown.replies[0])[0] == f"{PLAN}tick"
    ticking = await press(engine, f"{PLAN}tick")
    steps = steps_for(["nir"], "fr")
    assert data_of(ticking.replies[0]) == [f"{PLAN}d:{s.id}" for s in steps] + [f"{PLAN}show"]
    done = await press(engine, f"{PLAN}d:accounts")
    title = next(s.title for s in steps if s.id == "accounts")
    assert done.replies[0].text.startswith(CATALOGUE.phrase("plan_step_done", "fr", title=title))
    assert f"{DONE} 2. {title}" in done.replies[0].text
    assert CATALOGUE.phrase("plan_progress", "fr", done="1", total="4") in done.replies[0].text
    again = await command(engine, "/plan")
    assert f"{DONE} **2. {title}**" in again.replies[0].text
    assert f"{TO_DO} **1. " in again.replies[0].text
    assert await rows(sessions, "SELECT exposed, done FROM patient_plans") == [
        ('["nir"]', '["accounts"]')
    ]
    undone = await press(engine, f"{PLAN}d:accounts")
    assert undone.replies[0].text.startswith(
        CATALOGUE.phrase("plan_step_undone", "fr", title=title)
    )
    for step in steps:
        await press(engine, f"{PLAN}d:{step.id}")
    finished = await command(engine, "/plan")
    assert CATALOGUE.phrase("plan_complete", "fr", done="4", total="4") in finished.replies[0].text
    assert f"{PLAN}tick" not in data_of(finished.replies[0])


async def test_changing_what_leaked_keeps_the_steps_done_still_in_the_plan(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    engine = tools_engine(sessions, Clock())
    await make_plan(engine, ["nir"])
    await press(engine, f"{PLAN}d:accounts")
    await press(engine, f"{PLAN}d:scam_messages")
    edit = await press(engine, f"{PLAN}edit")
    assert edit.replies[0].buttons[0].label.startswith("☑️")  # the ticks as they are
    await press(engine, f"{PLAN}x:nir")
    await press(engine, f"{PLAN}x:bank")
    shown = await press(engine, f"{PLAN}go")
    assert titles_in(shown.replies[0].text)[0] == "bank"
    assert await rows(sessions, "SELECT exposed, done FROM patient_plans") == [
        ('["bank"]', '["accounts"]')  # scam_messages is no longer in the plan
    ]


async def test_the_plan_is_offered_in_the_welcome_menu_and_under_what_to_do(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    engine = tools_engine(sessions, Clock())
    first = await command(engine, "/start")  # the welcome, then the topic menu
    assert data_of(first.replies[-1])[:2] == ["t:what_to_do", f"{PLAN}show"]
    assert first.replies[-1].buttons[1].label == CATALOGUE.phrase("plan_button", "fr")
    help_menu = await command(engine, "/help")
    assert f"{PLAN}show" in data_of(help_menu.replies[0])
    what_to_do = await press(engine, "t:what_to_do")
    assert f"{PLAN}show" in data_of(what_to_do.replies[0])
    assert "Mon plan selon mes données" in CATALOGUE.answer("what_to_do", "fr").text
    assert "My plan for what leaked" in CATALOGUE.answer("what_to_do", "en").text
    asked = await press(engine, f"{PLAN}show")
    assert asked.replies[0].text == CATALOGUE.phrase("plan_ask", "fr")


async def test_an_english_patient_gets_an_english_plan(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    engine = tools_engine(sessions, Clock())
    *_, shown = await make_plan(engine, ["email"], language="en")
    text = shown.replies[0].text
    assert text.startswith(CATALOGUE.phrase("plan_heading", "en", exposed="e-mail address"))
    assert "Change your passwords" in text and CATALOGUE.phrase("plan_lasts", "en") in text


@pytest.mark.parametrize("data", [f"{PLAN}d:nope", f"{PLAN}x:lottery", f"{PLAN}what"])
async def test_stale_or_forged_plan_buttons_get_the_menu(
    sessions: async_sessionmaker[AsyncSession], data: str
) -> None:
    engine = tools_engine(sessions, Clock())
    await command(engine, "/start")
    turn = await press(engine, data)
    assert turn.replies[0].text == CATALOGUE.phrase("stale_button", "fr")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_combination_of_ticks_gives_an_ordered_plan_without_duplicates(
    language: str,
) -> None:
    """All 63 mixes: a plan that is not empty, each step once, in the file's order (most urgent
    first), every step brought by one of the ticks, and every tick covered by a step."""
    order = [step.id for step in texts(language).steps]
    kinds = list(Exposure)
    for size in range(1, len(kinds) + 1):
        for mix in itertools.combinations(kinds, size):
            plan = steps_for([k.value for k in mix], language)
            ids = [step.id for step in plan]
            assert ids, mix
            assert len(ids) == len(set(ids)), mix
            assert ids == sorted(ids, key=order.index), mix
            assert all(step.exposures & set(mix) for step in plan), mix
            assert all(any(k in step.exposures for step in plan) for k in mix), mix


@given(st.lists(st.sampled_from([*(k.value for k in Exposure), "forged", ""]), max_size=12))
def test_any_list_of_ticks_even_repeated_or_forged_gives_a_clean_plan(ticks: list[str]) -> None:
    plan = steps_for(ticks, "fr")
    valid = {t for t in ticks if t in {k.value for k in Exposure}}
    assert [s.id for s in plan] == [s.id for s in steps_for(sorted(valid), "fr")]
    assert bool(plan) == bool(valid)
