"""Opens everything the adapters need, from a database path: one way, used by all of them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.digest import DigestService
from bot.core.errors import StoreBusy, StoreUnusable
from bot.core.feed import ChangeFeed, stop
from bot.core.moderation import Moderation
from bot.core.partition import Partition
from bot.core.seed import ensure_seeded
from bot.core.service import Lookup
from bot.core.store import DATABASE_ERRORS, Store
from bot.core.store.location import Database


@dataclass(slots=True)
class Core:
    store: Store
    lookup: Lookup
    digest: DigestService
    moderation: Moderation
    feed: ChangeFeed
    reader: Store | None = None  # the feed's own connection
    _following: asyncio.Task[None] | None = field(default=None, repr=False)

    def follow(self) -> None:
        """Keep following the change log in the background (a long-running process)."""
        if self._following is None:
            self._following = self.feed.start()

    async def close(self) -> None:
        await stop(self._following)
        self._following = None
        if self.reader is not None:
            await self.reader.close()
        await self.store.close()


async def start_core(database: Database | Path | str, prefix: str = "!",
                     partition: Partition | None = None) -> Core:
    """Open (or create and seed) the database and build the in-memory index of what this
    process serves (`partition`: every server by default)."""
    partition = partition or Partition()
    database = Database.of(database)
    store = await Store.open(database.location, pool_size=database.pool_size,
                             connect_seconds=database.connect_seconds)  # StoreUnusable
    reader: Store | None = None
    try:
        await ensure_seeded(store)
        reader = await Store.open_reader(database.location,
                                         connect_seconds=database.connect_seconds)
        # Lookups read through the reader's connection: a member's `/city` never queues behind
        # a write of this process that is waiting for another writer's lock (it would miss
        # Discord's 3 s), and it sees only what is committed.
        lookup = await Lookup.start(reader, prefix, serves=partition.serves)
        moderation = await Moderation.start(store, lookup, reader=reader, partition=partition)
        assert moderation.feed is not None
        feed = moderation.feed
    except BaseException as exc:
        if reader is not None:
            await reader.close()
        await store.close()
        if isinstance(exc, (StoreBusy, *DATABASE_ERRORS)):  # a full disk, a damaged row
            raise StoreUnusable(database, f"it cannot be loaded ({exc})") from exc
        raise
    digest = DigestService(store, prefix=prefix, serves=feed.serves)
    return Core(store=store, lookup=lookup, digest=digest, moderation=moderation, feed=feed,
                reader=reader)
