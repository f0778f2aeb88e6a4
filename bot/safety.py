"""Crisis safety net: words that always get the emergency answer, whatever the model says.

Two tiers, as crisis lines work (`Risk`):
- CLEAR (and IMMINENT: an act taken or in progress, a plan for now) gets the emergency answer and
  an urgent case at once;
- POSSIBLE (risk words in an ambiguous sentence, or a middling crisis score from the model) gets a
  direct, kind question (« Est-ce que vous pensez à vous faire du mal ... ? ») with 3114 shown.

It errs on the side of caution: a false alarm costs a kind message and an agent's look; a missed
crisis can cost a life. Matching ignores case, accents, punctuation and repeated spaces.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum


class Risk(IntEnum):
    NONE = 0
    POSSIBLE = 1  # ask directly
    CLEAR = 2  # emergency answer and an urgent case
    IMMINENT = 3  # the same, with 15 / 112 first and on their own


# Written accent-free and lower-case, as `normalize` leaves the patient's text; apostrophes become
# spaces ("j'ai" -> "j ai"). Third persons count too: a relative at risk is a crisis as well.
FRENCH = [
    r"suicid\w*",
    r"\b(?:mourir|crever)\b(?! de (?:rire|faim|froid|chaud|honte))",
    r"\b(?:me|se|m|s|te|t) (?:tue|tuer|tuerai|suicide|supprimer|pendre|flinguer|buter|noyer)\b",
    r"\b(?:me|se|m|s) (?:tire|tirer) une balle",
    r"\b(?:me|se|m|s) (?:suis |est |sont |fais |fait )?(?:encore )?"
    r"(?:scarif|mutil|automutil|brul|taill|entaill)\w*",
    r"\b(?:me|se|m|s) (?:suis |est |fais |fait |faire )?(?:encore )?(?:coupee?s?|couper)\b",
    r"\b(?:me|se|m|s) (?:fais|fait|faire|ferai) du mal",
    r"\bdes entailles",
    r"(?:en|tout) finir\b",
    r"tout arreter|que tout s arrete",
    r"mettre fin a (?:mes|ses|ma|sa|tout)",
    r"(?:foutre|fous|fout) en l air",
    r"(?:plus|pas) (?:envie|la force|le courage|capable)\b.{0,20}\b(?:vivre|exister|en vie)",
    r"\b(?:veux|veut|ve|voudrais) plus (?:vivre|exister)",
    r"plus (?:d )?(?:interet|raison|sens) (?:de|a) vivre|a quoi bon vivre|interet de vivre",
    r"(?:supporte|supporter) plus d etre en vie",
    r"(?:disparaitre|partir|dormir) pour toujours",
    r"(?:plus la|plus etre la|n etais plus la|n etait plus la)\b.{0,30}\b(?:simple|mieux)",
    r"mieux sans moi",
    r"(?:sauter|me jeter|se jeter) (?:du|d un|de la|par|sous|dans)\b|envie de sauter",
    r"lettre d adieu",
    r"pense a la mort|idees? (?:noires|suicidaires)|\bla mort\b.{0,20}\b(?:soulagement|solution)",
    r"(?:avale|pris|prendre)\w* (?:tou\w* |une |ma |mes |sa |ses |la )*"
    r"(?:boite|plaquette|cachets|medicaments|comprimes|somniferes|anxiolytiques)\b.{0,30}"
    r"(?:mourir|coup|entier|entiere|tout)",
    r"(?:avale|pris)\w* (?:toute? (?:ma|sa) boite|une plaquette entiere|tous (?:mes|ses))",
    r"une corde|une lame",
    r"ne plus (?:me|se) reveiller|plus me reveiller",
    r"\bts\b",
    r"(?:veux|veut|voudrais|envie de|prefere\w*) (?:juste )?disparaitre",
    r"disparaitre pour de bon|plus la force\b|tout lacher",
    r"\betre morte?s?\b",
    r"n etais plus la|ne serais plus la|n existais plus",
    r"raison de vivre|merite (?:pas|plus) de vivre",
    r"\b(?:me|se) jett?\w* (?:par|sous|du|d un|dans)",
    r"\b(?:vais|va|veux|veut) sauter\b",
    r"\barme\b.{0,60}\bcontre (?:moi|lui|elle)\b",
]
ENGLISH = [
    r"suicid\w*",
    r"kill(?:ing|ed)? (?:my|him|her|them) ?sel(?:f|ves)",
    r"\bkms\b|\bkys\b",
    r"unalive",
    r"end (?:it all|my life|his life|her life|things|it)\b",
    r"take (?:my|his|her) (?:own )?life",
    r"\b(?:want|wants|wanna|going|gonna|ready) to die\b|\bwanna die\b|\bwish i (?:was|were) dead",
    r"(?:don t|do not|dont|doesn t) want to (?:live|be alive|exist|wake up|be here)",
    r"no (?:reason|point) (?:to live|in living|living|going on)",
    r"better off (?:dead|without me)",
    r"(?:hurt|hurting|harm|harming|cut|cutting|burn|burning) (?:my|him|her) ?self",
    r"self[ -]?harm",
    r"overdose|\bod\b",
    r"(?:jump|jumping) (?:off|from|in front)",
    r"hang (?:my|him|her) ?self",
    r"(?:pills|tablets) (?:to die|at once)|took all (?:my|his|her) (?:pills|tablets|meds)",
    r"sleep forever|not (?:be )?here anymore|disappear forever",
    r"point (?:of|in) (?:living|being alive|going on)|nothing left to live for",
    r"(?:bunch|handful|lot|box) of (?:pills|tablets|meds)|lethal dose",
    r"never wake up|not wake up|goodbye (?:note|letter)",
    r"done with (?:life|living)|tired of (?:being alive|living)|(?:isn t|not) worth (?:it|living)",
    r"standing on the (?:bridge|roof|edge)|on the roof",
    r"ending it\b|(?:want|need) it (?:all )?to (?:stop|be over|end)",
    r"(?:thinking|think) (?:of|about) (?:jumping|ending|dying|death)|want to jump",
    r"better dead|rather (?:die|be dead)|dying would",
    r"no reason to (?:keep going|go on|live)|deserve to live",
    r"unaliv\w*",
    r"\b(?:the|a) rope\b",
    r"throw(?:ing)? (?:my|him|her)self",
    r"(?:gun|knife|blade)\b.{0,40}\b(?:myself|on me)|using it on (?:my|him|her)self",
]
# An act taken or in progress, or a plan for the coming hours: 15 / 112 first.
IMMINENT = [
    r"(?:avale|pris)\w* (?:\d+|toute?s? (?:la |ma |mes |les |sa |ses )?|trop de|plein de|"
    r"(?:une|la|ma) (?:boite|plaquette) (?:entiere )?(?:de |d )?)(?:\w+ ){0,2}(?:boite|plaquette|"
    r"cachets|medicaments|comprimes|somniferes|anxiolytiques|pilules|doliprane|medocs)\b",
    r"(?:ca |je )?saigne\w*\b.{0,40}\b(?:arrete|couper?|veines?|profond)|ouvert les veines",
    r"(?:c est|ce sera|je le fais|je vais le faire) (?:pour )?ce soir\b",
    r"\b(?:took|swallowed|taken) (?:\d+|all|the whole|a (?:bunch|handful|bottle) of|too many) "
    r"(?:\w+ ){0,2}(?:pills|tablets|meds|tylenol|paracetamol|bottle)\b",
    r"(?:won t|wont|can t|cant) stop (?:the )?bleeding",
    r"tonight s the night|doing it (?:tonight|now|after this)",
]
# Ambiguous on their own: a direct question, not yet the emergency answer. Warning signs as crisis
# lines list them (a burden, no way out, no strength left, saying goodbye, a past attempt).
POSSIBLE = [
    # "plus d'issue", but not "plus d'issue à cette procédure"
    r"(?:plus|pas) d issue\b(?! (?:a|au|pour) (?:ce|cet|cette|ces|la|le|les|l|mon|ma|mes))",
    r"aucune issue|\bun (?:poids|fardeau)\b|\bde trop (?:dans ce monde|sur (?:cette )?terre|ici)",
    # "je n'en peux plus", but not "je n'en peux plus de ce labo / d'attendre"
    r"(?:n en |j en )?peux plus\b(?! (?:de|d|avec) (?!vivre|exister|cette vie|ma vie))",
    r"\bau bout du rouleau\b(?! (?:niveau|avec|pour))|\bje (?:ne )?tiens plus\b",
    r"\ba quoi bon\b(?! (?:garder|appeler|faire|porter|remplir|les|leur|attendre))",
    r"plus (?:de )?raison d etre|ma vie est (?:finie|terminee|foutue)|plus la force\b",
    r"\bmorte? (?:a l|de l) interieur|\bm en fous de ce qui m arrive|qu il m arrive n importe quoi",
    r"\bc est un (?:au revoir|adieu)\b|\bje vous aime tous\b.{0,30}\b(?:au revoir|adieu)",
    r"\b(?:deja|j ai) (?:essaye|tente) (?:de|d en)\b|\btentative de suicide|\bma tentative\b",
    r"(?:can t|cannot|cant) (?:go on|take (?:it|this) anymore|do this anymore)|no way out",
    r"(?:a )?burden\b|tired of (?:everything|existing)|(?:want|wish) (?:to|i could) disappear",
    r"how (?:much )?longer i can (?:hold on|keep going|take (?:it|this))",
    r"\b(?:attempted|tried) (?:before|last year|once|already|it)\b|\bthe urge is back\b",
    r"\bthis is goodbye\b|\bi love you all\b.{0,30}\bgoodbye",
]
# Figures of speech and other meanings of the same words, taken out of the text before the net
# reads it (only the words of the idiom go: "ça me tue, je veux mourir" still matches).
NOT_ABOUT_ME = [
    # "ça me tue", "ce labo va me tuer", "cette attente me tue à petit feu"
    r"\b(?:ca|cela|tu|vous|il|elle|ils|elles|on|(?:ce|cet|cette|ces|le|la|les|l|leur|leurs) \w+)"
    r" (?:va |vont |vais |veut |veulent )?(?:me|m) (?:tue|tuent|tuer|tuera)\b",
    r"\b(?:me|m|se|s) (?:suis |est )?tuee?s? a (?:la tache|vous|te|le|leur|lui|force)\b",
    r"\b(?:morte?s?|mourir|mourrir|meurs|meurt|creve|crever) de (?:rire|honte|peur|fatigue|froid|"
    r"faim|chaud|ennui|trouille|soif|envie)\b",
    r"\b(?:a|de) (?:mourir|crever)\b(?! (?:de|d))|\bcru (?:mourir|crever)\b",
    r"\bplutot (?:mourir|crever) que\b",
    r"\ba se (?:flinguer|tirer une balle|pendre|jeter par la fenetre)\b",
    r"\b(?:me|m|se|s) (?:suis |est )?coupee?s? (?:le|la|les|un|une|au) "
    r"(?:doigt|main|pouce|cheveux|genou)",
    r"\bprevention (?:du |de |contre le )?suicide\b|\bsuicide prevention\b",
    r"\b(?:s est|s etait|se sont) (?:suicidee?s?|donne la mort)\b",
    r"\b(?:disparaitre|m effacer|me supprimer|me retirer|me faire retirer) (?:de |d |des |du )"
    r"(?:internet|google|la toile|la base|leur base|leurs? fichiers?|leurs? listes?|la liste|"
    r"leurs? bases?|ces bases|tous les fichiers|tous leurs fichiers|partout sur internet)\b",
    r"\ben finir (?:une bonne fois pour toutes |une fois pour toutes )?avec "
    r"(?:ce|cet|cette|ces|le|la|les|l|leur|leurs|mon|ma|mes) (?:labo\w*|laboratoire\w*|"
    r"procedure\w*|dossier\w*|formulaire\w*|demarche\w*|paperasse|abonnement\w*|compte\w*|"
    r"contrat\w*|plainte\w*)",
    # English
    r"\b(?:this|that|it|they|you|he|she|the \w+|these \w+) (?:is |are |s |re )?"
    r"(?:killing|gonna kill|going to kill|will kill|would kill) me\b",
    r"\bkill(?:ed|ing)? (?:the|an?|that) (?:app|process|task|program|engine)\b",
    r"\bkill(?:ing)? time\b",
    r"\bdying (?:to|for) \w+|\brather die than\b|\bdied laughing\b",
    r"\bend (?:it|things) with (?:this|that|the|them|those|these|my|their)\b",
    r"\b(?:he|she|uncle|father|mother|brother|sister|dad|mom|mum|son|daughter|husband|wife|"
    r"friend|cousin|aunt|grandfather|grandmother) (?:killed|hanged|shot) (?:him|her)self\b",
    r"\boverdose of (?!pills|meds|tablets|medication)\w+",
    r"\b(?:i m|im|i am) not suicidal\b",
]
NOT_ABOUT_ME_RE = re.compile("|".join(f"(?:{p})" for p in NOT_ABOUT_ME))
CRISIS = re.compile("|".join(f"(?:{p})" for p in FRENCH + ENGLISH + IMMINENT))
IMMINENT_NET = re.compile("|".join(f"(?:{p})" for p in IMMINENT))
POSSIBLE_NET = re.compile("|".join(f"(?:{p})" for p in POSSIBLE))
# The model's crisis score: at or above CLEAR_SCORE it is a crisis; from POSSIBLE_SCORE, a question.
CLEAR_SCORE = 0.7
POSSIBLE_SCORE = 0.2


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


@dataclass(frozen=True, slots=True)
class NetReading:
    """What the keyword net read in a text: its risk, and whether a figure of speech was taken
    out of it."""

    risk: Risk
    idiom: bool

    def with_score(self, score: float) -> Risk:
        """The higher of the net's risk and the model's (`score`: its crisis confidence). A
        middling score on a text whose only risk words were a figure of speech (« ça me tue »,
        "I'm dying here") is that figure of speech, not a question to ask."""
        model = risk_of_score(score)
        if model is Risk.POSSIBLE and self.idiom and self.risk is Risk.NONE:
            model = Risk.NONE
        return max(self.risk, model)


def read(text: str) -> NetReading:
    """The keyword net on a text (read once per message: the patterns are many)."""
    normalized = normalize(text)
    folded = NOT_ABOUT_ME_RE.sub(" ", normalized)
    idiom = folded != normalized
    if not folded.strip():
        return NetReading(Risk.NONE, idiom)
    if IMMINENT_NET.search(folded):
        return NetReading(Risk.IMMINENT, idiom)
    if CRISIS.search(folded):
        return NetReading(Risk.CLEAR, idiom)
    if POSSIBLE_NET.search(folded):
        return NetReading(Risk.POSSIBLE, idiom)
    return NetReading(Risk.NONE, idiom)


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
