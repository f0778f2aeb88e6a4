"""The scam checker (bot/scam_check.py): each reason and campaign on real-looking messages, links
written the way scammers and cautious people write them, genuine messages left alone, the wording
(facts of responses/facts.yml only, never "safe"), and the figures on the held-out split."""

from __future__ import annotations

import re
import socket
from datetime import date

import pytest

from bot import scam_eval
from bot.scam_check import (
    CAMPAIGN_PREFIX,
    DOMAIN_REASONS,
    Reason,
    ScamLevel,
    ScamVerdict,
    check,
    domain_reason,
    knowledge,
    render,
    texts,
)
from responses import LANGUAGES
from responses.facts import read_facts
from tests.content_helpers import is_known, normalise_url, numbers_in, urls_in

REASONS = [
    ("Votre remboursement vous attend sur amel1.fr/dossier", Reason.LOOKALIKE_DOMAIN),
    ("Assurance Maladie : complétez le dossier sur ameli-dossier.com", Reason.BRAND_IN_DOMAIN),
    ("Connectez-vous : www.ameli.fr.compte-secu.info/remb", Reason.OFFICIAL_AS_SUBDOMAIN),
    ("Votre colis est bloqué, suivez-le ici : bit.ly/3xYzAb", Reason.SHORTENER),
    ("Planifiez une nouvelle livraison : colis-express-suivi.net", Reason.UNOFFICIAL_DOMAIN),
    ("Ici le service fraude : dictez-moi le code reçu par SMS", Reason.ASKS_CODE),
    ("Send us the 6-digit code we just texted you to cancel the payment", Reason.ASKS_CODE),
    ("Pour recevoir le virement, renseignez votre RIB ici", Reason.ASKS_BANK_DETAILS),
    ("Colis en attente : frais de 1,99 € à régler avant ce soir", Reason.ASKS_PAYMENT),
    ("Merci de nous transmettre votre numéro de sécu par retour de SMS", Reason.ASKS_NIR_OR_HEALTH),
    ("Renvoyez une copie de votre pièce d'identité pour finaliser", Reason.ASKS_ID_DOCUMENT),
    ("Veuillez mettre à jour vos informations pour continuer", Reason.ASKS_PERSONAL_DETAILS),
    ("Opération bloquée, rappelez votre conseiller au 06 00 00 12 34", Reason.CALL_BACK_NUMBER),
    ("CPAM : merci de nous joindre au 01 99 00 77 10 (dossier)", Reason.CALL_BACK_NUMBER),
    ("Dernier rappel : réglez sous 24h sur paiement-dossier.com", Reason.URGENCY),
    ("Votre compte sera suspendu, réactivez-le : compte-reactivation.com", Reason.THREAT),
    ("URGENT vs devez regler avant poursuites", Reason.THREAT),
]

CAMPAIGNS = [
    ("ameli: un remboursement de 64,10 € vous attend, saisissez vos coordonnées bancaires : "
     "ameli-versement.net", "ameli_refund"),
    ("Votre carte Vitale expire demain. Commandez la nouvelle, frais d'envoi 2,10 € : "
     "vitale-commande.info", "carte_vitale"),
    ("Vos résultats d'analyse sont prêts : consultez-les sur resultats-patient-bio.com sous 48h",
     "lab_results"),
    ("Colissimo : votre colis est retenu, frais de réexpédition 1,20 € : colissimo-aide.com",
     "parcel"),
    ("Votre conseiller bancaire : opération suspecte de 1 200 €, ne raccrochez pas et lisez-moi "
     "le code reçu par SMS", "bank_adviser"),
    ("Il vous reste 1 900 € sur votre CPF, ils expirent ce mois-ci : droits-formation-cpf.com",
     "cpf"),
    ("ANTAI : avis de contravention impayé, payez 35 € avant majoration : antai-reglement.com",
     "traffic_fine"),
    ("DGFiP : remboursement d'impôt de 240 € en attente, indiquez votre IBAN : dgfip-retour.com",
     "tax_refund"),
    ("Chèque énergie : vous avez droit à 150 €, remplissez le formulaire : cheque-aide-fr.com",
     "fake_benefit"),
    ("Félicitations, vous avez gagné un bon d'achat de 300 € ! Réclamez-le : cadeau-client.com",
     "prize"),
    ("Coucou papa, j'ai perdu mon téléphone, écris-moi sur WhatsApp au 06 00 00 98 76 stp "
     "c'est urgent", "family_impersonation"),
    ("Victime de la fuite des laboratoires ? Obtenez votre indemnisation, frais de dossier 19 € : "
     "victimes-labos-indemnite.com", "leak_compensation"),
]  # fmt: skip

OBFUSCATED = [
    ("Remboursement : ameli-rembourse[.]com", "ameli-rembourse.com", Reason.BRAND_IN_DOMAIN),
    ("lien : hxxps://ameli-secure(.)net/login", "ameli-secure.net", Reason.BRAND_IN_DOMAIN),
    ("colis en attente: bit.ly/xyz", "bit.ly", Reason.SHORTENER),
    ("www.ameli.fr.secure-id.info", "ameli.fr.secure-id.info", Reason.OFFICIAL_AS_SUBDOMAIN),
    ("Connectez-vous sur amel1.fr", "amel1.fr", Reason.LOOKALIKE_DOMAIN),
    ("Connectez-vous sur arneli.fr", "arneli.fr", Reason.LOOKALIKE_DOMAIN),
    ("https://xn--meli-43d.fr/compte", "xn--meli-43d.fr", Reason.LOOKALIKE_DOMAIN),  # Cyrillic a
    ("www.\u0430meli.fr/compte", "\u0430meli.fr", Reason.LOOKALIKE_DOMAIN),  # the same, in letters
    ("Confirmez sur ameli-remb . com", "ameli-remb.com", Reason.BRAND_IN_DOMAIN),
    ("\uff41\uff4d\uff45\uff4c\uff49-remb.com", "ameli-remb.com", Reason.BRAND_IN_DOMAIN),
    ("HTTPS://AMELI-REMB.COM/X", "ameli-remb.com", Reason.BRAND_IN_DOMAIN),
    ("hxxp://203.0.113.9/ameli/login", "203.0.113.9", Reason.UNOFFICIAL_DOMAIN),
    ("De : Assurance Maladie <info@ameli-notification.com>", "ameli-notification.com",
     Reason.BRAND_IN_DOMAIN),
]  # fmt: skip

GENUINE = [
    "Assurance Maladie : remboursement de 31,20 € versé. Détail dans votre compte ameli.",
    "L'Assurance Maladie vous informe : la campagne de vaccination a commencé, infos sur ameli.fr",
    "Votre code de sécurité est 552 104. Ne le communiquez jamais, même à votre conseiller.",
    "Colissimo : colis livré demain. Suivi : https://www.laposte.fr/outils/suivre-vos-envois",
    "Labo : rappel de votre prise de sang demain 8h, à jeun. Pour annuler : 01 99 00 44 55",
    "Vos résultats sont disponibles. Pour toute question, appelez-nous au 01 99 00 10 10.",
    "Coucou, tu viens dîner samedi ? 🙂",
    "Urgent : la réunion est avancée à 17h !",
    "Dernier rappel ! Votre dossier sera clôturé vendredi.",  # no link, nothing asked
    "Le communiqué est sur https://assurance-maladie.ameli.fr/presse",
    "amelie-photos.fr : mes photos de vacances",
]

SAFE_WORDS = r"\b(sûre?s?|sans danger|sans risque|fiable|authentique|safe|legit\w*|genuine)\b"


@pytest.mark.parametrize(("text", "reason"), REASONS)
def test_each_reason_is_found(text: str, reason: Reason) -> None:
    assert reason in check(text).reasons


@pytest.mark.parametrize(("text", "campaign"), CAMPAIGNS)
def test_each_known_campaign_is_named_and_flagged(text: str, campaign: str) -> None:
    verdict = check(text)
    assert verdict.campaign == campaign and verdict.flagged
    assert Reason(CAMPAIGN_PREFIX + campaign) in verdict.reasons


def test_every_campaign_and_reason_has_its_sentence_in_both_languages() -> None:
    campaigns = set(knowledge()["campaigns"])
    assert {r.removeprefix(CAMPAIGN_PREFIX) for r in Reason if r.startswith(CAMPAIGN_PREFIX)} == (
        campaigns
    )
    keys = {language: set(texts(language)) for language in LANGUAGES}
    assert keys["fr"] == keys["en"]
    for language in LANGUAGES:
        t = texts(language)
        assert set(t["campaigns"]) == campaigns and set(t["heading"]) == set(ScamLevel)
        assert set(t["reasons"]) == {r for r in Reason if not r.startswith(CAMPAIGN_PREFIX)}
        for reason, sentence in t["reasons"].items():
            assert ("{domain}" in sentence) == (reason in DOMAIN_REASONS), (language, reason)


@pytest.mark.parametrize(("text", "domain", "reason"), OBFUSCATED)
def test_links_are_read_however_they_are_written(text: str, domain: str, reason: Reason) -> None:
    verdict = check(text)
    assert domain in verdict.domains and reason in verdict.reasons
    assert verdict.flagged or reason is Reason.UNOFFICIAL_DOMAIN


@pytest.mark.parametrize("text", GENUINE)
def test_genuine_messages_are_not_flagged(text: str) -> None:
    assert check(text).level is ScamLevel.NO_SIGN


def test_official_domains_and_their_subdomains_are_official() -> None:
    for host in ("ameli.fr", "assurance-maladie.ameli.fr", "impots.gouv.fr", "www.antai.gouv.fr"):
        assert domain_reason(host) is None, host
    for host in ("moncompteformation.gouv.fr", "service-public.fr", "laposte.fr", "colissimo.fr"):
        assert domain_reason(host) is None, host
    assert domain_reason("gouv.fr.example.com") is Reason.OFFICIAL_AS_SUBDOMAIN
    assert domain_reason("amelioration-habitat.fr") is Reason.UNOFFICIAL_DOMAIN


def test_a_message_without_link_or_request_is_no_sign_and_keeps_no_campaign() -> None:
    verdict = check("Assurance Maladie : votre carte Vitale expire le mois prochain.")
    assert verdict == ScamVerdict(ScamLevel.NO_SIGN, (Reason.URGENCY,), (), None)


def test_nothing_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the scam checker opened a connection")

    for name in ("socket", "create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse)
    for item in scam_eval.load_set():
        render(check(item.text), "fr")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_answer_gives_33700_and_signal_spam_and_never_says_safe(language: str) -> None:
    for text in ("Coucou, ça va ?", "colis: bit.ly/x", "ameli-remb.com : payez 1,99 € de frais"):
        answer = render(check(text), language)
        assert "33700" in numbers_in(answer) and "signal-spam.fr" in urls_in(answer), answer
        assert not re.search(SAFE_WORDS, answer, re.IGNORECASE), answer
    flagged = render(check("ameli-remb.com : payez 1,99 € de frais"), language)
    assert "ameli-remb[.]com" in flagged and "ameli-remb.com" not in flagged  # cannot be tapped
    assert "0892705705" in numbers_in(flagged) and "3646" in numbers_in(flagged)


def test_the_scam_texts_state_only_numbers_and_addresses_of_the_fact_sheet() -> None:
    facts, _ = read_facts()
    stated = [fact for fact in facts if fact.status != "unverified"]
    numbers = {n for f in stated for t in (*f.numbers, *f.figures) for n in numbers_in(t)}
    urls = {normalise_url(url) for fact in stated for url in fact.urls}
    for language in LANGUAGES:
        t = texts(language)
        for text in (*t["reasons"].values(), *t["campaigns"].values(), *t["heading"].values()):
            assert {n for n in numbers_in(text) if len(n) >= 2} <= numbers, text
            assert all(is_known(url, urls) for url in urls_in(text)), text
        for key in ("steps", "no_sign_steps", "already", "footer", "noticed"):
            assert {n for n in numbers_in(t[key]) if len(n) >= 2} <= numbers, (language, key)
            assert all(is_known(url, urls) for url in urls_in(t[key])), (language, key)


def test_the_labelled_set_is_large_mixed_split_and_fictional() -> None:
    items = scam_eval.load_set()
    assert len(items) >= 120 and len({i.id for i in items}) == len(items)
    assert 0.55 <= sum(i.scam for i in items) / len(items) <= 0.65
    assert 0.28 <= sum(i.split == "dev" for i in items) / len(items) <= 0.38
    assert {i.split for i in items} == {"dev", "test"} and {i.lang for i in items} == {"fr", "en"}
    phones = [p for i in items for p in re.findall(r"(?<!\d)0[1-9](?:[ .]?\d\d){4}", i.text)]
    assert phones and all(re.match(r"0(6 00 00|1 99 00) ", p) for p in phones), phones


@pytest.mark.parametrize("split", scam_eval.SPLITS)
def test_flagging_is_right_on_nine_messages_in_ten_of_each_split(split: str) -> None:
    scores = scam_eval.score(scam_eval.read_split(scam_eval.load_set(), split))
    assert scores.recall >= 0.9 and scores.precision >= 0.9, (scores.recall, scores.precision)


def test_the_committed_report_is_the_one_the_code_writes() -> None:
    report = scam_eval.REPORT.read_text(encoding="utf-8")
    written = date.fromisoformat(re.search(r"on (\d{4}-\d\d-\d\d)", report)[1])
    assert report == scam_eval.summary(scam_eval.load_set(), written)
