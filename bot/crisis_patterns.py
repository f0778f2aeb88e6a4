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
    rf"(?! (?:de|d) (?!(?:\w+ )?(?:{DRUGS}|traitement|ordonnance|tritherapie)\b))"
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
    r"(?:sauter|me jeter|se jeter|me balancer|se balancer|me lancer) (?:du|d un|de la|par|sous|"
    r"dans)\b|envie de sauter",
    r"\b(?:me|m) (?:recoupe|recouper|recoupee|serai tuee?|serais tuee?|serai suicidee?)\b",
    # stopping one's treatment to die: "stopped my meds on purpose so it kills me"
    r"\b(?:stop\w*|quit\w*|arrete\w*) (?:taking |de prendre )?(?:my|mon|ma|mes) (?:\w+ )?(?:meds|"
    r"medication|treatment|pills|traitement|medicaments|tritherapie|insulin|insuline|prep|"
    r"antiretrovirals|antiretroviraux)\b.{0,60}\b(?:take me|kill\w* "
    r"me|kills me|so i die|fera le travail|m emporte\w*|pour mourir|me tuer|me tue|let (?:it|the "
    r"virus) (?:take|kill))\b",
    # pills put aside until there are enough: « j'en ai assez maintenant pour que ça marche »
    rf"\b(?:{DOSE}|pills|meds|tablets)\b.{{0,80}}\b(?:assez|suffisamment|enough)\b.{{0,30}}"
    r"\b(?:pour que ca marche|pour (?:ne )?pas me rater|pour en finir|pour le faire|to make sure|"
    r"for it to work|to do it|to end it)\b",
    r"\b(?:i have|i ve got|got|j ai) (?:a|un) (?:plan|projet) (?:and|et) (?:a|une) (?:date|day|"
    r"jour)\b|\b(?:don t|do not|dont) plan\w* (?:on )?(?:being|to be|staying) (?:alive|around|"
    r"here)\b|"
    r"\bje ne compte pas (?:etre|rester) (?:en vie|la|vivant|vivante) (?:longtemps|encore)\b",
    r"\bje saute (?:du|d un|de la|par|sous|dans)\b",
    r"(?:lettres?|mots?|messages?) d adieu",
    r"pense a la mort|idees? (?:noires|suicidaires)|pensees? (?:noires|de mort|suicidaires)|"
    r"\b(?:pense|pensais|songe|songeais|reflechis)\w* (?:\w+ ){0,2}?a ma (?:propre )?mort\b|"
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
    # an object driven into the skin: « je me plante la pointe du compas dans la main »
    r"\b(?:me|m) (?:plante|enfonce|pique|lacere|taillade)\w* (?:\w+ ){0,4}?(?:dans|sur) (?:la|ma|"
    r"les|mes|le|mon) (?:main|mains|bras|cuisse|cuisses|jambe|jambes|peau|poignet|poignets|"
    r"ventre)\b",
    # one's death, soon: « mon dossier sera supprimé après ma mort ? ça va être bientôt »
    r"\b(?:apres ma mort|quand je serai morte?|when i m (?:dead|gone)|after i die)\b.{0,60}"
    r"\b(?:bientot|tres vite|sous peu|soon|won t be long)\b",
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
    r"end (?:it all|my life|his life|her life|things|it)\b|\bending (?:things|my life|it all)\b",
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
    r"standing on the (?:bridge|roof|edge)",
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
    r"lots of|the rest of|half|about \d+|around \d+|like \d+|over \d+)\b (?:\w+ ){0,4}?"
    r"(?:pills|tablets|meds|medication|tylenol|paracetamol|ibuprofen|painkillers|xanax|insulin|"
    r"antidepressants|bottle|box|pack|packet)\b",
    r"\b(?:drank|drunk|swallowed|drink|drinking|ingested|took)\b (?:\w+ ){0,3}?(?:bleach|"
    r"antifreeze|poison|drain cleaner|weed killer|pesticide|lye)\b",
    r"(?:pills|tablets|meds)\b.{0,30}\b(?:with|and) (?:vodka|whisky|whiskey|wine|beer|alcohol|"
    r"booze)",
    r"(?:won t|can t) stop (?:the )?bleeding",
    r"tonight s the night\b(?! (?:of|for|to|we|i (?:tell|talk|call|meet|see|ask|speak|finally))\b)|"
    r"doing it (?:tonight|now|after this)",
    r"\b(?:ce soir|cette nuit|a minuit) (?:je le fais|je vais le faire|j y vais|"
    r"je passe a l acte)\b|"
    r"\bdoing it (?:at midnight|at \d+|tomorrow|this weekend)\b",
    # several boxes swallowed, charcoal in a closed room, pills one by one, stepping off
    rf"\b{SWALLOWED} (?:\w+ ){{0,2}}?(?:[2-9]|deux|trois|quatre|cinq|six|plusieurs) {CONTAINER}",
    r"\b(?:barbecue|brasero|charbon|charbons|charcoal|bbq)\b.{0,40}\b(?:chambre|salle de bain|"
    r"bedroom|bathroom|fenetres? fermee?s?|windows? (?:closed|shut|sealed|taped))\b|\b(?:chambre|"
    r"bedroom|bathroom|salle de bain)\b.{0,30}\b(?:barbecue|brasero|charbon|charcoal|bbq)\b",
    rf"\b(?:{DOSE}|pills|tablets|meds)\b (?:\w+ ){{0,2}}?(?:un par un|une par une|l un apres "
    r"l autre|one by one|one after (?:another|the other))\b|\b(?:swallowing|avale|avaler) (?:them |"
    r"les )?(?:one by one|un par un|une par une|l un apres l autre)\b",
    rf"\b{DOSE} (?:sont|ont ete) (?:tous|toutes|deja) (?:avale|avales|avalees|ingere\w*)\b|"
    r"\b(?:all (?:the|my) (?:pills|tablets|meds) are|(?:pills|tablets|meds) are all) (?:swallowed|"
    r"taken|gone|down)\b",
    r"\b(?:(?:lame|rasoir|cutter|couteau|scalpel)\b (?:\w+ ){0,2}?(?:contre|sur) (?:mon|ma|le|la) "
    r"(?:poignet|gorge|cou|bras|peau|veine)|(?:blade|razor|knife)\b (?:\w+ ){0,2}?(?:against|on|"
    r"to) "
    r"my (?:wrist|throat|neck|arm|skin|vein))\b",
    r"\b(?:avale|pris|bu|swallowed|took|taken|mixing|mixed)\w* (?:\w+ ){0,8}?(?:armoire a "
    r"pharmacie|"
    r"pharmacie de la maison|boite a pharmacie|medicine cabinet|bathroom cabinet|medicine "
    r"cupboard)\b",
    r"\b(?:going to|gonna|will|ll|about to|i m) (?:step|jump|walk) (?:off|in front)\b(?! (?:of )?"
    r"(?:the |a |this |my )?(?:bus|plane|stage|boat|ferry|scales?|ladder|bike|platform|car|curb|"
    r"kerb)\b)",
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
    r"\bc est un (?:au revoir|adieu)\b(?! (?:a|au|aux) (?:ce|cet|cette|ces|la|le|les|l|mon|ma|mes|"
    r"vos|votre)\b)|\bje vous aime tous\b.{0,30}\b(?:au revoir|adieu)",
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
    # hitting oneself: « je me donne des coups de poing », "I punch myself"
    r"\b(?:je|j) me (?:donne|donnais|mets|file|fous|colle) des (?:coups|claques|gifles|baffes)\b"
    r"(?! de pied (?:au|aux) (?:cul|derriere|fesses))|"
    r"\bi (?:keep )?(?:hit|hitting|punch|punching|slap|slapping|beat|beating) myself\b"
    r"(?! (?:with|on|against|by accident|accidentally)\b)|"
    r"\bi (?:keep )?bang(?:ing)? my head\b",
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
    r"refait) mon testament\b(?! (?:l an|l annee|il y a|en (?:19|20)\d\d|apres la naissance|"
    r"chez le notaire|avec (?:le|mon) notaire|quand)\b)|\bdernieres volontes\b|\blast wishes\b",
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
    r"\bon the roof\b(?! (?:terrace|bar|garden|deck|top (?:bar|terrace|garden|party))\b)|"
    r"\b(?:je suis|suis|debout|monte\w*)\b (?:\w+ ){0,2}?sur (?:le |un )?(?:toit|pont|viaduc)\b"
    r"(?! pour (?:reparer|nettoyer|changer|installer|poser|deneiger|regarder)\b)",
    r"faire une (?:betise|connerie)\b",
    r"(?:dans une heure|ce soir|cette nuit|a minuit|a \d+ ?h)\b.{0,20}\b(?:ce sera|tout sera|"
    r"c est) "
    r"(?:fini|termine)\b|\b(?:ce sera|tout sera) (?:fini|termine) (?:ce soir|cette nuit|demain|"
    r"dans une heure|a \d+ ?h)\b",
    # a knife in hand, the gas open, but not while cooking
    r"(?:\b(?:couteau|lame|cutter|rasoir)\b (?:\w+ ){0,2}?(?:dans|a) (?:la|les|ma|mes) mains?\b|"
    r"\b(?:knife|blade|razor) (?:\w+ ){0,2}?in my hand\b|\ble gaz (?:est )?ouvert\b)"
    r"(?!.{0,40}\b(?:coupe|couper|epluche\w*|cuisine\w*|cuire|cuit|legumes|viande|pain|oignons?|"
    r"pates|casserole|cooking|chopping|peeling|dinner|vegetables|onions)\b)",
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
    r"\b(?:my|mon) (?:last|final|dernier) (?:message|msg|mot)\b(?! (?:about|on|regarding|au|aux|"
    r"avant|before|"
    r"a la|a l|a ce|a cette|a votre|a vos|a leur|to this|to the|to that|"
    r"concerning|au sujet|"
    r"sur|a ce sujet|concernant)\b)|\bla derniere fois que (?:je vous|j vous|je t|j)\w* ecri\w*|"
    r"\blast time i (?:ll|will) (?:write|message|text)\b",
    r"\b(?:n en |en |n )?aurai (?:plus|pas) besoin\b(?! (?:de|d) \w+(?:er|ir|re)\b)|\bwon t "
    r"(?:need|be needing) (?:them|it|"
    r"any of (?:it|them)|"
    r"my \w+|her|him)\b|\bla ou je vais\b|\bwhere i m going\b(?! (?:on|for|to)\b)",
    r"\b(?:prenez|prends|prendre) soin de (?:mes|mon|ma) (?:enfants|fils|fille|chat|chien|"
    r"animaux)\b|\b(?:take care of|look after) my (?:kids|children|son|daughter|cat|dog|pets)\b",
    r"\b(?:dites|dire|direz|pourrez dire) (?:a|leur) (?:\w+ ){0,2}?que je (?:l |les |vous "
    r")?(?:aime|"
    r"aimais|suis desole)|\b(?:they d|they would|everyone would|tout le monde serait|ils seraient) "
    r"(?:all |tous )?(?:be )?(?:relieved|soulages?)\b|\bone less (?:embarrassment|burden|problem|"
    r"mouth to feed)\b|\b(?:if|in case) (?:something|anything) (?:happens|happened) to me\b|"
    r"\bs il m arrive (?:quelque chose|malheur)\b|\btell (?:my|"
    r"them|her|him) (?:\w+ )?(?:i love|i m sorry|that i love|that i m sorry)",
    rf"\bgarde\w* (?:les|mes|toutes? (?:les|mes)) (?:\w+ )?(?:{CONTAINER}|{DRUGS})\b.{{0,50}}"
    r"\b(?:au lieu de les (?:ramener|rapporter|jeter|rendre)|on (?:ne )?sait jamais|au cas ou|"
    r"en reserve|pour plus tard)\b|\b(?:keeping|kept|keep) (?:all )?(?:my|the) (?:old )?(?:pills|"
    r"tablets|meds|medication)\b.{0,40}\b(?:just in case|you never know|instead of (?:returning|"
    r"taking them back))\b|"
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
    # worthlessness said of oneself: « je suis une erreur », « je ne suis rien », "I'm a mistake"
    r"\bje (?:ne )?(?:suis|sers) (?:qu )?(?:une erreur|un dechet|une merde|moins que rien|rien|"
    r"a rien|un rate|un echec|une ratee?)\b(?! (?:de|d|du|des|en|dans|pour|sur|avec|a|au|compris|"
    r"fait|dit|vu|recu)\b)|\b(?:i m|i am) (?:just |only )?(?:a mistake|a waste of (?:space|air|"
    r"oxygen)|worthless|nothing|a failure)\b(?! (?:at|in|with|for|to|like|compared|but|special)\b)",
    # giving up the fight: « arrêter de lutter », "done fighting", not « lutter contre le labo »
    r"\b(?:arreter|arrete|cesser|cesse|abandonner|renoncer) (?:de |d |a )?(?:lutter|me battre|"
    r"resister|survivre|exister|tenir le coup)\b(?! (?:contre|pour|avec|face)\b)|"
    r"\b(?:stop|quit|done|tired of|give up) (?:fighting|trying to (?:live|survive|stay alive|"
    r"keep going))\b(?! (?:for|against|with|them|it|this|the)\b)",
    # the people close to them better off with someone else: « mes enfants méritent mieux que moi »
    r"\b(?:meritent|merite|meriterait|meriteraient|deserve|deserves) (?:mieux que moi|"
    r"une meilleure (?:mere|maman|femme|epouse|fille|soeur|amie|compagne|personne)|un meilleur "
    r"(?:pere|papa|mari|fils|frere|ami|compagnon)|a better (?:mum|mom|mother|dad|father|wife|"
    r"husband|partner|son|daughter|friend|person)|better than me)\b",
    # an endless silence or sleep wished for: « un silence qui dure », "sleep forever"
    r"\b(?:silence|sommeil|repos|dormir|sleep|rest) (?:\w+ ){0,2}?(?:qui dure(?: toujours)?|"
    r"pour toujours|eternel\w*|sans fin|sans reveil|definiti\w*|forever|for good|that lasts|"
    r"never ends|permanent\w*)\b",
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
    # "they have a knife to my throat", « ils me mettent le couteau sous la gorge »: pressure
    r"\b(?:they|he|she|someone|you|ils|il|elle|on) (?:have|has|hold|holds|put|ve got|got|ont|tient|"
    r"tiennent|mettent|met|me mettent|me met) (?:a |the |le )?(?:knife|gun|couteau|pistolet) (?:to|"
    r"at|"
    r"on|sous) (?:my|ma|la) (?:throat|head|gorge|tempe)\b",
    # a plant or a phone that dies: « ma plante est en train de mourir », "my phone's about to die"
    r"\b(?:plante|plantes|fleurs?|batterie|telephone|portable|ordi|ordinateur|plant|plants|"
    r"flowers?|battery|phone|laptop)\b (?:\w+ ){0,4}?(?:mourir|meurt|meurent|crever|creve|dying|"
    r"dies|die|died)\b",
    # a ship's deck, a long weekend: « je suis sur le pont du bateau », « le pont de l'Ascension »
    r"\bpont (?:du bateau|d un bateau|du navire|du ferry|de l ascension|de la pentecote|de mai|"
    r"du (?:1er|premier|8|11|14|15) (?:mai|juillet|aout|novembre))\b|\bfai\w* le pont\b",
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
    r"impatience|curiosite|jalousie|sommeil|vieillesse)\b",
    # « ça me fout en l'air ma semaine », « ça n'en finit pas », « mettre un terme à ma procédure »
    r"\b(?:fout|fous|foutre|foutu|fiche|fiches) en l air (?:ma|mon|mes|ta|ton|tes|sa|son|ses|notre|"
    r"nos|votre|vos|leur|leurs|la|le|les|toute?s?) (?!vie\b|existence\b)\w+",
    r"\b(?:n en|qui n en) (?:finit|finissent|finira|finissait|finissaient) (?:pas|plus|jamais)\b",
    rf"\bmettre (?:fin|un terme) a (?:ma|mon|mes|sa|son|ses|la|le|les|cette|ce|cet|l) (?:\w+ )?"
    rf"{ADMIN}",
    # away for a while: « je ne serai plus là la semaine prochaine », "won't be around next week"
    r"\b(?:serai|serais|suis) (?:plus|pas) la (?:la semaine prochaine|demain|ce week end|lundi|"
    r"mardi|mercredi|jeudi|vendredi|samedi|dimanche|du \d+|jusqu|pendant|entre|cet ete|en aout|"
    r"quelques jours|\d+ jours)\b|\bwon t be (?:around|here|available|reachable) (?:next|this|on|"
    r"until|till|from|for (?:a|the|two|\d+)|between|during)\b",
    # figures of speech in English: "be the death of me", "finished me off", "die of embarrassment"
    r"\b(?:is|s|are|re|will|ll|going to|gonna) (?:\w+ )?be the death of me\b|\b(?:this|that|it|"
    r"they|the \w+(?: \w+)?) (?:\w+ ){0,2}?(?:finished|finishes|will finish|is going to finish) "
    r"me off\b|"
    r"\b(?:die|died|dying) (?:of|from) (?:embarrassment|shame|boredom|laughter|laughing|cringe|"
    r"old age|curiosity)\b",
    r"\b(?:end|ends) of my (?:rope|tether)\b (?:with|because of|over|at|about|dealing with)\b",
    # an account or a phone that is dead, a case closed, a page turned, social media left
    r"\b(?:account|profile|page|phone|battery|compte|profil|page|telephone|portable|batterie|"
    r"blog|insta|instagram|facebook) (?:\w+ )?(?:s |is |has been |been |est |a l air )?(?:dead|"
    r"mort|morte)\b",
    r"\b(?:dossier|case|affaire|file|plainte|procedure)\b (?:\w+ )?(?:est |is |s |has been )?"
    r"(?:clos|closed|classe|cloture|settled|over)\b|\b(?:je )?tourne la page\b|\bturning the "
    r"page\b|\bturn the page\b",
    r"\b(?:goodbye|bye|adieu|au revoir|farewell) (?:to )?(?:les |the |mes |my )?(?:reseaux sociaux|"
    r"social media|socials|facebook|instagram|insta|twitter|tiktok|snapchat|whatsapp|internet|"
    r"online)\b",
    # an errand at the pharmacy: "picked up my box of meds at the pharmacy"
    r"\b(?:picked up|collected|got|bought|fetched|renewed|refilled|took|brought|returned|dropped|"
    r"handed)\b (?:\w+ ){0,6}?(?:at|from|to|back to|in at|off at) the (?:pharmacy|chemist|chemists|"
    r"drugstore|doctor s)\b",
    # « ennuyeux à mourir », « ça me saoule à mourir », but not « je pense (sérieusement) à mourir »
    r"\b(?:beau|belle|beaux|belles|laid|laide|triste|bete|con|chiant|chiante|chiants|ennuyeux|"
    r"ennuyeuse|ennuyant|long|longue|cher|chere|nul|nulle|moche|lent|lente|froid|penible|lourd|"
    r"lourde|deprimant|saoule|saoulent|ennuie|ennuyer|ennuye|ennuyee|rire|rigoler) a (?:mourir|"
    r"crever)\b",
    r"\b(?:cru|failli|manque de|crois|croyais) (?:\w+ )?(?:mourir|crever)\b",
    r"\b(?:peur|crainte|terrifiee?|angoisse\w*) (?:de|d) (?:mourir|crever)\b",
    r"\bplutot (?:mourir|crever) que\b",
    # « c'est à se pendre », but not « elle pense à se pendre »
    r"(?<!\bpense )(?<!\bpensent )(?<!\bsonge )(?<!\bparle )(?<!\bparlent )(?<!\bmenace )"
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
    r"drogue|heroine|insuline|purpose|expres)\b)\w+",
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
    r"neighbour|neighbor|dad|mom|mum|son|daughter)|the (?:next )?\w+|that \w+|this \w+)\b(?!self)"
    r"(?!.{0,30}\b(?:and|then) (?:me|myself)\b)",
    r"\b(?:vais|va|vas|veux|voudrais|pourrais|envie de) (?:l |le |la |les )?(?:etrangler|egorger|"
    r"buter|massacrer|trucider|tuer) (?:ce|cet|cette|ces|le|la|les|mon|ma|mes)\b (?!vie\b)\w+",
    r"\b(?:would|will|ll|d|is going to|s going to|gonna) (?:literally |actually |honestly )?"
    r"(?:murder|kill|strangle) me (?:if|when|for)\b",
    r"\b(?:mort|morte|dead) (?:lol|lmao|mdr|ptdr|xd|haha\w*)\b|\b(?:lol|lmao|mdr|ptdr|haha\w*) "
    r"(?:i m |je suis )?(?:dead|mort|morte)\b|\bi died (?:laughing|when i (?:read|saw))\b",
    # not me: « je ne suis pas suicidaire », "I'm not suicidal"
    r"\b(?:pas|plus|jamais|aucunement|nullement) (?:du tout )?(?:suicidaire|d idees? (?:noires|"
    r"suicidaires))\b",
    r"\bje (?:ne )?(?:vais|compte|pense|veux) pas (?:me (?:tuer|suicider|faire du mal)|mettre fin|"
    r"en finir|mourir)\b",
    r"\b(?:ne |n )?(?:pense|songe|pensais|songeais) (?:pas|jamais|"
    r"plus) (?:du tout )?(?:au suicide|a me (?:tuer|suicider|faire du mal|blesser)|a en finir|"
    r"a mourir)\b",
    r"\b(?:i m|im|i am) not suicidal\b|\bnot (?:suicidal|going to (?:kill|hurt|harm) myself|"
    r"thinking (?:of|about) (?:suicide|killing myself|ending (?:it|my life)))\b|\bno suicidal\b",
    # English
    r"(?<!\blet )\b(?:this|that|it|they|you|he|she|(?:the|this|that|these|those|my|his|her|their|"
    r"all this|"
    r"all these|all the|this whole|the whole)(?: (?!i\b|myself\b)\w+){1,3}) (?:is |are |s |re |"
    r"was |were |will |"
    r"ll |d |would |is going to |are going to |s going to )?(?:literally |honestly |actually |"
    r"really |slowly |gonna |going to )?(?:killing|kill) me\b",
    r"\bkill(?:ed|ing)? (?:the|an?|that) (?:app|process|task|program|engine)\b",
    r"\bdying (?:to|for) \w+|\brather die than\b|\bdied laughing\b",
    r"\bend (?:it|things) with (?:this|that|the|them|those|these|my|their)\b",
    r"\b(?:shoot|shot|shooting) (?:my|him|her|your)self in the foot\b",
    r"\b(?:cut|burnt|burned|hurt) (?:my|him|her)self (?:(?!bleeding|trying|wanting|hoping|thinking|"
    r"feeling|crying)\w+ing\b|shaving|cooking|ironing|gardening|"
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
    r"tylenol|insulin|heroin|drugs|opioids|purpose)\b)\w+",
    r"\b(?:i m|im|i am) not suicidal\b",
    # a question about a medicine's risk: « risque d'overdose si ... ? », "the overdose section"
    r"\b(?:risque|risques|danger|dangers|risk|risks|section|rubrique|paragraphe|chapter) (?:d |de |"
    r"of |on |about )?(?:an |une )?(?:overdose|surdosage)\b|\b(?:overdose|surdosage) (?:section|"
    r"rubrique|paragraph|paragraphe|warning|warnings)\b",
    # anger and hiding away: « envie de tout casser / de hurler », "crawl under a rock"
    r"\b(?:envie de|want to|wanna|could) (?:tout casser|hurler|crier|gueuler|scream|yell|smash "
    r"(?:something|everything|things))\b",
    r"\b(?:me cacher|me terrer|disparaitre|rester|reste|hide|crawl|stay) (?:\w+ ){0,2}?(?:dans "
    r"un trou|"
    r"sous (?:un|une|la|ma|mon) (?:pierre|caillou|rocher|couette|couverture|plaid)|under (?:a|the|"
    r"my) (?:rock|covers|duvet|blanket|bed)|in a hole)\b",
    # « me jeter sur le canapé », « partir vivre à la campagne », "kill whoever left it open"
    r"\b(?:me jeter|me jette|je me suis jetee?) (?:sur|dans) (?:le|la|mon|ma|un|une|les|mes) "
    r"(?:canape|lit|sofa|couette|bouffe|chocolat|travail|boulot|dossiers?|bras)\b",
    r"\b(?:partir|aller|pars|vais) (?:vivre|habiter|m installer|refaire ma vie) (?:a|au|en|dans|"
    r"ailleurs|loin)\b|\bmove (?:to|out to) the (?:countryside|country|coast|mountains)\b",
    r"\b(?:kill|strangle|murder|tuer|etrangler|buter) (?:whoever|the (?:guy|person|people|idiot|"
    r"idiots|ones?) (?:who|that)|celui qui|ceux qui|la personne qui|le mec qui|les gens qui)\b",
]
# Someone else's death by suicide, and prevention: not the writer's own risk (a bereaved relative
# is asked only if the rest of the text or the model says so).
NOT_MINE = [
    r"\b(?:le|du|au|un|les|des|sur le) risques? (?:suicidaires?|de suicide)\b|\b(?:the|a|of) "
    r"(?:suicide|suicidal) risk\b|\brisk of suicide\b",
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
        "person teens teenagers adolescents jeunes personnage personnages heros heroine "
        "character characters protagonist protagoniste acteur actrice actor actress chanteur "
        "chanteuse singer celebrite celebrity"
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

# Warning signs that are not a crisis alone but are an act prepared for now together (crisis lines'
# "means, place, time, last words"): each regex below is a cue; IMMINENT_TOGETHER and
# CLEAR_TOGETHER (after them) list the cues that, all found in the writer's own words, make a
# crisis. Written to catch other wordings of the same situations: the means and places are lists,
# the verbs many, the word order free.
_ME = (
    r"(?:je suis|suis|j suis|assise?|debout|perchee?|grimpee?|monte|montee|i m|i am|standing|"
    r"sitting|sat|perched|climbed(?: up)?|m allonge|allongee?|couchee?|lying|laying)"
)
_HIGH = (
    r"(?:pont|toit|toits|balcon|rebord|falaise|viaduc|corniche|parapet|rambarde|garde corps|"
    r"fenetre|parking|immeuble|tour|bridge|roof|rooftop|balcony|ledge|cliff|cliffs|overpass|"
    r"window|windowsill|building|car park|parking garage|multi storey)"
)
# the writer at a place to fall from: « chuis au dernier étage du parking », "on the roof"
AT_HEIGHT = (
    rf"\b{_ME}\b (?:\w+ ){{0,3}}?(?:sur|au bord (?:du|de la|d un|d une|de)|en haut (?:du|de la|d "
    rf"un|"
    r"d une|de)|au sommet (?:du|de la|d un|d une|de)|au dernier etage (?:du|de la|d un|d une|de)|"
    r"a la|au|on|at|onto|atop|on top of|(?:on|at) the (?:top|edge) of|up on|over) (?:(?:le|la|l|"
    rf"les|un|une|mon|ma|du|de la|the|a|my|this) )?(?:\w+ ){{0,2}}?{_HIGH}\b"
)
# what makes the height a fall being prepared: the void below, the floor, the act, no way down
FALL = (
    r"\b(?:le vide|dans le vide|du vide|en bas|en dessous|underneath|below|beneath|sauter|sauterai|"
    r"saute|"
    r"me jeter|jump|jumping|step off|climbing over|climb over|enjambe\w*|over the (?:railing|edge)|"
    r"\d+ ?(?:e|eme|th|st|nd|rd)(?: etage| floor)?|\d+ (?:etages|floors|stories|storeys|metres|"
    r"meters|m)|(?:floors|stories|storeys) up|metres de vide|passent sous moi|(?:beneath|below|"
    r"under) me|(?:redescendrai|redescends) (?:pas|plus|jamais)|not coming (?:back )?down|"
    r"won t (?:be )?(?:come|coming) (?:back )?down|regarde en bas|looking down|"
    r"(?:jambes|pieds) (?:dans le vide|de l autre cote)|(?:legs|feet) (?:over|dangling))\b"
)
# telling someone before: « je voulais juste que quelqu'un sache », "nobody knows I'm here"
TELL = (
    r"\b(?:que|qu) (?:quelqu un|qqn|qqun|quelquun|vous|tu) (?:le |la )?(?:sache|saches|sachiez)\b|"
    r"\bsomeone (?:to )?knows?\b|\bpersonne (?:ne )?(?:le )?(?:sait|saura)\b|\b(?:nobody|no one) "
    r"(?:knows|will know)\b|\bjuste pour (?:vous )?(?:ecrire|dire) (?:ca|cela|au revoir)\b|"
    r"\b(?:parler|dire au revoir) a (?:quelqu un|qqn|qqun)(?: \w+)? avant\b|"
    r"\b(?:talk|speak|say goodbye) to (?:someone|somebody|a person)(?: \w+)? (?:before|first)\b|"
    r"\bpour que ce soit reel\b|\bjust (?:wanted|needed|want|need) (?:to tell|someone)\b"
)
# a farewell said for good (an emergency on its own, unless the writer says they will be back)
FAREWELL_STRONG = (
    r"\bthis is (?:my )?(?:final |last )?goodbye\b(?! (?:to|for) (?!you\b))|\bc est un (?:au "
    r"revoir|"
    r"adieu)\b|\b(?:au revoir|adieu|bye|goodbye) (?:a )?(?:tout le monde|a tous|everyone|everybody|"
    r"world|all of you)\b|\b(?:dire|say(?:ing)?) (?:au revoir|adieu|goodbye) (?:a|to) (?:quelqu un|"
    r"qqn|"
    r"someone|somebody)\b|\b(?:goodbye|bye|adieu|au revoir) (?:i m done|it s over|i can t|c est "
    r"fini|"
    r"j en peux plus|je n en peux plus)\b"
)
RETURN = (
    r"\b(?:a demain|a bientot|a plus|a lundi|a la prochaine|a la semaine prochaine|on se "
    r"(?:reparle|"
    r"revoit|recontacte)|je reviens|je reviendrai|je repasse|see you|talk (?:to you )?(?:soon|"
    r"tomorrow|later|next)|speak (?:soon|next|tomorrow)|next week|la semaine prochaine|i ll be "
    r"back|"
    r"back tomorrow|for now|pour aujourd hui|for today|bonne (?:soiree|journee|nuit|fin de))\b"
)
# the time of a plan: tonight, in ten minutes, on Friday, at 6
WHEN = (
    r"\b(?:ce soir|cette nuit|demain(?: matin| soir)?|tout a l heure|tout de suite|right now|"
    r"by (?:midnight|tonight|tomorrow|the morning|morning)|d ici (?:minuit|la nuit)|"
    r"(?:dans|in) (?:une |a )?(?:demi heure|half an hour|quart d heure|quarter of an hour)|"
    r"dans (?:\d+|une|un|quelques|"
    r"dix|cinq|quinze|vingt|trente) ?(?:min|mins|minutes|heures?|h|secondes?)|d ici (?:\d+ ?h|une "
    r"heure|\d+ (?:min|minutes|heures?)|ce soir|demain)|a minuit|a \d+ ?h(?:\d+)?|lundi|mardi|"
    r"mercredi|jeudi|vendredi|samedi|dimanche|tonight|tomorrow|at midnight|at \d+(?: ?(?:am|pm))?|"
    r"in (?:\d+|a few|ten|five|an|one) ?(?:min|mins|minutes|hours?)|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)\b"
)
# the act, said: « je saute », "I'm doing it", « ce sera réglé pour de bon »
ACT = (
    r"\b(?:je saute|je me jette)\b(?! (?:le|la|les|l|un|une|des|du|de|d|sur|au|aux|a|en|dans|"
    r"par|pas|jamais|toujours|souvent|partout|comme|quand|si|chaque|dessus|ma|mon|mes)\b)|"
    r"\b(?:je passe a l acte|i ll jump|i m jumping|i m going to jump|i m going through with it)\b|"
    r"\bje vais jusqu au bout\b(?! (?:de|du|des|d|avec|pour)\b)|"
    r"\bje (?:saute|me jette|vais sauter|vais me jeter|sauterai) (?:du|de la|d un|d une|par|par la|"
    r"sous) (?:\w+ )?(?:pont|toit|balcon|fenetre|viaduc|falaise|immeuble|train|metro|tgv|rer|vide|"
    r"parking|voie|camion)\b|"
    r"\b(?:ce sera|tout sera|it ll (?:all )?be|it will (?:all )?be) (?:regle|fini|termine|over|"
    r"done) (?:pour de bon|"
    r"pour toujours|definitivement|for good|forever)\b"
)
_FIXTURE = (
    r"(?:porte|poutre|crochet|rampe|barre|tuyau|poignee|arbre|branche|door|beam|hook|banister|"
    r"rail|pipe|tree|branch|rafter|hatch|trappe|ceiling|plafond|wardrobe rail|loft)"
)
# a noose tied to something, the chair under the beam: an emergency on its own
HANGING = (
    r"\b(?:noue|nouer|accroche|accrocher|attache|attacher|fixe|fixer|tied|hung|tested)\w* (?:la|"
    r"une|"
    r"ma|le|mon|the|a|my) (?:corde|ceinture|cable|rallonge|echarpe|foulard|drap|rope|belt|cord|"
    rf"cable|sheet|scarf)\b (?:\w+ ){{0,2}}?(?:a la|au|a une|a un|to the|to a|on the|from the) "
    rf"(?:\w+ )?{_FIXTURE}\b|\bnoose (?:is |s )?(?:hanging|up|ready|tied|set)\b|\b(?:corde|"
    rf"ceinture|rope|noose|belt)\b (?:\w+ ){{0,2}}?(?:est |is |s )?"
    r"(?:nouee?|accrochee?|attachee?|fixee?|tied|hung|up|attached) (?:\w+ )?(?:a la|au|a une|a un|"
    rf"to the|to a|on the|from the|over the) (?:\w+ )?{_FIXTURE}\b|"
    r"\b(?:knot s|knot is|noose s|noose is) (?:tied|ready|done)\b|\btested it on the (?:banister|"
    r"beam|hook|door|rail|pipe)\b|\b(?:chaise|tabouret|escabeau|chair|stool) (?:est |is |s )?"
    r"(?:\w+ ){0,2}?(?:sous|under|beneath) (?:la|le|une|the|a) (?:poutre|crochet|corde|beam|hook|"
    r"rope|noose)\b|\ble noeud (?:coulant )?est (?:fait|pret)\b|\bnoeud coulant\b|"
    r"\b(?:corde|ceinture|cable|echarpe|foulard|drap|rope|noose|belt|cord|scarf|sheet)\b (?:\w+ "
    r"){0,3}?"
    r"(?:autour (?:de mon|du) cou|around my neck|round my neck)\b"
)
# a means at hand: the rope ready, the blade ready, the pills laid out, the hose, the syringe, a
# loaded gun (a clear crisis on its own)
MEANS = (
    r"\b(?:corde|noeud coulant|rope|noose)\b (?:\w+ ){0,3}?(?:est |is |s )?(?:nouee?|accrochee?|"
    r"attachee?|prete?|installee?|fixee?|tient|tied|up|ready|hung|set|tested)\b|"
    r"\b(?:lame|lames|rasoir|cutter|scalpel|blade|blades|razor|razors)\b (?:\w+ ){0,3}?(?:a cote|"
    r"pres de moi|prete?s?|est prete|sur (?:le|la|mon|ma) (?:lit|table|bord|rebord)|dans (?:la|ma) "
    r"main|contre (?:mon|le|ma) (?:poignet|bras|cou|gorge|peau)|ready|next to me|beside me|in my "
    r"hand|on my (?:wrist|arm|bed)|against my)\b|"
    r"\b(?:knife|couteau)\b (?:\w+ ){0,3}?(?:against|on|to|contre|sur) (?:my|mon|ma|le|la) "
    r"(?:wrist|throat|neck|poignet|gorge|cou)\b|"
    rf"\b(?:{DOSE}|pills|tablets|meds)\b (?:\w+ ){{0,4}}?(?:devant moi|alignee?s?|comptee?s?|"
    r"(?:sont |are )?(?:prete?s?|ready) (?:pour|for) (?:ce soir|cette nuit|tonight|demain)|dans "
    r"(?:ma|la) "
    r"main|in front of me|counted out|lined up|in my hand)\b|"
    r"\b(?:tuyau|hose)\b.{0,60}\b(?:scotch|gaffer|tape|taped|echappement|exhaust)\b|"
    r"\b(?:scotch|gaffer|taped|echappement|exhaust)\b.{0,60}\b(?:tuyau|hose)\b|"
    r"\b(?:seringue|syringe)\b (?:\w+ ){0,3}?(?:est |is |s )?(?:prete|remplie|pleine|ready|"
    r"filled|full)\b|"
    r"\b(?:fusil|arme|pistolet|revolver|carabine|gun|rifle|shotgun|pistol)\b.{0,60}\b(?:chargee?|"
    r"loaded|sur (?:les|mes) genoux|on my lap|in my lap)\b"
)
_GUN = r"(?:fusil|arme|pistolet|revolver|carabine|gun|rifle|shotgun|pistol)"
_HELD = (
    r"(?:dans (?:la|ma) main|sur (?:les|mes) genoux|dans (?:la|ma) bouche|sur (?:la|ma) tempe|"
    r"sous (?:le|mon) menton|in my (?:hand|lap|mouth)|on my lap|to my (?:head|temple)|"
    r"under my chin)"
)
# a gun aimed at oneself: in the mouth, at the temple, under the chin
GUN_AIMED = (
    r"\b(?:fusil|arme|pistolet|revolver|carabine|canon|gun|rifle|shotgun|pistol|barrel)\b.{0,40}"
    r"\b(?:dans (?:la|ma) bouche|sur (?:la|ma) tempe|sous (?:le|mon) menton|in my mouth|to my "
    r"(?:head|temple)|under my chin)\b"
)
GUN_HELD = rf"\b{_GUN}\b.{{0,60}}\b{_HELD}\b|\b{_HELD}\b.{{0,20}}\b{_GUN}\b"
LOADED = r"\b(?:chargee?|loaded)\b"
# a gun held (in hand, on the lap, to the head), and loaded
# a closed room: doors or windows shut, sealed, taped, towels under the door
CLOSED = (
    r"\b(?:scotch|tape|serviettes|towels|chiffons)\b (?:\w+ ){0,2}?(?:autour|sur|sous|aux|around|"
    r"on|"
    r"under|over)\b (?:\w+ ){0,2}?(?:porte|portes|fenetres?|door|doors|windows?)\b|"
    r"\b(?:porte|portes|door|doors|fenetres?|windows?|garage) (?:\w+ ){0,2}?(?:fermee?s?|closed|"
    r"shut|sealed|taped|calfeutree?s?|scotchee?s?|down)\b|\b(?:ferme|closed|shut|sealed|taped|"
    r"calfeutre|bouche|colmate|scotche|stuffed|blocked)\w* (?:\w+ ){0,4}?(?:porte|portes|garage|"
    r"door|doors|windows?|fenetres?|aeration|vents?)\b|\b(?:serviettes|towels) (?:sous|under|"
    r"against)\b"
)
# a room sealed: taped, towels under the door (charcoal, gas, the engine)
SEALED = (
    r"\b(?:scotch\w*|taped|sealed|calfeutr\w*|colmat\w*|bouch\w*|stuffed|towels? (?:under|against)|"
    r"serviettes? (?:sous|contre))\b"
)
# sorry, said alone: only with a farewell, a height or the means
SORRY = (
    r"\bi m (?:so |really )?sorry\b(?! (?:to|for|about|but|if|i|that|it|you|we)\b)|\bje suis "
    r"(?:tellement |vraiment )?desolee?\b(?! (?:de|d|pour|mais|si|que|qu)\b)"
)
CHARCOAL = r"\b(?:barbecue|brasero|charbon|charbons|charcoal|bbq|braises)\b"
# what the bath is for: « j'ai rempli la baignoire, la lame à côté »
BATH = r"\b(?:baignoire|bain|bath|bathtub|tub)\b"
BLADE = r"\b(?:lame|lames|rasoir|cutter|scalpel|blade|blades|razor|razors)\b"
# waiting for the house to be empty or asleep: a plan with no witnesses
WAITING = (
    r"\b(?:j attends|attendre|attends) (?:juste )?(?:que|qu) (?:tout le monde|mes \w+|mon \w+|ma "
    r"\w+|la maison|ils|elles|il|elle)\b (?:\w+ ){0,2}?(?:dorme|dorment|parte|partent|soit vide|"
    r"soient couches|soit couchee?|rentre|sorte|sortent)\b|\bwaiting for (?:the house|everyone|"
    r"them|my \w+|him|her)\b (?:\w+ ){0,2}?to (?:be empty|leave|sleep|go|fall asleep|be asleep)\b|"
    r"\bquand (?:ils|elles|tout le monde|mes \w+) (?:seront|sera) (?:couches|couchees|partis|"
    r"endormis|sortis)\b|\bonce (?:they re|they are|everyone s|everyone is|the house is|he s|"
    r"she s)\b|\bwhen (?:everyone|they|the house) (?:is|are|s|re) (?:asleep|gone|empty|out)\b|"
    r"\bavant que (?:mon|ma|mes|les|ils|elles|il|elle|tout le monde) (?:\w+ )?(?:rentre|rentrent|"
    r"revienne|reviennent|arrive|arrivent|se reveille|se reveillent)\b|\bbefore (?:my|the|they|"
    r"everyone|he|she) (?:\w+ )?(?:gets?|comes?|wakes?) (?:home|back|up)\b"
)
# goodbye said to everyone, a last message, and the words of a farewell note
FAREWELL = (
    r"\b(?:au revoir|adieu|bye|goodbye) (?:a )?(?:tout le monde|a tous|tous|everyone|everybody|"
    r"world|all|all of you)\b(?! (?:see|a demain|a bientot|a plus|a la prochaine|bonne|have|talk|"
    r"until|till|for now|for today|pour aujourd hui|et a)\b)|\b(?:goodbye|bye|adieu|au revoir) "
    r"(?:i m done|it s over|i can t|c est fini|j en peux plus|je n en peux plus|i m sorry|"
    r"je suis desolee?|pardon)\b|\bthis is (?:my )?(?:final |last )?goodbye\b(?! (?:to|for) "
    r"(?!you\b))|"
    r"\bla derniere fois que (?:je vous|j vous|je t|j)\w* ecri\w*|\blast time i (?:ll|will) "
    r"(?:write|"
    r"message|text)\b|"
    r"\b(?:final|last|dernier) (?:message|msg|mot|words?)\b(?! (?:avant|before|about|on|regarding|"
    r"to this|to "
    r"the|"
    r"au sujet|sur|a ce|a cette|a la|au|a vos|concernant)\b)|\b(?:post|message|mot|lettre|lettres|"
    r"note) d adieu\b|\bgoodbye (?:note|letter|post|message)\b|\badieu\b(?! (?:a |aux |au )?(?:la|"
    r"le|les|l|mon|ma|mes|notre|nos|votre|vos|ton|ta|tes|son|sa|ses|leur|leurs|ce|cet|cette|ces|"
    r"pour|a demain|a bientot|et a)\b)"
)
# the words of a farewell note: nobody's fault, sorry for everything, take care of my dog
LAST_WORDS = (
    r"\b(?:c est|ce n est|n est) (?:pas )?(?:la faute de personne|(?:pas )?(?:ta|sa|votre) faute)"
    r"\b|\bpersonne n (?:est|y est) (?:responsable|pour rien)\b|\bnot (?:anybody s|anyone s|your|"
    r"her|his) fault\b|\b(?:nobody s|no one s) fault\b|\bwasn t (?:your|her|his|their|anyone s) "
    r"fault\b|\bdesolee? pour (?:tout|le bazar|le mal|la peine|le derangement que je)\b|\bpardon "
    r"pour tout\b|\bje demande pardon\b|\bsorry (?:for|about) (?:everything|the mess|all this)\b|"
    r"\b(?:prenez|prends) soin (?:de|d) (?:mon|ma|mes|lui|elle|eux)\b|\bpensez a (?:nourrir|sortir|"
    r"prendre soin)\b|"
    r"\b(?:take care of|feed|look after) my\b|\bje vous aime (?:tous|fort)\b|\bi love you all\b|"
    r"\b(?:sorry|pardon|desolee?) (?:maman|papa|mum|mom|dad)\b|\b(?:ne m en voulez pas|ne m en "
    r"veux "
    r"pas|pardonnez moi|pardonne moi|forgive me|don t hate me|don t be (?:mad|angry) (?:at|with) "
    r"me)\b|\b(?:c est|ce sera) mieux (?:comme ca|ainsi|pour tout le monde)\b|\bit s (?:better "
    r"this way|for the best)\b|\b(?:merci|thanks|thank you) "
    r"(?:a ceux qui ont essaye|d avoir essaye|for trying)\b|"
    r"\bi m done\b(?! (?:with|for|here|filling|writing|now|reading|talking|eating)\b)|"
    r"\b(?:tell|dites a|dis a) (?:my|mes|ma|mon|them|her|him|leur|lui) (?:\w+ )?(?:that |que )?"
    r"(?:i|je) (?:l |les )?(?:love|loved|aime|aimais|m sorry|suis desolee?)\b|"
    # sorry to the ones they love: « pardon à ceux que j'aime », "sorry to everyone I love"
    r"\b(?:pardon|desolee?|sorry) (?:a|aux|to) (?:tous )?(?:ceux|celles|ma famille|mes proches|"
    r"everyone|those|all those|my family|my loved ones)\b(?: (?:que j aime|qui m aiment|i love|who "
    r"love me|who loved me))?(?! (?:pour|de|d|for|about) (?:le|la|les|l|ce|cet|cette|the|this|my|"
    r"mon|ma|mes|that|retard|delay|late)\b)"
)
# leaving now or for good: « je pars ce soir, pour de bon », "leaving now"
LEAVING = (
    r"\bavant de (?:partir|m en aller|disparaitre)\b(?! (?:en|pour|a|au|aux|chez|de|du|travailler|"
    r"loin)\b)|"
    r"\b(?:je pars|je m en vais|je m en irai|je partirai|leaving|i m going|i m off|i m out)\b"
    r"(?: \w+){0,2}? (?:ce soir|cette nuit|maintenant|now|tonight|pour de bon|for good|"
    r"pour toujours|forever)\b(?! (?:en|pour|a|au|aux|chez|to|for|on|with|avec|travailler)\b)|\bje "
    r"ne reviendrai (?:pas|plus|jamais)\b|\bi won t (?:be )?"
    r"(?:coming|come) back\b"
)
# belongings given away, affairs put in order
AFFAIRS = (
    r"\b(?:donne|confie|legue|offert|laisse)\w* (?:mon|ma|mes) (?:\w+ )?(?:chat|chien|chiens|"
    r"animaux|guitare|affaires|bijoux|livres|velo|voiture|plantes)\b (?:a|au|aux)\b|"
    r"\b(?:given|gave|left|handed) (?:away )?(?:my|all my) (?:\w+ )?(?:guitar|cat|dog|pets|car|"
    r"bike|books|things|stuff|belongings|savings|jewellery|jewelry|plants|clothes|records) to\b|"
    r"\b(?:put|left|took|dropped) (?:the|my) (?:cat|dog|pets?) (?:with|at) (?:my|a)\b|\b(?:le|mon) "
    r"(?:chat|chien) (?:est )?chez (?:ma|mon|la|le|des) \w+|"
    r"\b(?:j ai|je) vide\w* (?:mon|le) (?:compte|frigo|appart\w*)\b|\brendu (?:les cles|mon "
    r"appart\w*|mon logement)\b|"
    r"\b(?:cancelled|canceled) (?:all )?my (?:subscriptions|accounts|lease|phone)\b|"
    r"\bresilie\w* (?:tous )?mes abonnements\b|\b(?:mis|mets) (?:de l ordre dans|en ordre) mes "
    r"(?:affaires|papiers)\b|\bput my (?:affairs|papers|things) in order\b|\b(?:cle|cles) sous le "
    r"paillasson\b|"
    r"\blettres? pour (?:chaque|chacun|(?:mes|les) (?:enfants|petits|fils|filles))\b|"
    r"\b(?:a )?letters? (?:for|to) (?:each|every)\w*\b|\bune lettre (?:pour|a) chacun\b|"
    r"\b(?:la|une|ma|les|mes) (?:lettre|lettres|mot) (?:est |sont )?(?:sur|dans) (?:le|la|mon|ma) "
    r"(?:lit|table|bureau|tiroir|commode)\b|\bthe (?:note|letter|letters) (?:is|are) (?:on|in) "
    r"(?:the|my)\b|\bmes affaires sont rangees\b|\bj ai tout range\b|"
    r"\b(?:envelopes|letters) for my (?:kids|children|son|daughter|family)\b"
)
# giving things away before a departure: « je prépare mon départ », "won't need anything after"
DEPARTURE = (
    r"\b(?:prepare\w*|organise\w*) mon (?:grand )?depart\b(?! (?:en|pour|a|au|aux|vers|de|du)\b)|"
    r"\b(?:won t|will not) need (?:anything|any of it|it|them|my \w+) (?:after|anymore|any more)\b|"
    r"\b(?:n en )?aurai plus besoin (?:de rien|apres)\b"
)
# the decision made, the plan set: « ma décision est prise », "the plan is"
DECIDED = (
    r"\bma decision est prise\b|\bj ai pris ma decision\b|\bc est decide\b|\bmy (?:decision|mind) "
    r"is made\b|\bi ve made (?:my|up my) (?:decision|mind)\b|\bthe plan is\b|\ble plan (?:c est|"
    r"est)"
    r"\b|\bc est prevu pour\b|\bc est le bon soir\b|\bcette fois c est la bonne\b|\btonight (?:s|"
    r"is) "
    r"the night\b(?! (?:of|for|to)\b)"
)
# pills already swallowed, and what the body feels after them
TAKEN = (
    rf"\b(?:{SWALLOWED}|injecte\w*|avale\w*|vide\w*|took|swallowed|taken|downed|injected|"
    r"emptied|finished)\b (?:\w+ )?"
    r"(?:les|des|tous|toutes|toute|tout|the|all|every|a handful of|a bunch of|[3-9]|[1-9]\d|trois|"
    rf"quatre|cinq|dix) (?:\w+ ){{0,3}}?(?:{DOSE}|pills?|tablets?|meds|medication|insulin|"
    r"stylo|bottle|box|pack)\b|\b(?:took|swallowed|taken|downed) (?:everything|them all|it all)\b|"
    rf"\b{DOSE} (?:sont|est|ont ete|a ete) (?:tous |toutes |deja )?(?:avale|avales|avalees|"
    r"ingere\w*)\b|\b(?:pills|tablets|meds) (?:are|have been) (?:all )?(?:swallowed|taken|gone)\b|"
    r"\boverdosed\b|"
    rf"\b{DOSE} (?:c est|sont) (?:fait|faits|pris)\b|\b(?:pills|meds|tablets) (?:are )?(?:done|"
    r"down|in me)\b"
)
SYMPTOM = (
    r"\b(?:je me sens partir|tout tourne|(?:la )?tete (?:qui )?tourne|je sens plus (?:trop "
    r")?(?:mes|"
    r"les) (?:mains|jambes|bras|doigts)|j ai (?:tres )?froid|je transpire|je vomis|mal au ventre|"
    r"je m endors|je vois flou|je m allonge|i m lying down|lying down now|je (?:commence a )?plane|"
    r"getting (?:sleepy|drowsy|dizzy|cold)|"
    r"feel(?:ing)? (?:so )?(?:dizzy|sleepy|weird|drowsy|heavy|woozy|floaty)|can t feel my|"
    r"(?:everything|room) (?:is |s )?spinning|"
    r"falling asleep|throwing up)\b"
)
# no help wanted, no regret: « je veux pas d'ambulance », "don't send anyone", "not sorry"
NO_HELP = (
    r"\b(?:je (?:ne )?veux pas (?:d ambulance|qu on vienne|qu on m en empeche)|pas d ambulance|"
    r"n appelez (?:personne|pas)|ne venez pas|je (?:ne )?regrette (?:pas|rien)|don t send "
    r"(?:anyone|anybody|an ambulance|help)|(?:don t|do not) call (?:anyone|an ambulance|911|999)|"
    r"no ambulance|don t want an ambulance|not sorry|it s what i wanted|c est ce que je voulais|"
    r"don t try to (?:stop|save|talk) me|n essayez pas de m)\b"
)
# rat poison, cyanide: bought for rats too, so only with a time, last words or no help wanted
POISON = r"\b(?:mort aux rats|raticide|cyanure|rat poison|cyanide|produit contre les rats)\b"
# the car's engine on (with a hose), the gas open (with the writer waiting)
ENGINE_ON = (
    r"\b(?:engine|moteur|car|voiture)(?: s| is| est)? (?:on|running|allume|tourne|en marche)\b"
    r"(?! (?:rough|badly|poorly|hot|fine|well|smoothly|again|mal|bien|bizarrement)\b)"
)
GARAGE = r"\bgarage\b(?! (?:says|said|dit|a dit|told|m a dit))"
GAS = (
    r"\b(?:le gaz|the gas|gas)\b (?:\w+ ){0,2}?(?:est |is |s )?(?:ouvert|on|open|allume)\b|"
    r"\b(?:ouvert|allume|turned on|left on) (?:\w+ ){0,2}?(?:le gaz|the gas)\b|\bturned (?:the )?"
    r"gas on\b"
)
WAIT_NOW = (
    r"\bj attends\b(?! (?:votre|vos|ta|ton|une|un|le|la|les|des|depuis|toujours|encore|de|d|"
    r"qu|que|la reponse)\b)|\bi m (?:just )?waiting\b(?! (?:for (?:your|a|the|an)|on)\b)"
)
# a knife in hand is cooking too: only with the act said, a wait, or last words
KNIFE = (
    r"\b(?:couteau|knife)\b (?:\w+ ){0,2}?(?:dans|a) (?:la|ma|les|mes) mains?\b|"
    r"\bknife (?:\w+ ){0,2}?in my hand\b"
)
# the act said without its object: « je vais le faire », "I'll do it", « pas à le poser »
DO_IT = (
    r"\b(?:je vais le faire|je le fais|i ll do it|i m doing it|i m going to do it|i will do it|"
    r"(?:arrive|peux) pas a le (?:poser|lacher)|can t (?:put it down|let (?:it )?go))\b"
)
# « on me trouvera demain », "whoever finds me"
FOUND = (
    r"\b(?:ils|on|quelqu un|vous|elle|il) (?:ne )?me (?:trouvera|trouveront|retrouvera|"
    r"retrouveront)\b(?! (?:un|une|du|des|le|la|les|l|quelqu un|de|d|avec|grace)\b)|"
    r"\b(?:someone|they|whoever|my \w+) (?:will|ll|is going to|are going to) find me\b(?! (?:a|an|"
    r"some|the|another|one|someone|somewhere|help|work|through|via|with)\b)|\bwhoever finds me\b|"
    r"\bthe ones? (?:who|to) finds? me\b"
)
# everything ready (with being found, or a time)
READY = (
    r"\b(?:tout est (?:pret|prepare)|j ai tout prepare|everything is ready|i ve got everything "
    r"ready|got everything ready)\b(?! (?:pour|for|a|au|to)\b)"
)
# going to a place to fall from: « vendredi j'irai au viaduc », « monter sur le toit »
DESTINATION = (
    r"\b(?:monter|grimper|aller|go up|climb|get) (?:up )?(?:sur le|sur la|on|onto|to) (?:the )?"
    r"(?:toit|roof|rooftop|rebord|ledge|parapet)\b|"
    r"\b(?:irai|vais aller|j y vais|je pars|going|go|heading|head|ll go|will go|walking|driving|"
    r"marche|roule|on my way|en route) (?:\w+ )?(?:au|a la|sur le|sur la|sur les|vers le|vers la|"
    r"vers les|to the|on the|onto the|towards the|pour le|pour la) (?:viaduc|falaise|rails|"
    r"voie ferree|tracks|cliff|cliffs|bridge|pont)\b(?! (?:du|de|d|des|club|game|party|"
    r"tournament)\b)"
)
# a bare goodbye, a farewell only at a place to fall from or with the means at hand
BYE = r"\b(?:au revoir|adieu|bye|goodbye|farewell)\b"
# « c'est fini », « tout sera terminé » (with affairs put in order or the means)
ENDS = (
    r"\b(?:c est|ce sera|tout sera) (?:fini|termine)\b(?! (?:pour (?:le|la|les|l|mon|ma|mes|ce|"
    r"cette|aujourd hui)|avec|de|d)\b)|\bc est la fin\b(?! (?:de|du|des|d)\b)|\b(?:it s|it is|"
    r"it ll be|it will be|it will all be|it ll all be) (?:over|done|finished)\b(?! (?:with|for)\b)"
)
# « quand vous lirez ce message », "when you read this", and gone by then
AFTER_READ = (
    r"\b(?:when|by the time|once) (?:you|u|someone|anyone) (?:read|reads|see|sees|get|gets) "
    r"(?:this|my message|my note)\b|\b(?:quand|lorsque|au moment ou) (?:vous|tu|quelqu un) "
    r"(?:(?:lirez|liras|lira|verrez|verras) (?:ce|mon|cet) (?:message|mot|ecrit)|(?:le|me) "
    r"(?:lirez|liras|lira|verrez|verras|lisez|lis))\b|"
    # « si vous lisez ceci », "if you're reading this", a message set to be sent later
    r"\b(?:si|if) (?:vous|tu|you|u|quelqu un|someone|anyone) (?:le |me |are |re )?(?:lisez|lis|lit|"
    r"read|reads|reading) (?:ceci|ce message|ces lignes|ce mot|this|my message|these lines)?\b|"
    r"\b(?:message|mail|email|texto|post|envoi) (?:est |a ete |was |is |has been )?(?:programme|"
    r"planifie|scheduled|set to send)\b|\b(?:programme|planifie|scheduled) (?:l envoi de |the "
    r"sending of )?(?:ce|mon|cet|this|my) (?:message|mail|email|texto|post)\b(?! (?:au|aux|a|to|"
    r"for|pour (?:le|la|les|mon|ma|mes))\b)"
)
GONE = (
    r"\b(?:too late|trop tard|(?:ne )?serai plus la|i ll be gone|i will be gone|i won t be (?:here|"
    r"alive|around)|je serai (?:morte?|partie?|loin)|it ll be over|it will be over|ce sera fini|"
    r"i ll be dead|already gone|deja partie?)\b|"
    # the act done by then: « c'est que c'est fait », "it's done", "I'm gone"
    r"\bje (?:ne )?suis (?:deja )?plus la\b|"
    r"\bc est que (?:c est (?:fait|fini|trop tard)|je (?:ne )?(?:suis|serai) (?:deja )?(?:plus la|"
    r"partie?|morte?))\b|\b(?:it s|it is|it has) (?:already )?(?:done|happened)\b|"
    r"\bi m (?:already )?gone\b"
)
NOW = r"\b(?:now|rn|right now|maintenant|la maintenant|en ce moment)\b"
# on the tracks with a train coming
TRACKS = (
    rf"\b{_ME}\b (?:\w+ ){{0,2}}?(?:sur|on|onto|across|in the middle of|au milieu) (?:les |la |le |"
    r"the |des )?(?:voies?|voie ferree|rails|tracks|railway|passage a niveau|level crossing)\b"
)
TRAIN_COMING = (
    r"\b(?:train|tgv|ter|rer|metro|it|il|le bruit)\b (?:\w+ ){0,2}?(?:arriv\w*|coming|comes|"
    r"approaching|vient|approche)\b|\b(?:entends|hear) (?:le|the) train\b|\b(?:prochain|next) "
    r"(?:train|one)\b|\b(?:le )?prochain passe\b|\b(?:train|it s) due\b"
)
# pills one at a time, and how far along: « j'en suis à 12 », "almost through the pack"
ONE_BY_ONE = (
    r"\b(?:un par un|une par une|l un apres l autre|one by one|one at a time|one after (?:another|"
    r"the other))\b"
)
PILLS = rf"\b(?:{DOSE}|pills?|tablets?|meds|pack|packet|blister)\b"
PROGRESS = (
    r"\b(?:j en suis a \d+|i m at \d+|up to \d+|(?:bientot |almost )?(?:au bout de|through) (?:la |"
    r"le |the |my )?(?:\w+ )?(?:plaquette|boite|pack|box|packet|blister|bottle)|depuis (?:tout a "
    r"l heure|une heure|\d+ min\w*))\b"
)
# a rope or a belt checked: « j'ai vérifié qu'elle tient », "checked it holds"
ROPE = r"\b(?:corde|ceinture|noeud|rallonge|rope|noose|belt|knot)\b"
HOLDS = (
    r"\b(?:(?:il|elle|ca) tient(?: bien)?|verifie\w* qu (?:il|elle) tient|checked (?:it|that it) "
    r"holds|it holds|tested it)\b"
)
# a note left for the family: « laissé un mot pour mes parents », "left a letter for my kids"
NOTE = (
    r"\b(?:laisse|ecrit|ecris|left|wrote|written) (?:un |une |des |mes |a |my )?(?:mot|mots|"
    r"lettre|lettres|note|notes|letter|letters) (?:pour|a|for|to) (?:mes parents|mes enfants|ma "
    r"femme|mon mari|ma famille|chacun|each|my (?:kids|children|parents|wife|husband|mum|mom|dad|"
    r"family|partner))\b|\b(?:letters|notes|note|letter) (?:are |is |s )?(?:written|done|ready|"
    r"addressed)\b|\b(?:mes )?lettres sont (?:ecrites|pretes|postees)\b|\b(?:written|wrote|ecrit) "
    r"(?:to|a) (?:my|mes|ma|mon) (?:kids|children|parents|wife|husband|family|enfants|femme|mari|"
    r"famille)\b|\bleft (?:notes|a note|letters)\b|\bwrote (?:the|my|all "
    r"the|all my) (?:notes|letters|goodbye)\b"
)
# it is for tonight, what is needed at hand
TONIGHT = (
    r"\btonight (?:s|is) it\b|\b(?:it s|it is|it ll be|it will be|it s happening|happening|doing "
    r"it) (?:tonight|tomorrow|"
    r"at midnight|this weekend|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b"
    r"(?! (?:at|with|for|in|on|the)\b)"
)
GOT_WHAT_NEEDED = (
    r"\b(?:i ve got|i have|got|j ai) (?:what i need|everything i need|ce qu il faut|tout ce qu il "
    r"faut|de quoi (?:en finir|le faire|mourir|partir))\b(?! (?:for|to|pour|a|au))"
)
# a cut that is deep or will not stop bleeding
CUT_SELF = (
    r"\bi m cutting\b(?! (?:the|some|a|an|my hair|onions?|vegetables|paper|it|them|back|down|ties|"
    r"class|school|out|off|up|in|costs?|corners)\b)|"
    r"\b(?:me|m) (?:suis )?(?:entaille|coupe|taillade|scarifie|ouvert)\w*|\bi ve cut\b|\bi cut "
    r"(?:myself|deep|my (?:arms?|wrists?|thighs?|legs?|skin))\b|\bcutting (?:myself|my)\b"
)
STILL_BLEEDING = (
    r"\b(?:ca|le sang|sang|it|the bleeding|bleeding) (?:ne )?(?:s arrete (?:pas|plus)|coule "
    r"(?:partout|encore|toujours)|won t stop|doesn t stop|isn t stopping|keeps? going)\b|"
    r"\b(?:du sang partout|blood everywhere|plein de sang|lots of blood|profond\w*|deep|deeper|"
    r"can t stop|cannot stop|arrive pas a (?:m )?arreter)\b"
)
# Each word: cue names joined by "+" that, all found in the writer's own words, make an act
# prepared for now ("!NAME": that cue must not be found). bot/safety.py compiles them.
IMMINENT_TOGETHER = """
    MEANS+WHEN MEANS+TELL MEANS+WAITING MEANS+WAIT_NOW MEANS+FAREWELL MEANS+LAST_WORDS
    MEANS+NO_HELP MEANS+ENGINE_ON MEANS+ENDS MEANS+BYE BATH+BLADE HANGING ROPE+HOLDS
    POISON+WHEN POISON+TELL POISON+FAREWELL POISON+LAST_WORDS
    GAS+WAIT_NOW GAS+TELL GAS+FAREWELL GAS+LAST_WORDS GAS+CLOSED ENGINE_ON+CLOSED ENGINE_ON+GARAGE
    KNIFE+DO_IT KNIFE+WAITING KNIFE+TELL KNIFE+FAREWELL KNIFE+LAST_WORDS
    GUN_HELD+LOADED GUN_HELD+WHEN GUN_HELD+TELL GUN_HELD+BYE
    AT_HEIGHT+FALL AT_HEIGHT+TELL AT_HEIGHT+FAREWELL AT_HEIGHT+LAST_WORDS AT_HEIGHT+NO_HELP
    AT_HEIGHT+BYE TRACKS+TRAIN_COMING TRACKS+TELL TRACKS+FAREWELL TRACKS+BYE TRACKS+LAST_WORDS
    DESTINATION+AFFAIRS DESTINATION+FAREWELL DESTINATION+LAST_WORDS DESTINATION+WAITING
    TAKEN+SYMPTOM TAKEN+TELL TAKEN+NO_HELP TAKEN+LAST_WORDS TAKEN+FAREWELL TAKEN+BYE
    ONE_BY_ONE+PILLS+PROGRESS CUT_SELF+STILL_BLEEDING
    ACT+WHEN FAREWELL+LAST_WORDS FAREWELL+LEAVING FAREWELL+WHEN LAST_WORDS+LEAVING LAST_WORDS+BYE
    AFFAIRS+DECIDED AFFAIRS+FAREWELL AFFAIRS+LEAVING AFFAIRS+ENDS AFFAIRS+WHEN+LAST_WORDS
    NOTE+BYE NOTE+AFFAIRS NOTE+LAST_WORDS NOTE+LEAVING NOTE+MEANS
    TONIGHT+AFFAIRS TONIGHT+MEANS TONIGHT+FAREWELL TONIGHT+LAST_WORDS TONIGHT+NOTE
    TONIGHT+GOT_WHAT_NEEDED GOT_WHAT_NEEDED+WHEN FOUND+WHEN FOUND+READY FOUND+FAREWELL
    FOUND+LAST_WORDS DO_IT+WAITING DO_IT+NOTE DO_IT+AFFAIRS DO_IT+MEANS DO_IT+FAREWELL
    DO_IT+LAST_WORDS GUN_AIMED CHARCOAL+SEALED GAS+SEALED ENGINE_ON+SEALED AT_HEIGHT+ENDS
    NOTE+ENDS AFTER_READ+GONE AFTER_READ+LAST_WORDS FAREWELL+SORRY AT_HEIGHT+SORRY MEANS+SORRY
    TAKEN+SORRY
"""
# the same for a clear crisis (the emergency answer)
CLEAR_TOGETHER = """
    MEANS DESTINATION+WHEN DESTINATION+NOW POISON+NO_HELP FAREWELL_STRONG+!RETURN AFFAIRS+DEPARTURE
"""

# Quoted words and whose they are: « un proche me dit 'je veux mourir' », "someone tells me 'I
# want to die'", a scam SMS pasted. A quote whose speaker is someone else (or a text: an SMS, a
# post) is read as someone else's words; the writer's own quotes stay theirs.
QUOTED = re.compile(
    r"(?:^|(?<=[\s:(,]))[«“\"'\u2018]\s*([^«»“”\"\n]+?)\s*[»”\"'\u2019](?=[\s.,;:!?)]|$)"
)
QUOTE_SOURCES = frozenset(
    "sms texto message messages mail mails email courrier lettre story stories post posts statut "
    "tweet notification alerte titre pub text alert headline caption".split()
)
# « trois de mes patients », "one of my friends": the subject, not an object
QUANTIFIERS = frozenset(
    "un une deux trois quatre cinq plusieurs certains certaines beaucoup plupart nombre "
    "one two three four five some several many most none".split()
)
# « que des gens ont ... »: after these, « des » is an article and the people are the subject
CLAUSE_STARTS = frozenset("que qu quand si et mais car comme puisque ou donc".split())
# French « à » comes before a determiner (« à mon frère »), but for these: "a friend" is English
CALLED_BY_NAME = frozenset("maman papa mamie papi mamy papy".split())
# a quote received (an SMS, a mail) is not the writer's words even after « j'ai reçu »
QUOTE_RECEIVED = frozenset("recu recue recus received got voici here pasted colle copie".split())

# What the writer says that protects them: people around them, getting through it, a plan for
# tomorrow's paperwork. With no risk words of their own, it takes the model's reading one tier
# down (a question, not the alarm), unless doubt goes with it (« pas sûr que je m'en sortirai »).
HOPEFUL = re.compile(
    r"\b(?:je (?:vais )?m en (?:sortir|sortirai|remettre|remettrai)|je (?:ne )?lacherai rien|je "
    r"(?:vais|compte) me battre|on va s en sortir|i ll (?:survive|get through (?:it|this)|pull "
    r"through|get over it)|ill survive|i will survive|i m going to fight|"
    r"(?:i ve got|i have|i got|j ai|heureusement j ai) (?:good |great |my |mes |des |de bons? |de "
    r"bonnes )?(?:friends|amis|amies|potes|proches|family|famille|sister|brother|soeur|frere|"
    r"parents|running club|club|psy|therapist)\b(?: (?:around|autour|with|avec|qui))?|"
    r"just (?:wanted|needed) to (?:vent|rant|get it off my chest)|je voulais (?:juste )?(?:vider "
    r"mon sac|en parler|le dire)|souhaitez moi (?:bon courage|bonne chance)|wish me luck|"
    r"(?:demain|tomorrow|lundi|monday|la semaine prochaine|next week)\b.{0,40}\b(?:demarches|"
    r"paperwork|dossier|papiers|plainte|complaint|rdv|rendez vous|appointment|boulot|work)\b|"
    r"\b(?:reattaquer|reprendre|attaquer|deal with|sort out) (?:\w+ ){0,2}?(?:les |the |mes |my )?"
    r"(?:demarches|paperwork|dossier|papiers)\b.{0,20}\b(?:demain|tomorrow|lundi|monday)\b)"
)
DOUBT = re.compile(
    r"\b(?:pas sur|pas sure|pas certaine?|sais pas si|doute|crois pas|pense pas|not sure|doubt|"
    r"don t think|do not think|won t|can t|cannot|jamais|never|plus personne|no one|nobody|"
    r"n ai plus|no longer|anymore|vois pas|see no|see how|comment je)\b"
)
# Short messages that say nothing but waiting, thanks, yes, no, hello: « ok j'attends », « toujours
# là ? », "still waiting". A message made only of these words (figures aside) carries no risk,
# whatever crisis score the model gives it (« j'attends » is in many crisis examples).
NEUTRAL_WORDS = frozenset(
    (
        "ok okay oki okey k kk dac daccord d accord bon bah ben bien alors allo alo all hello "
        "hey coucou bonjour bonsoir salut hi merci thanks thank thx you svp stp please s il "
        "vous plait oui ouais non no yes yep yeah nope ah oh euh hmm hm mmm re voila entendu "
        "compris ca marche j attends attends attend attente attendre je patiente patiente "
        "patienter toujours encore la vous etes tu es y a il quelqu qqn un une someone anyone "
        "anybody there still waiting wait will ll i m im am are is me moi message messages msg "
        "numero reponse repondre votre vos de des du le les pour que qu depuis heure heures "
        "minute minutes min h ca fait longtemps nouvelles news update any et and on"
    ).split()
)
NEUTRAL_MAX_WORDS = 10
# The reply to the check-in question (« est-ce que vous pensez à vous faire du mal ... ? »):
# an acknowledgement made only of these words (« ok », « d'accord », « merci ») does not answer it;
# « je sais pas », « peut-être », « parfois » (a short reply) are a worrying answer, as crisis lines
# hear them.
ACKNOWLEDGEMENTS = frozenset(
    (
        "ok okay oki okey k kk dac d accord bon bah ben bien alors ah oh euh hmm hm mmm voila "
        "entendu compris ca marche vu merci thanks thank you thx alright right fine sure cool "
        "noted i see je vois"
    ).split()
)
UNSURE = re.compile(
    r"\b(?:je (?:ne )?sais pas|sais pas|chais pas|jsp|peut etre|ptet|parfois|des fois|un peu|ca "
    r"depend|ca m arrive|ca arrive|bof|i don t know|i dunno|dunno|idk|not sure|maybe|"
    r"perhaps|sometimes|kind of|kinda|sort of|a bit|a little|it happens)\b"
)
UNSURE_MAX_WORDS = 6
