"""Before and after in one process: an older commit's matcher beside this tree's, same queries.

    python bench/ab_versions.py --base a6d522b              # 100,000, three rounds
    python bench/ab_versions.py --base a6d522b --size 10000
    python bench/ab_versions.py --base a6d522b --cpu    # a busy machine: CPU time, not wall

Separate runs on a shared machine differ by ±30%; here both versions are loaded into one
process (the older `bot` package extracted with `git archive` and imported as `bot_base`)
and every labelled query, then every autocomplete prefix, goes through one and then the
other, the order swapped each round, so both see the same machine. Uses the store and query
file that `bench/bench_matching.py` caches for the size (run it once first); each version
opens its own copy of the database. Prints median and p99 ms per kind and answers per second,
and each version's top-1 (the top hit one of the query's answers) per kind.
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
import sqlite3
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
                  work_dir: Path, cpu: bool = False) -> None:
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
    tops: dict[str, list[int | None]] = {"base": [], "this": []}  # first round's top hits
    prefixes = [(None if q["kind"] == "statement" else q["kind"], q["text"][: 3 + i % 9])
                for i, q in enumerate(queries * (3000 // len(queries) + 1))][:3000]
    # CPU time of this thread: what another process on a shared core takes is not counted
    clock = time.thread_time if cpu else time.perf_counter
    for round_ in range(rounds):
        order = ["base", "this"] if round_ % 2 == 0 else ["this", "base"]
        for q in queries:
            groups = ("fragments", q["category"]) if q["kind"] == "statement" else ("names",)
            for name in order:
                lookup = versions[name][1]
                t0 = clock()
                hits = lookup.hits(q["kind"], q["text"], None)
                took = clock() - t0
                for group in groups:
                    times.setdefault((group, name), []).append(took)
                if round_ == 0:
                    tops[name].append(hits[0].ref.id if hits else None)
        for name in order:
            lookup = versions[name][1]
            started = clock()
            for kind, text in prefixes:
                t0 = clock()
                lookup.complete(kind, text, None)
                times.setdefault(("autocomplete", name), []).append(clock() - t0)
            rates.setdefault(name, []).append(len(prefixes) / (clock() - started))
    right = {name: _right(db, queries, found) for name, found in tops.items()}
    print("| | base median / p99 ms | this median / p99 ms | base top-1 | this top-1 |\n"
          "| --- | ---: | ---: | ---: | ---: |")
    for group in ("names", "fragments", "fragment", "fragment-typo", "autocomplete"):
        if (group, "base") not in times:
            continue
        picked = [i for i, q in enumerate(queries) if group in (
            q["category"], "fragments" if q["kind"] == "statement" else "names")]
        acc = [f"{sum(right[n][i] for i in picked) / len(picked):.1%}" if picked else ""
               for n in ("base", "this")]
        print(f"| {group} | {_ms(times[(group, 'base')])} | {_ms(times[(group, 'this')])} | "
              f"{acc[0]} | {acc[1]} |")
    print("| autocomplete answers/s per round | "
          + " | ".join(", ".join(f"{r:,.0f}" for r in rates[n]) for n in ("base", "this"))
          + " |")
    for store, _lookup in versions.values():
        await store.close()


def _right(db: Path, queries: list[dict[str, Any]], found: list[int | None]) -> list[bool]:
    """Whether each query's top hit is one of its answers (entry keys)."""
    table = {"city": "cities", "official": "officials", "statement": "statements"}
    con = sqlite3.connect(db)
    right = []
    for q, entry in zip(queries, found, strict=True):
        row = None if entry is None else con.execute(
            f"SELECT key FROM {table[q['kind']]} WHERE id = ?", (entry,)).fetchone()
        right.append(row is not None and row[0] in q["answers"])
    con.close()
    return right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True, help="the older commit (e.g. a6d522b)")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/citybot-bench"))
    parser.add_argument("--kinds", default="city,official,statement",
                        help="only these kinds of query (e.g. statement)")
    parser.add_argument("--cpu", action="store_true",
                        help="time by this thread's CPU time, not the wall clock (a busy "
                             "machine: others' processes then count for neither version)")
    parser.add_argument("--no-check", action="store_true",
                        help="skip opening's integrity check (35 s per copy at 1,000,000)")
    args = parser.parse_args()
    db = args.cache_dir / f"bench-{args.size}-{SEED}.db"
    query_file = args.cache_dir / f"bench-{args.size}-{SEED}.queries.json"
    if not db.exists() or not query_file.exists():
        sys.exit(f"no cached corpus for {args.size}: run "
                 f"`python bench/bench_matching.py --sizes {args.size}` first")
    kinds = set(args.kinds.split(","))
    queries = [q for q in json.loads(query_file.read_text()) if q["kind"] in kinds]
    with tempfile.TemporaryDirectory() as tmp:
        work_dir = Path(tmp)
        extract_base(args.base, work_dir)
        sys.path.insert(0, str(work_dir))

        class Base:
            Store = importlib.import_module("bot_base.core.store").Store
            Lookup = importlib.import_module("bot_base.core.service").Lookup

        if args.no_check:
            async def unchecked(*_: Any, **__: Any) -> None:  # (defer_page_check=...)
                return None

            for package in ("bot", "bot_base"):
                opening = importlib.import_module(f"{package}.core.store.opening")
                opening.check_contents = unchecked  # type: ignore[attr-defined]

        print(f"base {args.base} vs this tree, {args.size:,}, {args.rounds} rounds",
              file=sys.stderr)
        asyncio.run(measure(Base, db, queries, args.rounds, work_dir, args.cpu))


if __name__ == "__main__":
    main()
