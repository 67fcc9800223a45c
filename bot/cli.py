"""The `citybot` command: run | console | ask | digest | export | import | backup."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.core.store.location import database_secrets, is_postgres, is_url
from bot.logging_setup import setup_logging
from bot.settings import Settings, SettingsError, load_settings

NO_TOKEN = ("DISCORD_TOKEN is not set: copy .env.example to .env and put your bot's token "
            "there (or try `citybot console`, which needs none).")


def _common(default: object) -> argparse.ArgumentParser:
    """--env-file and --database, taken before the subcommand or after it (`default` is
    SUPPRESS after it, so that a value given before is not overwritten)."""
    common = argparse.ArgumentParser(add_help=False)
    options = common.add_argument_group("options of every command")
    options.add_argument("--env-file", default=".env" if default is None else default,
                         help="settings file (default: .env)")
    options.add_argument("--database", type=str, default=default,
                         help="SQLite file, or a postgresql:// URL (overrides "
                              "DATABASE_PATH and DATABASE_URL)")
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="citybot", description=__doc__,
                                     parents=[_common(None)])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    after = _common(argparse.SUPPRESS)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, parents=[after])

    command("run", "start the Discord bot (needs DISCORD_TOKEN)")
    console = command("console", "ask questions in a terminal, no Discord needed")
    console.add_argument("--guild", type=int, help="also see this server's own entries")
    ask = command("ask", 'answer one command and exit, e.g. ask "quote emanuel" (exit '
                  "status 0 for an answer, 1 for a miss or an error)")
    ask.add_argument("line", nargs="+", help="the command, as you would type it in the console")
    ask.add_argument("--guild", type=int, help="also see this server's own entries")
    digest = command("digest", "print today's daily digest, as Discord would post it")
    digest.add_argument("--preview", action="store_true", required=True,
                        help="print it (nothing is posted or recorded)")
    digest.add_argument("--guild", type=int, help="the server's settings and own entries")
    for name, verb in (("export", "write the entries of a scope to FILE"),
                       ("import", "check FILE whole, then add or update its entries at once")):
        transfer = command(name, f"{verb} (JSON, the format of data/article.json)")
        transfer.add_argument("file", type=Path, metavar="FILE")
        transfer.add_argument("--guild", type=int, help="a server's entries (default: global)")
    backup = command("backup", "copy the database to FILE, safely while the bot runs")
    backup.add_argument("file", type=Path, metavar="FILE")
    migrate = command("migrate", "copy everything from one database into a new, empty one "
                      "(e.g. SQLite to PostgreSQL), checked table by table")
    migrate.add_argument("--from", dest="source", required=True, metavar="FROM",
                         help="sqlite:///citybot.db, a file, or a postgresql:// URL")
    migrate.add_argument("--to", dest="target", required=True, metavar="TO",
                         help="the new database: a postgresql:// URL (or a SQLite file)")
    return parser


def _location(given: str) -> Path | str:
    """sqlite:///relative.db, sqlite:////absolute.db, a plain path, or a postgresql:// URL."""
    if is_postgres(given):
        return given
    if is_url(given) and not given.startswith("sqlite:///"):
        raise SettingsError(f"{given.split('://', 1)[0]}://…: only sqlite:///FILE, a file or "
                            "a postgresql:// URL")
    return Path(given.removeprefix("sqlite:///")) if given.startswith("sqlite:///") \
        else Path(given)


async def _migrate(args: argparse.Namespace) -> int:
    """`citybot migrate --from … --to …`: all of it, in one transaction, or nothing."""
    from bot.core.store import Store
    from bot.core.store.copying import CopyRefused, copy_store
    from bot.core.store.location import Database

    try:
        source, target = _location(args.source), _location(args.target)
    except SettingsError as exc:
        print(f"citybot: {exc}", file=sys.stderr)
        return 2
    if isinstance(source, Path) and not source.is_file():
        print(f"citybot: no database at {source}", file=sys.stderr)
        return 1
    if str(source) == str(target):
        print("citybot: --from and --to name the same database", file=sys.stderr)
        return 1
    old = await Store.open(source)
    try:
        new = await Store.open(target)
        try:
            copied = await copy_store(old, new)
        except CopyRefused as exc:
            print(f"citybot: {exc}", file=sys.stderr)
            return 1
        finally:
            await new.close()
    finally:
        await old.close()
    rows = ", ".join(f"{count} {table}" for table, count in copied.items() if count)
    print(f"copied {Database(source)} to {Database(target)}: {rows}; every table checked")
    return 0


async def _transfer(settings: Settings, args: argparse.Namespace) -> int:
    """`citybot export|import FILE [--guild ID]`, as the owner; an import is all or nothing."""
    import json

    from bot.core import answers
    from bot.core.bootstrap import start_core
    from bot.core.moderation import Actor

    core = await start_core(settings.database(), settings.command_prefix)
    try:
        actor = Actor.console(args.guild)
        if args.command == "export":
            data = await core.moderation.export(actor, args.guild or 0)
            args.file.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                                 encoding="utf-8")
            print(f"wrote {answers.export_counts(data)} to {args.file}")
            return 0
        try:
            raw = json.loads(args.file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            print(f"citybot: {args.file}: cannot read it as JSON ({exc})", file=sys.stderr)
            return 1
        outcome = await core.moderation.import_data(actor, raw, args.guild or 0)
        if outcome.answer.kind == "error":
            print(f"citybot: {args.file}: nothing imported. {outcome.answer.description}",
                  file=sys.stderr)
            return 1
        print(f"{args.file}: {outcome.answer.description}")
        return 0
    finally:
        await core.close()


def _backup(source: Path | str, target: Path) -> int:
    """`citybot backup FILE`: a checked copy of the database (a running bot may use it)."""
    from bot.core.store.backup import BackupFailed, backup

    try:
        print(backup(source, target))
    except BackupFailed as exc:
        print(f"citybot: {exc}", file=sys.stderr)
        return 1
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(args.env_file)
    if args.database is not None:
        from dataclasses import replace

        given = str(args.database)
        if is_url(given) and not is_postgres(given):
            raise SettingsError(f"--database {given.split('://', 1)[0]}://…: only a SQLite "
                                "file or a postgresql:// URL")
        if is_postgres(given):
            settings = replace(settings, database_url=given)
        else:  # a file named here wins over DATABASE_URL as well
            settings = replace(settings, database_path=Path(given), database_url=None)
    return settings


def _console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import entry

    if args.command == "console":
        return entry.console(settings.database(), settings.command_prefix, args.guild)
    again = [*(("--env-file", args.env_file) if args.env_file != ".env" else ()),
             # A URL may hold a password: the commands printed leave it to DATABASE_URL.
             *(("--database", str(args.database))
               if args.database is not None and not is_url(str(args.database)) else ()),
             *(("--guild", str(args.guild)) if args.guild is not None else ())]
    return entry.ask(settings.database(), settings.command_prefix, args.guild,
                     " ".join(args.line), again)


async def _digest_preview(settings: Settings, guild_id: int | None) -> int:
    from bot.console.render import render_text
    from bot.core.bootstrap import start_core

    core = await start_core(settings.database(), settings.command_prefix)
    try:
        print(render_text(await core.digest.preview(guild_id)))
        return 0
    finally:
        await core.close()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`citybot ask help | head -1`): as Python's docs advise
        # (signal module, "Note on SIGPIPE"), point stdout at devnull so that the final
        # flush cannot fail again, and leave without a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:  # Ctrl-C while starting or stopping: no traceback either
        print(file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
    except SettingsError as exc:
        print(f"citybot: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, [settings.discord_token or "",
                                       *database_secrets(settings.database_url)])
    from bot.core.errors import StoreUnusable

    try:
        return _dispatch(settings, args)
    except StoreUnusable as exc:  # checked before anything is written (or Discord reached)
        line = str(exc).replace(settings.discord_token or "\0", "[redacted]")
        print(f"citybot: {line}", file=sys.stderr)
        return 2


def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "run":
        if not settings.discord_token:
            print(NO_TOKEN, file=sys.stderr)
            return 2
        from bot.discord_app.runner import run_bot

        return asyncio.run(run_bot(settings))
    if args.command in ("export", "import"):
        return asyncio.run(_transfer(settings, args))
    if args.command == "digest":
        return asyncio.run(_digest_preview(settings, args.guild))
    if args.command == "migrate":
        return asyncio.run(_migrate(args))
    if args.command == "backup":
        return _backup(settings.database_url or settings.database_path, args.file)
    return _console(settings, args)
