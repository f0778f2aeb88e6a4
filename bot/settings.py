"""Typed settings, read once from the environment (and an optional `.env` file)."""

from functools import lru_cache
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nlu.rasa import auth_token


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    rasa_url: str = "http://127.0.0.1:5005"
    # the NLU server's API token; unset: the one the set-up wrote in var/rasa-token
    rasa_token: SecretStr | None = None
    nlu_timeout: float = 2.0
    # --- several NLU servers (nlu/pool.py) ---
    # comma-separated server URLs, in place of RASA_URL; unset: RASA_URL alone
    rasa_urls: str = ""
    # a server that failed is skipped this long, then tried again
    rasa_retry_seconds: float = 10.0
    # --- end of several NLU servers ---
    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str | None = None
    telegram_webhook_url: str | None = None  # public base URL, for `helpline serve --webhook`
    telegram_webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    # on PostgreSQL, the patients' updates one webhook worker handles at once (the others wait
    # in its line, acknowledged, crises first: bot/telegram/intake.py)
    webhook_handlers: int = Field(default=8, gt=0)
    # --- Telegram's bot-wide send limit (bot/telegram/send_queue.py, send_budget.py) ---
    # messages a second from the bot, all chats and (on PostgreSQL) all workers together
    telegram_global_rate: float = Field(default=30.0, gt=0)
    # seconds a patient's reply waits in that line before they see "typing…"
    telegram_typing_after: float = 3.0
    # --- end of the bot-wide send limit ---
    helpline_agents_chat_id: int | None = None
    # --- several agents' groups (bot/agents_groups.py): "CHAT_ID:NAME[:RULES], ...", e.g.
    # "-1001000:fr, -1002000:en, -1003000:urgent"; unset: HELPLINE_AGENTS_CHAT_ID alone ---
    helpline_agents_chat_ids: str = ""
    # who runs the service, named in the privacy notice (GDPR art. 13); unset, the notice says
    # the name is still to be configured (responses/<lang>/_ui.yml: operator_unset)
    helpline_operator: str = ""
    database_url: str = "sqlite+aiosqlite:///var/helpline.db"
    # the privacy notice promises this: messages older than this many days are deleted
    retention_days: int = 90
    # how often the serving process applies it (messages, closed cases' topics, old chat ids)
    retention_check_minutes: float = 60.0
    # per patient: more than this many messages within the window gets one "slow down"
    throttle_messages: int = 6
    throttle_seconds: float = 10.0
    # the agents' group: Telegram allows about 20 messages a minute into one group
    agents_rate_limit: int = 20
    agents_rate_window: float = 60.0
    # a case waiting longer than this is recalled in the group's General topic
    case_reminder_minutes: float = 10.0
    # the language of what the agents' group reads (cards, notices): responses/<lang>/_agents.yml
    agents_language: Literal["fr", "en"] = "fr"
    # when people answer: "always", or e.g. "mon-fri 09:00-18:00" (in agents_timezone)
    agents_hours: str = "mon-fri 09:00-18:00"
    agents_timezone: str = "Europe/Paris"
    # --- the agents' desk (bot/desk.py): assignment, response-time targets, care ---
    # open cases per agent for the automatic assignment (an agent says /available, /away)
    agent_max_cases: int = 5
    # minutes to an agent's first reply, per priority, counted within agents_hours
    sla_first_reply: str = "urgent=5,high=30,normal=240"
    # minutes to an answer to the patient's latest message, once the conversation began
    sla_next_reply: float = 60.0
    # crisis and blackmail cases per shift before the assignment spares an agent (0: never)
    agent_heavy_cases_per_shift: int = 3
    # --- end of the agents' desk ---
    # the review workspace (`helpline review`): loopback only unless you put a TLS proxy in front
    review_host: str = "127.0.0.1"
    review_port: int = 8090
    review_session_hours: float = 8.0
    # Secure cookies; browsers accept them on http://127.0.0.1 and localhost
    review_cookie_secure: bool = True
    # failed logins allowed per account name (and 4x that per address) within the window
    review_login_failures: int = 5
    review_login_window_seconds: float = 900.0
    # the NLU inbox also shows messages the model placed with less confidence than this
    review_low_confidence: float = 0.5
    review_page_size: int = 50

    @model_validator(mode="after")
    def _agents_groups_readable(self) -> Self:
        """A mistake in HELPLINE_AGENTS_CHAT_IDS stops the start, saying what is wrong."""
        from bot.agents_groups import groups_from_settings  # it reads these settings

        groups_from_settings(self)
        return self

    def nlu_urls(self) -> list[str]:
        """The NLU servers the bot parses with: RASA_URLS, else RASA_URL alone."""
        urls = [url.strip() for url in self.rasa_urls.split(",")]
        return [url for url in urls if url] or [self.rasa_url]

    def nlu_token(self) -> str:
        """RASA_TOKEN, else the token the set-up wrote in var/rasa-token."""
        if self.rasa_token is not None:
            return self.rasa_token.get_secret_value()
        return auth_token()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
