"""The audit log: one row per change, written with it and read back for history and undo."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.store.base import Connection, Row, StoreBase, insert_id, placeholders

UNDOABLE = ("add", "edit", "remove", "restore", "alias_add", "alias_remove")


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


def to_json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _audit_row(row: Row) -> AuditRow:
    return AuditRow(
        id=row["id"], guild_id=row["guild_id"], actor_id=row["actor_id"], action=row["action"],
        entry_kind=row["entry_kind"], entry_id=row["entry_id"],
        before=json.loads(row["before_json"]) if row["before_json"] else None,
        after=json.loads(row["after_json"]) if row["after_json"] else None,
        undone_by=row["undone_by"], created_at=row["created_at"],
    )


class AuditLog(StoreBase):
    """Writes audit rows inside the caller's transaction; reads them for history and undo."""

    # ---- audit -----------------------------------------------------------------------------

    async def _audit(
        self, db: Connection, guild_id: int, actor_id: int, action: str, kind: str,
        entry_id: int, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
    ) -> int:
        return await insert_id(
            db, "INSERT INTO audit_log (guild_id, actor_id, action, entry_kind, entry_id,"
            " before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (guild_id, actor_id, action, kind, entry_id, to_json(before), to_json(after)),
        )

    async def _mark_undone(self, db: Connection, undo_of: int | None,
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
