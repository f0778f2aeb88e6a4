"""Replace personal numbers and addresses in patient text by typed placeholders, before storage.

Candidates are found by regular expressions that accept whatever people type between groups of
digits (spaces of every kind, dots, dashes, slashes, underscores, " - "); IBANs and card numbers
are confirmed by their check digits, so that ordinary numbers (dates, times, amounts, 3114,
116 006, 33700) are left alone. The rest of the text is kept exactly as typed.

    <EMAIL>        e-mail addresses, also "jean [at] exemple [dot] fr", "arobase ... point", " @ "
    <IBAN>         IBANs (ISO 13616 mod-97 check)
    <NIR>          French social security numbers, 13 or 15 digits (Corsica 2A/2B), whatever the key
    <CARD>         payment card numbers, 13-19 digits (Luhn check)
    <CARD_EXTRA>   an expiry date (MM/YY) or a security code (CVV) after a card number
    <PHONE>        French phone numbers (0X, +33, 0033) and other numbers written with "+" or "00"
    <NUMBER>       any other run of 9+ digits: an identifier with a typo is still an identifier

Every pattern is bounded and starts only where a word or number starts, so redact() takes time
linear in the length of the text (bench/redaction.py).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable

from stdnum import iban, luhn

# Zs spaces and tabs (NBSP and narrow NBSP come from French keyboards and word processors), and
# the invisible characters copy-paste leaves between digits; never a line break
SPACE = "\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u00ad\u200b-\u200d\u2060\ufeff"
DASH = "\\-\u2010-\u2015\u2212"
GAP = f"[{SPACE}{DASH}/_.]"
SEP = f"{GAP}{{0,3}}"  # " - " is three
ONE_SEP = f"[{SPACE}{DASH}_.]"
# what LONG_DIGITS joins: no "/", and " - " splits, so "12/03/2021 10:30" and date ranges stay
SIMPLE_SEP = f"(?:[{SPACE}]{{1,3}}|{ONE_SEP})?"
# the checked patterns never take a piece out of a longer run: that whole run is a <NUMBER>
# (the lookahead first: a cheap no wherever no digit starts, before four lookbehinds)
RUN_START = f"(?=\\d)(?<!\\d)(?<!\\d{ONE_SEP})(?<!\\d[{SPACE}]{{2}})(?<!\\d[{SPACE}]{{3}})"
RUN_END = f"(?!{SIMPLE_SEP}\\d)"

_SP = f"[{SPACE}]"
AT_WORD = "(?i:at|arobase|arrobase|arobas)"
DOT_WORD = "(?i:dot|point)"
TLD = (
    "(?i:com|fr|org|net|eu|be|ch|ca|lu|mc|de|uk|es|it|pt|nl|io|info|me|co|us|ma|dz|tn|sn|ci|cm"
    "|re|gp|mq|gf|yt|nc|pf|pm|bzh|paris|edu|gouv)"
)
OPEN, CLOSE = r"[\[({<]", r"[\])}>]"
AT_SIGN = f"{_SP}{{0,3}}[@\uff20\ufe6b]{_SP}{{0,3}}"
AT_SPELLED = (  # " [at] ", "(a)", " arobase "
    f"(?:{_SP}{{0,3}}{OPEN}{_SP}{{0,2}}(?:{AT_WORD}|[@\uff20a]){_SP}{{0,2}}{CLOSE}{_SP}{{0,3}}"
    f"|{_SP}{{1,3}}{AT_WORD}{_SP}{{1,3}})"
)
DOT_SPELLED = (  # " [dot] ", "(.)", " point "
    f"(?:{_SP}{{0,3}}{OPEN}{_SP}{{0,2}}(?:{DOT_WORD}|\\.){_SP}{{0,2}}{CLOSE}{_SP}{{0,3}}"
    f"|{_SP}{{1,3}}{DOT_WORD}{_SP}{{1,3}})"
)
DOT = f"(?:{_SP}{{0,3}}\\.{_SP}{{0,3}}|{DOT_SPELLED})"
LOCAL_CHAR = f'[^\\s{SPACE}@\uff20\ufe6b<>()\\[\\],;:"«»“”]'
LABEL = r"[\w\-]+"
# spaced or spelled dots only before a known top-level domain: "je suis at home dot" stays
LOOSE_DOMAIN = f"{LABEL}(?:{DOT}{LABEL}){{0,6}}{DOT}{TLD}(?![\\w\\-])"
EMAIL = re.compile(
    # starting only after a delimiter keeps the scan linear (from every start it was quadratic)
    f"(?<!{LOCAL_CHAR}){LOCAL_CHAR}+(?:{DOT_SPELLED}{LOCAL_CHAR}+){{0,2}}"
    f"(?:{AT_SIGN}(?:{LOOSE_DOMAIN}|{LABEL}(?:\\.{LABEL})+)|{AT_SPELLED}{LOOSE_DOMAIN})"
)

IBAN = re.compile(
    f"(?<![0-9A-Za-z])[A-Za-z]{{2}}[0-9]{{2}}(?:{SEP}[0-9A-Za-z]){{11,30}}(?![0-9A-Za-z])"
)
NIR = re.compile(
    f"{RUN_START}[1-478]{SEP}\\d\\d{SEP}\\d\\d{SEP}(?:\\d\\d|2{SEP}[ABab]){SEP}\\d{{3}}{SEP}\\d{{3}}"
    f"(?:{SEP}\\d\\d)?{RUN_END}"
)

EXPIRY = f"(?:0[1-9]|1[0-2]){_SP}?[/\\-]{_SP}?(?:20)?\\d\\d"
CARD = re.compile(
    # no card number starts with 0 (those are phone numbers); after the first four digits,
    # groups of 3+ (4-4-4-4, 4-6-5, ...) never taking an expiry date's month, or no groups
    f"{RUN_START}(?<!\\+)[1-9][0-9]{{3}}(?:(?:{GAP}{{1,3}}[0-9]{{3,15}}){{1,3}}"
    f"(?:{GAP}{{1,3}}(?!{EXPIRY})[0-9]{{1,15}})?|[0-9]{{9,15}})(?!{SIMPLE_SEP}(?!{EXPIRY})\\d)"
)
EXTRA_WORD = (
    "(?i:exp(?:ire|ir[ée]e?|iration)?|date|d['\u2019]expiration|valable|valid(?:e|it[ée])?|thru"
    "|jusqu['\u2019](?:au|à)|fin|le|au|et|cvv2?|cvc2?|cvn|crypto(?:gramme)?|code|de"
    "|s[ée]curit[ée]|visuel|dos)\\b\\.?"
)
CARD_EXTRA = re.compile(
    f"(?P<filler>(?:[{SPACE},;:()\\-]|{EXTRA_WORD}){{0,10}})"
    f"(?<!\\d)(?:{EXPIRY}|(?P<cvv>\\d{{3,4}}))(?![/\\-.,]?\\d)"
)
CVV_WORD = re.compile("(?i:cvv|cvc|cvn|crypto|code)")
LETTER = re.compile(r"[^\W\d_]")
CHUNK = re.compile("[0-9A-Za-z]+")

PLUS_OR_00 = f"(?:\\+(?<![\\w+]\\+)|{RUN_START}00)"
FRENCH_PHONE = re.compile(
    # 0X XX XX XX XX with any separators between the pairs, or any grouping with simple ones
    f"(?:{PLUS_OR_00}{SEP}33{SEP}(?:\\(0\\){SEP})?|{RUN_START}0){ONE_SEP}?[1-9]"
    f"(?:(?:{GAP}{{1,3}}\\d\\d){{4}}|(?:{ONE_SEP}?\\d){{8}}){RUN_END}"
)
OTHER_PHONE = re.compile(
    f"{PLUS_OR_00}[{SPACE}(]{{0,3}}[1-9](?:[{SPACE}{DASH}_.()]{{0,3}}\\d){{7,14}}(?!\\d)"
)
LONG_DIGITS = re.compile(f"(?<!\\d)\\d(?:{SIMPLE_SEP}\\d){{8,}}(?!\\d)")

LETTER_VALUES = str.maketrans({c: str(ord(c) - 55) for c in string.ascii_uppercase})


def _replace(
    pattern: re.Pattern[str], judge: Callable[[re.Match[str]], tuple[str, int]], text: str
) -> str:
    """Like pattern.sub, but `judge` also says where its replacement ends (a head of the match,
    or further on), and the search goes on from there."""
    pieces, last = [], 0
    while (match := pattern.search(text, last)) is not None:
        replacement, end = judge(match)
        pieces += [text[last : match.start()], replacement]
        last = end
    return "".join(pieces) + text[last:]


def _heads(match: re.Match[str]) -> list[tuple[str, int]]:
    """The places a match can be cut between its groups: the letters and digits up to each, and
    where it ends."""
    heads, compact = [], ""
    for chunk in CHUNK.finditer(match.string, match.start(), match.end()):
        compact += chunk.group()
        heads.append((compact, chunk.end()))
    return heads


def _is_iban(compact: str) -> bool:
    if not 15 <= len(compact) <= 34:
        return False
    # mod 97 first: cheap, and it rules out nearly every candidate before stdnum's full check
    rearranged = (compact[4:] + compact[:4]).upper().translate(LETTER_VALUES)
    return int(rearranged) % 97 == 1 and iban.is_valid(compact)


def _iban(match: re.Match[str]) -> tuple[str, int]:
    # the pattern may have swallowed the words that follow: the longest valid head is the IBAN
    for compact, end in reversed(_heads(match)):
        if _is_iban(compact):
            return "<IBAN>", end
    return match.group(0), match.end()


def _card_extras(text: str, end: int, bare: bool) -> tuple[str, int]:
    """The expiry date and security code written after a card number, as <CARD_EXTRA>. A code
    needs a word saying so, unless it follows a checked card number or its expiry date."""
    pieces = []
    for _ in range(2):
        found = CARD_EXTRA.match(text, end)
        if found is None:
            break
        filler = found.group("filler")
        unnamed_code = found.group("cvv") and not CVV_WORD.search(filler)
        if unnamed_code and (not bare or LETTER.search(filler)):
            break
        pieces += [filler, "<CARD_EXTRA>"]
        end, bare = found.end(), True
    return "".join(pieces), end


def _card(match: re.Match[str]) -> tuple[str, int]:
    heads = _heads(match)
    if len(heads[-1][0]) < 13:
        return match.group(0), match.end()
    replacement, end, checked = match.group(0), match.end(), False
    for compact, head_end in reversed(heads):
        if 13 <= len(compact) <= 19 and luhn.is_valid(compact):
            replacement, end, checked = "<CARD>", head_end, True
            break
    # a number failing Luhn is left to LONG_DIGITS (<NUMBER>); what follows it still goes
    extras, end = _card_extras(match.string, end, checked)
    return replacement + extras, end


def redact(text: str) -> str:
    # e-mails and IBANs first: the number patterns would take their digits apart
    text = EMAIL.sub("<EMAIL>", text)
    text = _replace(IBAN, _iban, text)
    text = NIR.sub("<NIR>", text)
    text = _replace(CARD, _card, text)
    text = FRENCH_PHONE.sub("<PHONE>", text)
    text = OTHER_PHONE.sub("<PHONE>", text)
    return LONG_DIGITS.sub("<NUMBER>", text)
