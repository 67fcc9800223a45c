"""The `citybot` command: run | console | ask."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.logging_setup import setup_logging
from bot.settings import Settings, SettingsError, load_settings

NO_TOKEN = ("DISCORD_TOKEN is not set: copy .env.example to .env and put your bot's token "
            "there (or try `citybot console`, which needs none).")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="citybot", description=__doc__)
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    parser.add_argument("--database", type=Path, help="SQLite file (overrides DATABASE_PATH)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="start the Discord bot (needs DISCORD_TOKEN)")
    console = sub.add_parser("console", help="ask questions in a terminal, no Discord needed")
    console.add_argument("--guild", type=int, help="also see this server's own entries")
    ask = sub.add_parser("ask", help='answer one command and exit, e.g. ask "quote emanuel"')
    ask.add_argument("line", nargs="+", help="the command, as you would type it in the console")
    ask.add_argument("--guild", type=int, help="also see this server's own entries")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.env_file)
    if args.database is not None:
        from dataclasses import replace

        settings = replace(settings, database_path=args.database)
    return settings


async def _console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console.session import ConsoleSession
    from bot.core.bootstrap import start_core

    core = await start_core(settings.database_path, settings.command_prefix)
    try:
        session = ConsoleSession(core, settings.command_prefix, args.guild)
        if args.command == "ask":
            text = await session.reply(" ".join(args.line))
            print(text if text is not None else "Nothing to answer: type a command.")
            return 0
        await session.repl()
        return 0
    finally:
        await core.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
    except SettingsError as exc:
        print(f"citybot: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, [settings.discord_token or ""])
    if args.command == "run":
        if not settings.discord_token:
            print(NO_TOKEN, file=sys.stderr)
            return 2
        from bot.discord_app.runner import run_bot

        return asyncio.run(run_bot(settings))
    return asyncio.run(_console(settings, args))
