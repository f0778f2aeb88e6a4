"""The crisis net's word lists and regular expressions (bot/safety.py reads a message with
them): data, no logic. Matched against the normalized text (lower case, no accents, no
punctuation, SMS spellings rewritten), so every pattern is written in that form.
"""

from __future__ import annotations

import re

# SMS spellings, contractions typed without the apostrophe and frequent typos, rewritten (whole
# words of the normalized text) before anything reads it, so the patterns below need one spelling.
SPELLINGS = {
    # French
    **dict.fromkeys(("jveux", "jveu", "jve", "jvx", "jvoudrais"), "je veux"),
    **dict.fromkeys(("jvais", "jvai", "jvay"), "je vais"),
    **dict.fromkeys(("jsuis", "jsui", "jss", "jsu", "chui", "chuis", "chu", "jsuiss"), "je suis"),
    **dict.fromkeys(("jpeux", "jpeu"), "je peux"),
    **dict.fromkeys(("jtiens", "jtien"), "je tiens"),
    **dict.fromkeys(("jsais", "jsai"), "je sais"),
    "jme": "je me",
    "jte": "je te",
    "jmen": "je m en",
    "jpense": "je pense",
    "jserai": "je serai",
    "jserais": "je serais",
    "jfais": "je fais",
    "jcrois": "je crois",
    "jvois": "je vois",
    "jdois": "je dois",
    "jprefere": "je prefere",
    "jdisparais": "je disparais",
    "jdisparaisse": "je disparaisse",
    "jsp": "je sais pas",
    "jpp": "j en peux plus",
    "jen": "j en",
    "jai": "j ai",
    "g": "j ai",
    "pu": "plus",
    "plu": "plus",
    "pa": "pas",
    "ke": "que",
    "koi": "quoi",
    "ki": "qui",
    "qd": "quand",
    "kan": "quand",
    "tt": "tout",
    "tte": "toute",
    "ttes": "toutes",
    "tts": "tous",
    "pr": "pour",
    "ds": "dans",
    "dla": "de la",
    "ya": "il y a",
    "ptet": "peut etre",
    "ct": "c etait",
    **dict.fromkeys(("tjrs", "tjs", "tjr", "tjours"), "toujours"),
    "bcp": "beaucoup",
    "pri": "pris",
    **dict.fromkeys(("pk", "pq", "pkoi", "pourkoi", "pcq"), "pourquoi"),
    "mieu": "mieux",
    "envi": "envie",
    "veu": "veux",
    "vx": "veux",
    "vai": "vais",
    "lair": "l air",
    **dict.fromkeys(("mourrir", "mourire", "mourrire"), "mourir"),
    **dict.fromkeys(("sucide", "suiside", "suicde", "suicid", "suisside"), "suicide"),
    **dict.fromkeys(("sucider", "suisider"), "suicider"),
    "mfoutre": "me foutre",
    "mtuer": "me tuer",
    "msuicider": "me suicider",
    "mpendre": "me pendre",
    "mjeter": "me jeter",
    # English
    **dict.fromkeys(("wanna", "wana", "wonna"), "want to"),
    **dict.fromkeys(("gonna", "gunna", "gona"), "going to"),
    **dict.fromkeys(("imma", "ima"), "i m going to"),
    "im": "i m",
    "ive": "i ve",
    "dont": "don t",
    "cant": "can t",
    "wont": "won t",
    "didnt": "didn t",
    "doesnt": "doesn t",
    "isnt": "isn t",
    "wasnt": "wasn t",
    "werent": "weren t",
    "aint": "ain t",
    "wouldnt": "wouldn t",
    "couldnt": "couldn t",
    "shouldnt": "shouldn t",
    "u": "you",
    "ur": "your",
    **dict.fromkeys(("tonite", "2nite", "2night"), "tonight"),
    "kil": "kill",
    **dict.fromkeys(("myslef", "myelf", "mysef", "myslf", "meself", "mysel"), "myself"),
    **dict.fromkeys(("cuz", "coz", "bc"), "because"),
    "rn": "right now",
    "sum": "some",
    **dict.fromkeys(("pils", "pillz"), "pills"),
    "wat": "what",
}
SPELLINGS_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, SPELLINGS)) + r")\b")
# rewritten after the words above: « j'en peu plu » is « j en peux plus », "my self" is "myself"
PHRASES = (
    (re.compile(r"\b(j en|n en|je|jen) peu\b"), r"\1 peux"),
    (re.compile(r"\b(my|him|her|your|them|it|one) (sel(?:f|ves))\b"), r"\1\2"),
)
REPEATS = re.compile(r"([^\W\d_])\1{2,}")

# Written accent-free and lower-case, as `normalize` leaves the patient's text; apostrophes become
# spaces ("j'ai" -> "j ai").
DRUGS = (
    r"(?:cachets?|medicaments?|comprimes?|somniferes?|anxiolytiques?|antidepresseurs?|pilules?|"
    r"gelules?|doliprane\w*|paracetamol|efferalgan|dafalgan|xanax|lexomil|valium|stilnox|imovane|"
    r"tramadol|codeine|insuline|medocs?|neuroleptiques?|lithium|morphine|opiaces?|antalgiques?|"
    r"calmants?|anti ?douleurs?|seresta|laroxyl|deroxat|prozac|zoloft|ibuprofene|aspirine)"
)
# a box or a blister pack, but not « une boîte de mouchoirs » nor « ma boîte mail »
CONTAINER = (
    r"(?:boites?|plaquettes?|flacons?|tubes?|pilulier)"
    r"(?! (?:mail|mails|e ?mail|aux lettres|a lettres|de reception|vocale|noire|a outils|postale))"
    rf"(?! (?:de|d) (?!(?:\w+ )?{DRUGS}\b))"
)
DOSE = rf"(?:{CONTAINER}|{DRUGS})"
# many: ten or more, all, too many, the whole box
MANY = (
    r"(?:tou(?:s|t|te|tes)?|[1-9]\d|\d{3}|dix|douze|quinze|vingt|trente|quarante|cinquante|cent|"
    r"beaucoup(?: de)?|enormement de|"
    r"trop|plein|une (?:vingtaine|trentaine|quarantaine|dizaine|cinquantaine)|des dizaines|"
    r"la moitie|le reste|l ensemble)"
)
SWALLOWED = (
    r"(?:avale\w*|pris|gobe\w*|ingurgite\w*|englouti\w*|(?:viens|vient) (?:de prendre|d avaler|"
    r"de boire))"
)
FRENCH = [
    r"suicid\w*",
    r"\b(?:mourir|crever)\b",
    r"\b(?:me|se|m|s|te|t) (?:tue|tuer|tuerai|tuerais|suicide|supprimer|pendre|pends|flinguer|"
    r"flingue|buter|noyer|noie|foutre en l air|fous en l air|fout en l air)\b",
    r"\b(?:me|se|m|s) (?:tire|tirer) une balle",
    r"\b(?:me|se|m|s) (?:suis |est |sont |fais |fait )?(?:encore )?"
    r"(?:scarif|mutil|automutil|brul|taill|entaill)\w*",
    r"\b(?:me|se|m|s) (?:suis |est |fais |fait |faire )?(?:encore )?(?:coupee?s?|couper)\b",
    r"\b(?:me|se|m|s) (?:fais|fait|faire|ferai) du mal",
    r"\b(?:me|se|m|s) (?:donner|donne|donnerai) la mort",
    r"\bdes entailles|\bscarifications?\b|automutilation",
    # « en finir », but not « en finir avec ce dossier » (a question, below)
    r"(?:en|tout) (?:finir|finis|finit|finirai|finirais|finisse|terminer|"
    r"termine)\b(?! (?:une (?:bonne )?fois pour toutes )?avec (?:ce|cet|cette|ces|le|la|"
    r"les|l|leur|leurs|mon|ma|mes|son|sa|ses|votre|vos|notre|nos|un|une|des) (?!vie\b|existence|"
    r"jours\b|souffrance|douleur|calvaire|enfer|monde|honte|tout\b))",
    r"tout arreter|que tout s arrete",
    r"mettre (?:fin|un terme) a (?:mes|ses|ma|sa|tout|mon existence|la vie)",
    r"\b(?:me|se|m|s|te|t) (?:foutre|fous|fout) en l air",
    r"(?:plus|pas) (?:envie|la force|le courage|capable)\b.{0,20}\b(?:vivre|exister|en vie)",
    r"(?:plus|pas) envie d etre (?:la|ici)\b(?! (?:demain|pour|a|au|quand|lundi|mardi|ce|cette|"
    r"le)\b)",
    r"\b(?:veux|veut|ve|voudrais) (?:plus|pas) (?:continuer a )?(?:vivre|exister|etre en vie)",
    r"plus (?:d )?(?:interet|raison|sens) (?:de|a) vivre|a quoi bon vivre|interet de vivre",
    r"(?:supporte|supporter) plus d etre en vie",
    r"(?:disparaitre|partir|dormir|m en aller|men aller) pour toujours",
    r"\b(?:m en aller|men aller|en aller|partir|pars|disparaitre) (?:pour de bon|definitivement)"
    r"(?! (?:a|au|aux|en|de|du|d|des|vers|chez|loin|vivre|habiter|m installer|sur|dans)\b)",
    r"quitter (?:ce monde|la vie|cette terre|la terre|les vivants|cette vie)",
    r"(?:plus la|plus etre la|n etais plus la|n etait plus la)\b.{0,30}\b(?:simple|mieux)",
    r"mieux sans moi",
    r"(?:sauter|me jeter|se jeter) (?:du|d un|de la|par|sous|dans)\b|envie de sauter",
    r"\bje saute (?:du|d un|de la|par|sous|dans)\b",
    r"(?:lettres?|mots?|messages?) d adieu",
    r"pense a la mort|idees? (?:noires|suicidaires)|pensees? (?:noires|de mort|suicidaires)|"
    r"\bla mort\b.{0,20}\b(?:soulagement|solution)",
    # swallowed, or going to, with what says it is to die
    rf"(?:avale|pris|prendre)\w* (?:tou\w* |une |ma |mes |sa |ses |la )*{DOSE}\b.{{0,30}}"
    r"(?:mourir|coup|entier|entiere|tout|en finir|ne plus)",
    r"une corde|une lame|(?:ai|a|la|prepare\w*|achete\w*|accroche\w*) (?:la|ma) corde",
    r"ne plus (?:me|se) reveiller|plus me reveiller",
    r"\b(?:une|ma|sa|des|ses|mes|derniere|premiere|fait|faire|refaire|refait|\d+|deux|trois|"
    r"plusieurs) ts\b",
    r"(?:veux|veut|voudrais|envie de|prefere\w*) (?:juste )?disparaitre",
    r"disparaitre pour de bon|plus la force\b|tout lacher",
    r"\betre morte?s?\b",
    r"n etais plus la|ne serais plus la|n existais plus",
    r"raison de vivre|merite (?:pas|plus) de vivre",
    r"\b(?:me|se) jett?\w* (?:par|sous|du|d un|dans)",
    r"\b(?:vais|va|veux|veut) saute[rz]?\b",
    r"\barme\b.{0,60}\bcontre (?:moi|lui|elle)\b",
    r"passe\w* a l acte",
    r"avant de changer d avis",
    r"\b(?:je suis|suis|assise?|debout|monte\w*|perche\w*)\b (?:\w+ ){0,2}?(?:sur|au bord (?:du|"
    r"de la|d un|d une)"
    r"|au dessus (?:du|de la)) (?:le |la |les |l |un |une |du |de la )?(?:rebord|parapet|rambarde|"
    r"falaise|corniche|rails|voie ferree|vide)\b",
    r"rejoindre (?:mon|ma|mes) \w+(?: \w+)? (?:au ciel|la haut|dans la mort|de l autre cote|"
    r"au paradis)",
    r"fatiguee? (?:de|d) (?:vivre|exister|la vie)\b|(?:cesser|arreter) d exister",
    r"\b(?:m en|men|s en) (?:aller|vais|vas|va|irai|iras|ira)\b (?:pour (?:toujours|de bon|"
    r"de vrai)|definitivement)",
    r"(?:ne (?:pas|jamais|plus)|pas|jamais) (?:me )?(?:reveiller|rouvrir les yeux)\b"
    r"(?! (?:la nuit|en pleine nuit|trop tot|avant|a \d|le matin|pendant))",
    r"\b(?:me|m) (?:griffe|frappe|mords|tape|arrache|gratte|pince|"
    r"cogne)\w*\b.{0,40}\b(?:jusqu au sang|saigne\w*|bleus|jusqu a saigner)",
    r"\b(?:me|m) (?:faire|fais|fait) (?:des marques|mal expres|saigner)",
    r"(?:ressorti|sorti|repris|achete|cache)\w* (?:la|les|des|une|ma|mes) lames?\b",
    r"\b(?:me|m) (?:frappe|cogne|tape)\w* (?:la tete )?contre (?:le|les) murs?\b",
    r"\bcarv\w* (?:into )?my (?:arm|arms|forearm|skin|wrist|wrists|leg|legs|thigh|thighs)\b",
    r"(?:ne pas|pas|sans) (?:me|se) rater\b",
    r"\b(?:fusil|arme|pistolet|revolver|carabine)\b.{0,40}\b(?:chargee?|dans (?:la|ma|les) mains?|"
    r"sur (?:la|ma) tempe|dans (?:la|ma) bouche)",
    r"\b(?:boire|avaler|bu|boit)\b (?:\w+ ){0,4}?(?:javel|destop|antigel|poison|mort aux rats|"
    r"white spirit|insecticide|pesticide|desherbant|ammoniaque)",
    r"\b(?:vais|va) enjamber\b|\benjambe\w* (?:la|le) (?:rambarde|parapet|balustrade|garde corps)",
    # looking up how high a fall has to be
    r"\b(?:combien d etages|de quelle hauteur|quelle hauteur)\b.{0,40}\b(?:tomber|sauter|mourir|"
    r"se tuer|ne pas se rater|pour ne pas)|\bhow (?:high|many (?:floors|stories|storeys))\b.{0,40}"
    r"\b(?:fall|jump|die|survive)\b",
]
ENGLISH = [
    r"suicid\w*",
    r"kill(?:ing|ed)? (?:my|him|her|them) ?sel(?:f|ves)",
    r"\bi (?:\w+ ){0,2}?(?:to )?kill me\b(?! (?:now|lol)\b)",
    r"\bkms\b|\bkys\b",
    r"unaliv\w*",
    r"\boff (?:my|him|her) ?self\b",
    r"end (?:it all|my life|his life|her life|things|it)\b",
    r"\b(?:take|taking) (?:my|his|her) (?:own )?life",
    r"\b(?:want|wants|wanting|going|ready) to die\b|\bwish i (?:was|were) dead",
    r"(?:don t|do not|doesn t) want (?:more |anymore )?to (?:live|be alive|exist|wake up|be here|"
    r"go on)",
    r"no (?:reason|point) (?:to live|in living|living|going on)",
    r"better off (?:dead|without me)",
    r"(?:hurt|hurting|harm|harming|cut|cutting|burn|burning) (?:my|him|her) ?self",
    r"self[ -]?harm",
    r"overdose|\bod\b",
    r"(?:jump|jumping) (?:off|from|in front)",
    r"hang (?:my|him|her) ?self",
    r"(?:pills|tablets) (?:to die|at once)|took all (?:my|his|her) (?:pills|tablets|meds)",
    r"sleep (?:forever|for always|for good)|not (?:be )?here anymore|disappear forever|"
    r"stop existing",
    r"point (?:of|in) (?:living|being alive|going on)|nothing left to live for",
    r"(?:bunch|handful|lot|box) of (?:pills|tablets|meds)|lethal dose",
    r"never wake up|not wake up|goodbye (?:note|letter|notes|letters|messages)",
    r"done with (?:life|living)|tired of (?:being alive|living)|(?:isn t|not) worth (?:it|living)",
    r"standing on the (?:bridge|roof|edge)|on the roof",
    r"\b(?:i m|i am|standing|sitting|climbing|climbed|lying) (?:on|at|over|onto|up on) (?:the |a |"
    r"my )(?:edge|ledge|window ledge|windowsill|railing|parapet|bridge|train tracks|tracks|"
    r"cliff)\b(?! of\b)",
    r"ending it\b|(?:want|need) it (?:all )?to (?:stop|be over|end)",
    r"(?:thinking|think) (?:of|about) (?:jumping|ending|dying|death)|want to jump",
    r"better dead|rather (?:die|be dead)|dying would",
    r"no reason to (?:keep going|go on|live)|deserve to live",
    r"\b(?:the|a) rope\b",
    r"throw(?:ing)? (?:my|him|her)self",
    r"(?:gun|knife|blade)\b.{0,40}\b(?:myself|on me)|using it on (?:my|him|her)self",
    r"won t be (?:around|here) (?:much longer|for long|tomorrow|anymore|next|to (?:see|read|hear|"
    r"know))",
    r"\b(?:want|wanna|wish|like|ready|need) to be dead\b|\bleave this world\b|\btired to live\b",
    r"\b(?:hope|hoping|pray|praying) i (?:don t|won t|never|do not) wake up\b",
    r"\b(?:i m |been |keep |started )?cutting (?:again|every night|myself|my (?:arms|wrists|"
    r"thighs|legs))\b|\bcut my (?:arms|wrists|thighs|legs)\b",
    r"\b(?:hit|hitting|punch\w*|scratch\w*|bite|biting|bit) (?:myself|my (?:arms|legs|head|skin|"
    r"wrists|thighs))\b.{0,40}\b(?:bleed|bleeds|bleeding|bruise|bruises)\b",
    r"\b(?:gun|shotgun|rifle|pistol)\b.{0,30}\b(?:loaded|in my lap|in my hand|to my head|"
    r"in my mouth)\b|\bgun (?:in|on) my (?:lap|hand|mouth)\b",
    r"\babout to (?:climb over|jump|step off)\b|\bmake sure it works\b",
    r"before i change my mind",
]
# An act taken or in progress, or a plan for the coming hours: 15 / 112 first.
IMMINENT = [
    rf"\b{SWALLOWED} (?:\w+ ){{0,2}}?{MANY}\b (?:\w+ ){{0,4}}?{DOSE}\b",
    rf"\b(?:[1-9]\d|\d{{3}}|tous|toutes) (?:\w+ ){{0,3}}?{DOSE} (?:\w+ ){{0,3}}?{SWALLOWED}",
    rf"\b(?:avale\w*|gobe\w*|vide\w*) (?:la|une|ma|sa) (?:\w+ )?{CONTAINER}",
    rf"\bvide\w* (?:la|ma|sa|une|le|mon|son|les|mes|ses|toute?s?) (?:\w+ ){{0,2}}?"
    rf"(?:{CONTAINER}|armoire a pharmacie|pharmacie)",
    rf"\b{SWALLOWED} (?:\w+ ){{0,4}}?{DOSE}\b (?:\w+ ){{0,3}}?(?:d un (?:seul )?coup|"
    r"en une (?:seule )?fois|"
    r"avec (?:de l |du |de la |une bouteille de |un verre de )?(?:alcool|whisky|vodka|vin|biere|"
    r"rhum|gin)|qui (?:me |lui )?rest\w*)",
    r"\b(?:bu|avale\w*|ingurgite\w*|pris)\b (?:\w+ ){0,4}?(?:javel|destop|antigel|poison|"
    r"mort aux rats|white spirit|acide|insecticide|pesticide|desherbant|soude|ammoniaque)",
    r"(?:ca |je )?saigne\w*\b.{0,40}\b(?:arrete|couper?|veines?|profond)|ouvert les veines|"
    r"veines ouvertes|taillade\w* (?:les )?(?:poignets|veines)",
    r"(?:ouvert|allume|laisse|tourne)\w* (?:\w+ ){0,2}(?:gaz|moteur)\b.{0,50}\b(?:ferme\w*|garage|"
    r"calfeutre\w*)|\b(?:gaz|moteur) (?:\w+ ){0,2}?(?:ouvert|allume|"
    r"tourne)\w*\b.{0,50}\b(?:ferme\w*|garage|calfeutre\w*)",
    r"\b(?:car|engine) (?:is )?running in (?:the |a |my )?(?:closed |shut |locked )?garage\b",
    r"\b(?:bleeding|bleed) (?:a lot|heavily|badly|so much)\b.{0,40}\bcut|\bcut (?:too )?deep\b",
    r"\btook them all\b(?! (?:to|out|with|in|on|for|back|down|off)\b)",
    # « c'est ce soir », but not « c'est ce soir la réunion ? »
    r"(?:c est|ce sera|je le fais|je vais le faire) (?:pour )?(?:ce soir|cette nuit)\b"
    r"(?! (?:la|le|les|l|un|une|que|qu|a|au|pour|de|d|ou|vers|chez)\b)",
    r"\b(?:took|take|swallowed|taken|downed|chugged)\b (?:\w+ ){0,2}?(?:[1-9]\d|\d{3}|all|"
    r"the whole|"
    r"a whole|a (?:bunch|handful|bottle|box|pack|load|lot) of|too many|so many|many|loads of|"
    r"lots of|the rest of|half)\b (?:\w+ ){0,3}?"
    r"(?:pills|tablets|meds|medication|tylenol|paracetamol|ibuprofen|painkillers|xanax|insulin|"
    r"antidepressants|bottle|box|pack|packet)\b",
    r"\b(?:drank|drunk|swallowed|drink|drinking|ingested|took)\b (?:\w+ ){0,3}?(?:bleach|"
    r"antifreeze|poison|drain cleaner|weed killer|pesticide|lye)\b",
    r"(?:pills|tablets|meds)\b.{0,30}\b(?:with|and) (?:vodka|whisky|whiskey|wine|beer|alcohol|"
    r"booze)",
    r"(?:won t|can t) stop (?:the )?bleeding",
    r"tonight s the night\b(?! (?:of|for|to)\b)|doing it (?:tonight|now|after this)",
    r"\b(?:ce soir|cette nuit|a minuit) (?:je le fais|je vais le faire|j y vais|"
    r"je passe a l acte)\b|"
    r"\bdoing it (?:at midnight|at \d+|tomorrow|this weekend)\b",
]
# Ambiguous on their own: a direct question, not yet the emergency answer. Warning signs as crisis
# lines list them (a burden, no way out, no strength left, saying goodbye, a past attempt, what
# happens after one's death).
POSSIBLE = [
    # "plus d'issue", but not "plus d'issue à cette procédure"
    r"(?:plus|pas) d issue\b(?! (?:a|au|pour) (?:ce|cet|cette|ces|la|le|les|l|mon|ma|mes))",
    r"aucune issue|\bun (?:poids|fardeau)\b|\bde trop (?:dans ce monde|sur (?:cette )?terre|ici)",
    # "je n'en peux plus", but not "je n'en peux plus de ce labo / d'attendre"
    r"(?:n en |j en )?peux plus\b(?! (?:de|d|avec) (?!vivre|exister|cette vie|ma vie))",
    r"\bau bout du rouleau\b(?! (?:niveau|avec|pour))|\bje (?:ne )?tiens plus\b",
    r"\b(?:suis|sommes|me sens) (?:a|au) bout\b(?! (?:du fil|de la ligne|du telephone|du tel|"
    r"de la rue|du couloir|du monde|de mes peines|du rouleau|avec|de (?:nerfs|patience|leurs?|ces|"
    r"ce|cette|vos|votre|souffle))\b)",
    r"\ba quoi bon\b(?! (?:garder|appeler|faire|porter|remplir|les|leur|attendre))",
    r"plus (?:de )?raison d etre|ma vie est (?:finie|terminee|foutue)|plus la force\b",
    r"\bmy life (?:is|s|was) (?:over|finished|done)\b|\bmy life ended\b",
    r"\bmorte? (?:a l|de l) interieur|\bm en fous de ce qui m arrive|qu il m arrive n importe quoi",
    r"\bc est un (?:au revoir|adieu)\b|\bje vous aime tous\b.{0,30}\b(?:au revoir|adieu)",
    # « adieu à tous », but not « adieu la vie privée »
    r"\badieu\b(?! (?:a |aux |au )?(?:la|le|les|l|mon|ma|mes|notre|nos|votre|vos|ton|ta|tes|son|"
    r"sa|ses|leur|leurs|ce|cet|cette|ces)\b)",
    r"\b(?:deja|j ai) (?:essaye|tente) (?:de|d en)\b|\btentative de suicide|\bma tentative\b",
    r"(?:plus|pas|aucun|aucune) (?:l |d |le |de |un |une )?(?:interet|sens|raison|envie|force|"
    r"courage) (?:de|a|d) (?:continuer|avancer|me battre|lutter|tenir|me lever|respirer|rester)\b"
    r"(?! (?:la|le|les|l|cette|ce|ces|mes|mon|ma|a|avec|en|sur|dans|chez|au|aux|pour|seule?)\b)",
    r"je (?:ne )?vois pas comment (?:je vais |je pourrais |je peux )?(?:m en sortir|m en remettre|"
    r"tenir|continuer|survivre|remonter|me relever|m en relever)\b(?! (?:de|d|avec|a|au|sans)\b)",
    r"\b(?:si|quand|une fois que|apres que|le jour ou) (?:je )?(?:ne |n )?(?:suis|serai|serais|"
    r"etais|sera) plus (?:la|en vie|de ce monde|parmi vous)",
    r"(?:apres|avant) ma mort|\bsi je (?:meurs|mourais|venais a mourir|decede)|"
    r"quand je serai (?:mort|morte|parti|partie)\b",
    r"\b(?:paradis|enfer|l au dela|au ciel|purgatoire)\b.{0,60}\b(?:part\w*|meur\w*|mourir|"
    r"soi meme|se tuent|se suicident|mettent fin)\b|\b(?:part\w*|meur\w*|mourir|soi meme)\b.{0,60}"
    r"\b(?:paradis|enfer|l au dela|au ciel|purgatoire)\b|dieu (?:me )?(?:pardonne|pardonnera|"
    r"prendre)",
    r"\b(?:partir|pars|part|partent|partais|parti\w*) de (?:moi|soi|lui|elle|nous|vous|eux) meme",
    r"\bsi je (?:saute|me jette)\b(?! (?:a l eau|dans le bain|sur l occasion)\b)",
    r"\b(?:je|j) me (?:frappe|cogne|tape dessus|griffe|mords)\b",
    r"\b(?:fusil|arme|pistolet|carabine|shotgun|gun|rifle|pistol)\b.{0,60}\b(?:cartouches|balles|"
    r"munitions|shells|bullets|ammo)\b",
    r"\b(?:quelqu un|on|ils|vous) me (?:trouvera|trouveront|trouve) (?:demain|ce soir|morte?|"
    r"pendue?|sans vie)\b|\bceux qui me (?:trouveront|retrouveront)\b|\b(?:someone|"
    r"whoever) finds? me "
    r"(?:tomorrow|dead|like this)\b|\bwhoever finds me\b",
    r"\bthe last (?:you ll|you will) (?:hear|see) (?:from|of) me\b|"
    r"\bsaying (?:my )?goodbyes? (?:now|while|to "
    r"(?:everyone|you all|all of you))\b|\bgoodbye\b.{0,20}\bthank you for (?:trying|everything)\b",
    r"\b(?:wrote|written|writing|updated|made) my will\b|\b(?:fait|ecrit|redige|"
    r"refait) mon testament\b|\bdernieres volontes\b|\blast wishes\b",
    r"\b(?:une )?lettre (?:pour|a) chacun\b|\ba letter (?:for|to) (?:each|every)\w*\b",
    r"\b(?:stopped|quit|stopping) (?:taking )?my (?:treatment|meds|medication|pills|"
    r"tablets)\b.{0,40}\b(?:on "
    r"purpose|whatever happens|let it|for good)|\barrete\w* (?:mon|mes|de prendre mon|"
    r"de prendre mes) "
    r"(?:traitement|medicaments|tritherapie)\b.{0,40}\b(?:expres|volontairement|"
    r"pour que|comme ca)",
    r"\b(?:hurt|painful|mal|douloureux)\b.{0,20}\b(?:to drown|de se noyer|de mourir|to die|"
    r"de se pendre|to hang)\b",
    r"\bcadavre qui marche\b|\bwalking corpse\b|\bdead inside\b",
    r"(?:veux|vais|voudrais|envie d|aimerais|hate de|prete? a) (?:aller )?(?:le|la|les|"
    r"l) rejoindre",
    r"\bma decision est prise\b(?! (?:de|d)\b)|\bj ai pris ma decision\b(?! (?:de|d|je porte)\b)",
    r"\btout (?:foutre|envoyer) en l air\b",
    r"\ben (?:finir|finis|finit|finirai|terminer|"
    r"termine) (?:une (?:bonne )?fois pour toutes )?avec\b",
    r"\bj ai (?:tout )?ce qu il faut\b(?= *$| (?:a la maison|chez moi|dans ma|sur moi|pour "
    r"(?:en finir|mourir|partir|le faire|ne pas))\b)|\bj ai de quoi (?:en finir|mourir|me tuer|"
    r"le faire|"
    r"ne pas me rater|partir)\b|\bj ai tout (?:pris|avale)\b(?! (?:en|au|a|pour|dans|sur|avec|de|"
    r"d)\b)",
    r"\b(?:je suis|suis|debout|monte\w*)\b (?:\w+ ){0,2}?sur (?:le |un )?(?:toit|pont|viaduc)\b",
    r"faire une (?:betise|connerie)\b",
    r"(?:dans une heure|ce soir|cette nuit|a minuit|a \d+ ?h)\b.{0,20}\b(?:ce sera|tout sera|"
    r"c est) "
    r"(?:fini|termine)\b|\b(?:ce sera|tout sera) (?:fini|termine) (?:ce soir|cette nuit|demain|"
    r"dans une heure|a \d+ ?h)\b",
    r"\b(?:couteau|lame|cutter|rasoir)\b (?:\w+ ){0,2}?(?:dans|a) (?:la|les|ma|mes) mains?\b|"
    r"\b(?:knife|blade|razor) (?:\w+ ){0,2}?in my hand\b",
    r"\ble gaz (?:est )?ouvert\b",
    rf"\bavale\w* (?:mes|ses|les|des|leurs) (?:\w+ ){{0,2}}?{DRUGS}\b(?! (?:du|de|d) (?:matin|"
    r"soir|midi|jour))",
    # English
    r"(?:can t|cannot|cant) (?:go on|take (?:it|this) anymore|do this anymore)|no way out",
    r"(?:can t|cannot) (?:cope|hold on|keep going) (?:anymore|any longer|much longer)",
    r"(?:a )?burden\b|tired of (?:everything|existing)|(?:want|wish) (?:to|i could) disappear",
    r"how (?:much )?longer i can (?:hold on|keep going|take (?:it|this))",
    r"\b(?:attempted|tried) (?:before|last year|once|already|it)\b|\bthe urge is back\b",
    r"\bthis is goodbye\b|\bi love you all\b.{0,30}\bgoodbye",
    r"\bgoodbye (?:everyone|world|everybody|forever|for good|for real)\b|"
    r"\bbye (?:forever|for good)\b",
    r"\b(?:leave|leaving) (?:for good|forever)\b",
    r"\bif i (?:wasn t|weren t|was not|were not|m not|am not|m no longer|was no longer) "
    r"(?:here|around|alive|in the picture)|\b(?:when|once|after|if) i m (?:gone|dead|"
    r"no longer here)\b",
    r"\b(?:after|when|if|once) i (?:die|pass|passed away|kill)\b",
    r"\b(?:don t|can t|do not|cannot) see (?:how|a way|any way) (?:i |to )?(?:can |could |will |"
    r"ll )?(?:come back|recover|get through|go on|survive|carry on|keep going|live with|get past|"
    r"bounce back)|no (?:way|coming) back from",
    r"\b(?:god|heaven|hell|afterlife|paradise)\b.{0,60}\b(?:leave|leaves|leaving|kill\w*|end\w*|"
    r"take their|die|dying)\b|\b(?:leave|leaving|die|dying|kill\w*)\b.{0,60}\b(?:heaven|hell|"
    r"afterlife|paradise)\b|god (?:forgive|take me)",
    r"\bmy (?:decision|mind) is made\b|\bi ve made (?:my|up my) (?:decision|mind)\b(?! to\b)",
    r"\bdo something (?:stupid|dumb)\b",
    r"\b(?:ne )?serai (?:plus|pas) la (?:pour|a|quand|demain)\b|\b(?:je )?(?:ne )?serai plus la\b|"
    r"\b(?:pas|plus) (?:etre )?encore la (?:a|pour|dans|en|demain)\b|\b(?:sais pas si|pas sur que|"
    r"pas sure que) "
    r"(?:je )?(?:serai|serais) (?:encore )?la\b|\bnot sure i ll (?:still )?be (?:here|around|"
    r"alive)\b",
    r"\b(?:my|mon) (?:last|final|dernier) (?:message|msg|mot)\b(?! (?:about|on|regarding|"
    r"concerning|au sujet|"
    r"sur|a ce sujet|concernant)\b)|\bla derniere fois que (?:je vous|j vous|je t|j)\w* ecri\w*|"
    r"\blast time i (?:ll|will) (?:write|message|text)\b",
    r"\b(?:n en |en |n )?aurai (?:plus|pas) besoin\b|\bwon t (?:need|be needing) (?:them|it|"
    r"any of (?:it|them)|"
    r"my \w+|her|him)\b|\bla ou je vais\b|\bwhere i m going\b(?! (?:on|for|to)\b)",
    r"\b(?:prenez|prends|prendre) soin de (?:mes|mon|ma) (?:enfants|fils|fille|chat|chien|"
    r"animaux)\b|\b(?:take care of|look after) my (?:kids|children|son|daughter|cat|dog|pets)\b",
    r"\bdites (?:a|leur) (?:\w+ ){0,2}?que je (?:l |les |vous )?(?:aime|suis desole)|\btell (?:my|"
    r"them|her|him) (?:\w+ )?(?:i love|i m sorry|that i love|that i m sorry)",
    r"\b(?:accumule\w*|mis de cote|amasse\w*|fait des reserves de|saving up|hoarding|saved up|"
    rf"stockpil\w*) (?:\w+ ){{0,4}}?(?:{DRUGS}|pills|tablets|meds|sleeping pills)\b|"
    r"\bpills counted\b|"
    rf"(?:{DRUGS}|pills|tablets|meds)\b.{{0,30}}\b(?:en reserve|in reserve)\b",
    r"\bpourquoi (?:je )?(?:continuer\w*|continue|rester\w*|reste) (?:a vivre|en vie|sur terre)\b|"
    r"\bpourquoi je continue\b(?! (?:a|la|le|les|de|d|mes|ma|mon|ce|cette)\b)",
    r"\b(?:sert a rien|a quoi (?:ca )?sert)\b (?:que )?(?:je reste|de rester|que je sois la|"
    r"que je vive)\b|"
    r"\bno point (?:in )?(?:me )?(?:being here|staying|sticking around|carrying on)\b|"
    r"\b(?:don t|do not) plan on sticking around\b|\b(?:ne )?compte pas rester\b",
    r"\bsee (?:a|any) way out\b(?! of (?:this|the|my) (?:process|form|contract|queue|mess with))",
    r"\b(?:suis|sens|etre|devenue?) (?:qu )?(?:un|une) (?:vrai )?boulet\b|\bboulet pour\b|"
    r"\bdead weight\b",
    r"(?:plus|pas|aucun) (?:d )?avenir\b(?! (?:pour (?:ce|cette|la|le|les|l|votre|leur|vos|leurs)|"
    r"a (?:ce|cette)|"
    r"professionnel|dans (?:ce|cette|la|le)))|\bno future (?:for me|left)\b|\bthere s no future\b",
    r"\b(?:won t|not|never|can t|doubt i ll|don t think i ll|don t think i will) make it "
    r"(?:through (?:tonight|the night|the weekend|the week)|to (?:the end of|tomorrow|morning|"
    r"christmas))\b|\b(?:pas|jamais) (?:\w+ )?passer la nuit\b|\b(?:pas|plus) (?:\w+ ){0,2}tenir "
    r"jusqu (?:a|au) (?:demain|ce soir|la fin|noel|lundi)",
    r"\b(?:veux|voudrais|envie de|aimerais) m eteindre\b",
    r"\b(?:espere|esperant|espoir|hope|hoping|prie|pray\w*|aimerais|wish)\b.{0,40}\b(?:me fauche|"
    r"m emporte|me percute|hits me|runs me over|(?:coeur|heart) (?:lache|s arrete|gives out|"
    r"stops))\b",
    r"\b(?:seule|only) (?:porte de )?(?:sortie|issue|exit|way out)\b",
    r"\bma (?:derniere |premiere |precedente )?tentative\b(?! (?:de|d) (?!suicide))",
    r"\b(?:effacez|supprimez|erase|delete) moi\b(?! (?:de|du|des|d|from)\b)|"
    r"\bc est moi que je veux "
    r"(?:effacer|supprimer|faire disparaitre)|\b(?:erase|delete) me\b(?! from)|\bque je m efface\b",
    r"\bparmi les vivants\b|\bamong the living\b",
    r"\b(?:want|going|wanna|ready|need|about) to (?:follow|join|be with) (?:him|her|"
    r"them)\b(?! (?:to|at|on|in)\b)",
    r"\byou (?:won t|will not|ll never) (?:hear from|see) me (?:again|anymore)\b|"
    r"\b(?:n entendrez|n entendras|entendrez) plus (?:jamais )?parler de moi\b|"
    r"\bvous (?:ne )?(?:me )?(?:reverrez|lirez) plus\b|\bplus jamais de mes nouvelles\b",
    # pills taken some minutes ago; a question about the dose that harms, or a height to fall from
    rf"\b{SWALLOWED} (?:\w+ ){{0,2}}?{DOSE}\b.{{0,40}}\b(?:il y a|ca fait|depuis) (?:\d+|une|un|"
    r"dix|vingt|"
    r"trente|quelques) (?:min|mins|minutes|heures?|h)\b|\b(?:il y a|ca fait) (?:\d+|une|un|dix|"
    r"vingt|trente|quelques) (?:min|mins|minutes|heures?|"
    rf"h) (?:\w+ ){{0,3}}?{SWALLOWED} (?:\w+ ){{0,2}}?{DOSE}\b",
    r"\b(?:took|swallowed|taken) (?:\w+ ){0,2}?(?:pills|tablets|meds)\b.{0,40}\b(?:\d+|an|a few|"
    r"ten|twenty) (?:min|mins|minutes|hours?) ago\b",
    r"\b(?:dose|quantite)\b.{0,40}\b(?:dangereu\w*|mortel\w*|letale?|toxique|trop|fatale?|foie|"
    r"tuer|mourir)\b|\bdose (?:mortelle|letale|fatale|toxique|dangereuse)\b|"
    rf"\bcombien (?:de |d )?(?:\w+ )?{DRUGS}\b.{{0,40}}\b(?:dangereu\w*|mortel\w*|letale?|toxique|"
    r"trop|fatale?|foie|tuer|mourir|ne (?:pas|plus) (?:se|me) reveiller)\b",
    r"\bhow (?:many|much) (?:\w+ ){0,2}?(?:paracetamol|tylenol|pills|tablets|meds|insulin|"
    r"ibuprofen|sleeping pills)\b.{0,30}\b(?:too many|too much|dangerous|lethal|fatal|kill|die|"
    r"overdose)\b|\b(?:lethal|fatal|dangerous|toxic) (?:dose|amount)\b",
]
NOUNS_SUFFIX = r"(?:\w+ ){0,3}?"
ADMIN = (
    r"(?:labo\w*|laboratoire\w*|procedure\w*|dossier\w*|formulaire\w*|demarche\w*|paperasse|"
    r"abonnement\w*|compte\w*|contrat\w*|plainte\w*|histoire|affaire|fuite|appels?|relances?|"
    r"spams?|"
    r"sms|mails?|courriers?|arnaques?|arnaqueurs?|formalites|papiers|banque|assurance|mutuelle|"
    r"attente|bureaucratie|administration|sujet|question|portail|site|service|chantage)"
)
PEOPLE_FR = (
    r"(?:ami|amie|amis|amies|pote|potes|copain|copine|chum|blonde|mari|femme|epoux|epouse|"
    r"conjoint|conjointe|compagnon|compagne|fils|fille|enfant|enfants|ado|frere|soeur|pere|mere|"
    r"papa|maman|parents|collegue|collegues|voisin|voisine)"
)
# Figures of speech and other meanings of the same words, taken out of the text before the net
# reads it (only the words of the idiom go: "ça me tue, je veux mourir" still matches).
NOT_ABOUT_ME = [
    # "ça me tue", "ce labo va me tuer", "cette attente au téléphone me tue à petit feu"
    r"(?<!\bqu )\b(?:ca|cela|tu|vous|il|elle|ils|elles|on|(?:ce|cet|cette|ces|le|la|les|l|leur|"
    r"leurs|"
    r"mon|ma|mes|son|sa|ses|votre|vos|notre|nos)(?: (?!je\b|j\b|moi\b|me\b|m\b)\w+){1,5})"
    r" (?:(?:va|vont|vais|vas|veut|veulent|finira par|finit par|finiront par|risque de|risquent de|"
    r"va finir par|vont finir par|a failli|ont failli|aurait pu|aurait presque|a presque) "
    r"(?:me|m) (?:tuer|achever)|(?:me|m) (?:tue|tuent|tuera|tueront|acheve|achevent))\b"
    r"(?! pour de (?:bon|vrai)| definitivement)(?: a petit feu)?",
    r"\b(?:me|m|se|s) (?:suis |est )?(?:tuee?s?|tuer) (?:a|au) (?:la tache|vous|te|le|leur|lui|"
    r"force|boulot|travail|taf|\w+(?:er|ir|re)\b)",
    r"\b(?:me|m) (?:faire|fais|fait) tuer par\b",
    r"\b(?:morte?s?|mourir|meurs|meurt|meure|creve|crever|crevee?s?) (?:de|d) (?:rire|honte|peur|"
    r"fatigue|froid|faim|chaud|chaleur|ennui|trouille|soif|envie|angoisse|inquietude|stress|"
    r"impatience|curiosite|jalousie|sommeil)\b",
    # « ennuyeux à mourir », « ça me saoule à mourir », but not « je pense (sérieusement) à mourir »
    r"\b(?:beau|belle|beaux|belles|laid|laide|triste|bete|con|chiant|chiante|chiants|ennuyeux|"
    r"ennuyeuse|ennuyant|long|longue|cher|chere|nul|nulle|moche|lent|lente|froid|penible|lourd|"
    r"lourde|deprimant|saoule|saoulent|ennuie|ennuyer|ennuye|ennuyee|rire|rigoler) a (?:mourir|"
    r"crever)\b",
    r"\b(?:cru|failli|manque de|crois|croyais) (?:\w+ )?(?:mourir|crever)\b",
    r"\b(?:peur|crainte|terrifiee?|angoisse\w*) (?:de|d) (?:mourir|crever)\b",
    r"\bplutot (?:mourir|crever) que\b",
    r"\ba se (?:flinguer|tirer une balle|pendre|jeter par la fenetre)\b",
    r"\b(?:me|se|m|s|te|t)? ?(?:tire|tirer|tirerais|tirerai|tirais) une balle dans (?:le|"
    r"les) pieds?\b",
    r"\b(?:me|m|se|s) (?:suis |est )?(?:coupee?s?|brulee?s?|blessee?s?|ecorchee?s?) (?:le|la|les|"
    r"un|une|"
    r"au|a la) (?:doigt|doigts|main|mains|pouce|cheveux|genou|ongle|levre|langue|pied|cheville|dos|"
    r"epaule)\b(?! (?:expres|volontairement|pour|jusqu))",
    r"\b(?:me|m|se|s) (?:suis |est )?(?:coupee?s?|brulee?s?|blessee?s?) (?:en \w+ant\b|avec (?:le|"
    r"la|une|un|du|l|mon|ma) (?:papier|feuille|enveloppe|courrier|carton|four|fer|casserole|plaque|"
    r"the|cafe|eau bouillante|bouilloire))",
    r"\b(?:disparaitre|disparaisse|m effacer|me supprimer|me retirer|me faire retirer|effacer|"
    r"supprimer|retirer|exister|existe)\b (?:plus )?(?:de|des|du|d|sur|dans)\b (?:\w+ ){0,3}?"
    r"(?:internet|google|web|net|toile|bases?|fichiers?|listes?|donnees|registres?|reseaux|"
    r"serveurs?|annuaires?|moteurs?|systemes?|radars?|dossiers?|archives?|forums?|sites?|pages?|"
    r"resultats|recherches|facebook|ligne|partout|circulation|labos?|laboratoires?)\b",
    r"\b(?:exister|existe|existent) (?:plus )?(?:dans|sur|pour) (?:vos|leurs|les|ces|votre|leur|"
    r"la|le|l|aucun|aucune|ce|cette|internet|google)\b(?! (?:monde|vie|terre)\b)",
    r"\b(?:disparaitre|rentrer|me cacher|cacher) sous (?:la )?terre\b",
    # « pas envie de vivre dans la peur », "I don't want to live in fear"
    r"\b(?:vivre|exister) (?:dans|sous) (?:la |le |l |une )?(?:peur|angoisse|crainte|inquietude|"
    r"stress|parano\w*|surveillance|terreur)\b|\blive (?:in|with) (?:constant |this |the )?(?:fear|"
    r"anxiety|worry|paranoia|dread)\b",
    r"\b(?:disparaitre|disparaisse|exister|existe) (?:plus )?(?:de|des|du|d|dans) (?:ce|cet|cette|"
    r"ces|votre|vos|leur|leurs|son|sa|ses|tous (?:les|leurs|vos|ces)|toutes (?:les|leurs|vos|ces)) "
    r"(?!monde|terre|planete|vie|existence)\w+",
    r"\b(?:exist|be|stay|remain) (?:anymore )?(?:in|on) (?:\w+ ){0,3}?(?:records?|files?|"
    r"databases?|lists?|systems?|servers?|registers?|registry|archives?)\b",
    r"\bdisparaitre (?:quelques|\d+|une semaine|un mois|le temps|pendant|en vacances|"
    r"a la campagne|de la circulation)\b",
    r"\ben (?:finir|finis|finit|finirai|terminer|termine) (?:une bonne fois pour toutes |"
    r"une fois pour toutes )?avec (?:ce|cet|cette|ces|le|la|les|l|leur|leurs|mon|ma|mes|tous ces|"
    rf"toutes ces) {NOUNS_SUFFIX}{ADMIN}",
    r"\b(?:sauter|saute) (?:dans|du|d) (?:le |un |mon |la |l )?(?:premier |prochain )?(?:train|tgv|"
    r"taxi|bus|avion|lit|metro|rer|uber|voiture|douche)\b",
    r"\b(?:pris|recupere\w*|cherche\w*|passe\w* prendre)\b (?:\w+ ){0,6}?(?:a la |en |"
    r"chez le |au |a )(?:pharmacie|pharmacien|medecin|docteur|drive|supermarche|parapharmacie)\b",
    r"\boverdose\w* (?:of|on|de|d) (?!(?:\w+ )?(?:pills|meds|tablets|medication|sleeping|"
    r"paracetamol|"
    r"tylenol|insulin|heroin|drugs|opioids|cachets|medicaments|comprimes|somniferes|doliprane|"
    r"drogue|heroine|insuline)\b)\w+",
    r"\bsuicide (?:squad|administratif|social|professionnel|commercial|politique|financier|"
    r"economique|mission|bomber|bombing|attentat|kamikaze)\b",
    r"\b(?:c est|c etait|ce serait|ca serait|ce sera) (?:du |de la )?(?:pure |vraiment |"
    r"carrement )?"
    r"(?:suicide|suicidaire) (?:de|d|social|commercial|professionnel|administratif|financier)\b|"
    r"\b(?:c est|c etait|ce serait|ca serait) du (?:pur |vrai )?suicide\b",
    r"\b(?:it s|it is|it would be|that s|that would be|would be) (?:pure |complete |social |"
    r"career |professional |like )?suicide (?:to|for)\b",
    r"\b(?:tuer|tue|kill|killed|killing) (?:la|le|les|l|une|un|ce|cette|the|an?|that|this|my) "
    r"(?:session|sessions|processus|process|appli|app|application|onglet|tab|tache|task|programme|"
    r"program|connexion|connection|batterie|battery|temps|time|engine|moteur)\b",
    r"\bkill(?:ing)? time\b",
    # anger at someone: « je vais tuer mon frère », "I'll kill him" (not « ... et moi avec »)
    r"\b(?:vais|va|vas|veux|voudrais|pourrais|aurais pu|envie de) (?:le |la |les )?tuer (?:mon|ma|"
    r"mes|le|la|les|ce|cet|cette|ces|son|sa|ses|leur|leurs|quelqu un|tout le monde)\b"
    r"(?!.{0,30}\b(?:et|puis) (?:moi|me|m|je)\b)(?!.{0,30}\b(?:me|moi) (?:aussi|avec|ensuite)\b)",
    r"\b(?:kill|strangle|murder) (?:him|her|them|my (?:brother|sister|husband|wife|boss|ex|"
    r"neighbour|neighbor|dad|mom|mum|son|daughter))\b(?!self)(?!.{0,30}\b(?:and|then) (?:me|"
    r"myself)\b)",
    r"\b(?:mort|morte|dead) (?:lol|lmao|mdr|ptdr|xd|haha\w*)\b|\b(?:lol|lmao|mdr|ptdr|haha\w*) "
    r"(?:i m |je suis )?(?:dead|mort|morte)\b|\bi died (?:laughing|when i (?:read|saw))\b",
    # not me: « je ne suis pas suicidaire », "I'm not suicidal"
    r"\b(?:pas|plus|jamais|aucunement|nullement) (?:du tout )?(?:suicidaire|d idees? (?:noires|"
    r"suicidaires))\b",
    r"\bje (?:ne )?(?:vais|compte|pense|veux) pas (?:me (?:tuer|suicider|faire du mal)|mettre fin|"
    r"en finir|mourir)\b",
    r"\b(?:ne |n )?(?:pense|songe|pensais|songeais) (?:pas|jamais|"
    r"plus) (?:du tout )?(?:au suicide|a me (?:tuer|suicider)|a en finir|a mourir)\b",
    r"\b(?:i m|im|i am) not suicidal\b|\bnot (?:suicidal|going to (?:kill|hurt|harm) myself|"
    r"thinking (?:of|about) (?:suicide|killing myself|ending (?:it|my life)))\b|\bno suicidal\b",
    # English
    r"\b(?:this|that|it|they|you|he|she|(?:the|this|that|these|those|my|his|her|their|all this|"
    r"all these|all the|this whole|the whole)(?: (?!i\b|myself\b)\w+){1,3}) (?:is |are |s |re |"
    r"was |were |will |"
    r"ll |d |would |is going to |are going to |s going to )?(?:literally |honestly |actually |"
    r"really |slowly |gonna |going to )?(?:killing|kill) me\b",
    r"\bkill(?:ed|ing)? (?:the|an?|that) (?:app|process|task|program|engine)\b",
    r"\bdying (?:to|for) \w+|\brather die than\b|\bdied laughing\b",
    r"\bend (?:it|things) with (?:this|that|the|them|those|these|my|their)\b",
    r"\b(?:shoot|shot|shooting) (?:my|him|her|your)self in the foot\b",
    r"\b(?:cut|burnt|burned|hurt) (?:my|him|her)self (?:shaving|cooking|ironing|gardening|"
    r"on (?:the|a|some|an) \w+|with (?:the|a) (?:paper|envelope|kitchen knife|iron|oven|pan|"
    r"kettle)|by accident|accidentally|while \w+ing|opening \w+|at work|playing)",
    r"\bpaper cut\b",
    r"\b(?:disappear|vanish|be erased|be removed|be deleted|be forgotten|delete myself|"
    r"erase myself|"
    r"wipe myself|gone)\b (?:from|off) (?:\w+ ){0,3}?(?:internet|google|web|online|databases?|"
    r"records?|files?|lists?|search|results|systems?|servers?|registers?|registry|social media|"
    r"facebook|the net|their \w+)\b",
    r"\b(?:disappear|vanish) for (?:a few|a couple|the|a) (?:days|weeks|while|weekend|week)\b",
    r"\bright to be forgotten\b",
    r"\boverdose\w* (?:of|on) (?!(?:\w+ )?(?:pills|meds|tablets|medication|sleeping|paracetamol|"
    r"tylenol|insulin|heroin|drugs|opioids)\b)\w+",
    r"\b(?:i m|im|i am) not suicidal\b",
]
# Someone else's death by suicide, and prevention: not the writer's own risk (a bereaved relative
# is asked only if the rest of the text or the model says so).
NOT_MINE = [
    r"\bprevention (?:du |de |contre le )?suicide\b|\bsuicide prevention\b",
    r"\b(?:s est|s etait|se sont|s etaient) (?:suicidee?s?|donne la mort|tuee?s?|pendue?s?)\b",
    r"\b(?:he|she|they|uncle|father|mother|brother|sister|dad|mom|mum|son|daughter|husband|wife|"
    r"friend|cousin|aunt|grandfather|grandmother|grandpa|grandma|partner|boyfriend|girlfriend) "
    r"(?:killed|hanged|shot) (?:him|her|them)sel(?:f|ves)\b",
    r"\b(?:took|taken) (?:his|her|their) own life\b|\b(?:committed|died by|lost \w+ to) suicide\b",
    r"\b(?:mort|morte|decede|decedee|perdu \w+ \w+) (?:par|d un|d une) suicide\b",
]
NOT_ABOUT_ME_RE = re.compile("|".join(f"(?:{p})" for p in NOT_ABOUT_ME))
NOT_MINE_RE = re.compile("|".join(f"(?:{p})" for p in NOT_MINE))
CRISIS = re.compile("|".join(f"(?:{p})" for p in FRENCH + ENGLISH + IMMINENT))
IMMINENT_NET = re.compile("|".join(f"(?:{p})" for p in IMMINENT))
POSSIBLE_NET = re.compile("|".join(f"(?:{p})" for p in POSSIBLE))
ANY_NET = re.compile("|".join(f"(?:{p})" for p in IMMINENT + FRENCH + ENGLISH + POSSIBLE))

# Who the risk words are about: the nearest subject before them (or a pronoun inside them), among
# the LOOK_BACK words before, in the same sentence.
SENTENCES = re.compile(r"[.!?;\n\u2026]+")
LOOK_BACK = 7
# subjects (« elle m'a dit » has « m » as an object: it is not the writer who acts)
SELF = frozenset("je j moi i myself".split())
INSIDE_SELF = SELF | {"me", "m", "mes", "my", "mon", "ma"}
OTHER_PRONOUNS = frozenset("il elle ils elles lui eux he she they him her them".split())
RELATIVES = frozenset(
    (
        "ami amie amis amies pote potes copain copine copains copines chum blonde mari femme epoux "
        "epouse conjoint conjointe compagnon compagne partenaire fils fille filles enfant enfants "
        "ado ados frere freres soeur soeurs pere mere papa maman parents oncle tante cousin cousin"
        "e "
        "neveu niece collegue collegues voisin voisine voisins coloc proche proches "
        "friend friends mate buddy bf gf boyfriend girlfriend husband wife partner spouse son "
        "daughter kid kids child children teen teenager brother sister bro sis dad father mom mum "
        "mother mama parents uncle aunt cousin nephew niece grandma grandpa grandmother "
        "grandfather colleague coworker neighbour neighbor roommate flatmate"
    ).split()
)
# people at large, and the people a professional looks after: a subject, not a relative in danger
PEOPLE = frozenset(
    (
        "patient patiente patients patientes client cliente clients eleve eleves etudiant "
        "etudiante etudiants victimes gens personnes certains certaines quelqu autres usagers "
        "beneficiaires people victims students pupils clients users someone somebody others "
        "person teens teenagers adolescents jeunes"
    ).split()
)
PREPOSITIONS = frozenset(
    "a au aux de des du pour avec chez contre sur sans par to for with at from about of by".split()
)
DETERMINERS = frozenset(
    "mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs le la les l un une "
    "my your his her our their the a an".split()
)
IMPERSONAL = frozenset(
    "faut faudrait fallait vaut vaudrait valait y reste suffit suffirait suffisait parait semble "
    "manque me m n".split()
)
# suicide as a subject: a word of research, media or prevention, and the bare noun
TOPIC = re.compile(
    r"\b(?:memoire|these|etude|etudes|enquete|article|articles|reportage|documentaire|docu|film|"
    r"serie|livre|roman|podcast|emission|conference|cours|expose|statistiques?|stats|chiffres|taux|"
    r"affiche|affiches|brochure|depliant|prevention|sensibilisation|formation|colloque|recherche|"
    r"thesis|dissertation|study|studies|research|paper|essay|documentary|movie|series|book|novel|"
    r"statistics|figures|rates?|poster|posters|leaflet|flyer|training|awareness|course|lecture|"
    r"survey|journaliste|journalist|pharmacien\w*|infirmi\w*|medecin|psychologue|nurse|doctor|"
    r"pharmacist|teacher|enseignant\w*|professeur|prof)\b"
)
BARE_NOUN = re.compile(
    r"(?:suicides?|suicidaires?|suicidal|tentatives? de suicide|suicide attempts?|automutilation|"
    r"scarifications?|self harm\w*|idees? suicidaires|pensees? suicidaires|overdoses?)"
)
# « je pense au suicide » is the writer's own, whatever the rest of the text is about
PERSONAL = re.compile(
    r"\b(?:pense|pensais|pensee|songe|envie|idee|idees|tente|tentee|fait|faire|thinking|think|"
    r"thought|considering|attempted|tried|feel|feeling|am|m|suis)\b"
)
HOW_TO = re.compile(
    r"\b(?:methode|moyen|facon|dose|hauteur|sans douleur|sans souffrir|rapide|method|ways?|"
    r"painless|quickest|easiest|ne pas (?:se|me) rater|make sure it works)\b"
)
# someone asking how to help another: the model alone may ask, not raise the alarm
HELPER = re.compile(
    r"\b(?:comment|que faire|quoi faire|qui (?:appeler|contacter)|a qui|how (?:do|can|should|"
    r"could) (?:i|we)|what (?:do|can|should) (?:i|we)|who (?:do|can|should) (?:i|"
    r"we))\b.{0,60}\b(?:l aider|"
    r"les aider|aider (?:mon|ma|mes|un|une|quelqu un|cette|ce)|lui parler|leur parler|"
    r"help (?:him|her|them|my|a|someone)|support (?:him|her|them|my)|talk to (?:him|her|them|my)|"
    r"pour (?:lui|elle|eux)|for (?:him|her|them)|(?:avec|with) (?:quelqu un|someone|un proche|"
    r"une proche|lui|elle|eux|him|her|them))\b|"
    r"\b(?:je m inquiete|inquiete?s?|peur|worried|scared|afraid|"
    rf"concerned) (?:\w+ ){{0,2}}?(?:pour|about|"
    rf"for) (?:lui|elle|eux|him|her|them|(?:mon|ma|mes|my) (?:\w+ )?{PEOPLE_FR}\b|my \w+)|"
    r"\bj ai peur qu (?:il|elle|ils|elles)\b|\b(?:afraid|scared|worried) (?:that )?(?:he|she|they) "
    r"(?:might|will|ll|could|is going to|s going to)\b"
)
# someone else in danger right now: the emergency numbers all the same
ACUTE_OTHER = re.compile(
    r"\bne (?:repond|respire|bouge|reagit|se reveille) plus\b|\bne decroche (?:plus|pas)\b|"
    r"\binconscient\w*|\bs est enferme\w*|\bmenace de (?:sauter|se)\b|\b(?:isn t|not|stopped) "
    r"(?:responding|breathing|answering|waking up)\b|\bwon t wake up\b|\bunconscious\b|"
    r"\blocked (?:him|her|them)sel(?:f|ves)\b|\bthreaten\w* to (?:jump|kill)\b"
)
PAST = re.compile(
    r"\bhier\b|la semaine (?:derniere|passee)|le mois (?:dernier|passe)|l an (?:dernier|passe)|"
    r"l annee (?:derniere|passee)|il y a (?:\d+|deux|trois|quelques|plusieurs|un|une) (?:jours?|"
    r"semaines?|mois|ans?|annees?)|\ben (?:19|20)\d\d\b|a l hopital|aux urgences|hospitalise\w*|"
    r"\byesterday\b|\blast (?:week|month|year)\b|\b(?:\d+|two|three|a few|several|a couple of) "
    r"(?:days|weeks|months|years) ago\b|\bin (?:19|20)\d\d\b|in (?:the )?hospital|"
    r"was hospitali[sz]ed"
)
