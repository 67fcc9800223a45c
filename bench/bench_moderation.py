"""Benchmark: a moderator's add, edit, alias and import at seed size, 10k and 100k statements.

    python bench/bench_moderation.py                     # seed, 10000, 100000
    python bench/bench_moderation.py --sizes seed,10000 --reps 20
    python bench/bench_moderation.py --ops import         # only the operations named so

Each size is a copy (in a temporary folder) of the SQLite file bench/bench_matching.py caches
in --cache-dir (built here the same way if it is missing: the bundled article, then
`Store.insert_dataset` of `bench/corpus.py`'s synthetic dataset). The copy is opened through
the project's store (so an older file is migrated first: "open" below includes that), the
in-memory index is built (`Lookup.start`) and then each operation runs --reps times through
`Moderation`, as a server's moderator (scope: global + their server) or as the console
(a global change, checked against every scope). Every operation must succeed; a refusal
stops the run. "import" imports a small file (IMPORT_CITIES new cities, IMPORT_PEOPLE new
officials and IMPORT_STATEMENTS new statements, some of them by global officials the file
names unchanged, as an export does) into the moderator's server, new keys each time.
Prints median and p99 in ms per operation and size. Not part of the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.corpus import SEED, build_corpus  # noqa: E402
from bot.core.dataset import parse_dataset  # noqa: E402
from bot.core.moderation import Actor, Moderation  # noqa: E402
from bot.core.moderation.outcome import Outcome  # noqa: E402
from bot.core.seed import ensure_seeded  # noqa: E402
from bot.core.service import Lookup  # noqa: E402
from bot.core.store import Store  # noqa: E402

GUILD = 424242
MOD = Actor(4242, GUILD, moderator=True)
CONSOLE = Actor.console()
IMPORT_CITIES, IMPORT_PEOPLE, IMPORT_STATEMENTS = 4, 4, 10
GLOBAL_SPEAKERS = 2  # global officials (and their cities) a file names unchanged
WORDS = ("harbor", "lantern", "meadow", "copper", "violet", "granite", "orchard", "falcon",
         "thunder", "velvet", "saffron", "glacier", "maple", "comet", "willow", "ember",
         "prairie", "beacon", "cobalt", "juniper", "quartz", "tundra", "sparrow", "cinder")


def _ms(values: list[float]) -> tuple[int, float, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return len(ordered), statistics.median(ordered) * 1e3, p99 * 1e3


def _cached(cache: Path, size: int) -> Path:
    return cache / f"bench-{'seed' if size == 0 else size}-{SEED}.db"


async def _build(path: Path, size: int) -> None:
    store = await Store.open(path)
    try:
        await ensure_seeded(store)
        if size:
            await store.insert_dataset(parse_dataset(build_corpus(size, queries=0).raw))
    finally:
        await store.close()


async def _copy(cache: Path, size: int, folder: Path) -> Path:
    """A private copy of the cached database (built and cached first if missing)."""
    source = _cached(cache, size)
    if not source.exists():
        print(f"  building {source.name} …", file=sys.stderr)
        await _build(source, size)
    target = folder / f"moderation-{size}.db"
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


class Run:
    """The operations of one size, each timed alone."""

    def __init__(self, moderation: Moderation, speakers: list[int], reps: int,
                 budget: float, known: dict[str, list[dict[str, Any]]]) -> None:
        self.moderation = moderation
        self.speakers = speakers
        self.known = known  # global rows an import file names unchanged
        self.reps = reps
        self.budget = budget
        self.rng = random.Random(SEED)
        self.n = 0
        self.statements: list[int] = []
        self.officials: list[int] = []

    def text(self) -> str:
        self.n += 1
        return f"Bench change {self.n}: " + " ".join(self.rng.sample(WORDS, 14)) + "."

    def name(self) -> str:
        self.n += 1
        return f"Benchy {''.join(self.rng.sample('bcdfghklmnprstvz', 6)).title()} {self.n}"

    async def time(self, label: str, op: Callable[[int], Awaitable[Outcome]]
                   ) -> tuple[str, int, float, float]:
        times: list[float] = []
        started = time.perf_counter()
        for i in range(self.reps):
            t0 = time.perf_counter()
            outcome = await op(i)
            times.append(time.perf_counter() - t0)
            if not outcome.changed:
                raise SystemExit(f"{label} was refused: {outcome.answer.description}")
            if len(times) >= 3 and time.perf_counter() - started > self.budget:
                break
        return (label, *_ms(times))

    async def add_statement(self, i: int) -> Outcome:
        speaker = self.speakers[i % len(self.speakers)]
        outcome = await self.moderation.add(MOD, "statement",
                                            {"speaker": str(speaker), "text": self.text()})
        if outcome.ref is not None:
            self.statements.append(outcome.ref.id)
        return outcome

    async def add_official(self, i: int) -> Outcome:
        outcome = await self.moderation.add(MOD, "official", {
            "name": self.name(), "role": "Mayor", "aliases": self.name()})
        if outcome.ref is not None:
            self.officials.append(outcome.ref.id)
        return outcome

    async def add_global_official(self, i: int) -> Outcome:
        return await self.moderation.add(CONSOLE, "official", {"name": self.name()})

    async def edit_statement(self, i: int) -> Outcome:
        entry = self.statements[i % len(self.statements)]
        return await self.moderation.edit(MOD, "statement", str(entry), {"text": self.text()})

    async def edit_official(self, i: int) -> Outcome:
        entry = self.officials[i % len(self.officials)]
        return await self.moderation.edit(MOD, "official", str(entry), {"name": self.name()})

    async def import_file(self, i: int) -> Outcome:
        tag = f"bench-import-{i}"
        cities = [{"key": f"{tag}-city-{c}", "name": self.name(), "state": "Oregon",
                   "aliases": [self.name()], "stance": "", "facts": ["A bench town."]}
                  for c in range(IMPORT_CITIES)]
        people = [{"key": f"{tag}-person-{p}", "name": self.name(), "role": "Mayor",
                   "city": cities[p % len(cities)]["key"], "aliases": [self.name()]}
                  for p in range(IMPORT_PEOPLE)]
        speakers = [p["key"] for p in people] + [p["key"] for p in self.known["people"]]
        statements = [{"key": f"{tag}-statement-{s}", "speaker": speakers[s % len(speakers)],
                       "city": None, "kind": "quote", "text": self.text(), "where": "",
                       "when": "", "date": "2016-11-15", "url": None}
                      for s in range(IMPORT_STATEMENTS)]
        return await self.moderation.import_data(MOD, {
            "schema": 1,
            "source": {"key": f"server-{GUILD}", "title": "Bench", "outlet": "bench",
                       "date": "2024-01-01", "url": None},
            "cities": [*self.known["cities"], *cities],
            "people": [*self.known["people"], *people],
            "statements": statements,
        })

    async def alias_add(self, i: int) -> Outcome:
        entry = self.officials[i % len(self.officials)]
        return await self.moderation.alias(MOD, "add", "official", str(entry), self.name())


async def _known(store: Store, speakers: list[int]) -> dict[str, list[dict[str, Any]]]:
    """Global officials (and their cities) as an export of a server would list them."""
    people = await store.entries_by_id("official", speakers[:GLOBAL_SPEAKERS])
    cities = await store.entries_by_id("city", [p["city_id"] for p in people if p["city_id"]])
    city_key = {c["id"]: c["key"] for c in cities}
    return {
        "cities": [{"key": c["key"], "name": c["name"], "state": c["state"],
                    "aliases": c["aliases"], "stance": c["stance"], "facts": c["facts"]}
                   for c in cities],
        "people": [{"key": p["key"], "name": p["name"], "role": p["role"],
                    "city": city_key.get(p["city_id"]), "aliases": p["aliases"]}
                   for p in people],
    }


OPS = ("add statement", "add official", "edit statement text", "edit official name",
       "alias add", "add official (global)", "import")


async def measure(size: int, cache: Path, reps: int, budget: float,
                  ops: frozenset[str] = frozenset(OPS)) -> list[tuple[str, int, float, float]]:
    with tempfile.TemporaryDirectory(prefix="citybot-bench-mod-") as folder:
        path = await _copy(cache, size, Path(folder))
        gc.collect()
        t0 = time.perf_counter()
        store = await Store.open(path)
        opened = time.perf_counter() - t0
        try:
            lookup = await Lookup.start(store)
            moderation = await Moderation.start(store, lookup)
            ids = [row[0] for row in await store._rows(
                "SELECT id FROM officials WHERE guild_id = 0 AND deleted_at IS NULL")]
            speakers = random.Random(SEED).sample(ids, min(len(ids), 500))
            run = Run(moderation, speakers, reps, budget, await _known(store, speakers))
            results = [("open (+ migrate)", 1, opened * 1e3, opened * 1e3)]
            # The edits need the entries the adds made: they run when both are wanted.
            for label, op, needs in (
                ("add statement", run.add_statement, ()),
                ("add official", run.add_official, ()),
                ("edit statement text", run.edit_statement, ("add statement",)),
                ("edit official name", run.edit_official, ("add official",)),
                ("alias add", run.alias_add, ("add official",)),
                ("add official (global)", run.add_global_official, ()),
                ("import", run.import_file, ()),
            ):
                if label in ops and all(n in ops for n in needs):
                    results.append(await run.time(label, op))
        finally:
            await store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="seed,10000,100000",
                        help="comma-separated statement counts; seed = the bundled article")
    parser.add_argument("--reps", type=int, default=30, help="runs of each operation")
    parser.add_argument("--budget", type=float, default=30.0,
                        help="seconds per operation before stopping early (3 runs at least)")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/citybot-bench"))
    parser.add_argument("--ops", default=",".join(OPS),
                        help=f"comma-separated operations, of: {', '.join(OPS)}")
    args = parser.parse_args()
    sizes = [0 if s.strip() == "seed" else int(s) for s in args.sizes.split(",")]
    ops = frozenset(o.strip() for o in args.ops.split(","))
    if ops - set(OPS):
        parser.error(f"unknown operations: {', '.join(sorted(ops - set(OPS)))}")
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    print("| size | operation | n | median ms | p99 ms |\n| --- | --- | ---: | ---: | ---: |")
    for size in sizes:
        for label, n, median, p99 in asyncio.run(measure(size, args.cache_dir, args.reps,
                                                         args.budget, ops)):
            name = "seed" if size == 0 else f"{size:,}"
            print(f"| {name} | {label} | {n} | {median:.1f} | {p99:.1f} |", flush=True)


if __name__ == "__main__":
    main()
