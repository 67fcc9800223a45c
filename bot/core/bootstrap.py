"""Opens everything the adapters need, from a database path: one way, used by all of them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.core.digest import DigestService
from bot.core.errors import StoreBusy, StoreUnusable
from bot.core.moderation import Moderation
from bot.core.seed import ensure_seeded
from bot.core.service import Lookup
from bot.core.store import Store


@dataclass(slots=True)
class Core:
    store: Store
    lookup: Lookup
    digest: DigestService
    moderation: Moderation

    async def close(self) -> None:
        await self.store.close()


async def start_core(database_path: Path, prefix: str = "!") -> Core:
    """Open (or create and seed) the database and build the in-memory index."""
    store = await Store.open(database_path)  # StoreUnusable: a file it cannot use
    try:
        await ensure_seeded(store)
        lookup = await Lookup.start(store, prefix)
        moderation = await Moderation.start(store, lookup)
    except BaseException as exc:
        await store.close()
        if isinstance(exc, StoreBusy | sqlite3.DatabaseError):  # a full disk, a damaged row
            raise StoreUnusable(database_path, f"it cannot be loaded ({exc})") from exc
        raise
    return Core(store=store, lookup=lookup, digest=DigestService(store, prefix=prefix),
                moderation=moderation)
