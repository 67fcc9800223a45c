"""Benchmark: the store on SQLite and on PostgreSQL, in one run, with ratios PostgreSQL/SQLite.

    python bench/bench_store.py            # 200 adds, 50 imports, 200 feed writes, 100,000 entries
    python bench/bench_store.py --quick    # a smoke run, about a minute
    python bench/bench_store.py --skip startup --no-fsync

A throwaway PostgreSQL cluster (tests/postgres_server.py, on 127.0.0.1) is started for the
run, by default with fsync, synchronous_commit and full_page_writes on (PostgreSQL's defaults:
a commit waits for its WAL flush; `--no-fsync` uses the tests' settings instead); every
measurement gets a fresh database (`CREATE DATABASE`) or, on SQLite, a fresh file (WAL,
synchronous=NORMAL, as the store opens it). The output says which.

1. **Writes** (`writes`): one process opens a core (`start_core`) on each backend and, as a
   server's moderator, runs --adds `moderation.add(Actor(user_id=7, …, moderator=True),
   "statement", {"speaker": "Rahm Emanuel", "text": …})` and then --imports
   `moderation.import_data` of a 20-row file (4 cities, 6 people, 10 statements, new keys each
   time), sequentially, in blocks of --block that alternate between the backends (each block
   starts with the other one than the last), after --warmup untimed operations of each kind.
   Latency of each call: median and p95; per second: calls / their summed time.
2. **Feed lag** (`lag`): bench/bench_feed.py's measurement, as it is (`measure_lag`): a
   follower process (`start_core` + `follow()`, polling `lookup.hits` every --poll-ms) and
   this process as the writer (--feed-writes adds at --rate/s). --rounds rounds alternate the
   backends, each round on a new database; the lags of all rounds are pooled per backend.
   "writes/s reached" is the writer's pace (median of the rounds): below --rate when add() takes
   longer than 1/rate.
   On both the feed looks every 0.2 s (`bot/core/feed.py`) whether anything was committed:
   SQLite's `PRAGMA data_version`, PostgreSQL's count of the NOTIFYs its LISTEN connection got.
3. **Start-up** (`startup`): a database per backend with about --entries entries (the
   article, then bench/corpus.py's synthetic dataset through `Store.insert_dataset`, as
   bench/bench_moderation.py builds its files; the fill is timed only to be printed), then
   --repeats times, alternating, a fresh process runs `start_core(location)` to ready
   (bench_feed's `memory` child) and reports seconds, VmRSS and VmHWM. The PostgreSQL server's
   own memory is not in these figures (it is another process).

Not part of the tests; the machine is shared and noisy, so compare figures of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_feed import (  # noqa: E402
    LAG_WORDS,
    _feed_poll,
    _Help,
    _machine,
    _percentile,
    _phase,
    _run_child,
    _table,
    add_lag_options,
    lag_texts,
    measure_lag,
    parse_skip,
)
from bench.bench_moderation import _build  # noqa: E402
from tests.postgres_server import PostgresServer  # noqa: E402

GUILD = 424242
BACKENDS = ("sqlite", "postgres")
LABEL = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
PARTS = ("writes", "lag", "startup")
IMPORT_CITIES, IMPORT_PEOPLE, IMPORT_STATEMENTS = 4, 6, 10  # 20 rows


class Places:
    """A new database per measurement: a file in `folder`, or a database on `server`."""

    def __init__(self, folder: Path, server: PostgresServer) -> None:
        self.folder, self.server = folder, server

    async def new(self, backend: str, name: str) -> Path | str:
        if backend == "sqlite":
            return self.folder / f"{name}.db"
        import asyncpg
        conn = await asyncpg.connect(self.server.url())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.server.url(name)

    async def settings(self) -> str:
        import asyncpg
        conn = await asyncpg.connect(self.server.url())
        try:
            version = await conn.fetchval("SHOW server_version")
            shown = [f"{name}={await conn.fetchval(f'SHOW {name}')}"
                     for name in ("fsync", "synchronous_commit", "full_page_writes")]
        finally:
            await conn.close()
        return f"PostgreSQL {version.split()[0]} on 127.0.0.1 (TCP), {', '.join(shown)}"


def _stats(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {"n": len(ordered), "median": statistics.median(ordered) * 1e3,
            "p95": _percentile(ordered, 0.95) * 1e3, "per_s": len(ordered) / sum(ordered)}


def import_file(n: int, seed: int) -> dict[str, Any]:
    """A 20-row import (the format of data/article.json), its keys and names new for each n."""
    rng = random.Random(f"{seed}-import-{n}")
    cities = [{"key": f"bench-{n}-city-{j}", "name": f"Benchtown {n} {j}", "state": "Nowhere",
               "aliases": [f"bt{n}x{j}"]} for j in range(IMPORT_CITIES)]
    people = [{"key": f"bench-{n}-person-{j}", "name": f"Bench Person {n} {j}",
               "role": "Mayor", "city": cities[j % IMPORT_CITIES]["key"], "aliases": []}
              for j in range(IMPORT_PEOPLE)]
    statements = [{"key": f"bench-{n}-st-{j}", "speaker": people[j % IMPORT_PEOPLE]["key"],
                   "kind": "quote", "date": "2016-11-14",
                   "text": f"Import {n} statement {j}: " + " ".join(rng.sample(LAG_WORDS, 12))}
                  for j in range(IMPORT_STATEMENTS)]
    return {"source": {"key": f"bench-import-{n}", "title": "Bench import", "outlet": "bench",
                       "date": "2016-11-17"},
            "cities": cities, "people": people, "statements": statements}


# ---- 1. writes -------------------------------------------------------------------------------


async def measure_writes(places: Places, adds: int, imports: int, block: int, warmup: int,
                         seed: int) -> dict[str, dict[str, dict[str, float]]]:
    from bot.core.bootstrap import start_core
    from bot.core.moderation import Actor

    actor = Actor(user_id=7, guild_id=GUILD, moderator=True)
    cores = {b: await start_core(await places.new(b, "writes")) for b in BACKENDS}
    texts = lag_texts(warmup + adds, seed)

    async def add(backend: str, i: int) -> float:
        t0 = time.perf_counter()
        outcome = await cores[backend].moderation.add(
            actor, "statement", {"speaker": "Rahm Emanuel", "text": texts[i]})
        took = time.perf_counter() - t0
        if not outcome.changed:
            raise SystemExit(f"{backend}: add refused: {outcome.answer.description}")
        return took

    async def import_(backend: str, i: int) -> float:
        data = import_file(i, seed)
        t0 = time.perf_counter()
        outcome = await cores[backend].moderation.import_data(actor, data, GUILD)
        took = time.perf_counter() - t0
        if not outcome.changed:
            raise SystemExit(f"{backend}: import refused: {outcome.answer.description}")
        return took

    timings: dict[str, dict[str, list[float]]] = {b: {"add": [], "import": []}
                                                  for b in BACKENDS}
    try:
        for op, run, count in (("add", add, adds), ("import", import_, imports)):
            for backend in BACKENDS:
                for i in range(warmup):
                    await run(backend, i)
            for n, start in enumerate(range(warmup, warmup + count, block)):
                order = BACKENDS if n % 2 == 0 else BACKENDS[::-1]
                for backend in order:
                    for i in range(start, min(start + block, warmup + count)):
                        timings[backend][op].append(await run(backend, i))
    finally:
        for core in cores.values():
            await core.close()
    return {b: {op: _stats(t) for op, t in ops.items()} for b, ops in timings.items()}


# ---- 2. the feed's lag -----------------------------------------------------------------------


async def measure_lags(places: Places, writes: int, rounds: int, rate: float, poll_ms: float,
                       seed: int) -> dict[str, dict[str, Any]]:
    pooled: dict[str, dict[str, Any]] = {
        b: {"lags": [], "seen": 0, "writes": 0, "add": [], "rates": []} for b in BACKENDS}
    per_round = max(1, writes // rounds)
    for r in range(rounds):
        for backend in (BACKENDS if r % 2 == 0 else BACKENDS[::-1]):
            with _phase(f"lag round {r + 1}/{rounds}, {LABEL[backend]}"):
                got = await measure_lag(await places.new(backend, f"lag{r}"), per_round, rate,
                                        poll_ms, seed + r)
            into = pooled[backend]
            into["lags"] += got["lags"]
            into["seen"] += got["seen"]
            into["writes"] += got["writes"]
            into["add"].append(got["add_median"])
            into["rates"].append(got["rate"])
    for into in pooled.values():
        lags = sorted(into["lags"])
        into.update(median=statistics.median(lags), p95=_percentile(lags, 0.95),
                    p99=_percentile(lags, 0.99), max=lags[-1],
                    add_median=statistics.median(into["add"]),
                    rate=statistics.median(into["rates"]))
    return pooled


# ---- 3. start-up -----------------------------------------------------------------------------


async def measure_startup(places: Places, entries: int, repeats: int
                          ) -> dict[str, dict[str, Any]]:
    statements = round(entries / 2.1)  # corpus: as many officials, a tenth as many cities
    found: dict[str, dict[str, Any]] = {}
    locations: dict[str, Path | str] = {}
    for backend in BACKENDS:
        locations[backend] = await places.new(backend, "startup")
        with _phase(f"filling {LABEL[backend]}"):
            t0 = time.perf_counter()
            await _build(locations[backend], statements)  # type: ignore[arg-type]
            found[backend] = {"fill": time.perf_counter() - t0, "runs": []}
    for r in range(repeats):
        for backend in (BACKENDS if r % 2 == 0 else BACKENDS[::-1]):
            with _phase(f"start-up {r + 1}/{repeats}, {LABEL[backend]}"):
                found[backend]["runs"].append(
                    _run_child("memory", "--db", str(locations[backend]), "--shards", "all"))
    for into in found.values():
        runs = into["runs"]
        into.update(startup=statistics.median(r["startup"] for r in runs),
                    rss_mb=statistics.median(r["rss_kb"] for r in runs) / 1024,
                    hwm_mb=max(r["hwm_kb"] for r in runs) / 1024,
                    before_mb=statistics.median(r["rss_before_kb"] for r in runs) / 1024,
                    sizes=runs[0]["sizes"])
    return found


# ---- the report ------------------------------------------------------------------------------


def _ratio(pg: float, lite: float, digits: int = 2) -> str:
    return f"{pg / lite:.{digits}f}" if lite else "—"


def _rows(results: dict[str, dict[str, Any]], keys: list[str], fmt: list[str]
          ) -> list[list[str]]:
    rows = [[LABEL[b], *(f.format(results[b][k]) for k, f in zip(keys, fmt, strict=True))]
            for b in BACKENDS]
    rows.append(["ratio PostgreSQL/SQLite",
                 *(_ratio(results["postgres"][k], results["sqlite"][k]) for k in keys)])
    return rows


async def run(args: argparse.Namespace) -> None:
    parts = [p for p in PARTS if p not in args.skip]
    print(f"bench_store: {_machine()}")
    began = time.perf_counter()
    with _phase("starting PostgreSQL"):
        server = PostgresServer.start(durable=not args.no_fsync)
    try:
        with tempfile.TemporaryDirectory(prefix="citybot-bench-store-", dir=args.tmp) as tmp:
            places = Places(Path(tmp), server)
            print(f"server: {await places.settings()}"
                  f"{'' if args.no_fsync else ' (durable: a commit waits for its flush)'}")
            print("SQLite: a file in a temporary folder, WAL, synchronous=NORMAL (the store's "
                  "settings: a commit is durable at the next checkpoint)")
            print(f"feed poll, both: every {_feed_poll() * 1e3:.0f} ms (SQLite: PRAGMA "
                  "data_version; PostgreSQL: NOTIFYs received on its LISTEN connection)\n")
            if "writes" in parts:
                with _phase("writes"):
                    w = await measure_writes(places, args.adds, args.imports, args.block,
                                             args.warmup, args.seed)
                print(f"1. Writes, one process, sequential, in blocks of {args.block} "
                      f"alternating the backends ({args.warmup} untimed first of each):")
                for op, what in (("add", f"moderation.add of a statement ({args.adds})"),
                                 ("import", f"import_data of a 20-row file ({args.imports})")):
                    print(f"   {what}:")
                    flat = {b: w[b][op] for b in BACKENDS}
                    table = _table(["", "median ms", "p95 ms", "per s"],
                                   _rows(flat, ["median", "p95", "per_s"],
                                         ["{:.2f}", "{:.2f}", "{:.0f}"]))
                    print("\n".join("   " + line for line in table.splitlines()))
                print()
            if "lag" in parts:
                lag = await measure_lags(places, args.feed_writes, args.rounds, args.rate,
                                         args.poll_ms, args.seed)
                print(f"2. Feed lag from commit (add() returned) to findable in another "
                      f"process, ms ({args.rounds} rounds alternating the backends, "
                      f"{args.rate:g} writes/s, follower polls its index every "
                      f"{args.poll_ms:g} ms):")
                for b in BACKENDS:
                    lag[b]["found"] = f"{lag[b]['seen']}/{lag[b]['writes']}"
                rows = [[LABEL[b], lag[b]["found"],
                         *(f"{lag[b][k]:.1f}" for k in ("median", "p95", "p99", "max",
                                                          "add_median", "rate"))]
                        for b in BACKENDS]
                rows.append(["ratio PostgreSQL/SQLite", "",
                             *(_ratio(lag["postgres"][k], lag["sqlite"][k])
                               for k in ("median", "p95", "p99", "max", "add_median", "rate"))])
                table = _table(["", "found", "median", "p95", "p99", "max",
                                "writer's add() median", "writes/s reached"], rows)
                print("\n".join("   " + line for line in table.splitlines()))
                print()
            if "startup" in parts:
                up = await measure_startup(places, args.entries, args.repeats)
                sizes = up["sqlite"]["sizes"]
                total = sum(sizes.values())
                print(f"3. Start-up of a process to ready (start_core), {total:,} entries "
                      f"({', '.join(f'{v:,} {k}' for k, v in sizes.items())}); median of "
                      f"{args.repeats} alternating runs; RSS of the bot's process only:")
                rows = _rows(up, ["startup", "rss_mb", "hwm_mb", "before_mb", "fill"],
                             ["{:.2f}", "{:.0f}", "{:.0f}", "{:.0f}", "{:.1f}"])
                table = _table(["", "start-up s", "RSS MB", "peak MB", "RSS before MB",
                                "fill s (not measured)"], rows)
                print("\n".join("   " + line for line in table.splitlines()))
                if up["postgres"]["sizes"] != sizes:
                    print(f"   (PostgreSQL's index sizes differ: {up['postgres']['sizes']})")
                print()
    finally:
        server.stop()
    print(f"total {time.perf_counter() - began:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=_Help)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 40 adds, 10 imports, 40 feed writes, 10,000 entries")
    parser.add_argument("--adds", type=int, default=200, help="timed adds per backend")
    parser.add_argument("--imports", type=int, default=50, help="timed imports per backend")
    parser.add_argument("--block", type=int, default=10, help="writes per backend in a row")
    parser.add_argument("--warmup", type=int, default=5, help="untimed writes of each kind")
    parser.add_argument("--feed-writes", type=int, default=200,
                        help="feed-lag writes per backend, over all rounds")
    parser.add_argument("--rounds", type=int, default=2, help="feed-lag rounds per backend")
    add_lag_options(parser)  # --rate, --poll-ms of the feed lag
    parser.add_argument("--entries", type=int, default=100_000,
                        help="entries (about) in the start-up database")
    parser.add_argument("--repeats", type=int, default=3, help="start-up runs per backend")
    parser.add_argument("--no-fsync", action="store_true",
                        help="PostgreSQL with the tests' settings: fsync and synchronous_commit "
                             "off")
    parser.add_argument("--skip", default="",
                        help=f"comma-separated parts to skip, of: {', '.join(PARTS)}")
    parser.add_argument("--seed", type=int, default=20161117, help="for texts and corpus")
    parser.add_argument("--tmp", type=Path, default=None,
                        help="folder for the SQLite files (none: the system's)")
    args = parser.parse_args()
    args.skip = parse_skip(parser, args.skip, PARTS)
    if args.quick:
        args.adds, args.imports = min(args.adds, 40), min(args.imports, 10)
        args.feed_writes, args.entries = min(args.feed_writes, 40), min(args.entries, 10_000)
        args.repeats = min(args.repeats, 1)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
