"""`helpline review [serve]`, `review add-user|set-password|remove-user|list-users|export-nlu`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import secrets
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings, get_settings
from nlu.rasa import fallback_threshold, intents_from_domain
from review import ROLES
from review.auth import AccountError, LoginThrottle, add_user, remove_user, set_password
from review.config import ReviewConfig
from review.demo import seed
from review.export import Export, export_nlu, known_examples
from review.queries.live import LiveSetup
from review.web import create_app
from storage.db import create_engine, migrate, session_factory
from storage.models import ReviewUser

PASSWORD_ENV = "HELPLINE_REVIEW_PASSWORD"
DEMO_CONVERSATIONS = 400
DEMO_ACCOUNT = "demo"
log = logging.getLogger("review")


@asynccontextmanager
async def database(
    settings: Settings, url: str | None = None
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(url or settings.database_url)
    try:
        await migrate(engine)
        yield session_factory(engine)
    finally:
        await engine.dispose()


def review_config(settings: Settings) -> ReviewConfig:
    return ReviewConfig(
        threshold=fallback_threshold(),
        low_confidence=settings.review_low_confidence,
        intents=tuple(intents_from_domain()),
        retention_days=settings.retention_days,
        session_hours=settings.review_session_hours,
        cookie_secure=settings.review_cookie_secure,
        page_size=settings.review_page_size,
        live=LiveSetup.from_settings(settings),  # the live view
    )


def read_password(from_stdin: bool) -> str:
    """--password-stdin: the first line of stdin; else HELPLINE_REVIEW_PASSWORD; else asked
    twice on the terminal (never an argument: it would show in `ps` and the shell history)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if password := os.environ.get(PASSWORD_ENV):
        return password
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AccountError("the two passwords differ")
    return first


async def _serve(
    settings: Settings, host: str, port: int, url: str | None = None, login: str | None = None
) -> None:
    async with database(settings, url) as sessions:
        throttle = LoginThrottle(
            max_per_name=settings.review_login_failures,
            max_per_address=4 * settings.review_login_failures,
            window=settings.review_login_window_seconds,
        )
        app = create_app(sessions, review_config(settings), throttle)
        # no access log: URLs carry pseudonyms and filters; errors are still logged
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
            print(f"review workspace on http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
            if login:
                print(login, flush=True)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
        finally:
            await runner.cleanup()


async def _serve_demo(settings: Settings, host: str, port: int, folder: Path) -> None:
    """The workspace on a throwaway database of synthetic conversations, with a one-time login.
    `settings.database_url` is never opened."""
    url = f"sqlite+aiosqlite:///{folder / 'demo.db'}"
    password = secrets.token_urlsafe(12)
    async with database(settings, url) as sessions:
        await seed(sessions, DEMO_CONVERSATIONS)
        async with sessions() as session, session.begin():
            await add_user(session, DEMO_ACCOUNT, "supervisor", password)
    login = (
        f"demo: {DEMO_CONVERSATIONS} synthetic conversations (nobody real) in {folder}, "
        f"deleted when this stops\nsign in as {DEMO_ACCOUNT!r} (supervisor), password: {password}"
    )
    await _serve(settings, host, port, url, login)


def cmd_review_serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    host, port = args.host or settings.review_host, args.port or settings.review_port
    if not args.demo:
        asyncio.run(_serve(settings, host, port))
        return 0
    with tempfile.TemporaryDirectory(prefix="helpline-review-demo-") as folder:
        asyncio.run(_serve_demo(settings, host, port, Path(folder)))
    return 0


async def _add_user(name: str, role: str, password: str) -> None:
    async with database(get_settings()) as sessions, sessions() as session, session.begin():
        await add_user(session, name, role, password)


async def _set_password(name: str, password: str) -> None:
    async with database(get_settings()) as sessions, sessions() as session, session.begin():
        await set_password(session, name, password)


def cmd_review_add_user(args: argparse.Namespace) -> int:
    try:
        asyncio.run(_add_user(args.name, args.role, read_password(args.password_stdin)))
    except AccountError as exc:
        print(f"review: {exc}", file=sys.stderr)
        return 1
    print(f"account {args.name!r} ({args.role}) created")
    return 0


def cmd_review_set_password(args: argparse.Namespace) -> int:
    try:
        asyncio.run(_set_password(args.name, read_password(args.password_stdin)))
    except AccountError as exc:
        print(f"review: {exc}", file=sys.stderr)
        return 1
    print(f"password of {args.name!r} changed; its sessions are closed")
    return 0


async def _remove_user(name: str) -> bool:
    async with database(get_settings()) as sessions, sessions() as session, session.begin():
        return await remove_user(session, name)


def cmd_review_remove_user(args: argparse.Namespace) -> int:
    if not asyncio.run(_remove_user(args.name)):
        print(f"review: no account named {args.name!r}", file=sys.stderr)
        return 1
    print(f"account {args.name!r} removed")
    return 0


async def _list_users() -> list[tuple[str, str]]:
    async with database(get_settings()) as sessions, sessions() as session:
        rows = await session.execute(select(ReviewUser.name, ReviewUser.role).order_by("name"))
        return [(name, role) for name, role in rows]


def cmd_review_list_users(_args: argparse.Namespace) -> int:
    for name, role in asyncio.run(_list_users()):
        print(f"{name}\t{role}")
    return 0


async def _export() -> Export:
    async with database(get_settings()) as sessions, sessions() as session:
        return await export_nlu(session, await asyncio.to_thread(known_examples))


def cmd_review_export_nlu(args: argparse.Namespace) -> int:
    exported = asyncio.run(_export())
    if args.out:
        Path(args.out).write_text(exported.yaml, encoding="utf-8")
    else:
        sys.stdout.write(exported.yaml)
    print(
        f"{exported.count} examples exported ({exported.skipped_known} already in nlu/data, "
        f"{exported.skipped_conflict} with conflicting labels, {exported.skipped_syntax} "
        "unreadable as Rasa examples left out)",
        file=sys.stderr,
    )
    return 0


DEMO_HELP = (
    "serve a throwaway database of synthetic conversations with a one-time supervisor login "
    "(the real database is not opened)"
)


def add_review_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    review = commands.add_parser(
        "review", help="the conversation-review web workspace (and its accounts, NLU export)"
    )
    review.add_argument("--host", help="listen address (REVIEW_HOST, default 127.0.0.1)")
    review.add_argument("--port", type=int, help="listen port (REVIEW_PORT, default 8090)")
    review.add_argument("--demo", action="store_true", help=DEMO_HELP)
    review.set_defaults(func=cmd_review_serve)
    sub = review.add_subparsers(dest="review_command")

    serve = sub.add_parser("serve", help="start the web workspace (the default)")
    serve.add_argument("--host", help="listen address (REVIEW_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (REVIEW_PORT, default 8090)")
    serve.add_argument("--demo", action="store_true", help=DEMO_HELP)
    serve.set_defaults(func=cmd_review_serve)

    password_help = f"read the password from stdin's first line (else ${PASSWORD_ENV}, else asked)"
    add = sub.add_parser("add-user", help="create an account")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--password-stdin", action="store_true", help=password_help)
    add.set_defaults(func=cmd_review_add_user)

    reset = sub.add_parser("set-password", help="change an account's password")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true", help=password_help)
    reset.set_defaults(func=cmd_review_set_password)

    remove = sub.add_parser("remove-user", help="delete an account (its audit trail stays)")
    remove.add_argument("name")
    remove.set_defaults(func=cmd_review_remove_user)

    users = sub.add_parser("list-users", help="accounts and roles")
    users.set_defaults(func=cmd_review_list_users)

    export = sub.add_parser(
        "export-nlu", help="annotated examples of consenting patients as Rasa NLU YAML"
    )
    export.add_argument("--out", help="file to write (default: stdout)")
    export.set_defaults(func=cmd_review_export_nlu)
