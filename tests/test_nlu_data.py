from collections import defaultdict

from nlu.dataset import LANGUAGES, SMALL_TALK, intents_contract, load_examples, normalize

MINIMUM = {"fr": 40, "en": 20}
MINIMUM_SMALL_TALK = {"fr": 15, "en": 8}


def test_training_data_has_exactly_the_contract_intents() -> None:
    contract = set(intents_contract())
    assert len(contract) == 26
    assert {"relative_data", "data_online"} <= contract  # issue 16
    for lang, by_intent in load_examples().items():
        assert set(by_intent) == contract, lang


def test_every_intent_has_its_minimum_examples_per_language() -> None:
    examples = load_examples()
    short = [
        (lang, intent, len(texts))
        for lang in LANGUAGES
        for intent, texts in examples[lang].items()
        if len(texts) < (MINIMUM_SMALL_TALK if intent in SMALL_TALK else MINIMUM)[lang]
    ]
    assert short == []


def test_no_example_appears_under_two_intents() -> None:
    seen: dict[str, set[str]] = defaultdict(set)
    for by_intent in load_examples().values():
        for intent, texts in by_intent.items():
            for text in texts:
                seen[normalize(text)].add(intent)
    clashes = {text: intents for text, intents in seen.items() if len(intents) > 1}
    assert clashes == {}


def test_examples_are_not_empty_and_carry_no_entity_markup() -> None:
    for by_intent in load_examples().values():
        for intent, texts in by_intent.items():
            for text in texts:
                assert normalize(text), intent
                assert "](" not in text, text
