"""Is this message a scam? A verdict, with its reasons, on a text a patient pasted or forwarded.

Pure and offline: links are read as text, never opened. The knowledge is data: official domains,
shorteners and imitated names in `bot/scam_data/official_domains.yml`, the words of requests,
pressure and known campaigns in `bot/scam_data/patterns.yml`; `render()` words the verdict from
`responses/<lang>/_scam.yml`. Measured by `python -m bot.scam_eval` (reports/scam/summary.md).
"""

from __future__ import annotations

import re
import unicodedata
from contextlib import suppress
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent / "scam_data"
RESPONSES_DIR = Path(__file__).resolve().parent.parent / "responses"


class ScamLevel(StrEnum):
    SCAM = "scam"
    SUSPICIOUS = "suspicious"
    NO_SIGN = "no_sign"  # no usual sign found: never "safe"


class Reason(StrEnum):
    LOOKALIKE_DOMAIN = "lookalike_domain"  # amel1.fr, arneli.fr, Cyrillic letters, ameIi
    BRAND_IN_DOMAIN = "brand_in_domain"  # ameli-remboursement.com, aide-gouv.org
    OFFICIAL_AS_SUBDOMAIN = "official_as_subdomain"  # www.ameli.fr.secure-id.info
    SHORTENER = "shortener"
    UNOFFICIAL_DOMAIN = "unofficial_domain"
    ASKS_CODE = "asks_code"  # a code received by SMS, a password, login details
    ASKS_BANK_DETAILS = "asks_bank_details"
    ASKS_PAYMENT = "asks_payment"
    ASKS_NIR_OR_HEALTH = "asks_nir_or_health"
    ASKS_ID_DOCUMENT = "asks_id_document"
    ASKS_PERSONAL_DETAILS = "asks_personal_details"
    CALL_BACK_NUMBER = "call_back_number"
    URGENCY = "urgency"
    THREAT = "threat"
    KNOWN_CAMPAIGN_FAMILY_IMPERSONATION = "known_campaign_family_impersonation"
    KNOWN_CAMPAIGN_LEAK_COMPENSATION = "known_campaign_leak_compensation"
    KNOWN_CAMPAIGN_CARTE_VITALE = "known_campaign_carte_vitale"
    KNOWN_CAMPAIGN_LAB_RESULTS = "known_campaign_lab_results"
    KNOWN_CAMPAIGN_TRAFFIC_FINE = "known_campaign_traffic_fine"
    KNOWN_CAMPAIGN_CPF = "known_campaign_cpf"
    KNOWN_CAMPAIGN_TAX_REFUND = "known_campaign_tax_refund"
    KNOWN_CAMPAIGN_FAKE_BENEFIT = "known_campaign_fake_benefit"
    KNOWN_CAMPAIGN_PRIZE = "known_campaign_prize"
    KNOWN_CAMPAIGN_BANK_ADVISER = "known_campaign_bank_adviser"
    KNOWN_CAMPAIGN_PARCEL = "known_campaign_parcel"
    KNOWN_CAMPAIGN_AMELI_REFUND = "known_campaign_ameli_refund"


CAMPAIGN_PREFIX = "known_campaign_"
DOMAIN_REASONS = tuple(r for r in Reason if r.endswith(("domain", "shortener")))
# STRONG: an imitated official address, a scam on its own. ACTIONS: a link, or something asked
STRONG = frozenset({Reason.LOOKALIKE_DOMAIN, Reason.BRAND_IN_DOMAIN, Reason.OFFICIAL_AS_SUBDOMAIN})
ACTIONS = frozenset(DOMAIN_REASONS) | {r for r in Reason if r.startswith(("asks_", "call_"))}
WEIGHTS = {
    Reason.SHORTENER: 2,
    Reason.ASKS_CODE: 3,  # never asked for in a genuine message
    Reason.ASKS_BANK_DETAILS: 2,
    Reason.ASKS_PAYMENT: 2,
    Reason.ASKS_NIR_OR_HEALTH: 2,
    Reason.ASKS_ID_DOCUMENT: 2,
}  # the others weigh 1, and so does a known campaign
SCAM_SCORE, SUSPICIOUS_SCORE = 4, 2


@dataclass(frozen=True, slots=True)
class ScamVerdict:
    level: ScamLevel
    reasons: tuple[Reason, ...]
    domains: tuple[str, ...]  # every domain seen, in order, for the wording only
    campaign: str | None  # "carte_vitale", ...: the known campaign it looks like, if flagged

    @property
    def flagged(self) -> bool:
        return self.level is not ScamLevel.NO_SIGN


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def knowledge() -> dict[str, Any]:
    """The two data files, read and compiled once."""
    k = _read(DATA_DIR / "official_domains.yml") | _read(DATA_DIR / "patterns.yml")
    k["negation"] = re.compile(k["negation"])
    k["reasons"] = {Reason(n): [re.compile(p) for p in ps] for n, ps in k["reasons"].items()}
    k["ordinary"] = {Reason(n): [re.compile(p) for p in ps] for n, ps in k["ordinary"].items()}
    k["campaigns"] = {n: [re.compile(p) for p in ps] for n, ps in k["campaigns"].items()}
    for name in k["campaigns"]:
        Reason(CAMPAIGN_PREFIX + name)  # a campaign without its Reason fails here, at load
    k["not_lookalikes"] = tuple(k["not_lookalikes"])
    # longest first, so that "rn" is read before any single letter
    k["confusables"] = dict(sorted(k["confusables"].items(), key=lambda kv: -len(kv[0])))
    tlds = "|".join(k["spaced_tlds"])
    k["spaced_dot"] = re.compile(rf"(?<=[\w-])(?: \. ?|\. )(?=(?:{tlds})\b)")
    return k


# --- Links ---------------------------------------------------------------------------------------

DEFANGED = (
    (re.compile(r"[\[({]\s*(?:\.|dot|point)\s*[\])}]", re.I), "."),
    (re.compile(r"\bhxxp", re.I), "http"),
    (re.compile(r"\[:\]"), ":"),
)
LINK = re.compile(
    r"(?<![@\w.-])(?P<prefix>(?:(?:https?|ftp)://)?(?:www\.)?)"
    r"(?P<host>(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,})(?P<path>/\S*)?",
    re.I,
)
IP_LINK = re.compile(r"\b(?:https?://)?(?P<host>\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?/\S*")
EMAIL = re.compile(r"[\w.+-]+@(?P<host>(?:[\w-]+\.)+[^\W\d_]{2,})")
PHONE = re.compile(r"(?<!\d)(?:\+33 ?|0033 ?|0)[1-9](?:[ .-]?\d{2}){4}(?!\d)")


def undo_obfuscation(text: str) -> str:
    """`ameli[.]fr`, `hxxps://`, fullwidth letters, `ameli-remb . com`: written out plainly."""
    text = unicodedata.normalize("NFKC", text)
    for pattern, plain in DEFANGED:
        text = pattern.sub(plain, text)
    return knowledge()["spaced_dot"].sub(".", text)


def is_official(host: str) -> bool:
    return any(host == d or host.endswith("." + d) for d in knowledge()["official"])


def skeleton(host: str) -> str:
    """The host as it reads: Cyrillic and Greek look-alikes, 0/1/3/5 and rn turned into Latin."""
    with suppress(UnicodeError):  # punycode (xn--...) back to its letters
        host = host.encode("ascii").decode("idna")
    for lookalike, letter in knowledge()["confusables"].items():
        host = host.replace(lookalike, letter)
    return host


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (the strings are a domain's words: short)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _imitation(words: list[str], brand: str) -> bool:
    return brand in "".join(words) or any(w.startswith(brand) or w.endswith(brand) for w in words)


def domain_reason(host: str) -> Reason | None:
    """What a domain says about a message: None when official."""
    k = knowledge()
    host = host.lower().removeprefix("www.")
    if is_official(host):
        return None
    if host in k["shorteners"]:
        return Reason.SHORTENER
    read = skeleton(host)
    if is_official(read):
        return Reason.LOOKALIKE_DOMAIN
    if any(f".{d}." in f".{host}." for d in k["official"]):
        return Reason.OFFICIAL_AS_SUBDOMAIN
    raw, words = (
        [w for w in re.split(r"[.-]", h.rsplit(".", 1)[0]) if not w.startswith(k["not_lookalikes"])]
        for h in (host, read)
    )
    for brand in k["brands"]:
        if _imitation(words, brand):  # in the raw host too, or only once the look-alikes are read
            return Reason.BRAND_IN_DOMAIN if _imitation(raw, brand) else Reason.LOOKALIKE_DOMAIN
        limit = 1 if len(brand) < 9 else 2
        if any(_distance(w, brand) <= limit for w in words if len(w) >= 4):
            return Reason.LOOKALIKE_DOMAIN
    if set(k["bait_words"]) & set(words):
        return Reason.BRAND_IN_DOMAIN
    return Reason.UNOFFICIAL_DOMAIN


def find_domains(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Link hosts and, when they imitate an official one, e-mail domains; and the links' spans."""
    k = knowledge()
    hosts: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in LINK.finditer(text):
        host, tld = match["host"].lower(), match["host"].rsplit(".", 1)[-1].lower()
        named = match["prefix"] or tld in k["tlds"] or host in k["shorteners"]
        if named or (tld in k["ambiguous_tlds"] and match["path"]):
            spans.append(match.span())
            hosts.append(host.removeprefix("www."))
    for match in IP_LINK.finditer(text):  # http://203.0.113.7/ameli: an address without a name
        spans.append(match.span())
        hosts.append(match["host"])
    for match in EMAIL.finditer(text):
        spans.append(match.span())
        if domain_reason(host := match["host"].lower()) in STRONG:
            hosts.append(host)
    return list(dict.fromkeys(hosts)), spans


# --- Words ---------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case, no accents, apostrophes as spaces, SMS words written out, spaces squeezed."""
    text = unicodedata.normalize("NFKD", text.lower().replace("œ", "oe"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['\u2018\u2019`\u00b4]", " ", text)
    words = knowledge()["sms_words"]
    text = re.sub(r"\b\w+\b", lambda m: words.get(m[0], m[0]), text)
    return re.sub(r"\s+", " ", PHONE.sub(" numtel ", text)).strip()


def _said(patterns: list[re.Pattern[str]], text: str) -> bool:
    """A pattern matches, not inside a negated clause (« ne communiquez jamais votre code »)."""
    negation = knowledge()["negation"]
    for pattern in patterns:
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - 30) : match.start()]
            clause = re.split(r"[,.;:!?]| et | puis | and | then ", before)[-1]
            if not negation.search(clause):
                return True
    return False


def check(text: str) -> ScamVerdict:
    k = knowledge()
    plain = undo_obfuscation(text)
    domains, spans = find_domains(plain)
    reasons = {r for r in map(domain_reason, domains) if r is not None}
    for start, end in sorted(spans, reverse=True):
        plain = f"{plain[:start]} lien {plain[end:]}"
    words = fold(plain)
    reasons |= {reason for reason, patterns in k["reasons"].items() if _said(patterns, words)}
    reasons -= {r for r, ps in k["ordinary"].items() if any(p.search(words) for p in ps)}
    if re.search(r"\b(ameli|cpam|assurance maladie)\b", words) and "numtel" in words:
        reasons.add(Reason.CALL_BACK_NUMBER)  # the CPAM is reached on 3646 only
    whole = fold(undo_obfuscation(text))  # the links' words too: bit.ly/res-analyse
    found = [n for n, all_of in k["campaigns"].items() if all(p.search(whole) for p in all_of)]
    campaign = found[0] if found else None
    score = sum(WEIGHTS.get(r, 1) for r in reasons) + (campaign is not None)
    level = ScamLevel.SUSPICIOUS if score >= SUSPICIOUS_SCORE else ScamLevel.NO_SIGN
    if reasons & STRONG or score >= SCAM_SCORE:
        level = ScamLevel.SCAM
    if not reasons & ACTIONS:  # no link and nothing asked: whatever the words, no sign
        level = ScamLevel.NO_SIGN
    if campaign and level is not ScamLevel.NO_SIGN:
        reasons.add(Reason(CAMPAIGN_PREFIX + campaign))
    else:
        campaign = None
    reasons_in_order = tuple(r for r in Reason if r in reasons)
    return ScamVerdict(level, reasons_in_order, tuple(domains), campaign)


# --- What the patient reads ----------------------------------------------------------------------


@cache
def texts(language: str) -> dict[str, Any]:
    return _read(RESPONSES_DIR / language / "_scam.yml")


def defang(host: str) -> str:
    """`ameli-remboursement[.]com`: Telegram does not turn it into a link one could tap."""
    return host.replace(".", "[.]")


def render(verdict: ScamVerdict, language: str, *, show_domains: bool = True) -> str:
    """The answer in plain text with **bold**, like the other answers. Without `show_domains`,
    the addresses (taken from the patient's text) are left out: the version that is stored."""
    t = texts(language)
    noticed = []
    for reason in verdict.reasons:
        if reason.startswith(CAMPAIGN_PREFIX):
            noticed.append(t["campaigns"][reason.removeprefix(CAMPAIGN_PREFIX)])
        elif reason in DOMAIN_REASONS:
            hosts = [defang(h) for h in verdict.domains if domain_reason(h) is reason]
            shown = ", ".join(hosts) if show_domains else "[…]"
            noticed.append(t["reasons"][reason].format(domain=shown))
        else:
            noticed.append(t["reasons"][reason])
    lines = [f"**{t['heading'][verdict.level]}**"]
    if noticed:
        lead = t["noticed"] if verdict.flagged else t["noticed_no_sign"]
        lines += ["", lead, *(f"• {sentence}" for sentence in noticed)]
    lines += ["", t["steps"] if verdict.flagged else t["no_sign_steps"]]
    if verdict.flagged:
        lines += ["", t["already"]]
    return "\n".join([*lines, "", t["footer"]])
