"""The keyword parser the engine tests use in place of the NLU server (tests/fake_parser.py): what
it answers, and, against the real server, that the model reads the messages those tests send as
the fake does, so that the engine would do the same with either."""

from __future__ import annotations

import pytest

from bot.engine import Parser
from bot.safety import CLEAR_SCORE, POSSIBLE_SCORE, read
from nlu.client import FALLBACK_INTENT, NLUClient
from nlu.dataset import intents_contract
from tests.fake_parser import FALLBACK_CONFIDENCE, GUESSES, RULES, KeywordParser, Rule

# The messages of test_engine, test_escalation, test_language and test_console whose intent the
# tests rely on (the others are commands, buttons, crises the keyword net catches, or texts whose
# answer is not checked).
MESSAGES = [
    "bonjour",
    "j'ai reçu un sms soi-disant de l'ameli qui demande ma carte bancaire",
    "je veux porter plainte contre le labo au commissariat",
    "comment je sais si mes données sont dans la fuite ?",
    "I got an email saying I'm owed a health refund, is it a scam?",
    "how do I complain to the CNIL about this",
    "someone opened a bank account in my name",
    "quelqu'un a ouvert un crédit à mon nom",
    "je veux porter plainte",
    "je ne vois plus aucune raison de continuer",
    "un type menace de dire à mon patron que je suis séropo si je paie pas",
    "je voudrais parler à un humain svp",
    "oui",
    "j'ai reçu un sms bizarre de l'ameli",
    "comment porter plainte ?",
    "j'ai cliqué sur le lien du faux sms et on m'a débité 300 euros",
    "on me fait du chantage avec mes résultats, ils veulent de l'argent",
    "j'ai reçu un sms de l'ameli qui demande mon numéro 06 12 34 56 78",
    "my boss could find out about my HIV status from the leak, what can I do?",
]
# the highest threshold those tests give the engine (Engine's default)
THRESHOLD = 0.5


async def test_a_keyword_gives_its_intent_whatever_the_case_and_the_accents() -> None:
    parser: Parser = KeywordParser(RULES)
    result = await parser.parse("J'AI REÇU UN SMS BIZARRE")
    assert (result.intent, result.confidence) == ("phishing_report", 0.9)
    assert result.ranking[0].name == "phishing_report" and not result.fell_back
    assert (await parser.parse("on m'a DÉBITÉ 300 €")).intent == "scam_victim"


async def test_keywords_match_whole_words_and_the_first_rule_wins() -> None:
    parser = KeywordParser([Rule(("oui",), "affirm"), Rule(("sms", "oui"), "phishing_report")])
    assert (await parser.parse("un ouistiti")).intent == FALLBACK_INTENT
    assert (await parser.parse("oui, un sms")).intent == "affirm"
    assert (await parser.parse("un SMS")).intent == "phishing_report"


async def test_no_keyword_falls_back_with_guesses_behind() -> None:
    parser = KeywordParser(RULES)
    result = await parser.parse("euh je sais pas trop en fait")
    assert result.fell_back and result.confidence == FALLBACK_CONFIDENCE
    assert [s.name for s in result.ranking] == [FALLBACK_INTENT, *GUESSES]
    assert result.score("crisis") == 0.0
    assert parser.parsed == ["euh je sais pas trop en fait"]


async def test_a_blank_has_no_intent_as_with_the_real_client() -> None:
    result = await KeywordParser(RULES).parse("  \n")
    assert (result.intent, result.confidence, result.ranking) == (FALLBACK_INTENT, 0.0, ())


async def test_the_crisis_score_is_the_models() -> None:
    parser = KeywordParser([*RULES, Rule(("a bout",), "emotional_support", 0.5, crisis=0.3)])
    crisis = await parser.parse("je ne vois plus aucune raison de continuer")
    assert crisis.intent == "crisis" and crisis.score("crisis") >= CLEAR_SCORE
    possible = await parser.parse("je suis à bout")
    assert possible.intent == "emotional_support"
    assert POSSIBLE_SCORE <= possible.score("crisis") < CLEAR_SCORE
    assert (await parser.parse("comment porter plainte ?")).score("crisis") == 0.0


def test_every_rule_is_an_intent_of_the_contract() -> None:
    contract = set(intents_contract())
    assert {rule.intent for rule in RULES} <= contract
    assert set(GUESSES) <= contract


@pytest.mark.rasa
@pytest.mark.parametrize("text", MESSAGES)
async def test_the_model_reads_the_engine_tests_messages_as_the_fake_does(
    nlu: NLUClient, fake_nlu: KeywordParser, text: str
) -> None:
    model, fake = await nlu.parse(text), await fake_nlu.parse(text)
    assert model.intent == fake.intent, (text, model.ranking[:3])
    assert model.confidence >= THRESHOLD, (text, model.ranking[:3])
    net = read(text)
    risk = net.with_score(model.score("crisis"))
    assert risk == net.with_score(fake.score("crisis")), (text, model.score("crisis"))
