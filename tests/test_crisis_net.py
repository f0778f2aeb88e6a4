"""The keyword net's cues that work together (bot/crisis_patterns.py, `IMMINENT_TOGETHER` and
`CLEAR_TOGETHER`) and the readings that lower a tier (figures of speech, someone else's quoted
words, an accident). Every sentence here was written for these tests: none comes from the
evaluation sets (nlu/eval) nor from the training data, so they check that other wordings of the
same situations are caught, with and without accents, in SMS spelling and in English."""

from __future__ import annotations

import pytest

from bot import crisis_patterns as patterns
from bot.safety import Risk, assess, read

# an act under way or prepared for the coming hours: 15 / 112 first
IMMINENT = [
    # pills: a quantity swallowed, pills one by one, what the body feels after them
    "jai avalé toute la plaquette de xanax y a 20 minutes, ma tete tourne",
    "J'ai pris toutes mes boîtes de lexomil d'un coup",
    "les somnifères sont avalés, je voulais juste que quelqu'un le sache",
    "g pris 3 boites de doliprane cet aprem",
    "i'm swallowing them one by one, i'm at 15",
    "took the whole bottle of my sleeping pills, i feel so dizzy",
    "g avalé 30 doliprane, pas d'ambulance svp",
    "jai avalé tout ce qu'il restait dans la boite a pharmacie de mes parents",
    # hanging: a noose tied to something, a chair under the beam
    "le noeud est fait, la corde est accrochée à la poutre du garage",
    "jai attaché la ceinture au crochet de la salle de bain",
    "rope's tied to the beam in the attic",
    "the noose is ready, waiting for my wife to fall asleep",
    "le tabouret est sous la poutre depuis ce matin",
    # a height, and the fall below, a farewell or someone told
    "je suis sur le parapet du pont, il y a 30 mètres en dessous",
    "chui sur le toit de l'hopital, je regarde en bas",
    "je suis assise au bord de la falaise, au revoir",
    "i'm sitting on the ledge of my 12th floor window",
    "standing on the bridge, nobody knows where i am",
    "i'm at the top of the car park, 8 floors, i'm going to jump",
    "jsuis sur la voie ferree, jentends le train qui arrive",
    # the act with a time
    "ce soir minuit je saute",
    "dans une demi heure je me jette sous le train",
    "in 20 minutes i'm doing it, the pills are in front of me",
    "les cachets sont alignés sur la table, cette nuit c'est la bonne",
    # a blade and a bath, a knife in hand and the act said
    "my razor is next to me and the bath is running",
    "la baignoire coule, le rasoir est prêt",
    "j'ai le couteau à la main et je vais le faire avant que mes parents rentrent",
    # carbon monoxide, gas
    "i'm in the car in the garage with the engine running and the door closed",
    "jai branché le tuyau sur le pot d'échappement, le moteur tourne",
    "j'ai mis les braises du barbecue dans ma chambre et calfeutré la porte",
    "j'ai ouvert le gaz et mis du scotch autour des fenêtres",
    # a loaded gun in hand
    "jai le pistolet de mon pere dans la main et il est chargé",
    "gun's loaded and on my lap",
    # farewells with last words or a time, affairs put in order
    "adieu à tous, pardon pour tout le mal",
    "bye everyone. it's not your fault",
    "dernier message : je vous aime tous, ne cherchez pas à me retrouver. je pars maintenant",
    "i've left a letter for each of the kids on the kitchen table, tonight is the night",
    "j'ai donné mon chien à ma voisine et écrit mes lettres, c'est prévu pour dimanche",
    "on me trouvera demain matin, tout est prêt",
    "the syringe is filled, i'm using it tonight",
    # second round: other wordings again
    "i've swallowed about 50 of my mum's tablets, i'm so tired now",
    "rope around my neck, standing on the chair",
    "la ceinture est autour de mon cou",
    "j'ai le canon du fusil sous le menton",
    "i'm on the 10th floor balcony and i'm climbing over",
    "je m'allonge sur les rails, le prochain passe à 22h",
    "j'ai scotché les aérations et ouvert le gaz",
    "i've set up the charcoal in my room and taped the door",
    "when you read this it'll be too late",
    "quand vous lirez ce message je ne serai plus là",
    "adieu, je vous aime, ne m'en voulez pas",
    "goodbye world, i'm sorry",
    "ce soir c'est la fin, les lettres sont prêtes",
    "i've put the cat with my sister and left notes, tonight's it",
    "je marche vers le pont, c'est la dernière fois que j'écris",
]
# a clear crisis: the emergency answer and an urgent case
CLEAR = [
    "j'ai la corde dans le coffre",  # a means at hand
    "the blade is ready",
    "c'est un adieu. merci pour votre patience",  # a farewell said for good
    "saying goodbye to someone before i go",
    "j'ai arrêté ma trithérapie exprès pour que la maladie m'emporte",
    "stopped my insulin on purpose, let it kill me",
    "je me plante des épingles dans la cuisse le soir",
    "i have a plan and a date now",
]
# ordinary messages with the same words: nothing from the net
NOTHING = [
    "je suis sur le toit pour réparer l'antenne, je redescends ce soir",
    "je suis sur le pont du bateau avec les enfants, on rentre dimanche",
    "j'ai pris mes médicaments ce matin, est-ce que le labo a mon ordonnance ?",
    "j'ai pris deux doliprane pour la migraine, j'ai un peu la tête qui tourne",
    "I took my meds and feel a bit dizzy, is that normal with PrEP?",
    "la corde à linge est tendue dans le jardin",
    "j'ai rendu les clés de l'appart, je déménage samedi",
    "I cancelled all my subscriptions because of the phishing SMS",
    "au revoir tout le monde, à demain",
    "bye everyone, see you next week",
    "the train comes at 6, can I call you from the station?",
    "je suis sur le quai, le train a du retard, je vais rater mon rdv avec l'avocat",
    "j'ai acheté de la mort aux rats, on a des souris dans la cave",
    "my phone battery is dead, I'll write again tomorrow",
    "merci pour tout, bonne soirée",
    "on me retrouvera avec ces données, les arnaqueurs savent où j'habite",
    "tout est prêt pour le rendez-vous avec l'avocat demain",
    "je saute le repas ce soir, trop de stress",
    "j'ai fait le pont de l'ascension, je réponds lundi",
    "my mum will find me a lawyer tomorrow",
    "dans 10 min je rappelle la banque",
    "je suis au bord du burn out mais je tiens",
    "I'm at the edge of my patience with this lab",
    "j'ai vidé mon compte facebook et fermé instagram",
    "ok I'll do it tomorrow, the form I mean",
    "the garage says my engine is running rough",
    "j'ai le couteau dans la main, je coupe les légumes pour ce soir",
    "i'm on the roof terrace at a party tonight, can we talk tomorrow?",
    "I wrote a letter to my landlord, I'll post it tonight",
    "je suis désolée, au revoir",
    "I'm sorry, goodbye",
    "tonight's the night I tell my husband everything",
    "I took all my antidepressants to the pharmacy for recycling",
    "c'est mon dernier message avant les vacances, à bientôt",
    "quand vous lirez ce message, je serai déjà en route pour le commissariat",
    "i'm cutting back on coffee because of the stress",
    "my kids are at their dad's tonight so I have time to fill the form",
    "j'attends que tout le monde dorme pour remplir le formulaire tranquille",
    "mes lettres sont écrites pour la CNIL et le labo, je les poste demain",
    "la corde de ma guitare a lâché ce soir",
]
# figures of speech: taken out of the text, and the model's reading one tier down
FIGURES = [
    "ce dossier va me foutre en l'air mon week-end",
    "je vais mourir de vieillesse avant d'avoir une réponse de la CNIL",
    "cette procédure n'en finit pas",
    "je voudrais mettre fin à mon abonnement chez ce labo",
    "je ne serai pas là du 3 au 10, rappelez-moi après",
    "I won't be around next month, I'm visiting family",
    "this hotline is going to be the death of me",
    "that letter finished me off, I need a nap",
    "I nearly died of embarrassment at the pharmacy",
    "my instagram is dead since the leak",
    "goodbye facebook, is deleting it enough?",
    "at the end of my rope with this insurer",
    "je vais l'étrangler ce conseiller qui ne rappelle jamais",
    "I'm going to strangle the next person who puts me on hold",
    "my sister will murder me if she learns I told you",
    "my case is closed, I'm turning the page",
    "they have a knife to my throat with this blackmail",
]


@pytest.mark.parametrize("text", IMMINENT)
def test_an_act_prepared_for_now_is_imminent(text: str) -> None:
    assert assess(text) is Risk.IMMINENT


@pytest.mark.parametrize("text", CLEAR)
def test_a_means_at_hand_or_a_farewell_for_good_is_clear(text: str) -> None:
    assert assess(text) >= Risk.CLEAR


@pytest.mark.parametrize("text", NOTHING)
def test_the_same_words_in_ordinary_messages_raise_nothing(text: str) -> None:
    assert assess(text) is Risk.NONE


@pytest.mark.parametrize("text", FIGURES)
def test_a_figure_of_speech_raises_nothing_and_lowers_the_model(text: str) -> None:
    reading = read(text)
    assert (reading.risk, reading.idiom) == (Risk.NONE, True)
    assert reading.with_score(0.5) is Risk.NONE  # a question from the model alone: none
    assert reading.with_score(0.9) is Risk.POSSIBLE  # a crisis for the model alone: a question


def test_a_farewell_with_a_return_is_a_goodbye() -> None:
    assert assess("c'est un adieu à ce labo, à la semaine prochaine pour la suite") is Risk.NONE
    assert assess("c'est un adieu") >= Risk.CLEAR


@pytest.mark.parametrize(
    "text",
    [
        "ma voisine m'a dit 'je vais me pendre' en parlant de la fuite, je fais quoi ?",
        'what do I say when a friend texts me "I want to kill myself"?',
        "mon cousin a posté « j'ai envie de mourir » sur insta hier soir",
    ],
)
def test_someone_elses_quoted_words_get_at_most_the_question(text: str) -> None:
    reading = read(text)
    assert reading.risk <= Risk.POSSIBLE and reading.other
    assert reading.with_score(0.95) is Risk.POSSIBLE


def test_quoted_words_of_a_text_are_not_the_writers() -> None:
    reading = read(
        "j'ai reçu ce SMS : 'Alerte overdose de données, votre compte sera tué' c'est quoi ?"
    )
    assert reading.risk is Risk.NONE and reading.other


def test_the_writers_own_quoted_words_stay_theirs() -> None:
    assert assess("j'ai écrit 'je veux mourir' dans mon journal hier soir et je le pense") >= (
        Risk.CLEAR
    )


def test_someone_elses_act_under_way_quoted_is_still_an_emergency() -> None:
    assert assess("ma sœur m'écrit 'j'ai avalé toutes mes pilules' et ne répond plus") is (
        Risk.IMMINENT
    )


@pytest.mark.parametrize(
    "text",
    [
        "je suis psychologue, deux de mes patients ont des idées suicidaires depuis la fuite",
        "one of my friends has been self-harming since the breach, who can help?",
        "dans le film, l'héroïne se suicide à la fin, ça m'a secouée",
        "avez-vous des données sur le risque suicidaire après une fuite de données ?",
    ],
)
def test_someone_elses_risk_or_a_subject_is_not_the_writers_crisis(text: str) -> None:
    assert assess(text) <= Risk.POSSIBLE


@pytest.mark.parametrize(
    "text",
    [
        "I cut myself slicing bread, it's fine, just a plaster",
        "je me suis coupée le pouce avec l'ouvre-lettre en ouvrant votre courrier",
        "my plant is dying, too much water?",
    ],
)
def test_an_accident_is_not_self_harm(text: str) -> None:
    assert assess(text) is Risk.NONE


def test_the_combinations_read_the_writers_own_words_only() -> None:
    # the same cues, but as a figure of speech taken out: no emergency
    assert assess("ce rendez-vous ce soir va me tuer, au revoir tout le monde et à demain") < (
        Risk.CLEAR
    )


def test_any_net_is_the_union_of_the_three_nets() -> None:
    """read() searches none of the three nets where ANY_NET found no risk words (bot/safety.py):
    that holds while ANY_NET is their union."""

    def union(*lists: list[str]) -> str:
        return "|".join(f"(?:{p})" for p in [item for each in lists for item in each])

    assert patterns.IMMINENT_NET.pattern == union(patterns.IMMINENT)
    assert patterns.CRISIS.pattern == union(patterns.FRENCH, patterns.ENGLISH, patterns.IMMINENT)
    assert patterns.POSSIBLE_NET.pattern == union(patterns.POSSIBLE)
    assert patterns.ANY_NET.pattern == union(
        patterns.IMMINENT, patterns.FRENCH, patterns.ENGLISH, patterns.POSSIBLE
    )
    nets = (patterns.ANY_NET, patterns.IMMINENT_NET, patterns.CRISIS, patterns.POSSIBLE_NET)
    assert len({net.flags for net in nets}) == 1
