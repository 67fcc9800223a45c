"""The daily digest's SQL: per-server settings, the once-a-day claim, rotation, new entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from bot.core.digest import (
    DigestPost,
    DigestSettings,
    EntryIds,
    Trigger,
    Watermarks,
    next_statement,
)
from bot.core.store.base import Connection, Row, StoreBase, insert_id, placeholders

_SETTABLE = {"channel_id", "post_time", "timezone", "enabled", "armed_at"}


def _instant(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def _parse_instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _column(name: str, value: object) -> object:
    if isinstance(value, datetime):
        return _instant(value)
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, bool):
        return int(value)
    return value


def _settings(row: Row) -> DigestSettings:
    return DigestSettings(
        guild_id=row["guild_id"], channel_id=row["channel_id"],
        post_time=time.fromisoformat(row["post_time"]), timezone=row["timezone"],
        enabled=bool(row["enabled"]), armed_at=_parse_instant(row["armed_at"]),
        last_posted_date=date.fromisoformat(row["last_posted_date"])
        if row["last_posted_date"] else None,
        rotation_round=row["rotation_round"],
        seen=Watermarks(row["seen_city_id"], row["seen_official_id"], row["seen_statement_id"]),
        last_error=row["last_error"], last_error_at=_parse_instant(row["last_error_at"]),
    )


def _post(row: Row) -> DigestPost:
    return DigestPost(
        id=row["id"], guild_id=row["guild_id"], local_date=date.fromisoformat(row["local_date"]),
        trigger=row["trigger"], status=row["status"],
        claimed_at=datetime.fromisoformat(row["claimed_at"]), statement_id=row["statement_id"],
        rotation_round=row["rotation_round"],
        since=Watermarks(row["from_city_id"], row["from_official_id"], row["from_statement_id"]),
        until=Watermarks(row["to_city_id"], row["to_official_id"], row["to_statement_id"]),
        channel_id=row["channel_id"], message_id=row["message_id"],
        sent_at=_parse_instant(row["sent_at"]), error=row["error"],
    )


async def _one(db: Connection, sql: str, params: Sequence[object]) -> Row | None:
    async with db.execute(sql, tuple(params)) as cursor:
        return await cursor.fetchone()


async def _ids(db: Connection, sql: str, params: Sequence[object]) -> list[int]:
    async with db.execute(sql, tuple(params)) as cursor:
        return [row[0] for row in await cursor.fetchall()]


class DigestStore(StoreBase):
    # ---- settings ---------------------------------------------------------------------------

    async def digest_settings(self, guild_id: int) -> DigestSettings | None:
        rows = await self._rows("SELECT * FROM digest_settings WHERE guild_id = ?", (guild_id,))
        return _settings(rows[0]) if rows else None

    async def enabled_digests(self) -> list[DigestSettings]:
        rows = await self._rows("SELECT * FROM digest_settings"
                                " WHERE enabled = 1 AND channel_id IS NOT NULL ORDER BY guild_id")
        return [_settings(row) for row in rows]

    async def save_digest_settings(
        self, guild_id: int, now: datetime, **changes: object
    ) -> DigestSettings:
        """Create the server's row if needed (armed now) and apply `changes`."""
        unknown = set(changes) - _SETTABLE
        if unknown:
            raise ValueError(f"not a digest setting: {sorted(unknown)}")
        async with self.transaction() as db:
            await db.execute("INSERT INTO digest_settings (guild_id, armed_at) VALUES (?, ?)"
                             " ON CONFLICT (guild_id) DO NOTHING", (guild_id, _instant(now)))
            if changes:
                assignments = ", ".join(f"{name} = ?" for name in changes)
                await db.execute(
                    f"UPDATE digest_settings SET {assignments}, updated_at = ? WHERE guild_id = ?",
                    (*(_column(k, v) for k, v in changes.items()), _instant(now), guild_id),
                )
            row = await _one(db, "SELECT * FROM digest_settings WHERE guild_id = ?", (guild_id,))
        assert row is not None
        return _settings(row)

    # ---- the claim ----------------------------------------------------------------------------

    async def claim_digest(
        self, guild_id: int, day: date, now: datetime, trigger: Trigger
    ) -> DigestPost | None:
        """Claim `day` for `guild_id` and fix the digest's content, in one transaction.

        Scheduled: a compare-and-set that only moves last_posted_date forward, so two ticks,
        two processes or a clock that jumps back can never claim one date twice. Manual
        (`digest now`): allowed unless a post for that date is being sent or went out; it
        also moves last_posted_date forward, so the schedule skips that day. None: not claimed.
        """
        local = day.isoformat()
        async with self.transaction() as db:
            if trigger == "schedule":
                cursor = await db.execute(
                    "UPDATE digest_settings SET last_posted_date = ? WHERE guild_id = ?"
                    " AND enabled = 1 AND channel_id IS NOT NULL"
                    " AND (last_posted_date IS NULL OR last_posted_date < ?)",
                    (local, guild_id, local),
                )
            else:
                cursor = await db.execute(
                    "UPDATE digest_settings SET last_posted_date ="
                    " CASE WHEN last_posted_date > ? THEN last_posted_date ELSE ? END"
                    " WHERE guild_id = ?"
                    " AND channel_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM digest_posts p"
                    " WHERE p.guild_id = ? AND p.local_date = ? AND p.status <> 'failed')",
                    (local, local, guild_id, guild_id, local),
                )
            if cursor.rowcount != 1:
                return None
            row = await _one(db, "SELECT * FROM digest_settings WHERE guild_id = ?", (guild_id,))
            assert row is not None
            settings = _settings(row)
            candidates, shown, previous = await self._rotation(
                db, guild_id, (0, guild_id), settings.rotation_round)
            statement_id, round_ = next_statement(candidates, shown, guild_id,
                                                  settings.rotation_round, previous)
            if statement_id is not None:
                await db.execute("INSERT INTO digest_shown (guild_id, rotation_round, statement_id)"
                                 " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                                 (guild_id, round_, statement_id))
            since, until = settings.seen, await self._watermarks(db)
            post_id = await insert_id(
                db, "INSERT INTO digest_posts (guild_id, local_date, trigger, claimed_at,"
                " statement_id, rotation_round, from_city_id, to_city_id, from_official_id,"
                " to_official_id, from_statement_id, to_statement_id, channel_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (guild_id, local, trigger, _instant(now), statement_id, round_, since.city,
                 until.city, since.official, until.official, since.statement, until.statement,
                 settings.channel_id),
            )
            await db.execute(
                "UPDATE digest_settings SET rotation_round = ?, seen_city_id = ?,"
                " seen_official_id = ?, seen_statement_id = ? WHERE guild_id = ?",
                (round_, until.city, until.official, until.statement, guild_id),
            )
            posted = await _one(db, "SELECT * FROM digest_posts WHERE id = ?", (post_id,))
        assert posted is not None
        return _post(posted)

    async def finish_digest(
        self, post: DigestPost, now: datetime, *, channel_id: int | None = None,
        message_id: int | None = None, error: str | None = None,
    ) -> None:
        """Record how sending went. A failure keeps the date claimed (a send that timed out
        may still have arrived) but gives the statement and the new entries back."""
        async with self.transaction() as db:
            if error is None:
                await db.execute(
                    "UPDATE digest_posts SET status = 'sent', channel_id = ?, message_id = ?,"
                    " sent_at = ? WHERE id = ?",
                    (channel_id, message_id, _instant(now), post.id),
                )
                await db.execute("UPDATE digest_settings SET last_error = NULL,"
                                 " last_error_at = NULL WHERE guild_id = ?", (post.guild_id,))
                return
            await db.execute("UPDATE digest_posts SET status = 'failed', error = ? WHERE id = ?",
                             (error, post.id))
            await db.execute("UPDATE digest_settings SET last_error = ?, last_error_at = ?"
                             " WHERE guild_id = ?", (error, _instant(now), post.guild_id))
            if post.statement_id is not None:
                await db.execute("DELETE FROM digest_shown WHERE guild_id = ?"
                                 " AND rotation_round = ? AND statement_id = ?",
                                 (post.guild_id, post.rotation_round, post.statement_id))
            since, until = post.since, post.until
            await db.execute(  # only if no later digest moved the window on
                "UPDATE digest_settings SET seen_city_id = ?, seen_official_id = ?,"
                " seen_statement_id = ? WHERE guild_id = ? AND seen_city_id = ?"
                " AND seen_official_id = ? AND seen_statement_id = ?",
                (since.city, since.official, since.statement, post.guild_id, until.city,
                 until.official, until.statement),
            )

    # ---- reads --------------------------------------------------------------------------------

    async def digest_post_for(self, guild_id: int, day: date) -> DigestPost | None:
        """The post for that local date that is being sent or went out, if any."""
        rows = await self._rows("SELECT * FROM digest_posts WHERE guild_id = ? AND local_date = ?"
                                " AND status <> 'failed'", (guild_id, day.isoformat()))
        return _post(rows[0]) if rows else None

    async def unfinished_digests(self) -> list[DigestPost]:
        """Posts claimed but never recorded as sent or failed (the process stopped while
        sending), oldest first."""
        rows = await self._rows("SELECT * FROM digest_posts WHERE status = 'sending' ORDER BY id")
        return [_post(row) for row in rows]

    async def latest_digest(self, guild_id: int) -> DigestPost | None:
        rows = await self._rows("SELECT * FROM digest_posts WHERE guild_id = ?"
                                " ORDER BY id DESC LIMIT 1", (guild_id,))
        return _post(rows[0]) if rows else None

    async def last_sent_digest(self, guild_id: int) -> DigestPost | None:
        rows = await self._rows("SELECT * FROM digest_posts WHERE guild_id = ?"
                                " AND status = 'sent' ORDER BY id DESC LIMIT 1", (guild_id,))
        return _post(rows[0]) if rows else None

    async def digest_posts(self, guild_id: int) -> list[DigestPost]:
        rows = await self._rows("SELECT * FROM digest_posts WHERE guild_id = ? ORDER BY id",
                                (guild_id,))
        return [_post(row) for row in rows]

    async def digest_rotation(
        self, guild_id: int, scopes: Sequence[int], round_: int
    ) -> tuple[list[int], set[int], int | None]:
        """(live statement ids, ids shown this round, the last statement of the day)."""
        return await self._rotation(self._db, guild_id, scopes, round_)

    async def digest_watermarks(self) -> Watermarks:
        return await self._watermarks(self._db)

    async def new_digest_entries(
        self, guild_id: int, since: Watermarks, until: Watermarks
    ) -> EntryIds:
        """The server's own live entries added after `since`, up to `until`."""
        found = []
        for table, low, high in (("cities", since.city, until.city),
                                 ("officials", since.official, until.official),
                                 ("statements", since.statement, until.statement)):
            found.append(tuple(await _ids(
                self._db,
                f"SELECT id FROM {table} WHERE guild_id = ? AND deleted_at IS NULL"
                " AND id > ? AND id <= ? ORDER BY id",
                (guild_id, low, high),
            )))
        return EntryIds(*found)

    async def _rotation(
        self, db: Connection, guild_id: int, scopes: Sequence[int], round_: int
    ) -> tuple[list[int], set[int], int | None]:
        candidates = await _ids(
            db, "SELECT id FROM statements WHERE deleted_at IS NULL"
            f" AND guild_id IN ({placeholders(scopes)})", scopes)
        shown = set(await _ids(db, "SELECT statement_id FROM digest_shown"
                                   " WHERE guild_id = ? AND rotation_round = ?",
                               (guild_id, round_)))
        previous = await _ids(db, "SELECT statement_id FROM digest_posts WHERE guild_id = ?"
                                  " AND status <> 'failed' AND statement_id IS NOT NULL"
                                  " ORDER BY id DESC LIMIT 1", (guild_id,))
        return candidates, shown, previous[0] if previous else None

    async def _watermarks(self, db: Connection) -> Watermarks:
        values = []
        for table in ("cities", "officials", "statements"):
            row = await _one(db, f"SELECT coalesce(max(id), 0) FROM {table}", ())
            values.append(int(row[0]) if row is not None else 0)
        return Watermarks(*values)
