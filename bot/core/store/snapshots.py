"""Entry snapshots as the audit log records them, and the tables and columns behind them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiosqlite

from bot.core.store.base import StoreBase, placeholders

TABLES = {"city": "cities", "official": "officials", "statement": "statements"}
ALIAS_COLUMN = {"city": "city_id", "official": "official_id"}
COLUMNS = {
    "city": ("name", "state", "stance"),
    "official": ("name", "role", "city_id"),
    "statement": ("official_id", "city_id", "kind", "text", "said_where", "said_when",
                  "said_on", "source_url"),
}
NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


class EntrySnapshots(StoreBase):
    """Reads of entries as moderators see them: removed ones too, with version."""

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
