"""Name keys: the normalised name of each city and official and of each alias, indexed.

The uniqueness check of moderation compares names after `bot.core.text.normalize`; SQLite
cannot compute that, so the keys are written with the names (see migration 004) and a
check reads only the entries whose key is one of the wanted ones, or unknown (NULL), then
compares the real names in Python as before. Opening a store fills in missing keys, and
recomputes them all when the normalisation has changed since they were written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.core.store.base import Connection, StoreBase, placeholders
from bot.core.text import normalize

NAMED = {"city": ("cities", "city_id"), "official": ("officials", "official_id")}
# Bump KEY_VERSION when normalize() changes in a way the probe below may not show.
KEY_VERSION = 1
_PROBE = "Ça’s  “Ō'Tóole”_Jr.\u200b ﬁ ＡＢＣ-12 Straße İstanbul"
_CHUNK = 500  # ids per IN list


def key_format() -> str:
    """What the stored keys must have been made with to be trusted."""
    return f"{KEY_VERSION}:{normalize(_PROBE)}"


class NameKeys(StoreBase):
    """Writes, repairs and reads by the name keys of cities and officials."""

    async def migrate(self) -> int:
        version = await super().migrate()
        await self.refresh_name_keys()
        return version

    # ---- writing keys ----------------------------------------------------------------------

    async def _write_name_key(self, db: Connection, kind: str, entry_id: int,
                              name: str) -> None:
        """After the name itself is written (a separate UPDATE, so the trigger that clears a
        stale key has already run)."""
        table, _ = NAMED[kind]
        await db.execute(f"UPDATE {table} SET name_key = ? WHERE id = ?",
                         (normalize(name), entry_id))

    async def _insert_aliases(self, db: Connection, kind: str, entry_id: int,
                              aliases: Iterable[str]) -> None:
        _, column = NAMED[kind]
        await db.executemany(
            f"INSERT INTO aliases ({column}, alias, alias_key) VALUES (?, ?, ?)",
            [(entry_id, alias, normalize(alias)) for alias in aliases],
        )

    async def refresh_name_keys(self) -> int:
        """Fill in the keys that are missing (all of them if the normalisation changed);
        returns how many were written. Cheap when there is nothing to do."""
        current = key_format()
        stored = await self._scalar("SELECT format FROM name_key_format")
        missing = stored != current or await self._scalar(
            "SELECT EXISTS (SELECT 1 FROM cities WHERE name_key IS NULL)"
            " OR EXISTS (SELECT 1 FROM officials WHERE name_key IS NULL)"
            " OR EXISTS (SELECT 1 FROM aliases WHERE alias_key IS NULL)"
        )
        if not missing:
            return 0
        written = 0
        async with self.transaction() as db:
            if await self._scalar("SELECT format FROM name_key_format") != current:
                for table, column in (("cities", "name_key"), ("officials", "name_key"),
                                      ("aliases", "alias_key")):
                    await db.execute(f"UPDATE {table} SET {column} = NULL")
                await db.execute("DELETE FROM name_key_format")
                await db.execute("INSERT INTO name_key_format (format) VALUES (?)", (current,))
            for table, column, text in (("cities", "name_key", "name"),
                                        ("officials", "name_key", "name"),
                                        ("aliases", "alias_key", "alias")):
                async with db.execute(
                    f"SELECT id, {text} FROM {table} WHERE {column} IS NULL"
                ) as cursor:
                    rows = await cursor.fetchall()
                await db.executemany(f"UPDATE {table} SET {column} = ? WHERE id = ?",
                                     [(normalize(row[1]), row[0]) for row in rows])
                written += len(rows)
        return written

    # ---- reading by key --------------------------------------------------------------------

    async def name_holder_ids(self, kind: str, names: Iterable[str],
                              scopes: Sequence[int] | None) -> list[int]:
        """Ids of the live entries of `kind` (in `scopes`; None: every scope) whose name or an
        alias may normalise like one of `names`: their key is equal, or not known yet. A
        superset: the caller compares the names themselves."""
        keys = sorted({key for key in map(normalize, names) if key})
        table, column = NAMED[kind]
        guild = "" if scopes is None else f" AND e.guild_id IN ({placeholders(scopes)})"
        found: set[int] = set()
        # Many names (an import) are read in batches of keys, under SQLite's variable limit.
        for part in chunks(keys):
            marks = placeholders(part)
            # CROSS JOIN: SQLite then starts from the few candidates (through the key
            # indexes), not from every entry of the scope (through the guild_id index).
            rows = await self._rows(
                f"SELECT DISTINCT e.id FROM ("
                f" SELECT id FROM {table} WHERE name_key IN ({marks})"
                f" UNION ALL SELECT id FROM {table} WHERE name_key IS NULL"
                f" UNION ALL SELECT {column} FROM aliases WHERE alias_key IN ({marks})"
                f" UNION ALL SELECT {column} FROM aliases WHERE alias_key IS NULL"
                f" AND {column} IS NOT NULL) AS c CROSS JOIN {table} e ON e.id = c.id"
                f" WHERE e.deleted_at IS NULL{guild} ORDER BY e.id",
                [*part, *part, *(scopes or ())],
            )
            found.update(row[0] for row in rows)
        return sorted(found)


def chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
