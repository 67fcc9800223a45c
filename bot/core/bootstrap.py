"""Opens everything the adapters need, from a database path: one way, used by all of them."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.core import snapshot
from bot.core.digest import DigestService
from bot.core.errors import StoreBusy, StoreUnusable
from bot.core.feed import ChangeFeed, stop
from bot.core.moderation import Moderation
from bot.core.partition import Partition
from bot.core.seed import ensure_seeded
from bot.core.service import Lookup
from bot.core.snapshot import Snapshots, SnapshotUnusable, entries_of
from bot.core.store import DATABASE_ERRORS, Store
from bot.core.store.location import Database

log = logging.getLogger(__name__)

SNAPSHOT_EVERY_SECONDS = 3600.0  # a running process saves its index this often, if changed
RESAVE_AFTER = 1_000  # changes replayed at start over a snapshot: saved again at once


@dataclass(slots=True)
class Core:
    store: Store
    lookup: Lookup
    digest: DigestService
    moderation: Moderation
    feed: ChangeFeed
    reader: Store | None = None  # the feed's own connection
    snapshots: Snapshots | None = None  # where the index is saved; None: it is not
    restored: bool = False  # the index came from a snapshot, not from reading every entry
    _following: asyncio.Task[None] | None = field(default=None, repr=False)
    _saving: asyncio.Task[None] | None = field(default=None, repr=False)
    _checking: asyncio.Task[None] | None = field(default=None, repr=False)

    def follow(self) -> None:
        """Keep following the change log in the background (a long-running process), save
        the index now and then, so the next start has little of the log to replay, and check
        the pages of a big database file that were not checked at open."""
        loop = asyncio.get_running_loop()
        if self._following is None:
            self._following = self.feed.start()
        if self._saving is None and self.snapshots is not None:
            self._saving = loop.create_task(self._save_now_and_then(), name="index-snapshots")
        if self._checking is None:
            self._checking = loop.create_task(_check_pages(self.store), name="page-check")

    def worth_saving(self) -> bool:
        """A snapshot is kept, and the index is big enough for one to pay."""
        return self.snapshots is not None and \
            entries_of(self.lookup.catalog) >= snapshot.WORTH_SAVING_FROM

    def save_snapshot(self) -> None:
        """Start saving the index, if it is worth it and not saved as it is."""
        snapshots = self.snapshots
        if snapshots is None or not self.worth_saving() or \
                snapshots.is_current(self.feed.position):
            return
        position, marker, ahead, ahead_marker = self.feed.marker
        if position != self.feed.position or marker is None or ahead_marker is None:
            return  # not known for this position
        snapshots.save(self.lookup.catalog, position=position, marker=marker, ahead=ahead,
                       ahead_marker=ahead_marker, dropped=self.feed.dropped)

    async def _save_now_and_then(self) -> None:
        while True:
            await asyncio.sleep(SNAPSHOT_EVERY_SECONDS)
            try:
                if self.worth_saving():
                    await self.feed.remember_marker()
                    self.save_snapshot()
            except (StoreBusy, *DATABASE_ERRORS) as exc:
                log.warning("index snapshot not saved this time: %s", exc)
            except Exception:  # never stop saving for good without a word
                log.exception("index snapshot not saved this time")

    async def close(self) -> None:
        for task in (self._saving, self._checking):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._saving = self._checking = None
        await stop(self._following)
        self._following = None
        if self.snapshots is not None:
            await self.snapshots.wait()  # a snapshot being written is finished, not orphaned
        if self.reader is not None:
            await self.reader.close()
        await self.store.close()


async def start_core(database: Database | Path | str, prefix: str = "!",
                     partition: Partition | None = None, *, long_running: bool = False
                     ) -> Core:
    """Open (or create and seed) the database and build the in-memory index of what this
    process serves (`partition`: every server by default): from its snapshot brought up to
    date by the change log when there is a usable one, else from every entry.
    `long_running` (`citybot run`): the pages of a big SQLite file are checked once it runs
    (`Core.follow`), not before; a short command checks them all first."""
    partition = partition or Partition()
    database = Database.of(database)
    store = await Store.open(database.location, pool_size=database.pool_size,
                             connect_seconds=database.connect_seconds,
                             defer_page_check=long_running)  # StoreUnusable
    reader: Store | None = None
    snapshot_path = database.snapshot_path(partition.tag())
    snapshots = Snapshots(snapshot_path, partition.describe()) if snapshot_path else None
    try:
        await ensure_seeded(store)
        reader = await Store.open_reader(database.location,
                                         connect_seconds=database.connect_seconds)
        started = time.monotonic()
        # Lookups read through the reader's connection: a member's `/city` never queues behind
        # a write of this process that is waiting for another writer's lock (it would miss
        # Discord's 3 s), and it sees only what is committed.
        with building_index():
            lookup = await _restored(reader, snapshots, prefix) if snapshots else None
            restored = lookup is not None
            if lookup is None:
                lookup = await Lookup.start(reader, prefix, partition)
        moderation = await Moderation.start(store, lookup, reader=reader, partition=partition)
        assert moderation.feed is not None
        feed = moderation.feed
        caught_up = 0
        if restored:
            caught_up = await feed.catch_up()  # (a log trimmed past it: rebuilt from the store)
            log.info("index read from its snapshot and %d change(s) after it in %.1f s",
                     caught_up, time.monotonic() - started)
        if snapshots is not None and entries_of(lookup.catalog) >= snapshot.WORTH_SAVING_FROM:
            await feed.remember_marker()  # (three reads: only for an index worth saving)
    except BaseException as exc:
        if reader is not None:
            await reader.close()
        await store.close()
        if isinstance(exc, (StoreBusy, *DATABASE_ERRORS)):  # a full disk, a damaged row
            raise StoreUnusable(database, f"it cannot be loaded ({exc})") from exc
        raise
    digest = DigestService(store, prefix=prefix, serves=feed.serves)
    core = Core(store=store, lookup=lookup, digest=digest, moderation=moderation, feed=feed,
                reader=reader, snapshots=snapshots, restored=restored)
    if not restored or caught_up >= RESAVE_AFTER:  # saved for the next start
        core.save_snapshot()
    return core


@contextlib.contextmanager
def building_index() -> Iterator[None]:
    """How the index is made at start-up (benchmarks measure it the same way). While it is:
    millions of new objects, none of them garbage, would set off the cycle collector again
    and again, each time walking every one made so far (half of reading a snapshot's time,
    measured). After it, the memory that making it used and freed (rows read, the
    unpickler's buffers, postings before they were halved) is handed back to the system."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        # What was made lives as long as the process: left to the collector, the first
        # lookups would each walk all of it, once per generation it climbs (a 267 ms pause
        # at 100,000 entries, measured), so it is set apart from every later collection.
        gc.freeze()
    finally:
        if enabled:
            gc.enable()
        _return_free_memory()


def _return_free_memory() -> None:
    # glibc keeps freed memory for the next malloc; a restored index of 100,000 entries
    # held 310 MB resident before this, 295 MB after (the built one, 270 MB).
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to hand back
        ctypes.CDLL(None).malloc_trim(0)


async def _restored(reader: Store, snapshots: Snapshots, prefix: str) -> Lookup | None:
    """The index from its snapshot, if that was made from this database as it is now."""
    found = snapshots.restore()
    if found is None:
        return None
    header, read_catalog = found
    marker = await reader.change_marker(header.position)
    if marker != header.marker:
        snapshots.unusable("the change log no longer holds its position (trimmed since, or "
                           "an older copy of the database put in its place)"
                           if marker is None else
                           "it was made from another database (or from this one before a "
                           "backup was restored over it)")
        return None
    if await reader.change_position() < header.ahead or \
            await reader.change_marker(header.ahead) != header.ahead_marker:
        snapshots.unusable("it holds changes this database does not have (an older copy of "
                           "it, or a backup, was put in its place)")
        return None
    try:
        catalog = read_catalog()
    except SnapshotUnusable as exc:
        snapshots.unusable(str(exc))
        return None
    catalog.position = header.position
    for guild_id in header.dropped:  # left before the save; this process may serve it again
        await catalog.load_scope(reader, guild_id)
    snapshots.saved_position = header.position
    lookup = Lookup(reader, catalog, prefix)
    await lookup.refresh_sources()
    return lookup


async def _check_pages(store: Store) -> None:
    """The pages of a big SQLite file, checked after start (too slow to wait for)."""
    try:
        damage = await store.check_pages()
    except (StoreBusy, *DATABASE_ERRORS) as exc:
        log.warning("could not check the database's pages (%s)", exc)
        return
    if damage:
        log.error("the database %s: %s. Stop citybot and restore the file from a backup "
                  "(`citybot backup` makes one)", store.path, damage)
