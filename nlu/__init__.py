"""Rasa side of the helpline: training data, pipeline configs, the async client of the server.

Kept import-free: `nlu.components` is imported by Rasa itself inside `.venv-rasa` (Python 3.10).
"""
