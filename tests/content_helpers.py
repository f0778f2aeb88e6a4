"""Reading the numbers, figures and addresses a text states, to check them against the fact sheet
(responses/facts.yml): the answers, the letters, the canned replies, the scam checker's texts."""

from __future__ import annotations

import re
import zlib

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


# The text a PDF shows (bot/letters.py's, made by fpdf2): its content streams, decoded through
# each font's ToUnicode map.
OBJECT = re.compile(rb"(\d+) 0 obj\n(.*?)\nendobj", re.DOTALL)
SHOW = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", re.DOTALL)


def pdf_text(pdf: bytes) -> str:
    streams: dict[int, bytes] = {}
    dicts: dict[int, bytes] = {}
    for number, body in OBJECT.findall(pdf):
        head, _, rest = body.partition(b"stream\n")
        dicts[int(number)] = head
        if rest:
            data = rest[: int(re.search(rb"/Length (\d+)", head).group(1))]
            streams[int(number)] = zlib.decompress(data) if b"/FlateDecode" in head else data
    fonts = {}  # resource name -> code -> character
    for head in dicts.values():
        for name, font in re.findall(rb"/(F\d+) (\d+) 0 R", head):
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", dicts[int(font)]).group(1)
            pairs = re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4})>", streams[int(to_unicode)])
            fonts[name] = {int(code, 16): chr(int(char, 16)) for code, char in pairs}
    words, font = [], {}
    for number in (int(n) for n in re.findall(rb"/Contents (\d+) 0 R", pdf)):
        for name, string in SHOW.findall(streams[number]):
            if name:
                font = fonts[name]
                continue
            raw = re.sub(rb"\\(.)", lambda m: b"\r" if m.group(1) == b"r" else m.group(1), string)
            words.append(
                "".join(font[int.from_bytes(raw[i : i + 2])] for i in range(0, len(raw), 2))
            )
    return " ".join(words)
