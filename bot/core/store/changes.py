"""The change log (written by triggers, migration 005) and the reads that follow it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from bot.core.store.base import StoreBase, placeholders
from bot.core.store.entries import slim_select

ROW_BATCH = 500  # ids per IN list (SQLite allows 32,766 variables; keep statements small)


@dataclass(frozen=True, slots=True)
class Change:
    id: int
    guild_id: int
    kind: str
    entry_id: int


class ChangeLog(StoreBase):
    """Position, rows after it, trimming; and the slim rows that re-index named entries."""

    async def change_position(self) -> int:
        """The id of the newest change (0 when there is none)."""
        return int(await self._scalar("SELECT coalesce(max(id), 0) FROM changes"))

    async def changes_after(self, position: int, limit: int = 5_000) -> list[Change]:
        rows = await self._rows(
            "SELECT id, guild_id, kind, entry_id FROM changes WHERE id > ? ORDER BY id LIMIT ?",
            (position, limit))
        return [Change(*row) for row in rows]

    async def change_marker(self, position: int) -> tuple[Any, ...] | None:
        """What identifies this database at `position` (an index snapshot's test that it was
        made from this very database): which database it is (SQLite: the file; PostgreSQL:
        the database's oid) and the change log's row there; None when that row is gone."""
        rows = await self._rows(
            "SELECT id, guild_id, kind, entry_id, created_at FROM changes WHERE id = ?",
            (position,))
        if not rows:
            return None
        identity = await self._engine.identity()
        return (*identity, *(value if isinstance(value, int) else str(value)
                             for value in rows[0]))

    async def trimmed_through(self) -> int:
        return int(await self._scalar("SELECT trimmed_through FROM changes_trimmed") or 0)

    async def trim_changes(self, older_than_days: float) -> int:
        """Delete the rows older than that many days; returns how many. A process still
        behind them finds `trimmed_through` past its position and rebuilds."""
        async with self.transaction() as db:
            cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
            async with db.execute(
                "SELECT max(id) FROM changes WHERE created_at < ?",
                (cutoff.strftime("%Y-%m-%dT%H:%M:%SZ"),),
            ) as cursor:
                row = await cursor.fetchone()
            through = row[0] if row else None
            if through is None:
                return 0
            # The newest row stays, however old: the position of a process that is up to
            # date (and of its index snapshot) must still be in the log.
            async with db.execute("SELECT max(id) FROM changes") as cursor:
                newest = (await cursor.fetchone())[0]
            through = min(through, int(newest) - 1)
            if through <= 0:
                return 0
            cursor = await db.execute("DELETE FROM changes WHERE id <= ?", (through,))
            await db.execute("UPDATE changes_trimmed SET trimmed_through = CASE WHEN"
                             " trimmed_through > ? THEN trimmed_through ELSE ? END",
                             (through, through))
            return cursor.rowcount

    async def entry_index_rows(
        self, kind: Literal["city", "official", "statement"], ids: Sequence[int],
    ) -> list[tuple[Any, ...]]:
        """`index_rows`' tuples for these entries only (live ones; a removed entry has none)."""
        return await self._slim_rows_in(kind, "e.id", ids)

    async def statement_index_rows_of(self, official_ids: Sequence[int]) -> list[tuple[Any, ...]]:
        """The live statements of these speakers, of every scope (their labels name them)."""
        return await self._slim_rows_in("statement", "e.official_id", official_ids)

    async def scope_index_rows(
        self, kind: Literal["city", "official", "statement"], guild_id: int,
    ) -> list[tuple[Any, ...]]:
        """Every live entry of one scope (a server this process starts serving)."""
        return await self._slim_rows(kind, "e.guild_id = ?", [guild_id])

    async def _slim_rows_in(self, kind: str, column: str, values: Sequence[int]
                            ) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = []
        values = list(values)
        for start in range(0, len(values), ROW_BATCH):
            part = values[start:start + ROW_BATCH]
            found += await self._slim_rows(kind, f"{column} IN ({placeholders(part)})", part)
        return found

    async def _slim_rows(self, kind: str, where: str, params: Sequence[Any]
                         ) -> list[tuple[Any, ...]]:
        async with self._db.execute(slim_select(kind, where), tuple(params)) as cursor:
            cursor.row_factory = None
            return list(await cursor.fetchall())  # type: ignore[arg-type]

    async def mod_roles_of(self, guild_id: int) -> set[int]:
        rows = await self._rows("SELECT role_id FROM mod_roles WHERE guild_id = ?", (guild_id,))
        return {row[0] for row in rows}
