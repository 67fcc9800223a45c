"""Shard leases: at most one live process serves a Discord shard (migration 005).

A lease is a row per shard with its holder and an expiry, renewed by the holder's heartbeat.
Taking one is a single upsert that only succeeds if the row is free, expired or already
ours, so two processes racing for a shard cannot both win; taking several is all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.store.base import StoreBase, placeholders


class LeaseTaken(RuntimeError):
    """Another live process holds one of the shards."""

    def __init__(self, holders: dict[int, str]) -> None:
        super().__init__(", ".join(f"shard {s}: {h}" for s, h in sorted(holders.items())))
        self.holders = holders


class ShardLeases(StoreBase):
    async def take_leases(self, shards: Sequence[int], shard_count: int, holder: str,
                          now: float, ttl: float, dead: Sequence[str] = ()) -> None:
        """Take (or renew) every shard's lease until `now + ttl`, or none: `LeaseTaken`.
        A lease of a holder named in `dead` (known to have died) is taken as if expired."""
        dead = list(dead) or [""]
        async with self.transaction() as db:
            refused: dict[int, str] = {}
            for shard in shards:
                cursor = await db.execute(
                    "INSERT INTO shard_leases (shard_id, shard_count, holder, expires_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (shard_id) DO UPDATE SET"
                    " shard_count = excluded.shard_count, holder = excluded.holder,"
                    " expires_at = excluded.expires_at"
                    " WHERE shard_leases.holder = excluded.holder OR shard_leases.expires_at < ?"
                    f" OR shard_leases.holder IN ({placeholders(dead)})",
                    (shard, shard_count, holder, now + ttl, now, *dead))
                if cursor.rowcount != 1:
                    refused[shard] = ""
            if refused:
                async with db.execute(
                    f"SELECT shard_id, holder FROM shard_leases WHERE shard_id IN"
                    f" ({placeholders(list(refused))})", list(refused),
                ) as cursor:
                    refused.update({row[0]: row[1] for row in await cursor.fetchall()})
                raise LeaseTaken(refused)  # rolls back the shards this call did take

    async def release_leases(self, shards: Sequence[int], holder: str) -> None:
        async with self.transaction() as db:
            await db.execute(
                f"DELETE FROM shard_leases WHERE holder = ? AND shard_id IN"
                f" ({placeholders(shards)})", (holder, *shards))

    async def lease_holders(self) -> dict[int, tuple[str, float]]:
        rows = await self._rows("SELECT shard_id, holder, expires_at FROM shard_leases")
        return {row[0]: (row[1], row[2]) for row in rows}
