"""SQLite through aiosqlite: pragmas, numbered migrations, one writer, the file's identity."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.errors import StoreBusy, StoreUnusable, StoreWritesStopped
from bot.core.store import opening

log = logging.getLogger(__name__)


def is_transient(error: BaseException) -> bool:
    """SQLite errors that say "not now" rather than "never"."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    text = str(error).lower()
    return any(word in text for word in ("locked", "busy", "full", "disk i/o"))


def file_identities(path: Path) -> dict[str, tuple[int, int]]:
    """(device, inode) of the database file and of its -wal and -shm beside it, those that
    exist (in WAL mode all three do while a connection is open); none for ":memory:"."""
    if str(path) == ":memory:":
        return {}
    found: dict[str, tuple[int, int]] = {}
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            status = os.stat(path.with_name(path.name + suffix))
            found[path.name + suffix] = (status.st_dev, status.st_ino)
    return found


class SqliteEngine:
    """Owns the aiosqlite connection that every read and write of this store goes through."""

    dialect = "sqlite"

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        self.location = path
        # One connection is shared by every task: without this, a second task's BEGIN fails
        # inside the first one's transaction, or its writes slip into it.
        self._write_lock = asyncio.Lock()
        # (device, inode) of the database and its -wal and -shm files as opened: a write is
        # confirmed only while the files at these paths are still the ones SQLite writes to.
        self._files: dict[str, tuple[int, int]] = {}
        self._writes_stopped: str | None = None  # why, once the files were found replaced
        self._pages_unchecked = False  # a big file of `citybot run`: checked after start

    @classmethod
    async def open(cls, path: Path, migrations: Sequence[tuple[int, str, str]], *,
                   defer_page_check: bool = False) -> SqliteEngine:
        """Open, check and migrate the database; a file it cannot use raises `StoreUnusable`
        (one line: the path and the problem) before anything is written to it."""
        if str(path) != ":memory:":
            opening.check_path(path)
        try:
            db = await aiosqlite.connect(path, isolation_level=None)  # we issue BEGIN ourselves
        except sqlite3.Error as exc:
            raise StoreUnusable(path, opening.explain(exc)) from exc
        db.row_factory = sqlite3.Row
        try:
            await db.execute("PRAGMA busy_timeout = 5000")
            await opening.check_contents(db, path, len(migrations),
                                         defer_page_check=defer_page_check)
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; durable at checkpoint
            engine = cls(db, path)
            engine._pages_unchecked = not opening.checked_at_open(path, defer_page_check)
            await engine.migrate(migrations)
            engine._files = file_identities(path)
        except BaseException as exc:
            await db.close()
            if isinstance(exc, sqlite3.Error):
                raise StoreUnusable(path, opening.explain(exc)) from exc
            raise
        return engine

    @classmethod
    async def open_reader(cls, path: Path) -> SqliteEngine:
        """A second, read-only connection to an open database: it sees only committed data,
        never a transaction this process's writer has under way (the change feed reads
        through it, so it cannot apply a write that is then rolled back)."""
        db = await aiosqlite.connect(path, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            await db.execute("PRAGMA busy_timeout = 5000")
            await db.execute("PRAGMA query_only = ON")
        except BaseException:
            await db.close()
            raise
        return cls(db, path)

    async def close(self) -> None:
        await self.db.close()

    async def batches(self, sql: str, params: Sequence[Any], size: int
                      ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """A big read (start-up's every entry) in batches of plain tuples."""
        async with self.db.execute(sql, params) as cursor:
            cursor.row_factory = None  # tuples: much cheaper than Row
            while rows := await cursor.fetchmany(size):
                yield rows  # type: ignore[misc]

    async def identity(self) -> tuple[int, ...]:
        """The file's inode: a copy, or a backup restored by renaming it into place, is
        another database (not the device: it may change when a volume is mounted again)."""
        status = os.stat(self.path) if str(self.path) != ":memory:" else None
        return (status.st_ino,) if status else (id(self),)

    async def check_pages(self) -> str | None:
        """A file too big to check at open is checked now (see `opening.check_pages`);
        damage found stops every write, as a file replaced under the bot does."""
        if not self._pages_unchecked:
            return None
        self._pages_unchecked = False
        damage = await opening.check_pages(self.path)
        if damage is not None:
            self._writes_stopped = damage
        return damage

    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self, migrations: Sequence[tuple[int, str, str]]) -> int:
        """Apply the migrations this database has not seen, each in its own transaction."""
        current = await self.schema_version()
        for number, name, sql in migrations:
            if number <= current:
                continue
            # executescript would COMMIT first; wrapping the script keeps a migration atomic.
            try:
                await self.db.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;"
                )
            except BaseException as exc:
                if self.db.in_transaction:
                    await self.db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.OperationalError) and "already exists" in str(exc):
                    # e.g. user_version set back by hand over tables that are there
                    raise StoreUnusable(self.path, f"schema {current} but {exc}: it cannot "
                                                   f"be upgraded with {name}") from exc
                raise
            current = number
        return current

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error (one writer at a time)."""
        async with self._write_lock:
            if self._writes_stopped is not None:
                raise StoreWritesStopped(self._writes_stopped)
            try:
                await self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise (StoreBusy(str(exc)) if is_transient(exc) else exc) from exc
            try:
                yield self.db
                self._check_files()  # replaced: rolled back below, nothing confirmed
                await self.db.execute("COMMIT")
                self._check_files()  # replaced meanwhile: committed to a file about to be lost
            except BaseException as exc:
                if self.db.in_transaction:
                    await self.db.execute("ROLLBACK")
                if is_transient(exc):
                    raise StoreBusy(str(exc)) from exc
                raise

    @asynccontextmanager
    async def committed(self) -> AsyncIterator[None]:
        """Reads that must see only committed data: on the connection that also writes,
        they wait until no transaction is under way (a second connection, `open_reader`,
        never sees one, and waits for nothing)."""
        async with self._write_lock:
            yield

    def _check_files(self) -> None:
        """Raise StoreWritesStopped (and stop taking writes) when the database, its -wal or
        its -shm at our path is no longer the file we opened (deleted, or replaced)."""
        now = file_identities(self.path) if self._files else {}
        changed = [name for name, identity in self._files.items() if now.get(name) != identity]
        if changed:
            self._writes_stopped = f"{', '.join(changed)} removed or replaced under the bot"
            log.error("%s: %s; refusing every change until citybot is restarted "
                      "(restore the file or a backup first)", self.path, self._writes_stopped)
            raise StoreWritesStopped(self._writes_stopped)

    async def data_version(self) -> int:
        """Changes whenever another connection commits to this file (cheap to poll)."""
        # One trip through aiosqlite's thread (execute_fetchall), not three: this runs five
        # times a second in every process.
        rows = await self.db.execute_fetchall("PRAGMA data_version")
        return int(next(iter(rows))[0])

    async def fingerprint(self) -> str:
        """A digest of every row of every table: equal before and after means nothing changed."""
        digest = hashlib.sha256()
        async with self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name <> 'shard_leases' ORDER BY name"  # leases are heartbeats, not content
        ) as cursor:
            tables = list(await cursor.fetchall())
        for (table,) in tables:
            digest.update(table.encode())
            async with self.db.execute(f'SELECT * FROM "{table}" ORDER BY rowid') as cursor:
                for row in await cursor.fetchall():
                    digest.update(repr(tuple(row)).encode())
        return digest.hexdigest()

    async def backup(self, target: Path) -> None:
        """Copy the live database to `target` with SQLite's online backup API, safe while the
        bot runs. One step (pages=-1): in WAL mode that copies one consistent snapshot and
        never blocks writers. Copying in several steps would restart from the first page each
        time another connection writes in between, and never finish under steady writes."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        destination = sqlite3.connect(partial, check_same_thread=False)
        try:
            await self.db.backup(destination, pages=-1)
        finally:
            destination.close()
        partial.replace(target)  # a reader never sees a half-written backup

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        """Reads in this block see one committed state (a read transaction; WAL lets writers
        go on meanwhile)."""
        async with self._write_lock:
            await self.db.execute("BEGIN")
            try:
                yield
            finally:
                await self.db.execute("ROLLBACK")

    async def after_bulk_copy(self, db: aiosqlite.Connection, tables: Sequence[str]) -> None:
        """Nothing to do: a rowid is always past the largest one."""

    async def integrity_check(self) -> str:
        async with self.db.execute("PRAGMA integrity_check") as cursor:
            row = await cursor.fetchone()
        return str(row[0]) if row else "?"
