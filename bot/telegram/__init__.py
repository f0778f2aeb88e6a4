"""Telegram channel (aiogram 3): translates updates to the engine and the engine's turns back."""
