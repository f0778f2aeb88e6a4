"""The Telegram application: Bot (any Bot API server), Dispatcher composed from routers, and the
two ways to receive updates (long polling, or a webhook with Telegram's secret-token check)."""

from __future__ import annotations

import asyncio
import logging
import traceback

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, ErrorEvent, Update
from aiogram.utils.callback_answer import CallbackAnswerMiddleware
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import Helpline, freeze_startup_objects, retention
from bot.deliveries import Deliveries
from bot.desk import DeskPolicy
from bot.schedule import Every
from bot.settings import Settings
from bot.telegram import agents, buttons, other_chats, patients
from bot.telegram.backlog_gc import CHECK_EVERY, BacklogFreezer
from bot.telegram.discretion import CHANNEL, Sweeper
from bot.telegram.followups import FollowupSender
from bot.telegram.group_lanes import GroupLanes
from bot.telegram.group_pacing import GroupPacing
from bot.telegram.intake import Intake, JournalRequestHandler
from bot.telegram.middlewares import (
    DeduplicationMiddleware,
    OrderMiddleware,
    ThrottlingMiddleware,
    private_chat,
)
from bot.telegram.render import to_html_parts
from bot.telegram.send_queue import SendQueue, send_queued
from bot.telegram.sending import Resender, RetryMiddleware
from bot.telegram.session import HelplineSession
from responses import Catalogue
from storage.inbound import SharedInbound
from storage.job_locks import WorkerLocks

log = logging.getLogger(__name__)
COMMANDS = ("start", "help", "human", "privacy", "consent", "language", "discreet")
COMMANDS += ("check", "delete")
COMMANDS += ("plan", "stop")  # the patient's plan, an end to the follow-ups they asked for
WEBHOOK_PATH = "/telegram/webhook"
# Telegram posts up to 40 updates at once: they arrive within this of each other (OrderMiddleware)
WEBHOOK_ARRIVAL_WINDOW = 0.05  # seconds


def build_bot(settings: Settings, send_queue: SendQueue | None = None) -> Bot:
    """The bot; every message it sends waits in `send_queue` (by default Telegram's limit), and
    what it sends into a group waits for that group's turn first (about 20 a minute)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    api = (
        TelegramAPIServer.from_base(settings.telegram_api_url)
        if settings.telegram_api_url
        else None
    )
    session = HelplineSession(api=api) if api else HelplineSession()
    session.middleware(RetryMiddleware())
    # inside the retries: a message sent again after a 5xx or a 429 waits for its turn again;
    # the group's turn before the bot-wide line's, so that it holds no place there meanwhile
    session.middleware(GroupPacing(settings.agents_rate_limit, settings.agents_rate_window))
    # TELEGRAM_GLOBAL_RATE; on PostgreSQL, shared by every worker through the database
    session.middleware(send_queue or SendQueue.for_settings(settings))
    return Bot(
        settings.telegram_bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


async def on_error(
    event: ErrorEvent, bot: Bot, catalogue: Catalogue, deliveries: Deliveries
) -> bool:
    """An update failed: logged without its content, and a patient whose message could not be
    handled is told so, with the emergency numbers (the message may have been a crisis)."""
    # the error type and where it happened, never its message: database errors quote the
    # statement's parameters (a chat id, a redacted text)
    where = [
        f"{f.filename}:{f.lineno}" for f in traceback.extract_tb(event.exception.__traceback__)
    ]
    log.error(
        "update %s failed: %s at %s",
        event.update.update_id,
        type(event.exception).__name__,
        where[-1] if where else "?",
    )
    chat = private_chat(event.update)
    if chat is not None:
        language = _language_of(event.update)
        text = to_html_parts(catalogue.phrase("something_failed", language))[0]
        try:
            sent = await bot.send_message(chat, text)
            deliveries.trail.sent(CHANNEL, str(chat), sent.message_id)  # /delete erases it too
        except TelegramAPIError as error:
            log.error("the failure notice was not sent either: %s", type(error).__name__)
    return True


def _language_of(update: Update) -> str:
    event = update.message or update.edited_message or update.callback_query
    user = event.from_user if event is not None else None
    code = (user.language_code if user is not None else None) or ""
    return "en" if code.lower().startswith("en") else "fr"


def build_dispatcher(helpline: Helpline) -> Dispatcher:
    settings = helpline.settings
    # one delivery per agents' group, each paced on its own (bot/agents_groups.py)
    groups = helpline.escalations.groups
    # issue 18, background jobs: on PostgreSQL each job and each group's delivery is run by one
    # worker at a time, taken over when it dies (storage/job_locks.py); SQLite: all run here
    locks = WorkerLocks.of(helpline.sessions)
    group_delivery = GroupLanes(
        helpline.escalations,
        helpline.sessions,
        written=helpline.agents_outbox_written,
        locks=locks,
    )
    # discreet mode: the chats' messages past their delay deleted (bot/discretion.py)
    sweeper = Sweeper(helpline.deliveries.trail, locks=locks)
    dp = Dispatcher(
        disable_fsm=True,  # conversation state lives in the database, kept by the engine
        engine=helpline.engine,
        escalations=helpline.escalations,
        deliveries=helpline.deliveries,
        group_delivery=group_delivery,
        sweeper=sweeper,
        worker_locks=locks,
        agents_chat_id=groups.default_chat,
        agents_chat_ids=groups.chat_ids,
        catalogue=helpline.engine.catalogue,
    )
    # first: each patient's updates in order, before anything awaits
    # on PostgreSQL, order, duplicates and floods shared by all the workers (storage/inbound.py)
    inbound = SharedInbound.for_sessions(helpline.sessions)
    dp.update.outer_middleware(OrderMiddleware(inbound))
    deduplication = DeduplicationMiddleware(helpline.sessions, inbound)
    dp.update.outer_middleware(deduplication)
    dp.shutdown.register(deduplication.flush)
    # one window per patient for messages and edits: fifteen edits are not fifteen answers
    throttle = ThrottlingMiddleware(
        settings.throttle_messages, settings.throttle_seconds, shared=inbound
    )
    # in a surge, what waits is kept out of the garbage collector's full passes (backlog_gc.py)
    freezer = BacklogFreezer([])
    if inbound is not None:
        # webhook mode: patients' updates acknowledged at once, crises handled first
        intake = Intake(
            dp, inbound, settings.webhook_handlers, arrival_window=WEBHOOK_ARRIVAL_WINDOW
        )
        dp["intake"] = intake
        dp.shutdown.register(intake.stop)  # before the worker's lock goes
        dp.shutdown.register(inbound.stop)  # (it starts at the first update)
        freezer.lines.append(intake)
    backlog_check = Every(CHECK_EVERY, freezer.check, "backlog gc")

    async def watch_backlog(bot: Bot) -> None:
        if (queue := SendQueue.of(bot)) is not None:
            freezer.lines.append(queue)
        await backlog_check.start()

    dp.startup.register(watch_backlog)
    dp.shutdown.register(backlog_check.stop)
    dp.message.outer_middleware(throttle)
    dp.edited_message.outer_middleware(throttle)
    # every button press is answered (the spinner stops) before its handler runs
    dp.callback_query.middleware(CallbackAnswerMiddleware(pre=True))
    dp.shutdown.register(throttle.stop)  # the flood answers still waiting for their window
    dp.include_routers(
        patients.make_router(),  # first: most updates are patients' messages (private chats only)
        agents.make_router(groups.chat_ids),
        other_chats.make_router(),
        buttons.make_router(),  # after agents: it takes any button left, the agents' are theirs
    )
    dp.errors.register(on_error)
    dp.startup.register(locks.start)  # first: what the worker writes carries its id
    dp.startup.register(set_commands)
    # before the first update: what a crash left unsent goes ahead of the new turns
    resender = Resender(helpline.engine, helpline.deliveries, locks)  # a dead worker's too
    dp.startup.register(resender.start)
    dp.shutdown.register(resender.stop)
    dp.startup.register(group_delivery.start)
    dp.shutdown.register(group_delivery.stop)
    # the follow-ups patients asked for, once due (bot/followups.py), after what a crash left
    followup_sender = FollowupSender(
        helpline.followups, helpline.engine, helpline.deliveries, locks=locks
    )
    dp.startup.register(followup_sender.start)
    dp.shutdown.register(followup_sender.stop)  # before the queue drains
    dp.shutdown.register(send_queued)
    dp.shutdown.register(helpline.deliveries.flush)  # after the queue: what it sent is forgotten

    async def apply_retention() -> None:
        await retention(helpline.sessions, settings.retention_days)

    retention_job = Every(
        settings.retention_check_minutes * 60, apply_retention, "retention", locks=locks
    )
    dp.startup.register(retention_job.start)
    dp.shutdown.register(retention_job.stop)
    if groups.chat_ids:  # cases open only with an agents' group
        # waiting cases recalled in the General topic, checked four times per reminder delay
        check = min(60.0, max(0.5, settings.case_reminder_minutes * 60 / 4))
        reminders = Every(check, helpline.escalations.remind_waiting, "reminders", locks=locks)
        dp.startup.register(reminders.start)
        dp.shutdown.register(reminders.stop)
        # the agents' desk (bot/desk.py) takes its settings here, where cases can open, and
        # checks the response-time targets and the queue on a schedule
        desk = helpline.escalations.desk
        desk.policy = DeskPolicy.from_settings(settings)
        desk_check = Every(desk.policy.check_every(), desk.check, "agents' desk", locks=locks)
        dp.startup.register(desk_check.start)
        dp.shutdown.register(desk_check.stop)
    dp.startup.register(sweeper.start)
    dp.shutdown.register(sweeper.stop)
    dp.shutdown.register(locks.close)  # after the jobs stopped: the others take them over
    return dp


async def set_commands(bot: Bot, catalogue: Catalogue) -> None:
    for language in ("fr", "en"):
        commands = [
            BotCommand(command=name, description=catalogue.phrase(f"command_{name}", language))
            for name in COMMANDS
        ]
        await bot.set_my_commands(commands, language_code=language)
        if language == "fr":  # everyone else sees French, the helpline's main language
            await bot.set_my_commands(commands)


async def run_polling(helpline: Helpline) -> None:
    bot = build_bot(helpline.settings)
    dp = build_dispatcher(helpline)
    await bot.delete_webhook()
    freeze_startup_objects()
    await dp.start_polling(bot, allowed_updates=dp.resolve_used_update_types())


def build_webhook_app(helpline: Helpline, bot: Bot, dp: Dispatcher) -> web.Application:
    secret = helpline.settings.telegram_webhook_secret
    if secret is None:
        raise ValueError("TELEGRAM_WEBHOOK_SECRET is required in webhook mode")
    app = web.Application()
    intake = dp.workflow_data.get("intake")
    options = {"secret_token": secret.get_secret_value(), "arrival_window": WEBHOOK_ARRIVAL_WINDOW}
    if isinstance(intake, Intake):  # PostgreSQL: the patients' updates journaled (intake.py)
        dp.startup.register(intake.start)
        JournalRequestHandler(intake, bot, **options).register(app, path=WEBHOOK_PATH)
    else:  # SQLite, one process: every update answered at once, handled in the background
        SimpleRequestHandler(dp, bot, **options).register(app, path=WEBHOOK_PATH)
    setup_application(app, dp, bot=bot)
    return app


async def run_webhook(helpline: Helpline) -> None:
    settings = helpline.settings
    if not settings.telegram_webhook_url:
        raise ValueError(
            "TELEGRAM_WEBHOOK_URL (the public https URL Telegram posts to) is required"
        )
    bot = build_bot(settings)
    dp = build_dispatcher(helpline)
    app = build_webhook_app(helpline, bot, dp)
    assert settings.telegram_webhook_secret is not None
    await bot.set_webhook(
        settings.telegram_webhook_url.rstrip("/") + WEBHOOK_PATH,
        secret_token=settings.telegram_webhook_secret.get_secret_value(),
        allowed_updates=dp.resolve_used_update_types(),
    )
    runner = web.AppRunner(app)
    await runner.setup()
    freeze_startup_objects()
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    log.info("webhook server on %s:%s", settings.webhook_host, settings.webhook_port)
    try:
        await asyncio.Event().wait()  # until cancelled (SIGINT/SIGTERM)
    finally:
        await runner.cleanup()
