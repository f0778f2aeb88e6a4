"""`helpline` command line: `run`, `chat`, `serve`, `purge`, `nlu train|serve|evaluate|parse`,
`review` (the web workspace and its accounts)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from bot.app import open_helpline, retention, run
from bot.console import chat
from bot.settings import get_settings
from nlu import rasa
from nlu.client import NLUClient, NLUUnavailable
from review.cli import add_review_parser
from storage.db import create_engine, migrate, session_factory


def _rasa_port() -> tuple[str, int]:
    url = urlsplit(get_settings().rasa_url)
    return url.hostname or "127.0.0.1", url.port or 5005


def cmd_nlu_train(args: argparse.Namespace) -> int:
    model, seconds = rasa.train(force=args.force)
    if seconds is None:
        print(f"NLU model up to date: {model.relative_to(rasa.ROOT)}")
    else:
        print(f"NLU model trained in {seconds:.1f} s: {model.relative_to(rasa.ROOT)}")
    return 0


def cmd_nlu_serve(args: argparse.Namespace) -> int:
    host, port = _rasa_port()
    token = get_settings().nlu_token()
    server = rasa.RasaServer(rasa.model_path(), host=host, port=args.port or port, token=token)

    def stop(signum: int, _frame: object) -> None:
        # Only unwind here: stopping Rasa from inside the handler would re-enter Popen.wait().
        print(f"\nstopping the NLU server ({signal.Signals(signum).name})", file=sys.stderr)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.start()
        seconds = server.wait_ready()
        print(
            f"NLU server ready on {server.url} after {seconds:.1f} s (Ctrl-C stops it)", flush=True
        )
        return server.wait()
    finally:
        server.stop()


def cmd_nlu_evaluate(args: argparse.Namespace) -> int:
    from nlu.evaluate import evaluate

    configs = [Path(c) for c in args.configs] if args.configs else None
    summary = evaluate(configs=configs, folds=args.folds, reuse=args.reuse)
    print(f"report written to {summary.relative_to(rasa.ROOT)}")
    return 0


def cmd_nlu_crisis_eval(args: argparse.Namespace) -> int:
    """The net and the model on the held-out crisis sets; starts an NLU server unless one
    answers on RASA_URL."""
    from nlu.crisis_eval import REPORT, evaluate, report

    host, port = _rasa_port()
    token = get_settings().nlu_token()
    server = rasa.RasaServer(rasa.model_path(), host=host, port=port, token=token)
    if server.is_ready():
        results = asyncio.run(evaluate(server.url, token))
    else:
        with server:
            results = asyncio.run(evaluate(server.url, token))
    REPORT.write_text(report(results), encoding="utf-8")
    print(f"report written to {REPORT.relative_to(rasa.ROOT)}")
    return 0


async def _parse(texts: Sequence[str] | None) -> int:
    settings = get_settings()
    async with NLUClient(
        settings.rasa_url, timeout=settings.nlu_timeout, token=settings.nlu_token()
    ) as client:

        async def show(text: str) -> None:
            try:
                result = await client.parse(text)
            except NLUUnavailable as exc:
                print(f"NLU unavailable: {exc}", file=sys.stderr)
                return
            ranking = ", ".join(f"{s.name} {s.confidence:.2f}" for s in result.ranking[:3])
            print(json.dumps({"intent": result.intent, "confidence": round(result.confidence, 3)}))
            print(f"  top: {ranking}")

        if texts:
            await show(" ".join(texts))
            return 0
        print("Type a patient message (empty line or Ctrl-D to quit).")
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line.strip():
                return 0
            await show(line.strip())


def cmd_nlu_parse(args: argparse.Namespace) -> int:
    return asyncio.run(_parse(args.text))


async def _purge() -> int:
    settings = get_settings()
    database = create_engine(settings.database_url)
    try:
        await migrate(database)
        done = await retention(session_factory(database), settings.retention_days)
    finally:
        await database.dispose()
    if done is None:
        print("another process is applying the retention period right now: nothing done here")
        return 0
    print(
        f"past {settings.retention_days} days: {done.messages} messages deleted, "
        f"{done.topics} closed cases' topics queued for deletion (the running bot deletes them), "
        f"{done.notes} cases' notes emptied, {done.patients} patients' chat ids forgotten"
    )
    return 0


def cmd_purge(_args: argparse.Namespace) -> int:
    return asyncio.run(_purge())


async def _chat() -> int:
    async with open_helpline(get_settings(), console=True) as helpline:
        await helpline.deliveries.drop("console")  # a closed terminal's replies: nobody to show
        await chat(helpline.engine, deliveries=helpline.deliveries)
    return 0


def cmd_chat(_args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_chat())
    except KeyboardInterrupt:
        return 0


async def _serve(webhook: bool) -> int:
    from bot.telegram.app import run_polling, run_webhook

    async with open_helpline(get_settings()) as helpline:
        await (run_webhook(helpline) if webhook else run_polling(helpline))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # aiogram logs one INFO line per update handled: noise, and CPU spent under load
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    try:
        return run(_serve(args.webhook))
    except KeyboardInterrupt:
        return 0


def cmd_run(args: argparse.Namespace) -> int:
    """What `make run` starts: the NLU server, then the Telegram bot if a token is set, else the
    console chat."""
    host, port = _rasa_port()
    token = get_settings().nlu_token()
    server = rasa.RasaServer(rasa.model_path(), host=host, port=port, token=token)
    helpline = cmd_serve if get_settings().telegram_bot_token is not None else cmd_chat
    args.webhook = False
    if server.is_ready():
        print(f"using the NLU server already running on {server.url}")
        return helpline(args)
    print(f"starting the NLU server on {server.url} (about 20 s)...", flush=True)
    with server:
        return helpline(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helpline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    nlu = commands.add_parser("nlu", help="the Rasa NLU model: train, serve, evaluate, parse")
    nlu_commands = nlu.add_subparsers(dest="nlu_command", required=True)

    train = nlu_commands.add_parser("train", help="train the model if data or config changed")
    train.add_argument("--force", action="store_true", help="train even when up to date")
    train.set_defaults(func=cmd_nlu_train)

    serve = nlu_commands.add_parser("serve", help="run the Rasa server on 127.0.0.1 (RASA_URL)")
    serve.add_argument("--port", type=int, help="override the port of RASA_URL")
    serve.set_defaults(func=cmd_nlu_serve)

    evaluate = nlu_commands.add_parser("evaluate", help="k-fold cross-validation report")
    evaluate.add_argument(
        "--folds", type=int, default=5, help="k-fold CV; 1 = one stratified 80/20 split"
    )
    evaluate.add_argument(
        "--reuse", action="store_true", help="reuse runs whose config, data and folds are unchanged"
    )
    evaluate.add_argument(
        "configs", nargs="*", help="pipeline configs (default: config.yml and Rasa's default)"
    )
    evaluate.set_defaults(func=cmd_nlu_evaluate)

    crisis = nlu_commands.add_parser(
        "crisis-eval", help="crisis detection on the held-out sets (reports/nlu/crisis.md)"
    )
    crisis.set_defaults(func=cmd_nlu_crisis_eval)

    parse = nlu_commands.add_parser("parse", help="classify TEXT, or read lines from stdin")
    parse.add_argument("text", nargs="*")
    parse.set_defaults(func=cmd_nlu_parse)

    run = commands.add_parser(
        "run", help="start the NLU server, then the Telegram bot (token set) or the console"
    )
    run.set_defaults(func=cmd_run)

    chat_ = commands.add_parser("chat", help="console conversation (needs the NLU server running)")
    chat_.set_defaults(func=cmd_chat)

    serve = commands.add_parser("serve", help="the Telegram bot (long polling, or --webhook)")
    serve.add_argument("--webhook", action="store_true", help="aiohttp webhook server instead")
    serve.set_defaults(func=cmd_serve)

    purge = commands.add_parser("purge", help="delete messages older than RETENTION_DAYS (90)")
    purge.set_defaults(func=cmd_purge)

    add_review_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
