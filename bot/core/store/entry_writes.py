"""Moderators' entry writes: add, edit, soft remove and restore, each with its audit row.

Every change to an entry writes its audit row (before/after as JSON) inside the same
transaction as the change. Edits are optimistic: `UPDATE … WHERE id = ? AND version = ?`,
so a second moderator working from an older version gets `VersionConflict` and nothing
is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.core.store.audit import AuditLog
from bot.core.store.base import Connection, insert_id, placeholders
from bot.core.store.name_keys import NAMED
from bot.core.store.snapshots import ALIAS_COLUMN, COLUMNS, NOW, TABLES, EntrySnapshots
from bot.core.validation import LIMITS, slug


class EntryMissing(LookupError):
    """No entry has that id."""


class EntryRemoved(LookupError):
    """The entry was removed (soft) since it was read."""


class NotRemoved(LookupError):
    """A restore of an entry that is not removed."""


class VersionConflict(LookupError):
    def __init__(self, current: int) -> None:
        super().__init__(f"the entry is at version {current}")
        self.current = current


class EntryWrites(EntrySnapshots, AuditLog):
    """Insert, optimistic update and soft removal of cities, officials and statements."""

    # ---- entry writes ----------------------------------------------------------------------

    async def insert_entry(
        self, kind: str, guild_id: int, values: Mapping[str, Any], actor_id: int,
        *, key_hint: str,
    ) -> dict[str, Any]:
        """Add an entry and its audit row; returns its snapshot."""
        async with self.transaction() as db:
            entry_id = await self._insert(db, kind, guild_id, values, key_hint)
            after = await self._snapshot(db, kind, entry_id)
            await self._audit(db, guild_id, actor_id, "add", kind, entry_id, None, after)
        assert after is not None
        return after

    async def update_entry(
        self, kind: str, entry_id: int, expected_version: int, changes: Mapping[str, Any],
        actor_id: int, *, action: str = "edit", undo_of: int | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Change columns (and `facts`/`aliases` lists) if the entry is still at that version."""
        async with self.transaction() as db:
            before = await self._current(db, kind, entry_id, expected_version)
            columns = {c: v for c, v in changes.items() if c in COLUMNS[kind]}
            sets = "".join(f"{column} = ?, " for column in columns)
            cursor = await db.execute(
                f"UPDATE {TABLES[kind]} SET {sets}version = version + 1, updated_at = {NOW}"
                " WHERE id = ? AND version = ? AND deleted_at IS NULL",
                (*columns.values(), entry_id, expected_version),
            )
            if cursor.rowcount != 1:  # cannot happen under the lock; never write blind
                raise VersionConflict(int(before["version"]))
            await self._write_beside(db, kind, entry_id, changes)
            after = await self._snapshot(db, kind, entry_id)
            assert after is not None
            audit_id = await self._audit(db, int(before["guild_id"]), actor_id, action, kind,
                                         entry_id, before, after)
            await self._mark_undone(db, undo_of, audit_id)
        return before, after

    async def set_removed(
        self, kind: str, entry_id: int, expected_version: int, removed: bool, actor_id: int,
        *, action: str | None = None, undo_of: int | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Soft-remove (or restore) an entry at `expected_version`."""
        async with self.transaction() as db:
            before = await self._snapshot(db, kind, entry_id)
            if before is None:
                raise EntryMissing(entry_id)
            if (before["deleted_at"] is not None) == removed:
                raise EntryRemoved(entry_id) if removed else NotRemoved(entry_id)
            if before["version"] != expected_version:
                raise VersionConflict(int(before["version"]))
            deleted = NOW if removed else "NULL"
            await db.execute(
                f"UPDATE {TABLES[kind]} SET deleted_at = {deleted}, version = version + 1,"
                f" updated_at = {NOW} WHERE id = ? AND version = ?",
                (entry_id, expected_version),
            )
            after = await self._snapshot(db, kind, entry_id)
            assert after is not None
            audit_id = await self._audit(
                db, int(before["guild_id"]), actor_id,
                action or ("remove" if removed else "restore"), kind, entry_id, before, after,
            )
            await self._mark_undone(db, undo_of, audit_id)
        return before, after

    async def _current(self, db: Connection, kind: str, entry_id: int,
                       expected_version: int) -> dict[str, Any]:
        before = await self._snapshot(db, kind, entry_id)
        if before is None:
            raise EntryMissing(entry_id)
        if before["deleted_at"] is not None:
            raise EntryRemoved(entry_id)
        if before["version"] != expected_version:
            raise VersionConflict(int(before["version"]))
        return before

    async def _insert(self, db: Connection, kind: str, guild_id: int,
                      values: Mapping[str, Any], key_hint: str) -> int:
        key = await self._free_key(db, kind, guild_id, key_hint)
        columns = [c for c in COLUMNS[kind] if c in values]
        entry_id = await insert_id(
            db, f"INSERT INTO {TABLES[kind]} (guild_id, key, {', '.join(columns)})"
            f" VALUES (?, ?, {placeholders(columns)})",
            (guild_id, key, *(values[c] for c in columns)),
        )
        await self._write_beside(db, kind, entry_id, {"facts": (), "aliases": (), **values})
        return entry_id

    async def _write_beside(self, db: Connection, kind: str, entry_id: int,
                            values: Mapping[str, Any]) -> None:
        """What goes with an entry's row once it is written: the key of a new name, and the
        facts and aliases given in `values` (replacing the old ones)."""
        if "name" in values and kind in NAMED:
            await self._write_name_key(db, kind, entry_id, values["name"])
        if "facts" in values and kind == "city":
            await db.execute("DELETE FROM city_facts WHERE city_id = ?", (entry_id,))
            await db.executemany(
                "INSERT INTO city_facts (city_id, position, text) VALUES (?, ?, ?)",
                [(entry_id, i, fact) for i, fact in enumerate(values["facts"])],
            )
        if "aliases" in values and kind in ALIAS_COLUMN:
            await self._replace_aliases(db, kind, entry_id, values["aliases"])

    async def _free_key(self, db: Connection, kind: str, guild_id: int,
                        hint: str) -> str:
        """A key unused in this scope and in the global one, so exports never collide."""
        base = slug(hint)[: LIMITS["key"] - 4]
        # Keys are lower-case letters, digits and dashes (slug, clean_key): those that start
        # with `base` are one range of the (guild_id, key) index, not a scan of the scope.
        async with db.execute(
            f"SELECT key FROM {TABLES[kind]} WHERE guild_id IN (0, ?) AND key >= ? AND key < ?",
            (guild_id, base, base + "\U0010ffff"),
        ) as cursor:
            taken = {r[0] for r in await cursor.fetchall()}
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base}-{n}"
        return key

    async def _replace_aliases(self, db: Connection, kind: str, entry_id: int,
                               aliases: Iterable[str]) -> None:
        column = ALIAS_COLUMN[kind]
        await db.execute(f"DELETE FROM aliases WHERE {column} = ?", (entry_id,))
        await self._insert_aliases(db, kind, entry_id, aliases)
