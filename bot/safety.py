"""Crisis safety net: words that always get the emergency answer, whatever the model says.

Two tiers, as crisis lines work (`Risk`):
- CLEAR (and IMMINENT: an act taken or in progress, a plan for now) gets the emergency answer and
  an urgent case at once;
- POSSIBLE (risk words in an ambiguous sentence, or a middling crisis score from the model) gets a
  direct, kind question (« Est-ce que vous pensez à vous faire du mal ... ? ») with 3114 shown.

It errs on the side of caution: a false alarm costs a kind message and an agent's look; a missed
crisis can cost a life. Matching ignores case, accents, punctuation, repeated spaces, letters
typed three times or more, and the usual SMS spellings (« jveux », « g envie », "wanna", "im").

Who the risk words are about matters. Figures of speech (« ça me tue », "this is killing me",
« disparaître d'internet ») are taken out first. Risk words about someone else (« ma sœur dit
qu'elle veut mourir », "my son is self-harming"), or about suicide as a subject (a dissertation,
a documentary, a nurse's question about a patient) are not the writer's own crisis: a relative at
risk gets the direct question (3114, shown with it, answers relatives too), a subject gets
nothing from the net, and in both cases the model alone can at most ask, never raise the alarm.
An act under way stays an emergency whoever it concerns (« ma femme a avalé ses somnifères »).
Quoted words are the speaker's: « un proche me dit 'je veux mourir' » is someone else's risk, a
pasted SMS is nobody's; the writer's own quotes stay theirs.

Some warning signs are not a crisis alone but are one together, as crisis lines assess a plan: a
means at hand (the rope tied, the pills laid out), a place to fall from, a time, a farewell, last
words, affairs put in order. The combinations (`IMMINENT_TOGETHER`, `CLEAR_TOGETHER`) are read in
the writer's own words, after figures of speech and someone else's words are set aside.

The word lists and patterns themselves are in bot/crisis_patterns.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum

from bot import crisis_patterns
from bot.crisis_patterns import (
    ACUTE_OTHER,
    ANY_NET,
    BARE_NOUN,
    CALLED_BY_NAME,
    CLAUSE_STARTS,
    CLEAR_TOGETHER,
    CRISIS,
    DETERMINERS,
    DOUBT,
    HELPER,
    HOPEFUL,
    HOW_TO,
    IMMINENT_NET,
    IMMINENT_TOGETHER,
    IMPERSONAL,
    INSIDE_SELF,
    LOOK_BACK,
    NEUTRAL_MAX_WORDS,
    NEUTRAL_WORDS,
    NOT_ABOUT_ME_RE,
    NOT_MINE_RE,
    OTHER_PRONOUNS,
    PAST,
    PEOPLE,
    PERSONAL,
    PHRASES,
    POSSIBLE_NET,
    PREPOSITIONS,
    QUANTIFIERS,
    QUOTE_RECEIVED,
    QUOTE_SOURCES,
    QUOTED,
    RELATIVES,
    REPEATS,
    SELF,
    SENTENCES,
    SPELLINGS,
    SPELLINGS_RE,
    TOPIC,
)


class Risk(IntEnum):
    NONE = 0
    POSSIBLE = 1  # ask directly
    CLEAR = 2  # emergency answer and an urgent case
    IMMINENT = 3  # the same, with 15 / 112 first and on their own


# The model's crisis score: at or above CLEAR_SCORE it is a crisis; from POSSIBLE_SCORE, a question.
# POSSIBLE_SCORE was 0.2: in 5-fold cross-validation on the training data (phrasings the model had
# not seen), 0.15 caught 0.8 % more crisis messages for 1.3 % more ordinary messages asked.
CLEAR_SCORE = 0.7
POSSIBLE_SCORE = 0.15


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = " ".join(re.sub(r"[^\w]+", " ", text).split())
    text = REPEATS.sub(r"\1", text)
    text = SPELLINGS_RE.sub(lambda m: SPELLINGS[m.group(0)], text)
    for pattern, replacement in PHRASES:
        text = pattern.sub(replacement, text)
    return text


@dataclass(frozen=True, slots=True)
class NetReading:
    """What the keyword net read in a text: its risk, whether a figure of speech was taken out of
    it, whether its risk words were about someone else or about suicide as a subject, whether
    the writer said what holds them (friends, getting through it: `hopeful`), and whether it is
    a short message of waiting, thanks, yes or no and nothing else (`neutral`)."""

    risk: Risk
    idiom: bool
    other: bool = False
    hopeful: bool = False
    neutral: bool = False

    def with_score(self, score: float) -> Risk:
        """The higher of the net's risk and the model's (`score`: its crisis confidence). When the
        net saw no crisis of the writer's own, the model's reading is bounded: risk words about
        someone else (or a helper's question) are at most a question; a figure of speech (« ça me
        tue », "I'm dying here") or what holds the writer ("but I've got good friends") takes the
        model's reading one tier down; a neutral message (« ok j'attends ») is what the net says."""
        if self.neutral:
            return self.risk
        model = risk_of_score(score)
        if self.risk < Risk.CLEAR:
            if self.other:
                model = min(model, Risk.POSSIBLE)
            elif self.idiom or self.hopeful:
                model = Risk(max(model - 1, Risk.NONE))
        return max(self.risk, model)


def _subject_is_other(words: list[str], start: int, inside: list[str], floor: int) -> str | None:
    """'relative' or 'people' when the risk words at `words[start:]` (`inside` being theirs) are
    about someone else, None when about the writer (the default: when in doubt, it is them). The
    subject is looked for among the few words before, in the same sentence (from `floor`)."""
    if INSIDE_SELF.intersection(inside):
        return None
    for k in range(start - 1, max(start - LOOK_BACK, floor) - 1, -1):
        word = words[k]
        if word in SELF:
            return None
        if word == "il" and k + 1 < len(words) and words[k + 1] in IMPERSONAL:
            continue
        if word in ("il", "elle") and k > 0 and words[k - 1] in ("vie", "situation", "ca"):
            continue  # « ma vie, elle ne vaut plus rien »
        if word in OTHER_PRONOUNS:
            return "relative"
        if word in RELATIVES or word in PEOPLE:
            partitive = k > 2 and (words[k - 3] in QUANTIFIERS or words[k - 3].isdigit())
            if words[k - 1] == "des" and (k - 1 <= floor or words[k - 2] in CLAUSE_STARTS):
                return "relative" if word in RELATIVES else "people"  # « que des gens ont »
            article = words[k - 1] == "a" and word not in CALLED_BY_NAME  # "a friend"
            if (k > 0 and words[k - 1] in PREPOSITIONS and not article) or (
                k > 1
                and words[k - 1] in DETERMINERS
                and words[k - 2] in PREPOSITIONS
                and not partitive  # « trois de mes patients » is the subject
            ):
                continue  # an object: « à mes proches », "to my friends"
            before = " ".join(words[max(k - 2, 0) : k])
            if re.search(r"\b(?:suis|am|i m) (?:un|une|a|an|the)$", before):
                return None  # « je suis une patiente qui ... »: the writer
            return "relative" if word in RELATIVES else "people"
    return None


# a combination's cue names ("A+B+!C"), each paired with whether it must be found
Cues = tuple[tuple[str, bool], ...]
# the combinations by the name of a cue each must find, each without that cue
Combinations = dict[str, tuple[Cues, ...]]


_CUES: dict[str, re.Pattern[str]] = {}


def _combinations(words: str) -> Combinations:
    """The combinations in `words` ("A+B+!C": A and B found, C not found), by their first cue that
    must be found: where it is not, the rest of their cues need no search."""
    combinations: dict[str, list[Cues]] = {}
    for word in words.split():
        cues = [(name.lstrip("!"), not name.startswith("!")) for name in word.split("+")]
        for name, _ in cues:
            if name not in _CUES:
                _CUES[name] = re.compile(getattr(crisis_patterns, name))
        first = next(cue for cue in cues if cue[1])
        cues.remove(first)
        combinations.setdefault(first[0], []).append(tuple(cues))
    return {name: tuple(rests) for name, rests in combinations.items()}


IMMINENT_COMBINATIONS = _combinations(IMMINENT_TOGETHER)
CLEAR_COMBINATIONS = _combinations(CLEAR_TOGETHER)


def _found(name: str, text: str, found: dict[str, bool]) -> bool:
    """Whether the cue `name` is in `text`, searched once per text: `found` keeps what was found.
    It is keyed by name, not by pattern: a pattern's hash goes over its whole compiled code."""
    if name not in found:
        found[name] = _CUES[name].search(text) is not None
    return found[name]


def _together(combinations: Combinations, text: str, found: dict[str, bool]) -> bool:
    """Whether one of the `combinations` holds in `text` (`found`: see `_found`)."""
    for first, rests in combinations.items():
        if _found(first, text, found) and any(
            all(_found(name, text, found) is wanted for name, wanted in rest) for rest in rests
        ):
            return True
    return False


def _quotes(text: str) -> tuple[str, list[tuple[str, str]]]:
    """`text` without the quotes someone else said or wrote that hold risk words, and those
    quotes with whose they are ('relative' or 'people': a text such as an SMS counts as people)."""
    kept, others, position = [], [], 0
    for match in QUOTED.finditer(text):
        quote = normalize(match.group(1))
        if not ANY_NET.search(quote):
            continue
        before = normalize(SENTENCES.split(text[: match.start()])[-1]).split()
        about = _subject_is_other(before, len(before), [], 0)
        recent = before[-LOOK_BACK:]
        if QUOTE_SOURCES.intersection(recent) and (
            not SELF.intersection(recent) or QUOTE_RECEIVED.intersection(recent)
        ):
            about = about or "people"  # an SMS pasted, « j'ai reçu ce mail : ... »
        if about is not None:
            kept.append(text[position : match.start()])
            others.append((about, quote))
            position = match.end()
    return " ".join([*kept, text[position:]]), others


def is_neutral(text: str) -> bool:
    """A short message of waiting, thanks, hello, yes or no, and nothing else (figures aside):
    « ok j'attends », « toujours là ? », « je patiente, message 3 », "still waiting"."""
    words = normalize(text).split()
    return 0 < len(words) <= NEUTRAL_MAX_WORDS and all(
        word in NEUTRAL_WORDS or word.isdigit() for word in words
    )


def read(text: str) -> NetReading:
    """The keyword net on a text (read once per message: the patterns are many)."""
    if is_neutral(text):
        return NetReading(Risk.NONE, False, neutral=True)
    text, quoted = _quotes(text)
    # sentence by sentence: figures of speech do not run across a full stop, and whose risk it is
    # is read within the sentence (« Ils ont tout publié. Plus envie de vivre. »: the writer's)
    parts, starts, count = [], [], 0
    idiom = not_mine = False
    for sentence in SENTENCES.split(text):
        normalized = normalize(sentence)
        if not normalized:
            continue
        folded = NOT_ABOUT_ME_RE.sub(" ", normalized)
        idiom = idiom or folded != normalized
        mine_only = NOT_MINE_RE.sub(" ", folded)
        not_mine = not_mine or mine_only != folded
        words = mine_only.split()
        if words:
            parts.append(" ".join(words))
            starts.append(count)
            count += len(words)
    folded = " ".join(parts)
    relative = any(about == "relative" for about, _ in quoted)
    relative_act = any(about == "relative" and IMMINENT_NET.search(q) for about, q in quoted)
    not_mine = not_mine or bool(quoted)
    if not folded:
        if relative_act and not PAST.search(" ".join(q for _, q in quoted)):
            return NetReading(Risk.IMMINENT, idiom, True)
        return NetReading(Risk.POSSIBLE if relative else Risk.NONE, idiom, not_mine)
    topic = bool(TOPIC.search(folded)) and not HOW_TO.search(folded)
    helper = bool(HELPER.search(folded))
    # the risk words about someone else, or about suicide as a subject, are set aside
    mine: list[str] = []
    people = False
    position = 0
    risk_words = False
    for match in ANY_NET.finditer(folded):
        risk_words = True
        words_before = folded[: match.start()].split()
        inside = match.group(0).split()
        floor = max((s for s in starts if s <= len(words_before)), default=0)
        about = _subject_is_other(words_before, len(words_before), inside, floor)
        if (
            about is None
            and (topic or helper)
            and BARE_NOUN.fullmatch(match.group(0))
            and not PERSONAL.search(" ".join(words_before[-3:]))
        ):
            about = "people"
        if about is None:
            continue
        mine.append(folded[position : match.start()])
        position = match.end()
        if about == "relative":
            relative = True
            relative_act = relative_act or bool(IMMINENT_NET.search(match.group(0)))
        else:
            people = True
    mine.append(folded[position:])
    own = " ".join(mine)
    other = relative or people or not_mine or helper
    found: dict[str, bool] = {}
    # ANY_NET is the three nets' union (tests/test_safety_speed.py): where it found no risk words,
    # neither would they
    if (risk_words and IMMINENT_NET.search(own)) or _together(IMMINENT_COMBINATIONS, own, found):
        return NetReading(Risk.IMMINENT, idiom, other)
    if (relative_act or (relative and ACUTE_OTHER.search(folded))) and not PAST.search(folded):
        return NetReading(Risk.IMMINENT, idiom, other)  # someone else's act under way
    if (risk_words and CRISIS.search(own)) or _together(CLEAR_COMBINATIONS, own, found):
        return NetReading(Risk.CLEAR, idiom, other)
    if (risk_words and POSSIBLE_NET.search(own)) or relative:
        return NetReading(Risk.POSSIBLE, idiom, other)
    hopeful = bool(HOPEFUL.search(folded)) and not DOUBT.search(folded)
    return NetReading(Risk.NONE, idiom, other, hopeful)


def assess(text: str, score: float | None = None) -> Risk:
    """The risk in a text: the keyword net's, and with `score` the higher of it and the
    model's (NetReading.with_score)."""
    reading = read(text)
    return reading.risk if score is None else reading.with_score(score)


def risk_of_score(score: float) -> Risk:
    """What the model's crisis score alone says."""
    if score >= CLEAR_SCORE:
        return Risk.CLEAR
    if score >= POSSIBLE_SCORE:
        return Risk.POSSIBLE
    return Risk.NONE


def is_crisis(text: str) -> bool:
    """A clear crisis for the net (the model's own override uses this too)."""
    return assess(text) >= Risk.CLEAR
