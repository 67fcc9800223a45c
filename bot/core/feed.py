"""The change feed: every process follows the store's change log and keeps its caches in step.

Writes append rows to the log in their own transaction (triggers, migration 005). A process
applies the rows after its position, in order: for each entry named it re-reads the entry
from the store and puts it into (or takes it out of) the in-memory index; for a moderator
role it re-reads that server's roles. Applying a row re-reads the present state, so a row
applied twice, or a change already seen through an earlier row, changes nothing. A process
finds new rows by polling `PRAGMA data_version` a few times a second (it changes when another
connection commits); its own writes call `catch_up` right after they commit, so the member
who made a change sees it in the very next lookup. A log trimmed past the position makes the
process rebuild its index from the store rather than skip what it cannot read any more.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.core.catalog import Catalog
from bot.core.errors import StoreBusy
from bot.core.matching import EntryKind
from bot.core.partition import Partition
from bot.core.store import DATABASE_ERRORS

if TYPE_CHECKING:
    from bot.core.moderation import Moderation
    from bot.core.service import Lookup
    from bot.core.store import Change, Store

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2  # how often the log is looked at: a write shows elsewhere within ~0.2 s
RECHECK_SECONDS = 5.0  # read the log even if data_version did not move (belt and braces)
TRIM_EVERY_SECONDS = 3600.0
RETAIN_DAYS = 7.0  # rows older than this are trimmed; a process that far behind rebuilds
_ENTRY_KINDS: tuple[EntryKind, ...] = ("city", "official", "statement")


class ChangeFeed:
    def __init__(self, reader: Store, lookup: Lookup, moderation: Moderation,
                 partition: Partition | None = None, writer: Store | None = None) -> None:
        self.reader = reader  # sees only committed rows (a second connection, or `committed`)
        self.writer = writer  # trims the log; None: this process never trims
        self.lookup = lookup
        self.moderation = moderation
        self.partition = partition or Partition()
        self.position = lookup.catalog.position
        self.dropped: set[int] = set()  # servers this process left (GUILD_DELETE)
        self.applied = 0  # rows applied since start (for tests and benchmarks)
        self.rebuilds = 0
        # What an index snapshot saved now is checked against when it is read back: the
        # position and the store's `change_marker` there, and the newest row and its marker
        # (the index may hold entries as re-read after their row: up to that one).
        self.marker: tuple[int, tuple[Any, ...] | None, int, tuple[Any, ...] | None] = (
            -1, None, -1, None)
        self._lock = asyncio.Lock()
        self.on_rebuild: list[Callable[[], None]] = []

    def serves(self, guild_id: int) -> bool:
        return self.partition.serves(guild_id) and guild_id not in self.dropped

    # ---- applying the log ----------------------------------------------------------------

    async def catch_up(self) -> int:
        """Apply every committed row after the position; returns how many."""
        async with self._lock:
            async with self.reader.committed():
                if self.position < await self.reader.trimmed_through():
                    await self._rebuild()
                    return 0
                total = 0
                while rows := await self.reader.changes_after(self.position):
                    await self._apply(rows)
                    self.position = rows[-1].id
                    total += len(rows)
            self.applied += total
            return total

    async def remember_marker(self) -> None:
        async with self._lock:
            ahead = await self.reader.change_position()
            self.marker = (self.position, await self.reader.change_marker(self.position),
                           ahead, await self.reader.change_marker(ahead))

    async def _apply(self, rows: list[Change]) -> None:
        wanted: dict[str, dict[int, None]] = {}  # kind -> ids, in order, once each
        for change in rows:
            if self.serves(change.guild_id):
                wanted.setdefault(change.kind, {})[change.entry_id] = None
        catalog = self.lookup.catalog
        for kind in _ENTRY_KINDS:
            ids = list(wanted.get(kind, ()))
            if not ids:
                continue
            rows_of = [row for row in await self.reader.entry_index_rows(kind, ids)
                       if self.serves(row[1])]
            described = []
            if kind != "official":  # stances, facts, where and when: searched too
                async for batch in self.reader.described_rows(kind, ids=ids):
                    described += [row for row in batch if self.serves(row[1])]
            catalog.apply(kind, ids, rows_of, described)
            if kind == "official":  # a statement's label carries its speaker's name
                said = [row for row in await self.reader.statement_index_rows_of(ids)
                        if self.serves(row[1])]
                catalog.apply("statement", (), said)
        for guild_id in {c.guild_id for c in rows if c.kind == "modrole" and
                         self.serves(c.guild_id)}:
            self.moderation.mod_roles[guild_id] = await self.reader.mod_roles_of(guild_id)
        if "source" in wanted:
            self.lookup.set_sources(await self.reader.sources())

    async def _rebuild(self) -> None:
        """The rows after our position are gone: build everything again from the store."""
        log.warning("change log trimmed past this process's position %d: rebuilding the index",
                    self.position)
        catalog = Catalog()
        await catalog.load(self.reader, self.serves, self.partition)
        roles = await self.reader.mod_roles()
        self.lookup.catalog = catalog
        self.lookup.set_sources(await self.reader.sources())
        self.moderation.mod_roles = {g: r for g, r in roles.items() if self.serves(g)}
        self.position = catalog.position
        self.rebuilds += 1

    # ---- servers joining and leaving -----------------------------------------------------

    async def serve_guild(self, guild_id: int) -> None:
        """A server joined (or came back): index its entries."""
        async with self._lock:
            self.dropped.discard(guild_id)
            if not self.partition.serves(guild_id):
                return
            async with self.reader.committed():
                await self.lookup.catalog.load_scope(self.reader, guild_id)
                self.moderation.mod_roles[guild_id] = await self.reader.mod_roles_of(guild_id)

    async def drop_guild(self, guild_id: int) -> None:
        """A server left: forget its entries (its rows in the log are skipped from now on)."""
        async with self._lock:
            self.dropped.add(guild_id)
            self.lookup.catalog.drop_scope(guild_id)
            self.moderation.mod_roles.pop(guild_id, None)

    # ---- the loop ------------------------------------------------------------------------

    async def follow(self, poll: float = POLL_SECONDS) -> None:
        """Run until cancelled: notice other connections' commits and apply them."""
        # None: not read yet, so the first round catches up with what was committed while
        # the index was being built (and a store that cannot be read at start is retried).
        version: int | None = None
        checked = trimmed = time.monotonic()
        failing = False
        while True:
            try:
                now = time.monotonic()
                current = await self.reader.data_version()
                if current != version or now - checked >= RECHECK_SECONDS:
                    version, checked = current, now
                    await self.catch_up()
                if self.writer is not None and now - trimmed >= TRIM_EVERY_SECONDS:
                    trimmed = now
                    await self.writer.trim_changes(RETAIN_DAYS)
                if failing:
                    log.info("change feed: reading the store again")
                failing = False
            except (StoreBusy, *DATABASE_ERRORS) as exc:
                if not failing:  # one line, not one a poll
                    log.warning("change feed: cannot read the store now (%s); will retry", exc)
                failing = True
            except Exception:
                # Never stop silently: an index that no longer follows the store is wrong.
                if not failing:
                    log.exception("change feed: applying the log failed; will retry")
                failing = True
            await asyncio.sleep(poll)

    def start(self) -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(self.follow(), name="change-feed")


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
