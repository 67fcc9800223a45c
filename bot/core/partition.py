"""Which servers this process serves: all of them, or those of its Discord shards."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass

from bot.core.matching import GLOBAL

SHARD_BITS = 22  # a server id's bits below those its shard is counted from


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a server's events to."""
    return (guild_id >> SHARD_BITS) % shard_count


@dataclass(frozen=True, slots=True)
class Partition:
    """`shard_ids` of `shard_count` shards; None for an unsharded process, which serves all.
    The global entries are served everywhere."""

    shard_count: int | None = None
    shard_ids: frozenset[int] | None = None

    @classmethod
    def of(cls, shard_count: int | None, shard_ids: Collection[int] | None) -> Partition:
        if shard_count is None:
            return cls()
        ids = frozenset(range(shard_count) if shard_ids is None else shard_ids)
        return cls(shard_count, ids)

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None

    @property
    def shards(self) -> tuple[int, ...]:
        """This process's shards, in order ((0,) unsharded: one connection is shard 0)."""
        return (0,) if self.shard_ids is None else tuple(sorted(self.shard_ids))

    def serves(self, guild_id: int) -> bool:
        if guild_id == GLOBAL or self.shard_count is None or self.shard_ids is None:
            return True
        return shard_of(guild_id, self.shard_count) in self.shard_ids

    def shard_rule(self) -> tuple[int, int, tuple[int, ...]] | None:
        """`serves` as arithmetic a database can do: (divisor, shard count, these shards),
        a server being served when `guild_id // divisor % count` is one of them (or it is
        the global scope); None when every server is."""
        if self.shard_count is None or self.shard_ids is None:
            return None
        return 1 << SHARD_BITS, self.shard_count, self.shards

    def tag(self) -> str:
        """A name for what this process serves, for files kept per process ("" unsharded)."""
        if self.shard_count is None:
            return ""
        shards = "-".join(map(str, self.shards))
        if len(shards) > 80:  # many shards in one process: a file name has 255 bytes
            shards = hashlib.sha256(shards.encode()).hexdigest()[:16]
        return f"shards-{shards}-of-{self.shard_count}"

    def describe(self) -> str:
        if self.shard_count is None:
            return "all servers (unsharded)"
        return f"shards {_ranges(self.shards)} of {self.shard_count}"


def _ranges(ids: tuple[int, ...]) -> str:
    parts: list[str] = []
    start = prev = None
    for n in (*ids, None):
        if n is not None and prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = n
    return ",".join(parts)
