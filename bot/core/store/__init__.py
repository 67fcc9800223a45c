"""The SQLite store: every SQL statement of the bot lives in this package."""

from __future__ import annotations

from pathlib import Path

from bot.core.store.changes import Change, ChangeLog
from bot.core.store.digest import DigestStore
from bot.core.store.entries import EntryReads
from bot.core.store.entry_writes import EntryWrites
from bot.core.store.import_writes import ImportWrites
from bot.core.store.leases import ShardLeases
from bot.core.store.loading import DatasetWrites
from bot.core.store.mod_roles import ModRoles
from bot.core.store.suggestions import SuggestionQueue


class Store(EntryReads, DatasetWrites, SuggestionQueue, ImportWrites, EntryWrites,
            ModRoles, DigestStore, ChangeLog, ShardLeases):
    """One connection to one database file; reads and writes come from the mixins."""

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        store = await super().open(path)
        assert isinstance(store, Store)
        return store

    @classmethod
    async def open_reader(cls, path: str | Path) -> Store:
        store = await super().open_reader(path)
        assert isinstance(store, Store)
        return store


__all__ = ["Change", "Store"]
