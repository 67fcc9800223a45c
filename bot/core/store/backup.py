"""`citybot backup`: a checked copy of a SQLite database that a running bot may be using.
A PostgreSQL database is backed up with PostgreSQL's own tool, pg_dump."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote

import aiosqlite

from bot.core.store.location import database_secrets, is_postgres, redacted, without_password
from bot.core.store.sqlite import SqliteEngine


class BackupFailed(RuntimeError):
    """`str()` is the one line to show; nothing was left half-written at the target."""


def backup(source: str | Path, target: Path) -> str:
    """Copy the database to `target` and check the copy; returns the line to show."""
    if is_postgres(source):
        return _pg_dump(str(source), target)
    source = Path(source)
    if not source.is_file():
        raise BackupFailed(f"no database at {source} (see DATABASE_PATH or --database)")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupFailed("FILE is the database itself: name another file")
    uri = source.resolve().as_uri() + "?mode=rw"  # mode=rw: never creates a database
    try:
        asyncio.run(_online_copy(uri, source, target))
        with contextlib.closing(sqlite3.connect(target)) as copy:
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
            version = copy.execute("PRAGMA user_version").fetchone()[0]
    except (OSError, sqlite3.Error) as exc:
        target.with_name(target.name + ".partial").unlink(missing_ok=True)
        raise BackupFailed(f"could not back up {source}: {exc}") from exc
    if verdict != "ok":
        raise BackupFailed(f"the copy in {target} fails its integrity check: {verdict}")
    return f"backed up {source} to {target} (schema version {version}, integrity ok)"


async def _online_copy(uri: str, source: Path, target: Path) -> None:
    db = await aiosqlite.connect(uri, uri=True, isolation_level=None)
    try:
        await db.execute("PRAGMA busy_timeout = 5000")
        await SqliteEngine(db, source).backup(target)
    finally:
        await db.close()


def _pg_dump(url: str, target: Path) -> str:
    shown = redacted(url)
    tool = shutil.which("pg_dump")
    if tool is None:
        raise BackupFailed(f"{shown} is a PostgreSQL database: back it up with pg_dump "
                           f"(pg_dump --format=custom --file={target} \"$DATABASE_URL\")")
    secrets = database_secrets(url)
    # The password goes through the environment, not the command line (`ps` shows that).
    env = {**os.environ, **({"PGPASSWORD": unquote(secrets[0])} if secrets else {})}
    partial = target.with_name(target.name + ".partial")
    result = subprocess.run([tool, "--format=custom", "--no-password", f"--file={partial}",
                             without_password(url)], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        lines = result.stderr.strip().splitlines()
        last = lines[-1] if lines else f"exit {result.returncode}"
        for secret in secrets:
            last = last.replace(secret, "***")
        raise BackupFailed(f"pg_dump of {shown} failed: {last}")
    partial.replace(target)
    return f"backed up {shown} to {target} with pg_dump (custom format; restore with pg_restore)"
