"""Moderators' writes: entries, audit rows, moderator roles and the suggestions queue.

Every change to an entry writes its audit row (before/after as JSON) inside the same
transaction as the change. Edits are optimistic: `UPDATE … WHERE id = ? AND version = ?`,
so a second moderator working from an older version gets `VersionConflict` and nothing
is lost.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.core.store.base import StoreBase, placeholders
from bot.core.validation import LIMITS, slug

TABLES = {"city": "cities", "official": "officials", "statement": "statements"}
ALIAS_COLUMN = {"city": "city_id", "official": "official_id"}
COLUMNS = {
    "city": ("name", "state", "stance"),
    "official": ("name", "role", "city_id"),
    "statement": ("official_id", "city_id", "kind", "text", "said_where", "said_when",
                  "said_on", "source_url"),
}
UNDOABLE = ("add", "edit", "remove", "restore", "alias_add", "alias_remove")
_NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


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


class AlreadyReviewed(LookupError):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    guild_id: int
    actor_id: int
    action: str
    entry_kind: str
    entry_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    undone_by: int | None
    created_at: str


@dataclass(frozen=True, slots=True)
class SuggestionRow:
    id: int
    guild_id: int
    author_id: int
    channel_id: int | None
    message_id: int | None
    payload: dict[str, Any]
    status: str
    reviewer_id: int | None
    statement_id: int | None
    created_at: str


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _audit_row(row: sqlite3.Row) -> AuditRow:
    return AuditRow(
        id=row["id"], guild_id=row["guild_id"], actor_id=row["actor_id"], action=row["action"],
        entry_kind=row["entry_kind"], entry_id=row["entry_id"],
        before=json.loads(row["before_json"]) if row["before_json"] else None,
        after=json.loads(row["after_json"]) if row["after_json"] else None,
        undone_by=row["undone_by"], created_at=row["created_at"],
    )


def _suggestion(row: sqlite3.Row) -> SuggestionRow:
    return SuggestionRow(
        id=row["id"], guild_id=row["guild_id"], author_id=row["author_id"],
        channel_id=row["channel_id"], message_id=row["message_id"],
        payload=json.loads(row["payload"]), status=row["status"],
        reviewer_id=row["reviewer_id"], statement_id=row["statement_id"],
        created_at=row["created_at"],
    )


class ModerationWrites(StoreBase):
    # ---- snapshots -------------------------------------------------------------------------

    async def entry(self, kind: str, entry_id: int) -> dict[str, Any] | None:
        """The entry as the audit log records it, removed or not; None if there is none."""
        return await self._snapshot(self._db, kind, entry_id)

    async def _snapshot(
        self, db: aiosqlite.Connection, kind: str, entry_id: int
    ) -> dict[str, Any] | None:
        table = TABLES[kind]
        async with db.execute(f"SELECT * FROM {table} WHERE id = ?", (entry_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        snap: dict[str, Any] = {"id": row["id"], "guild_id": row["guild_id"], "key": row["key"]}
        snap.update({column: row[column] for column in COLUMNS[kind]})
        if kind == "city":
            async with db.execute(
                "SELECT text FROM city_facts WHERE city_id = ? ORDER BY position", (entry_id,)
            ) as cursor:
                snap["facts"] = [r[0] for r in await cursor.fetchall()]
        if kind in ALIAS_COLUMN:
            async with db.execute(
                f"SELECT alias FROM aliases WHERE {ALIAS_COLUMN[kind]} = ? ORDER BY id",
                (entry_id,),
            ) as cursor:
                snap["aliases"] = [r[0] for r in await cursor.fetchall()]
        snap["version"] = row["version"]
        snap["deleted_at"] = row["deleted_at"]
        return snap

    async def entries(self, kind: str, scopes: Sequence[int], *,
                      removed: bool = False) -> list[dict[str, Any]]:
        """Snapshots of every entry of `kind` in `scopes` (live ones, or all with `removed`)."""
        table = TABLES[kind]
        live = "" if removed else " AND deleted_at IS NULL"
        rows = await self._rows(
            f"SELECT id FROM {table} WHERE guild_id IN ({placeholders(scopes)}){live} ORDER BY id",
            scopes,
        )
        found = []
        for row in rows:
            snap = await self._snapshot(self._db, kind, row[0])
            if snap is not None:
                found.append(snap)
        return found

    async def live_references(self, kind: str, entry_id: int) -> int:
        """How many live entries point at this city or official."""
        if kind == "official":
            return int(await self._scalar(
                "SELECT count(*) FROM statements WHERE official_id = ? AND deleted_at IS NULL",
                (entry_id,)))
        if kind == "city":
            return int(await self._scalar(
                "SELECT (SELECT count(*) FROM statements WHERE city_id = ?1 AND deleted_at IS NULL)"
                " + (SELECT count(*) FROM officials WHERE city_id = ?1 AND deleted_at IS NULL)",
                (entry_id,)))
        return 0

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
                f"UPDATE {TABLES[kind]} SET {sets}version = version + 1, updated_at = {_NOW}"
                " WHERE id = ? AND version = ? AND deleted_at IS NULL",
                (*columns.values(), entry_id, expected_version),
            )
            if cursor.rowcount != 1:  # cannot happen under the lock; never write blind
                raise VersionConflict(int(before["version"]))
            if "facts" in changes and kind == "city":
                await db.execute("DELETE FROM city_facts WHERE city_id = ?", (entry_id,))
                await db.executemany(
                    "INSERT INTO city_facts (city_id, position, text) VALUES (?, ?, ?)",
                    [(entry_id, i, fact) for i, fact in enumerate(changes["facts"])],
                )
            if "aliases" in changes and kind in ALIAS_COLUMN:
                await self._replace_aliases(db, kind, entry_id, changes["aliases"])
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
            deleted = _NOW if removed else "NULL"
            await db.execute(
                f"UPDATE {TABLES[kind]} SET deleted_at = {deleted}, version = version + 1,"
                f" updated_at = {_NOW} WHERE id = ? AND version = ?",
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

    async def _current(self, db: aiosqlite.Connection, kind: str, entry_id: int,
                       expected_version: int) -> dict[str, Any]:
        before = await self._snapshot(db, kind, entry_id)
        if before is None:
            raise EntryMissing(entry_id)
        if before["deleted_at"] is not None:
            raise EntryRemoved(entry_id)
        if before["version"] != expected_version:
            raise VersionConflict(int(before["version"]))
        return before

    async def _insert(self, db: aiosqlite.Connection, kind: str, guild_id: int,
                      values: Mapping[str, Any], key_hint: str) -> int:
        key = await self._free_key(db, kind, guild_id, key_hint)
        columns = [c for c in COLUMNS[kind] if c in values]
        cursor = await db.execute(
            f"INSERT INTO {TABLES[kind]} (guild_id, key, {', '.join(columns)})"
            f" VALUES (?, ?, {placeholders(columns)})",
            (guild_id, key, *(values[c] for c in columns)),
        )
        entry_id = int(cursor.lastrowid or 0)
        if kind == "city":
            await db.executemany(
                "INSERT INTO city_facts (city_id, position, text) VALUES (?, ?, ?)",
                [(entry_id, i, fact) for i, fact in enumerate(values.get("facts", ()))],
            )
        if kind in ALIAS_COLUMN:
            await self._replace_aliases(db, kind, entry_id, values.get("aliases", ()))
        return entry_id

    async def _free_key(self, db: aiosqlite.Connection, kind: str, guild_id: int,
                        hint: str) -> str:
        """A key unused in this scope and in the global one, so exports never collide."""
        base = slug(hint)[: LIMITS["key"] - 4]
        async with db.execute(
            f"SELECT key FROM {TABLES[kind]} WHERE guild_id IN (0, ?) AND key LIKE ? || '%'",
            (guild_id, base),
        ) as cursor:
            taken = {r[0] for r in await cursor.fetchall()}
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base}-{n}"
        return key

    async def _replace_aliases(self, db: aiosqlite.Connection, kind: str, entry_id: int,
                               aliases: Iterable[str]) -> None:
        column = ALIAS_COLUMN[kind]
        await db.execute(f"DELETE FROM aliases WHERE {column} = ?", (entry_id,))
        await db.executemany(f"INSERT INTO aliases ({column}, alias) VALUES (?, ?)",
                             [(entry_id, alias) for alias in aliases])

    # ---- audit -----------------------------------------------------------------------------

    async def _audit(
        self, db: aiosqlite.Connection, guild_id: int, actor_id: int, action: str, kind: str,
        entry_id: int, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
    ) -> int:
        cursor = await db.execute(
            "INSERT INTO audit_log (guild_id, actor_id, action, entry_kind, entry_id,"
            " before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (guild_id, actor_id, action, kind, entry_id, _json(before), _json(after)),
        )
        return int(cursor.lastrowid or 0)

    async def _mark_undone(self, db: aiosqlite.Connection, undo_of: int | None,
                           audit_id: int) -> None:
        if undo_of is not None:
            await db.execute("UPDATE audit_log SET undone_by = ? WHERE id = ?",
                             (audit_id, undo_of))

    async def audit_rows(
        self, scopes: Sequence[int], *, kind: str | None = None, entry_id: int | None = None,
        limit: int = 10,
    ) -> list[AuditRow]:
        """The most recent audit rows of these scopes (of one entry, if given), newest first."""
        clauses = [f"guild_id IN ({placeholders(scopes)})"]
        params: list[Any] = list(scopes)
        if kind is not None and entry_id is not None:
            clauses.append("entry_kind = ? AND entry_id = ?")
            params += [kind, entry_id]
        rows = await self._rows(
            f"SELECT * FROM audit_log WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        return [_audit_row(row) for row in rows]

    async def last_undoable(self, actor_id: int, scopes: Sequence[int]) -> AuditRow | None:
        rows = await self._rows(
            f"SELECT * FROM audit_log WHERE actor_id = ? AND guild_id IN ({placeholders(scopes)})"
            f" AND undone_by IS NULL AND action IN ({placeholders(UNDOABLE)})"
            " ORDER BY id DESC LIMIT 1",
            [actor_id, *scopes, *UNDOABLE],
        )
        return _audit_row(rows[0]) if rows else None

    async def newer_change(self, row: AuditRow) -> bool:
        """Whether the entry of `row` changed again after it (changes since undone aside)."""
        return bool(await self._scalar(
            "SELECT 1 FROM audit_log WHERE entry_kind = ? AND entry_id = ? AND id > ?"
            " AND undone_by IS NULL AND action != 'undo'",
            (row.entry_kind, row.entry_id, row.id)))

    # ---- moderator roles -------------------------------------------------------------------

    async def mod_roles(self) -> dict[int, set[int]]:
        found: dict[int, set[int]] = {}
        for row in await self._rows("SELECT guild_id, role_id FROM mod_roles"):
            found.setdefault(row[0], set()).add(row[1])
        return found

    async def set_mod_role(self, guild_id: int, role_id: int, actor_id: int,
                           present: bool) -> bool:
        """Add or remove a moderator role; False if it already was (or wasn't) one."""
        async with self.transaction() as db:
            if present:
                cursor = await db.execute(
                    "INSERT OR IGNORE INTO mod_roles (guild_id, role_id, added_by)"
                    " VALUES (?, ?, ?)",
                    (guild_id, role_id, actor_id))
            else:
                cursor = await db.execute(
                    "DELETE FROM mod_roles WHERE guild_id = ? AND role_id = ?", (guild_id, role_id))
            if cursor.rowcount != 1:
                return False
            role = {"role_id": role_id}
            await self._audit(db, guild_id, actor_id,
                              "modrole_add" if present else "modrole_remove", "role", role_id,
                              None if present else role, role if present else None)
        return True

    # ---- suggestions -----------------------------------------------------------------------

    async def add_suggestion(self, guild_id: int, author_id: int, payload: Mapping[str, Any],
                             channel_id: int | None, message_id: int | None) -> SuggestionRow:
        async with self.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO suggestions (guild_id, author_id, channel_id, message_id, payload)"
                " VALUES (?, ?, ?, ?, ?)",
                (guild_id, author_id, channel_id, message_id, _json(payload)),
            )
            suggestion_id = int(cursor.lastrowid or 0)
        found = await self.suggestion(suggestion_id)
        assert found is not None
        return found

    async def set_suggestion_message(self, suggestion_id: int, channel_id: int,
                                     message_id: int) -> None:
        """Where the proposer is told the outcome (known only once the reply is sent)."""
        async with self.transaction() as db:
            await db.execute("UPDATE suggestions SET channel_id = ?, message_id = ? WHERE id = ?",
                             (channel_id, message_id, suggestion_id))

    async def suggestion(self, suggestion_id: int) -> SuggestionRow | None:
        rows = await self._rows("SELECT * FROM suggestions WHERE id = ?", (suggestion_id,))
        return _suggestion(rows[0]) if rows else None

    async def pending_suggestions(self, scopes: Sequence[int], limit: int = 5
                                  ) -> tuple[list[SuggestionRow], int]:
        """The oldest pending suggestions of these servers, and how many wait in all."""
        where = f"guild_id IN ({placeholders(scopes)}) AND status = 'pending'"
        rows = await self._rows(f"SELECT * FROM suggestions WHERE {where} ORDER BY id LIMIT ?",
                                [*scopes, limit])
        total = int(await self._scalar(f"SELECT count(*) FROM suggestions WHERE {where}", scopes))
        return [_suggestion(row) for row in rows], total

    async def review_suggestion(
        self, suggestion_id: int, reviewer_id: int, *,
        statement: Mapping[str, Any] | None, key_hint: str = "",
    ) -> tuple[SuggestionRow, dict[str, Any] | None]:
        """Approve (with the statement's columns) or reject (None) a pending suggestion."""
        status = "approved" if statement is not None else "rejected"
        async with self.transaction() as db:
            async with db.execute("SELECT * FROM suggestions WHERE id = ?",
                                  (suggestion_id,)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise EntryMissing(suggestion_id)
            before = _suggestion(row)
            if before.status != "pending":
                raise AlreadyReviewed(before.status)
            snap = None
            statement_id = None
            if statement is not None:
                statement_id = await self._insert(db, "statement", before.guild_id, statement,
                                                  key_hint)
                snap = await self._snapshot(db, "statement", statement_id)
                await self._audit(db, before.guild_id, reviewer_id, "add", "statement",
                                  statement_id, None, snap)
            await db.execute(
                f"UPDATE suggestions SET status = ?, reviewer_id = ?, reviewed_at = {_NOW},"
                " statement_id = ? WHERE id = ? AND status = 'pending'",
                (status, reviewer_id, statement_id, suggestion_id),
            )
            await self._audit(
                db, before.guild_id, reviewer_id, "approve" if statement else "reject",
                "suggestion", suggestion_id, {"status": "pending", **before.payload},
                {"status": status, "statement_id": statement_id, **before.payload},
            )
        after = await self.suggestion(suggestion_id)
        assert after is not None
        return after, snap

    # ---- import ----------------------------------------------------------------------------

    async def apply_import(
        self, guild_id: int, actor_id: int, steps: Sequence[ImportStep]
    ) -> list[tuple[str, int]]:
        """Write a checked import in one transaction; returns (kind, id) of what changed.

        Each step names its references by key; `ids` maps keys already in the store
        ("city:seattle" -> id) and grows as rows are inserted.
        """
        changed: list[tuple[str, int]] = []
        async with self.transaction() as db:
            ids: dict[str, int] = {}
            for step in steps:
                if step.existing_id is not None:
                    ids[f"{step.kind}:{step.key}"] = step.existing_id
            for step in steps:
                values = dict(step.values)
                for column, ref in step.refs.items():
                    values[column] = None if ref is None else ids[ref]
                if step.existing_id is None:
                    entry_id = await self._insert(db, step.kind, guild_id, values, step.key)
                    ids[f"{step.kind}:{step.key}"] = entry_id
                    before = None
                elif step.write:
                    entry_id = step.existing_id
                    before = await self._snapshot(db, step.kind, entry_id)
                    columns = {c: v for c, v in values.items() if c in COLUMNS[step.kind]}
                    sets = "".join(f"{column} = ?, " for column in columns)
                    await db.execute(
                        f"UPDATE {TABLES[step.kind]} SET {sets}deleted_at = NULL,"
                        f" version = version + 1, updated_at = {_NOW} WHERE id = ?",
                        (*columns.values(), entry_id),
                    )
                    if step.kind == "city":
                        await db.execute("DELETE FROM city_facts WHERE city_id = ?", (entry_id,))
                        await db.executemany(
                            "INSERT INTO city_facts (city_id, position, text) VALUES (?, ?, ?)",
                            [(entry_id, i, f) for i, f in enumerate(values.get("facts", ()))],
                        )
                    if step.kind in ALIAS_COLUMN:
                        await self._replace_aliases(db, step.kind, entry_id,
                                                    values.get("aliases", ()))
                else:
                    continue
                after = await self._snapshot(db, step.kind, entry_id)
                await self._audit(db, guild_id, actor_id, "import", step.kind, entry_id,
                                  before, after)
                changed.append((step.kind, entry_id))
        return changed


@dataclass(frozen=True, slots=True)
class ImportStep:
    """One row of a checked import: insert (existing_id None), overwrite, or only reference."""

    kind: str
    key: str
    values: Mapping[str, Any]
    refs: Mapping[str, str | None]  # column -> "city:<key>" / "official:<key>"
    existing_id: int | None = None
    write: bool = True
