"""Custom Rasa components, imported by Rasa in `.venv-rasa` (Python 3.10): no project imports."""
