"""`citybot migrate`: a deployment's data copied from one database to another (SQLite to
PostgreSQL, as a bot outgrows one machine), ids and history kept, in one transaction on the
target, and checked table by table before it commits.

What is copied: entries with their facts and aliases, sources, the audit log (so `undo` and
`history` go on), moderator roles, suggestions, digest settings, posts and rotation. What is
not: the change log (the target writes its own as rows arrive), shard leases (live processes
take them again) and the name-key format (the target makes its own keys' record).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from bot.core.store import Store

# Parents before children (foreign keys).
TABLES = ("sources", "cities", "city_facts", "officials", "aliases", "statements",
          "audit_log", "mod_roles", "suggestions", "digest_settings", "digest_posts",
          "digest_shown")
_ENTRY_TABLES = ("sources", "cities", "officials", "statements", "audit_log")
_ORDER = {"mod_roles": "guild_id, role_id", "digest_settings": "guild_id",
          "digest_shown": "guild_id, rotation_round, statement_id"}
_BATCH = 500


class CopyRefused(RuntimeError):
    """`str()` is the one line to show; nothing was written to the target."""


def _order(table: str) -> str:
    return _ORDER.get(table, "id")


async def _rows(store: Store, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    async with store._db.execute(f"SELECT * FROM {table} ORDER BY {_order(table)}") as cursor:
        rows = list(await cursor.fetchall())
    if not rows:
        return [], []
    return list(rows[0].keys()), [tuple(row) for row in rows]


def _digest(rows: Sequence[tuple[Any, ...]]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()


async def copy_store(source: Store, target: Store) -> dict[str, int]:
    """Copy every table of `source` into the empty `target`; returns rows per table."""
    versions = await source.schema_version(), await target.schema_version()
    if versions[0] != versions[1]:
        raise CopyRefused(f"the two databases are at different schemas ({versions[0]} and "
                          f"{versions[1]}): start this citybot once on each first")
    for table in _ENTRY_TABLES:
        if await target._scalar(f"SELECT count(*) FROM {table}"):
            raise CopyRefused(f"{target.path} already holds data ({table}): migrate copies "
                              "into an empty database only, so that nothing is mixed")
    copied: dict[str, int] = {}
    expected: dict[str, str] = {}
    async with source.snapshot():  # one moment of a deployment that may be running
        tables = {table: await _rows(source, table) for table in TABLES}
    async with target.transaction() as db:
        for table in TABLES:
            columns, rows = tables[table]
            copied[table] = len(rows)
            expected[table] = _digest(rows)
            if not rows:
                continue
            # An undo's audit row is newer than the row it undid: links are set once all exist.
            links = "undone_by" in columns
            written = [tuple(None if links and c == "undone_by" else v
                             for c, v in zip(columns, row, strict=True)) for row in rows]
            marks = ", ".join("?" * len(columns))
            statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            for start in range(0, len(written), _BATCH):
                await db.executemany(statement, written[start:start + _BATCH])
            if links:
                at = columns.index("undone_by")
                await db.executemany("UPDATE audit_log SET undone_by = ? WHERE id = ?",
                                     [(row[at], row[0]) for row in rows if row[at] is not None])
        await target.after_bulk_copy(db, [t for t in TABLES if copied[t]])
        for table in TABLES:  # checked inside the transaction: a mismatch commits nothing
            async with db.execute(f"SELECT * FROM {table} ORDER BY {_order(table)}") as cursor:
                landed = [tuple(row) for row in await cursor.fetchall()]
            if len(landed) != copied[table] or _digest(landed) != expected[table]:
                raise CopyRefused(f"{table}: the copy differs from the source "
                                  f"({len(landed)} rows, {copied[table]} expected); "
                                  "nothing was written")
    return copied
