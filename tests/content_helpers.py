"""Reading the numbers, figures and addresses a text states, to check them against the fact sheet
(responses/facts.yml): the answers, the letters, the canned replies, the scam checker's texts."""

from __future__ import annotations

import re

# digit groups as people write phone numbers: "0 805 805 817", "116 006", "+33 1 80 52 33 76"
NUMBER = re.compile(r"\+?\d+(?:[ .\u00a0\u202f]\d+)*")
URL = re.compile(r"(?:https?://)?(?:[\w-]+\.)+(?:fr|org|com|eu|net|gouv\.fr)(?:/[^\s)»\"']*)?")
LIST_MARKER = re.compile(r"^\s*\d+\.\s", re.MULTILINE)


def numbers_in(text: str) -> set[str]:
    return {re.sub(r"\D", "", n) for n in NUMBER.findall(LIST_MARKER.sub("", text))}


def normalise_url(url: str) -> str:
    """Without scheme, 'www.' or trailing punctuation; the host in lower case."""
    url = re.sub(r"^https?://", "", url.strip()).rstrip(".,;:!?")
    host, slash, path = url.partition("/")
    return host.lower().removeprefix("www.") + slash + path


def urls_in(text: str) -> set[str]:
    return {normalise_url(url) for url in URL.findall(text)}


def is_known(url: str, known: set[str]) -> bool:
    """The address itself, or a page under it: 'cnil.fr/x' is known by 'cnil.fr'."""
    return any(url == k or url.startswith(f"{k}/") for k in known)
