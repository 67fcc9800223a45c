"""A process of some Discord shards reads only their servers' rows (and the global ones)
at start-up: the store filters them, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

from bot.core.bootstrap import start_core
from bot.core.matching import GLOBAL
from bot.core.moderation import Actor
from bot.core.partition import Partition, shard_of
from bot.core.store import Store

# Snowflake-sized server ids (above 2**60, as Discord's are), one or two on each of 4 shards.
GUILDS = [(1 << 60) + (n << 22) + n for n in range(1, 8)]
SERVED = Partition.of(4, [1, 3])


async def _rows(store: Store, kind: str, partition: Partition | None) -> set[int]:
    reads = (store.index_rows(kind, partition=partition) if kind != "said"  # type: ignore[arg-type]
             else store.described_rows("statement", partition=partition))
    return {row[1] async for batch in reads for row in batch}


async def test_a_sharded_start_reads_only_its_servers_rows(database: Path | str) -> None:
    writer = await start_core(database)
    try:
        for number, guild in enumerate(GUILDS):
            actor = Actor(7, guild, moderator=True)
            for kind, fields in (
                    ("city", {"name": f"Town {number}", "stance": "welcoming"}),
                    ("official", {"name": f"Mayor Number{number}", "role": "Mayor"}),
                    ("statement", {"speaker": f"Mayor Number{number}",
                                   "text": f"Words of town {number}."})):
                outcome = await writer.moderation.add(actor, kind, fields)
                assert outcome.changed, outcome.answer.description
    finally:
        await writer.close()
    served = {GLOBAL, *(g for g in GUILDS if shard_of(g, 4) in {1, 3})}
    assert GLOBAL < len(served) - 1 < len(GUILDS)  # some servers on each side
    store = await Store.open(database)
    try:
        for kind in ("city", "official", "statement", "said"):
            assert await _rows(store, kind, SERVED) == served, kind
            assert await _rows(store, kind, None) == {GLOBAL, *GUILDS}, kind
            assert await _rows(store, kind, Partition.of(None, None)) == {GLOBAL, *GUILDS}
        facts = {row[1] async for batch in store.described_rows("city", partition=SERVED)
                 for row in batch}
        assert facts == served
    finally:
        await store.close()
    sharded = await start_core(database, partition=SERVED)
    try:
        for number, guild in enumerate(GUILDS):
            hits = sharded.lookup.hits("city", f"Town {number}", guild)
            assert bool(hits and hits[0].label == f"Town {number}") == (guild in served)
            said = sharded.lookup.hits("statement", f"words of town {number}", guild)
            assert bool(said and said[0].matched == f"Words of town {number}.") == (
                guild in served)
        assert sharded.lookup.hits("city", "Seattle", GUILDS[0])  # the global ones everywhere
    finally:
        await sharded.close()
