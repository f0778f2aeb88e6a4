"""Property tests: valid personal numbers never survive redaction; ordinary text is left alone."""

from __future__ import annotations

import re
import string

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban, luhn

from storage.redaction import nir_key, redact

separators = st.sampled_from(["", " ", ".", "-"])


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=string.digits, min_size=n, max_size=n)


@st.composite
def nirs(draw: st.DrawFn) -> str:
    sex = draw(st.sampled_from("12"))
    year = draw(digits(2))
    month = draw(st.integers(1, 12).map(lambda m: f"{m:02d}"))
    dept = draw(st.sampled_from(["2A", "2B", "75", "56", "45", "27", "22", "35", "01", "95"]))
    commune, order = draw(digits(3)), draw(digits(3))
    key = f"{nir_key(sex + year + month + dept + commune + order):02d}"
    sep = draw(separators)
    return sep.join([sex, year, month, dept, commune, order, key])


@st.composite
def french_ibans(draw: st.DrawFn) -> str:
    bank, branch, account = draw(digits(5)), draw(digits(5)), draw(digits(11))
    rib_key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    number = "FR" + iban.calc_check_digits("FR00" + bban) + bban
    spaced = draw(st.booleans())
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4)) if spaced else number


@st.composite
def cards(draw: st.DrawFn) -> str:
    body = draw(st.sampled_from("3456")) + draw(digits(draw(st.integers(12, 15)) - 1))
    number = body + luhn.calc_check_digit(body)
    sep = draw(st.sampled_from(["", " ", "-"]))
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


@st.composite
def french_phones(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from("1234567 9"))
    rest = draw(digits(8))
    pairs = [rest[i : i + 2] for i in range(0, 8, 2)]
    sep = draw(separators)
    prefix = draw(st.sampled_from(["0", "+33 ", "+33", "0033 "]))
    return prefix + first.strip() + sep + sep.join(pairs) if first != " " else "06" + rest


words = st.text(alphabet=string.ascii_letters + "éèàçôù '", min_size=0, max_size=30)


def embedded(values: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[str, str]]:
    return st.tuples(values, st.tuples(words, words)).map(
        lambda v: (v[0], f"{v[1][0]} {v[0]} {v[1][1]}")
    )


def assert_gone(secret: str, redacted: str) -> None:
    compact = re.sub(r"[^0-9A-Za-z]", "", secret)
    assert compact not in re.sub(r"[^0-9A-Za-z]", "", redacted), redacted
    assert secret not in redacted


@settings(max_examples=300)
@given(embedded(nirs()))
def test_valid_nirs_never_survive(case: tuple[str, str]) -> None:
    secret, text = case
    redacted = redact(text)
    assert_gone(secret, redacted)
    assert "<NIR>" in redacted


@settings(max_examples=200)
@given(embedded(french_ibans()))
def test_valid_ibans_never_survive(case: tuple[str, str]) -> None:
    secret, text = case
    redacted = redact(text)
    assert_gone(secret, redacted)
    assert "<IBAN>" in redacted


@settings(max_examples=200)
@given(embedded(cards()))
def test_valid_card_numbers_never_survive(case: tuple[str, str]) -> None:
    secret, text = case
    assert_gone(secret, redact(text))


@settings(max_examples=200)
@given(embedded(french_phones()))
def test_french_phone_numbers_never_survive(case: tuple[str, str]) -> None:
    secret, text = case
    assert_gone(secret, redact(text))


@settings(max_examples=200)
@given(embedded(st.emails()))
def test_emails_never_survive(case: tuple[str, str]) -> None:
    secret, text = case
    redacted = redact(text)
    assert secret not in redacted
    assert "<EMAIL>" in redacted


@given(
    st.lists(
        st.one_of(
            st.text(alphabet=string.ascii_letters + "éèàçôùÉ ,;:!?'()«»-", min_size=1, max_size=20),
            st.integers(0, 9999).map(str),
            st.sampled_from(["3114", "33700", "3646", "116 006", "15", "112", "17", "2021"]),
            st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
            st.decimals(0, 100_000, places=2).map(lambda d: f"{d} €"),
        ),
        max_size=12,
    ).map(", ".join)
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_examples_of_each_kind() -> None:
    text = (
        "Je suis 2 95 10 99 126 111 93, né en Corse: 253072B07300470. "
        "Appelez le 06 12 34 56 78 ou +44 20 7946 0958, écrivez à jeanne.martin@example.org. "
        "IBAN FR76 3000 6000 0112 3456 7890 189, carte 4970 1010 0000 0087. J'ai appelé le 3114."
    )
    assert redact(text) == (
        "Je suis <NIR>, né en Corse: <NIR>. "
        "Appelez le <PHONE> ou <PHONE>, écrivez à <EMAIL>. "
        "IBAN <IBAN>, carte <CARD>. J'ai appelé le 3114."
    )


def test_nir_with_a_wrong_key_is_still_hidden_as_a_number() -> None:
    assert redact("mon numéro 295109912611100") == "mon numéro <NUMBER>"
