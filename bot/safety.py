"""Crisis safety net: words that always get the emergency answer, whatever the model says.

It errs on the side of caution: a false alarm costs a kind message and an agent's look; a missed
crisis can cost a life. Matching ignores case, accents, punctuation and repeated spaces.
"""

from __future__ import annotations

import re
import unicodedata

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
CRISIS = re.compile("|".join(f"(?:{p})" for p in FRENCH + ENGLISH))


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def is_crisis(text: str) -> bool:
    return CRISIS.search(normalize(text)) is not None
