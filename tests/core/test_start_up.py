"""What `start_core` builds is set apart from the cycle collector once the bot is ready."""

from __future__ import annotations

import gc
from pathlib import Path

from bot.core.bootstrap import start_core


async def test_the_index_built_at_start_up_is_not_walked_by_later_collections(
        database: Path | str) -> None:
    # Left to the collector, the first lookups' collections would each walk every object
    # of the index (a 267 ms pause in one lookup at 100,000 entries, measured).
    core = await start_core(database)
    try:
        index = core.lookup.catalog.indexes["official"]
        walked = {id(o) for o in gc.get_objects()}
        assert id(index) not in walked and id(index._shards) not in walked
        made_later: list[list[int]] = [[1]]
        assert any(o is made_later for o in gc.get_objects())
        assert core.lookup.hits("official", "Emanuel", None)
    finally:
        await core.close()
