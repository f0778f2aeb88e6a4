"""The conversation side of the helpline: engine, channels (Telegram, console) and the CLI."""
