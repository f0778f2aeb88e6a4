"""Rasa side of the helpline: training data, pipeline configs, the async client of the server."""

from nlu.client import IntentScore, NLUClient, NLUUnavailable, ParseResult

__all__ = ["IntentScore", "NLUClient", "NLUUnavailable", "ParseResult"]
