"""What `Store.open` checks before it migrates or writes anything: each problem becomes one
`StoreUnusable` naming the path and the problem, and the file is left as it was."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import aiosqlite

from bot.core.errors import StoreUnusable

SQLITE_HEADER = b"SQLite format 3\x00"
HEADER_SIZE = 100  # every SQLite file starts with a 100-byte header

# SQLite's words for a file it cannot use, and what to tell the person who started citybot.
_EXPLANATIONS = (
    ("file is not a database", "it is not a SQLite database"),
    ("malformed", "it is damaged (database disk image is malformed)"),
    ("readonly", "it is read-only (citybot needs to write to it)"),
    ("unable to open", "SQLite cannot open it (check the file and its folder's permissions)"),
    ("database or disk is full", "the disk is full"),
    ("disk i/o error", "a disk I/O error (is the disk full, or the file too large?)"),
    ("locked", "another process keeps it locked"),
)


def explain(error: sqlite3.Error) -> str:
    text = str(error)
    for words, explanation in _EXPLANATIONS:
        if words in text.lower():
            return explanation
    return text


def check_path(path: Path) -> None:
    """The file system side, before SQLite opens (and could create) anything."""
    if path.is_dir():
        raise StoreUnusable(path, "it is a directory, not a database file")
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnusable(path, f"its folder cannot be made ({exc.strerror or exc})") from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StoreUnusable(path, f"its folder {folder} is not writable (SQLite keeps the "
                                  "-wal and -shm files beside the database)")
    if not path.exists():
        return  # a new database: SQLite creates it
    if not path.is_file():
        raise StoreUnusable(path, "it is not a regular file")
    # Read-only: refused at start rather than run read-only. Every moderation command, the
    # digest's daily claim and the migrations write; a bot that answers lookups but refuses
    # each of those is easy to miss, and one line at start says what to fix.
    if not os.access(path, os.R_OK | os.W_OK):
        raise StoreUnusable(path, "it is read-only (citybot needs to read and write it: "
                                  "make the file writable)")
    try:
        with path.open("rb") as file:
            head = file.read(HEADER_SIZE)
    except OSError as exc:
        raise StoreUnusable(path, f"it cannot be read ({exc.strerror or exc})") from exc
    if not head:
        return  # an empty file is a new, empty database to SQLite: nothing in it to lose
    if not (head.startswith(SQLITE_HEADER) or SQLITE_HEADER.startswith(head)):
        raise StoreUnusable(path, "it is not a SQLite database")
    if len(head) < HEADER_SIZE:
        raise StoreUnusable(path, f"it is truncated ({len(head)} bytes, not even a header)")


async def check_contents(db: aiosqlite.Connection, path: Path, known: int) -> None:
    """The database side, before any migration runs: a schema this citybot knows, a whole
    file, and no tables of something that is not citybot."""
    async with db.execute("PRAGMA user_version") as cursor:
        version = int((await cursor.fetchone())[0])  # type: ignore[index]
    if version > known:
        raise StoreUnusable(path, f"this database was made by a newer citybot: schema "
                                  f"{version}, this one knows {known}")
    async with db.execute("PRAGMA quick_check(1)") as cursor:
        verdict = str((await cursor.fetchone())[0])  # type: ignore[index]
    if verdict != "ok":
        detail = next((line for line in verdict.splitlines() if not line.startswith("***")),
                      verdict)
        raise StoreUnusable(path, f"it is damaged ({detail})")
    if version == 0:
        async with db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'") as cursor:
            tables = int((await cursor.fetchone())[0])  # type: ignore[index]
        if tables:
            raise StoreUnusable(path, f"it has {tables} table(s) but no citybot schema version "
                                      "(user_version 0): it was not made by citybot")
