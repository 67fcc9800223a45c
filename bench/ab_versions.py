"""Before and after in one process: an older commit's matcher beside this tree's, same queries.

    python bench/ab_versions.py --base a6d522b              # 100,000, three rounds
    python bench/ab_versions.py --base a6d522b --size 10000

Separate runs on a shared machine differ by ±30%; here both versions are loaded into one
process (the older `bot` package extracted with `git archive` and imported as `bot_base`)
and every labelled query, then every autocomplete prefix, goes through one and then the
other, the order swapped each round, so both see the same machine. Uses the store and query
file that `bench/bench_matching.py` caches for the size (run it once first); each version
opens its own copy of the database. Prints median and p99 ms per kind and answers per second.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import io
import json
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpus import SEED  # noqa: E402
from bot.core.service import Lookup  # noqa: E402
from bot.core.store import Store  # noqa: E402


def extract_base(rev: str, into: Path) -> None:
    """`bot/` of `rev` as the package `bot_base` (every reference to `bot.` renamed)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "bot"],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    (into / "bot").rename(into / "bot_base")
    pattern = re.compile(r"\bbot(?=\.(core|console|discord_app|cli|settings|logging_setup)\b)")
    for path in (into / "bot_base").rglob("*.py"):
        path.write_text(pattern.sub("bot_base", path.read_text()))


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1e3:.3f} / {p99 * 1e3:.3f}"


async def measure(base: Any, db: Path, queries: list[dict[str, Any]], rounds: int,
                  work_dir: Path) -> None:
    versions: dict[str, Any] = {}
    for name, store_cls, lookup_cls in (("base", base.Store, base.Lookup),
                                        ("this", Store, Lookup)):
        copy = work_dir / f"{name}.db"
        shutil.copyfile(db, copy)
        started = time.perf_counter()
        store = await store_cls.open(copy)
        versions[name] = (store, await lookup_cls.start(store))
        print(f"  {name}: ready in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    gc.collect()
    gc.freeze()  # both catalogs are long-lived; keep the collector off them
    times: dict[tuple[str, str], list[float]] = {}
    rates: dict[str, list[float]] = {}
    prefixes = [(None if q["kind"] == "statement" else q["kind"], q["text"][: 3 + i % 9])
                for i, q in enumerate(queries * (3000 // len(queries) + 1))][:3000]
    clock = time.perf_counter
    for round_ in range(rounds):
        order = ["base", "this"] if round_ % 2 == 0 else ["this", "base"]
        for q in queries:
            group = "fragments" if q["kind"] == "statement" else "names"
            for name in order:
                lookup = versions[name][1]
                t0 = clock()
                lookup.hits(q["kind"], q["text"], None)
                times.setdefault((group, name), []).append(clock() - t0)
        for name in order:
            lookup = versions[name][1]
            started = clock()
            for kind, text in prefixes:
                t0 = clock()
                lookup.complete(kind, text, None)
                times.setdefault(("autocomplete", name), []).append(clock() - t0)
            rates.setdefault(name, []).append(len(prefixes) / (clock() - started))
    print("| | base median / p99 ms | this median / p99 ms |\n| --- | ---: | ---: |")
    for group in ("names", "fragments", "autocomplete"):
        print(f"| {group} | {_ms(times[(group, 'base')])} | {_ms(times[(group, 'this')])} |")
    print("| autocomplete answers/s per round | "
          + " | ".join(", ".join(f"{r:,.0f}" for r in rates[n]) for n in ("base", "this"))
          + " |")
    for store, _lookup in versions.values():
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True, help="the older commit (e.g. a6d522b)")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/citybot-bench"))
    args = parser.parse_args()
    db = args.cache_dir / f"bench-{args.size}-{SEED}.db"
    query_file = args.cache_dir / f"bench-{args.size}-{SEED}.queries.json"
    if not db.exists() or not query_file.exists():
        sys.exit(f"no cached corpus for {args.size}: run "
                 f"`python bench/bench_matching.py --sizes {args.size}` first")
    queries = json.loads(query_file.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        work_dir = Path(tmp)
        extract_base(args.base, work_dir)
        sys.path.insert(0, str(work_dir))

        class Base:
            Store = importlib.import_module("bot_base.core.store").Store
            Lookup = importlib.import_module("bot_base.core.service").Lookup

        print(f"base {args.base} vs this tree, {args.size:,}, {args.rounds} rounds",
              file=sys.stderr)
        asyncio.run(measure(Base, db, queries, args.rounds, work_dir))


if __name__ == "__main__":
    main()
