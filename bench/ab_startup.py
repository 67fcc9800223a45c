"""Start-up before and after in one process: an older commit's `Catalog` beside this tree's,
built from the same rows, interleaved.

    python bench/ab_startup.py --base HEAD~1              # 100,000, three rounds

The store's rows are read once (through `Store.index_rows` and `Store.described_rows`) and
replayed to both versions, so only building the indexes is timed, not SQLite; each round
builds one version then the other, the order swapped each round, and prints wall and CPU
seconds (and the RSS each build adds, only roughly: a later build reuses memory an earlier
one freed; compare memory with separate `bench_matching.py` runs). Uses the database
`bench/bench_matching.py` caches for the size (run it once first).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ab_versions import extract_base  # noqa: E402
from bench.corpus import SEED  # noqa: E402
from bot.core.catalog import Catalog  # noqa: E402
from bot.core.store import Store  # noqa: E402


class Replay:
    """What `Catalog.load` reads of a store, held in memory and handed out again."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], list[list[tuple[Any, ...]]]] = {}

    @classmethod
    async def record(cls, db: Path) -> Replay:
        replay = cls()
        store = await Store.open(db)
        try:
            for kind in ("city", "official", "statement"):
                replay.rows["index", kind] = [b async for b in store.index_rows(kind)]
            for kind in ("statement", "city"):
                replay.rows["described", kind] = [b async for b in store.described_rows(kind)]
        finally:
            await store.close()
        return replay

    async def change_position(self) -> int:
        return 0

    async def _batches(self, key: tuple[str, str]) -> AsyncIterator[list[tuple[Any, ...]]]:
        for batch in self.rows[key]:
            yield list(batch)

    def index_rows(self, kind: str) -> AsyncIterator[list[tuple[Any, ...]]]:
        return self._batches(("index", kind))

    def described_rows(self, kind: str) -> AsyncIterator[list[tuple[Any, ...]]]:
        return self._batches(("described", kind))


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def build(catalog_class: type, replay: Replay) -> tuple[float, float, float]:
    """Wall s, CPU s, RSS MB added by one catalog (dropped afterwards)."""
    gc.collect()
    rss = _rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    catalog = catalog_class()
    asyncio.run(catalog.load(replay))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    added = _rss_mb() - rss
    del catalog
    gc.collect()
    return wall, cpu, added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True, help="the commit to compare with")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/citybot-bench"))
    args = parser.parse_args()
    db = args.cache_dir / f"bench-{args.size}-{SEED}.db"
    replay = asyncio.run(Replay.record(db))
    with tempfile.TemporaryDirectory() as tmp:
        extract_base(args.base, Path(tmp))
        sys.path.insert(0, tmp)
        base = importlib.import_module("bot_base.core.catalog").Catalog
        versions = {"before": base, "after": Catalog}
        figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in versions}
        for round_ in range(args.rounds):
            order = list(versions) if round_ % 2 == 0 else list(reversed(versions))
            for name in order:
                figures[name].append(build(versions[name], replay))
                wall, cpu, added = figures[name][-1]
                print(f"round {round_ + 1} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU, "
                      f"+{added:.0f} MB", file=sys.stderr)
    print(f"| {args.size:,} | before ({args.base}) | after | after / before |")
    print("| --- | ---: | ---: | ---: |")
    for what, i in (("build, wall s (median)", 0), ("build, CPU s (median)", 1)):
        before = statistics.median(f[i] for f in figures["before"])
        after = statistics.median(f[i] for f in figures["after"])
        print(f"| {what} | {before:.2f} | {after:.2f} | {after / before:.2f}× |")


if __name__ == "__main__":
    main()
