"""Entry snapshots as the audit log records them, and the tables and columns behind them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from bot.core.store.base import Connection, Row, placeholders
from bot.core.store.dialect import NOW  # noqa: F401 (the writers take it from here)
from bot.core.store.name_keys import NameKeys, chunks

TABLES = {"city": "cities", "official": "officials", "statement": "statements"}
ALIAS_COLUMN = {"city": "city_id", "official": "official_id"}
COLUMNS = {
    "city": ("name", "state", "stance"),
    "official": ("name", "role", "city_id"),
    "statement": ("official_id", "city_id", "kind", "text", "said_where", "said_when",
                  "said_on", "source_url"),
}


class EntrySnapshots(NameKeys):
    """Reads of entries as moderators see them: removed ones too, with version."""

    # ---- snapshots -------------------------------------------------------------------------

    async def entry(self, kind: str, entry_id: int) -> dict[str, Any] | None:
        """The entry as the audit log records it, removed or not; None if there is none."""
        return await self._snapshot(self._db, kind, entry_id)

    async def _snapshot(
        self, db: Connection, kind: str, entry_id: int
    ) -> dict[str, Any] | None:
        found = await self._snapshots(db, kind, "e.id = ?", (entry_id,))
        return found[0] if found else None

    async def _snapshots(self, db: Connection, kind: str, where: str,
                         params: Sequence[Any]) -> list[dict[str, Any]]:
        """Snapshots of the rows of `kind` that `where` (on the table as `e`) selects, by id:
        one query for the rows, one for their facts and one for their aliases."""
        table = TABLES[kind]
        async with db.execute(f"SELECT * FROM {table} e WHERE {where} ORDER BY e.id",
                              tuple(params)) as cursor:
            rows = list(await cursor.fetchall())
        if not rows:
            return []
        facts: dict[int, list[str]] = defaultdict(list)
        aliases: dict[int, list[str]] = defaultdict(list)
        if kind == "city":
            async with db.execute(
                f"SELECT f.city_id, f.text FROM city_facts f JOIN {table} e ON e.id = f.city_id"
                f" WHERE {where} ORDER BY f.city_id, f.position", tuple(params),
            ) as cursor:
                for owner, text in await cursor.fetchall():
                    facts[owner].append(text)
        if kind in ALIAS_COLUMN:
            column = ALIAS_COLUMN[kind]
            async with db.execute(
                f"SELECT a.{column}, a.alias FROM aliases a JOIN {table} e ON e.id = a.{column}"
                f" WHERE {where} ORDER BY a.id", tuple(params),
            ) as cursor:
                for owner, alias in await cursor.fetchall():
                    aliases[owner].append(alias)
        return [_snap(kind, row, facts, aliases) for row in rows]

    async def entries(self, kind: str, scopes: Sequence[int], *,
                      removed: bool = False) -> list[dict[str, Any]]:
        """Snapshots of every entry of `kind` in `scopes` (live ones, or all with `removed`)."""
        live = "" if removed else " AND e.deleted_at IS NULL"
        return await self._snapshots(self._db, kind,
                                     f"e.guild_id IN ({placeholders(scopes)}){live}", scopes)

    async def removed_entries(self, kind: str, scopes: Sequence[int]) -> list[dict[str, Any]]:
        """Snapshots of the removed entries of `kind` in `scopes`, by id."""
        return await self._snapshots(
            self._db, kind, f"e.guild_id IN ({placeholders(scopes)}) AND e.deleted_at IS NOT NULL",
            scopes)

    async def entries_by_id(self, kind: str, ids: Iterable[int]) -> list[dict[str, Any]]:
        """Snapshots of these entries (any scope, removed or not), by id; unknown ids skipped."""
        wanted = sorted(set(ids))
        found: list[dict[str, Any]] = []
        for part in chunks(wanted):
            found += await self._snapshots(self._db, kind, f"e.id IN ({placeholders(part)})",
                                           part)
        return found

    async def entries_by_key(self, kind: str, scope: int, keys: Iterable[str], *,
                             removed: bool = False) -> list[dict[str, Any]]:
        """Snapshots of the entries of `kind` in one scope whose key is one of `keys` (live
        ones, or all with `removed`), by id; unknown keys skipped. Read in batches through
        the (guild_id, key) index."""
        wanted = sorted(set(keys))
        live = "" if removed else " AND e.deleted_at IS NULL"
        found: list[dict[str, Any]] = []
        for part in chunks(wanted):
            found += await self._snapshots(
                self._db, kind, f"e.guild_id = ? AND e.key IN ({placeholders(part)}){live}",
                (scope, *part))
        return sorted(found, key=lambda e: e["id"])

    async def speaker_statements(self, official_id: int,
                                 scopes: Sequence[int] | None) -> list[dict[str, Any]]:
        """Snapshots of one speaker's live statements in `scopes` (None: every scope), by id."""
        return await self.speakers_statements((official_id,), scopes)

    async def speakers_statements(self, official_ids: Iterable[int],
                                  scopes: Sequence[int] | None) -> list[dict[str, Any]]:
        """Snapshots of these speakers' live statements in `scopes` (None: every scope), by
        id; read in batches of speakers."""
        wanted = sorted(set(official_ids))
        guild = "" if scopes is None else f" AND e.guild_id IN ({placeholders(scopes)})"
        found: list[dict[str, Any]] = []
        for part in chunks(wanted):
            found += await self._snapshots(
                self._db, "statement",
                f"e.official_id IN ({placeholders(part)}) AND e.deleted_at IS NULL{guild}",
                (*part, *(scopes or ())))
        return sorted(found, key=lambda e: e["id"])

    async def name_holders(self, kind: str, names: Iterable[str],
                           scopes: Sequence[int] | None) -> list[dict[str, Any]]:
        """Snapshots of the live entries (in `scopes`; None: every scope) that may already
        carry one of `names` as name or alias, by id: a superset, see `name_holder_ids`."""
        return await self.entries_by_id(kind, await self.name_holder_ids(kind, names, scopes))

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


def _snap(kind: str, row: Row, facts: dict[int, list[str]],
          aliases: dict[int, list[str]]) -> dict[str, Any]:
    entry_id = row["id"]
    snap: dict[str, Any] = {"id": entry_id, "guild_id": row["guild_id"], "key": row["key"]}
    snap.update({column: row[column] for column in COLUMNS[kind]})
    if kind == "city":
        snap["facts"] = list(facts.get(entry_id, ()))
    if kind in ALIAS_COLUMN:
        snap["aliases"] = list(aliases.get(entry_id, ()))
    snap["version"] = row["version"]
    snap["deleted_at"] = row["deleted_at"]
    return snap
