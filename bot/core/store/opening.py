"""What `Store.open` checks before it migrates or writes anything: each problem becomes one
`StoreUnusable` naming the path and the problem, and the file is left as it was."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
from pathlib import Path

import aiosqlite

from bot.core.errors import StoreUnusable

SQLITE_HEADER = b"SQLite format 3\x00"
HEADER_SIZE = 100  # every SQLite file starts with a 100-byte header
# `PRAGMA quick_check` reads every page: for a million statements (410 MB) 2.2 s here with
# the file in the page cache, 12 s without (36 s on a busy machine), so a bigger file is
# checked after start, in a thread of its own (`check_pages`), and only its length against
# its header's page count before.
QUICK_CHECK_AT_OPEN_MOST = 32 * 2**20

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


async def check_contents(db: aiosqlite.Connection, path: Path, known: int, *,
                         defer_page_check: bool = False) -> None:
    """The database side, before any migration runs: a schema this citybot knows, a whole
    file, and no tables of something that is not citybot. `defer_page_check` (`citybot run`
    only: a short command checks every page first, whatever it costs): a big file's pages
    are checked after start instead (`check_pages`)."""
    thorough = checked_at_open(path, defer_page_check)
    if not thorough:
        check_length(path)  # before SQLite reads past the end of a file cut short
    async with db.execute("PRAGMA user_version") as cursor:
        version = int((await cursor.fetchone())[0])  # type: ignore[index]
    if version > known:
        raise StoreUnusable(path, f"this database was made by a newer citybot: schema "
                                  f"{version}, this one knows {known}")
    if thorough:
        async with db.execute("PRAGMA quick_check(1)") as cursor:
            verdict = str((await cursor.fetchone())[0])  # type: ignore[index]
        if verdict != "ok":
            raise StoreUnusable(path, damage(verdict))
    if version == 0:
        async with db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'") as cursor:
            tables = int((await cursor.fetchone())[0])  # type: ignore[index]
        if tables:
            raise StoreUnusable(path, f"it has {tables} table(s) but no citybot schema version "
                                      "(user_version 0): it was not made by citybot")


def checked_at_open(path: Path, defer_page_check: bool) -> bool:
    """Whether every page is checked before start, or after (`check_pages`): after only for
    a big file of a long-running process."""
    if not defer_page_check or str(path) == ":memory:":
        return True
    try:
        return path.stat().st_size <= QUICK_CHECK_AT_OPEN_MOST
    except OSError:
        return True


def damage(verdict: str) -> str:
    detail = next((line for line in verdict.splitlines() if not line.startswith("***")),
                  verdict)
    return f"it is damaged ({detail})"


def check_length(path: Path) -> None:
    """A file cut short (a copy that stopped half way): shorter than the page count its header
    records. Only when no -wal is beside it: a checkpoint that a crash interrupted may have
    written the header before the pages, and the -wal still holds them (a -journal, in
    rollback mode, likewise)."""
    for beside in ("-wal", "-journal"):  # a crash mid-write: SQLite recovers from these
        other = path.with_name(path.name + beside)
        if other.exists() and other.stat().st_size:
            return
    with path.open("rb") as file:
        head = file.read(HEADER_SIZE)
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    # The page count is valid only when the change counter matches "version valid for".
    if head[24:28] != head[92:96] or not pages:
        return
    size = path.stat().st_size
    if size < pages * page_size:
        raise StoreUnusable(path, f"it is damaged (truncated: {size:,} bytes of the "
                                  f"{pages * page_size:,} its header records)")


async def check_pages(path: Path) -> str | None:
    """Every page of a file too big to check at open, read on a connection and thread of its
    own (SQLite lets go of the GIL while it reads), so lookups go on meanwhile; the damage
    found, in `StoreUnusable`'s words, or None. A daemon thread: a process that stops does
    not wait for it (SQLite cannot be interrupted inside quick_check's walk)."""
    loop = asyncio.get_running_loop()
    verdict: asyncio.Future[str] = loop.create_future()

    def settle(result: str) -> None:
        if not verdict.done():
            verdict.set_result(result)

    def run() -> None:
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                db.execute("PRAGMA busy_timeout = 5000")
                result = str(db.execute("PRAGMA quick_check(1)").fetchone()[0])
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:  # corrupt or not a database: damage too
            result = explain(exc)
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting
            loop.call_soon_threadsafe(settle, result)

    threading.Thread(target=run, name="page-check", daemon=True).start()
    result = await verdict
    if result == "ok":
        return None
    return result if result.startswith("it ") else damage(result)
