"""The suggestions queue: members propose statements, moderators approve or reject them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.store.audit import to_json
from bot.core.store.base import Row, insert_id, placeholders
from bot.core.store.entry_writes import EntryMissing, EntryWrites
from bot.core.store.snapshots import NOW


class AlreadyReviewed(LookupError):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


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


def _suggestion(row: Row) -> SuggestionRow:
    return SuggestionRow(
        id=row["id"], guild_id=row["guild_id"], author_id=row["author_id"],
        channel_id=row["channel_id"], message_id=row["message_id"],
        payload=json.loads(row["payload"]), status=row["status"],
        reviewer_id=row["reviewer_id"], statement_id=row["statement_id"],
        created_at=row["created_at"],
    )


class SuggestionQueue(EntryWrites):
    """Pending suggestions, and their review (an approval adds the statement)."""

    # ---- suggestions -----------------------------------------------------------------------

    async def add_suggestion(self, guild_id: int, author_id: int, payload: Mapping[str, Any],
                             channel_id: int | None, message_id: int | None) -> SuggestionRow:
        async with self.transaction() as db:
            suggestion_id = await insert_id(db,
                "INSERT INTO suggestions (guild_id, author_id, channel_id, message_id, payload)"
                " VALUES (?, ?, ?, ?, ?)",
                (guild_id, author_id, channel_id, message_id, to_json(payload)),
            )
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
                f"UPDATE suggestions SET status = ?, reviewer_id = ?, reviewed_at = {NOW},"
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

