"""Writing a checked dataset import in one transaction, with an audit row per entry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.store.entry_writes import EntryWrites
from bot.core.store.snapshots import COLUMNS, NOW, TABLES


class ImportWrites(EntryWrites):
    """Inserts or overwrites the entries of an import that `transfer` has checked."""

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
                        f" version = version + 1, updated_at = {NOW} WHERE id = ?",
                        (*columns.values(), entry_id),
                    )
                    await self._write_beside(db, step.kind, entry_id,
                                             {"facts": (), "aliases": (), **values})
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
