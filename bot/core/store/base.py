"""The store's connection, on either database: which one runs is decided here, once, from
the location it is opened with (a `postgresql://` URL or a SQLite file's path), and nothing
outside this package knows it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from bot.core.store.guard import check_authority
from bot.core.store.location import is_postgres
from bot.core.store.postgres import PostgresEngine
from bot.core.store.sqlite import SqliteEngine

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_PACKAGES = {"sqlite": "bot.core.migrations", "postgres": "bot.core.migrations.postgres"}

Location = str | Path  # a SQLite file's path, or a postgresql:// URL
# What the mixins talk to: an aiosqlite connection or a postgres.PgConnection, one interface.
Connection = Any
Row = Any  # sqlite3.Row or asyncpg.Record: by name or by position


def migrations(dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of every bundled migration of one database, in order."""
    found = []
    for entry in resources.files(_PACKAGES[dialect]).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 001, 002, … without gaps: {numbers}")
    return found


def placeholders(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


async def insert_id(db: Connection, sql: str, params: Iterable[Any]) -> int:
    """Run an INSERT of one row and return its new id (RETURNING: both databases have it;
    only SQLite has a cursor's lastrowid)."""
    async with db.execute(f"{sql} RETURNING id", tuple(params)) as cursor:
        row = await cursor.fetchone()
    return int(row[0])


class StoreBase:
    """Owns the engine (SQLite or PostgreSQL). Reads and writes live in the mixins beside
    this module, written once for both: they talk to `self._db` and to the connection
    `transaction()` yields, which both engines offer with aiosqlite's interface."""

    def __init__(self, engine: SqliteEngine | PostgresEngine) -> None:
        self._engine = engine
        self._db: Any = engine.db
        self.path = engine.location  # what messages name: the file, or the URL without password

    @property
    def dialect(self) -> str:
        return self._engine.dialect

    @classmethod
    async def open(cls, location: Location, *, pool_size: int = 5,
                   connect_seconds: float = 30.0, defer_page_check: bool = False) -> StoreBase:
        """Open, check and migrate the database; one it cannot use raises `StoreUnusable`
        (one line: where and the problem) before anything is written to it."""
        engine: SqliteEngine | PostgresEngine
        if is_postgres(location):
            engine = await PostgresEngine.open(str(location), pool_size=pool_size,
                                               connect_seconds=connect_seconds,
                                               migrations=migrations("postgres"))
        else:
            engine = await SqliteEngine.open(Path(location), migrations(),
                                             defer_page_check=defer_page_check)
        store = cls(engine)
        try:
            await store.migrate()  # nothing left to apply; what the mixins do after (name keys)
        except BaseException:
            await store.close()
            raise
        return store

    @classmethod
    async def open_reader(cls, location: Location, *, connect_seconds: float = 30.0
                          ) -> StoreBase:
        """A second connection that sees only committed data (the change feed's)."""
        engine: SqliteEngine | PostgresEngine
        if is_postgres(location):
            engine = await PostgresEngine.open(str(location), pool_size=2,
                                               connect_seconds=connect_seconds, migrations=None)
        else:
            engine = await SqliteEngine.open_reader(Path(location))
        return cls(engine)

    async def close(self) -> None:
        await self._engine.close()

    async def schema_version(self) -> int:
        return await self._engine.schema_version()

    async def migrate(self) -> int:
        return await self._engine.migrate(migrations(self._engine.dialect))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        """One write transaction, one writer at a time, rolled back on any error; a role the
        write relies on is checked inside it (guard.py)."""
        async with self._engine.transaction() as db:
            await check_authority(db)
            yield db

    @asynccontextmanager
    async def committed(self) -> AsyncIterator[None]:
        """Reads that must see only committed data (see the engines)."""
        async with self._engine.committed():
            yield

    async def data_version(self) -> int:
        """Changes when another connection commits (the change feed's wake-up)."""
        return await self._engine.data_version()

    async def fingerprint(self) -> str:
        """A digest of every row of every table but the shard leases (a running bot renews
        them): equal before and after means nothing changed."""
        return await self._engine.fingerprint()

    async def backup(self, target: Path) -> None:
        """A consistent copy of the live SQLite database (PostgreSQL: use pg_dump)."""
        if not isinstance(self._engine, SqliteEngine):
            raise NotImplementedError("back up a PostgreSQL database with pg_dump")
        await self._engine.backup(target)

    async def integrity_check(self) -> str:
        return await self._engine.integrity_check()

    async def check_pages(self) -> str | None:
        """What was left unchecked at open, checked while the process runs: the damage
        found, or None (PostgreSQL checks its own pages as it reads them)."""
        if not isinstance(self._engine, SqliteEngine):
            return None
        return await self._engine.check_pages()

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        """Reads in this block see one committed state (a copy of a live database)."""
        async with self._engine.snapshot():
            yield

    async def after_bulk_copy(self, db: Connection, tables: Sequence[str]) -> None:
        """Rows were written with their ids (citybot migrate): new rows must get ids after
        them (PostgreSQL's identity sequences do not follow explicit ids by themselves)."""
        await self._engine.after_bulk_copy(db, tables)

    async def _scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        async with self._db.execute(sql, tuple(params)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else row[0]

    async def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        async with self._db.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

