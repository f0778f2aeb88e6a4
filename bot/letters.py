"""Letters the helpline drafts for a patient, as a PDF to print and as text for the chat.

The patient's name and address are never asked for: a letter has blanks to fill in by hand, so
nothing that identifies them passes through the service.

- `responses/fr/_letters/<kind>.md`: the letter, in French, with `{blank}` (a short blank, or to
  the end of the line when last on it), `{line}` (a whole line), `{date}` and `{box}` (a box to
  tick); **bold** as in the answers.
- `responses/en/_letters/<kind>.md`: what the French letter says and what to fill in, in English.
  The letter itself stays French, for English speakers too: the CNIL asks for complaints in
  French (fact cnil_complaint) and a French lab or prosecutor reads French. An English `Letter`'s
  text is the note `in_french`, that explanation, then the French letter; its PDF is the French
  letter alone, since the PDF is what gets sent.
- `responses/<lang>/_letters.yml`: what the chat says around a letter (`ChatTexts`).

The PDF's font is Open Sans from the `ttf-opensans` package (Apache-2.0): fpdf2 ships only the
core PDF fonts, which stop at Latin-1 (no "…", "œ" or curly apostrophe), and a system path
such as /usr/share/fonts/truetype/dejavu/ is not on every machine. Open Sans has no box glyph:
`{box}` is drawn as a square, and blanks as lines to write on.
"""

from __future__ import annotations

import calendar
import re
import string
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml
from fpdf import FPDF

from responses import LANGUAGES, RESPONSES_DIR, ContentError


class LetterKind(StrEnum):
    ACCESS_REQUEST = "access_request"  # GDPR art. 15, to the lab
    ERASURE_OBJECTION = "erasure_objection"  # art. 17 and 21, to the lab
    CNIL_COMPLAINT = "cnil_complaint"  # the lab did not answer within a month
    PROSECUTOR_LETTER = "prosecutor_letter"  # criminal complaint, to the procureur


# The letter to send when this one gets no answer, or an incomplete one, within the delay.
NEXT_STEP: dict[LetterKind, LetterKind] = {
    LetterKind.ACCESS_REQUEST: LetterKind.CNIL_COMPLAINT,
    LetterKind.ERASURE_OBJECTION: LetterKind.CNIL_COMPLAINT,
}
BLANKS = {"blank": "_" * 20, "line": "_" * 30, "date": "____ / ____ / ________", "box": "☐"}
LETTER_LANGUAGE = "fr"
FILENAME = re.compile(r"[a-z0-9-]+\.pdf")
CHAT_KEYS = ("title", "filename", "send", "next")
REMINDER_KEYS = ("when_sent", "reminder")  # letters that wait for an answer (NEXT_STEP)
FRAMING_KEYS = ("in_french", "letter_heading")  # languages other than the letter's


@dataclass(frozen=True, slots=True)
class Letter:
    kind: LetterKind
    title: str
    text: str  # what the chat shows: the letter, after an explanation in English
    filename: str
    body: str  # the letter as printed, in French


@dataclass(frozen=True, slots=True)
class ChatTexts:
    here_is: str
    send: str  # where and how to send it
    next: str  # what to do once it is sent, or when it gets no answer
    when_sent: str | None  # "tell me when you have sent it": letters that wait for an answer
    reminder: str | None  # a template with {sent_on} and {deadline}; see reminder_text()


@dataclass(frozen=True)
class _Chat:
    """One language's _letters.yml."""

    here_is: str
    letters: dict[str, dict[str, str]]  # kind -> key -> text
    in_french: str = ""  # only in languages other than the letter's
    letter_heading: str = ""


@dataclass(frozen=True)
class _Templates:
    bodies: dict[LetterKind, str]  # French, blanks filled in
    explanations: dict[tuple[str, LetterKind], str]  # (language, kind): in that language
    chat: dict[str, _Chat]


def next_step(kind: LetterKind) -> LetterKind | None:
    """The letter to send if this one gets no answer, or an incomplete one, in time."""
    return NEXT_STEP.get(kind)


def reply_deadline(sent_on: date) -> date:
    """One month after `sent_on` (GDPR art. 12: an answer is due within one month): the same day
    of the next month, or that month's last day when it has no such day (31 Jan -> 28/29 Feb)."""
    year, month = divmod(sent_on.year * 12 + sent_on.month, 12)  # the next month, from 0
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(sent_on.day, last_day))


def draft(kind: LetterKind, language: str) -> Letter:
    templates = load_letters()
    chat = _chat_of(language)
    body = templates.bodies[kind]
    text = body
    if language != LETTER_LANGUAGE:
        explanation = templates.explanations[(language, kind)]
        text = "\n\n".join((chat.in_french, explanation, chat.letter_heading, body))
    letter = chat.letters[kind]
    return Letter(kind, letter["title"], text, letter["filename"], body)


def chat_texts(kind: LetterKind, language: str) -> ChatTexts:
    chat = _chat_of(language)
    letter = chat.letters[kind]
    return ChatTexts(
        here_is=chat.here_is,
        send=letter["send"],
        next=letter["next"],
        when_sent=letter.get("when_sent"),
        reminder=letter.get("reminder"),
    )


def reminder_text(kind: LetterKind, language: str, sent_on: date) -> str:
    """What the patient reads once a month has passed since they sent the letter."""
    template = chat_texts(kind, language).reminder
    if template is None:
        raise ValueError(f"{kind} waits for no answer: no reminder")
    return template.format(sent_on=sent_on, deadline=reply_deadline(sent_on))


def _chat_of(language: str) -> _Chat:
    if language not in LANGUAGES:
        raise ValueError(f"no letters in {language!r}; languages: {LANGUAGES}")
    return load_letters().chat[language]


@cache
def load_letters(directory: Path = RESPONSES_DIR) -> _Templates:
    """Read and check every letter and chat text, once: call it at start-up so that a broken edit
    fails loudly. Raises ContentError listing every problem found."""
    problems: list[str] = []

    def body(path: Path) -> str:
        if not path.is_file():
            problems.append(f"{path}: missing")
            return ""
        text = path.read_text(encoding="utf-8").strip()
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        if unknown := fields - set(BLANKS):
            problems.append(f"{path}: unknown placeholders {sorted(unknown)}; known: {BLANKS}")
            return text
        return text.format(**BLANKS)

    bodies = {k: body(directory / LETTER_LANGUAGE / "_letters" / f"{k}.md") for k in LetterKind}
    explanations = {
        (language, kind): body(directory / language / "_letters" / f"{kind}.md")
        for language in LANGUAGES
        if language != LETTER_LANGUAGE
        for kind in LetterKind
    }
    chat = {
        language: _chat(directory / language / "_letters.yml", problems) for language in LANGUAGES
    }
    if problems:
        raise ContentError("\n".join(problems))
    return _Templates(bodies, explanations, chat)


def _chat(path: Path, problems: list[str]) -> _Chat:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    if not isinstance(raw, dict) or not isinstance(raw.get("letters"), dict):
        problems.append(f"{path}: must be a mapping with 'here_is' and 'letters'")
        return _Chat("", {})
    framing = FRAMING_KEYS if path.parent.name != LETTER_LANGUAGE else ()
    problems += [f"{path}: '{key}' missing" for key in ("here_is", *framing) if not raw.get(key)]
    letters = {str(name): texts or {} for name, texts in raw["letters"].items()}
    problems += [f"{path}: '{name}' is not a letter" for name in set(letters) - set(LetterKind)]
    for kind in LetterKind:
        texts = letters.setdefault(kind, {})
        expected = (*CHAT_KEYS, *REMINDER_KEYS) if kind in NEXT_STEP else CHAT_KEYS
        problems += [f"{path}: {kind}.{key} missing" for key in expected if not texts.get(key)]
        problems += [f"{path}: {kind}.{key} unexpected" for key in set(texts) - set(expected)]
        if texts.get("filename") and not FILENAME.fullmatch(texts["filename"]):
            problems.append(f"{path}: {kind}.filename must be like 'courrier-acces.pdf'")
        try:
            str(texts.get("reminder", "")).format(sent_on=date.today(), deadline=date.today())
        except (KeyError, IndexError, ValueError) as error:
            problems.append(f"{path}: {kind}.reminder takes {{sent_on}}, {{deadline}}: {error!r}")
    return _Chat(
        here_is=str(raw.get("here_is", "")),
        letters=letters,
        in_french=str(raw.get("in_french", "")),
        letter_heading=str(raw.get("letter_heading", "")),
    )


# --- The PDF ---------------------------------------------------------------------------------

FONT_DIR = files("ttf_opensans") / "ttf"
FONT_SIZE = 11  # points
LINE = 5.4  # millimetres between lines
MARGIN = 18
PARAGRAPH = LINE / 2  # the gap an empty line of the template makes
BOX = 3.2  # side of a box to tick, millimetres
TOKEN = re.compile(r"(\*\*|_{3,}|☐)")
# A blank this long or longer that ends its line runs to the margin: room to write by hand.
LONG_BLANK = len(BLANKS["blank"])


def to_pdf(letter: Letter) -> bytes:
    """The French letter on A4, ready to print: blanks and boxes drawn, accents embedded."""
    pdf = FPDF(format="A4")
    pdf.set_lang(LETTER_LANGUAGE)
    pdf.set_margins(MARGIN, MARGIN * 0.8, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN * 0.8)
    pdf.add_font("OpenSans", "", str(FONT_DIR / "OpenSans-Regular.ttf"))
    pdf.add_font("OpenSans", "B", str(FONT_DIR / "OpenSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("OpenSans", size=FONT_SIZE)
    pdf.set_draw_color(90)
    pdf.set_line_width(0.2)
    for line in letter.body.splitlines():
        if not line.strip():
            pdf.ln(PARAGRAPH)
            continue
        _write_line(pdf, line)
        pdf.ln(LINE)
    return bytes(pdf.output())


def _write_line(pdf: FPDF, line: str) -> None:
    tokens = [token for token in TOKEN.split(line.rstrip()) if token]
    bold = False
    for index, token in enumerate(tokens):
        if token == "**":
            bold = not bold
            pdf.set_font("OpenSans", "B" if bold else "", FONT_SIZE)
        elif token == "☐":
            _room(pdf, BOX + 2)
            x, y = pdf.get_x(), pdf.get_y() + (LINE - BOX) / 2
            pdf.rect(x, y, BOX, BOX)
            pdf.set_x(x + BOX + 1)
        elif token.startswith("___"):
            last = index == len(tokens) - 1
            _blank(pdf, len(token), to_margin=last and len(token) >= LONG_BLANK)
        else:
            pdf.write(LINE, token)
    if bold:  # a "**" left open ends with its line
        pdf.set_font("OpenSans", "", FONT_SIZE)


def _blank(pdf: FPDF, length: int, to_margin: bool) -> None:
    """A line to write on, where the text left off: `length` underscores wide, or to the margin."""
    width = pdf.get_string_width("_") * length
    _room(pdf, 25 if to_margin else width)
    x = pdf.get_x() + (0 if pdf.get_x() == pdf.l_margin else 1)
    if to_margin:
        width = pdf.w - pdf.r_margin - x
    y = pdf.get_y() + LINE - 0.8
    pdf.line(x, y, x + width, y)
    pdf.set_x(x + width)


def _room(pdf: FPDF, width: float) -> None:
    """Go to the next line unless `width` millimetres are left on this one."""
    if pdf.get_x() + width > pdf.w - pdf.r_margin:
        pdf.ln(LINE)
