"""The store, on SQLite or PostgreSQL: every SQL statement of the bot lives in this package."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.core.store import postgres
from bot.core.store import sqlite as sqlite_engine
from bot.core.store.changes import Change, ChangeLog
from bot.core.store.digest import DigestStore
from bot.core.store.entries import EntryReads
from bot.core.store.entry_writes import EntryWrites
from bot.core.store.import_writes import ImportWrites
from bot.core.store.leases import ShardLeases
from bot.core.store.loading import DatasetWrites
from bot.core.store.mod_roles import ModRoles
from bot.core.store.suggestions import SuggestionQueue

# The drivers' errors, for code outside this package that must tell them from a bug without
# knowing which database runs.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, *postgres.driver_errors())
INTEGRITY_ERRORS: tuple[type[BaseException], ...] = (
    sqlite3.IntegrityError, *postgres.integrity_errors())


def is_transient(error: BaseException) -> bool:
    """A database error that says "not now" rather than "never" (locked, busy, disk full,
    a dropped connection)."""
    return sqlite_engine.is_transient(error) or postgres.is_transient(error)


class Store(EntryReads, DatasetWrites, SuggestionQueue, ImportWrites, EntryWrites,
            ModRoles, DigestStore, ChangeLog, ShardLeases):
    """One connection to one database file; reads and writes come from the mixins."""

    @classmethod
    async def open(cls, location: str | Path, *, pool_size: int = 5,
                   connect_seconds: float = 30.0, defer_page_check: bool = False) -> Store:
        store = await super().open(location, pool_size=pool_size,
                                   connect_seconds=connect_seconds,
                                   defer_page_check=defer_page_check)
        assert isinstance(store, Store)
        return store

    @classmethod
    async def open_reader(cls, location: str | Path, *, connect_seconds: float = 30.0
                          ) -> Store:
        store = await super().open_reader(location, connect_seconds=connect_seconds)
        assert isinstance(store, Store)
        return store


__all__ = ["DATABASE_ERRORS", "INTEGRITY_ERRORS", "Change", "Store", "is_transient"]
