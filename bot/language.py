"""The language a patient writes in, when it is clear: French or English (py3langid, offline).

The app's language (Telegram's language_code) is only a first guess: a French phone can write
English. A message switches the conversation when it has a few words and the identifier is
nearly sure; a greeting or a single word ("ok", "merci", "bonjour") says too little. `/language`
(the patient's own choice) always wins.
"""

from __future__ import annotations

from py3langid.langid import MODEL_FILE, LanguageIdentifier

LANGUAGES = ("fr", "en")
MIN_WORDS = 3
MIN_PROBABILITY = 0.99

_identifier = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
_identifier.set_languages(list(LANGUAGES))


def written_language(text: str) -> str | None:
    """French or English ("fr", "en") when the text clearly is; None if too short or unsure."""
    if len(text.split()) < MIN_WORDS:
        return None
    language, probability = _identifier.classify(text[:1000])
    return str(language) if probability >= MIN_PROBABILITY else None
