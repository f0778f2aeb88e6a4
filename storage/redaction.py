"""Replace personal numbers and addresses in patient text by typed placeholders, before storage.

Candidates are found by regular expressions and confirmed by their check digits (python-stdnum,
phonenumbers), so that ordinary numbers (dates, amounts, 3114, 33700) are left alone:

    <EMAIL>   e-mail addresses
    <IBAN>    IBANs (ISO 13616 mod-97 check)
    <NIR>     French social security numbers (key check, Corsica 2A/2B; also the 13-digit form)
    <CARD>    payment card numbers, 13-19 digits (Luhn check)
    <PHONE>   French and international phone numbers (phonenumbers' matcher)
    <NUMBER>  any other run of 9+ digits: an identifier with a typo is still an identifier
"""

from __future__ import annotations

import re

import phonenumbers
from stdnum import iban, luhn

EMAIL = re.compile(r"[^\s@<>()\[\],;:\"]+@[\w-]+(?:\.[\w-]+)+")
IBAN_CANDIDATE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b", re.IGNORECASE)
SEP = r"[ .\-]?"
NIR_CANDIDATE = re.compile(
    rf"(?<![\dA-Za-z])[1-478]{SEP}\d{{2}}{SEP}\d{{2}}{SEP}(?:\d{{2}}|2[ABab]){SEP}\d{{3}}{SEP}\d{{3}}"
    rf"(?:{SEP}(\d{{2}}))?(?![\dA-Za-z])"
)
CARD_CANDIDATE = re.compile(r"(?<!\d)\d(?:[ \-]?\d){12,18}(?!\d)")
LONG_DIGITS = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){8,}(?!\d)")


def _digits(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text)


def nir_key(first13: str) -> int:
    """The NIR key: 97 - (number mod 97), with Corsica's 2A and 2B counted as 19 and 18."""
    number = first13.upper().replace("2A", "19").replace("2B", "18")
    return 97 - int(number) % 97


def _nir(match: re.Match[str]) -> str:
    compact = _digits(match.group(0))
    key = match.group(1)
    if key is None or nir_key(compact[:13]) == int(key):
        return "<NIR>"
    return match.group(0)


def _iban(match: re.Match[str]) -> str:
    candidate, rest = match.group(0), ""
    while candidate:  # the pattern may have swallowed a following word: drop it and retry
        if iban.is_valid(candidate):
            return "<IBAN>" + rest
        head, sep, tail = candidate.rpartition(" ")
        candidate, rest = head, sep + tail + rest
    return match.group(0)


def _card(match: re.Match[str]) -> str:
    return "<CARD>" if luhn.is_valid(_digits(match.group(0))) else match.group(0)


def _phones(text: str) -> str:
    pieces, last = [], 0
    for found in phonenumbers.PhoneNumberMatcher(text, "FR"):
        pieces += [text[last : found.start], "<PHONE>"]
        last = found.end
    return "".join(pieces) + text[last:]


def redact(text: str) -> str:
    text = EMAIL.sub("<EMAIL>", text)
    text = IBAN_CANDIDATE.sub(_iban, text)
    text = NIR_CANDIDATE.sub(_nir, text)
    text = CARD_CANDIDATE.sub(_card, text)
    text = _phones(text)
    return LONG_DIGITS.sub("<NUMBER>", text)
