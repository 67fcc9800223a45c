"""Benchmark: the change feed across real processes (lag, idle CPU) and per-shard memory.

    python bench/bench_feed.py           # defaults: 200 writes, 20 s idle, 10,000 × 50
    python bench/bench_feed.py --quick   # under a minute
    python bench/bench_feed.py --servers 2000 --per-server 50 --skip lag,idle

Everything is measured in one run, each part in fresh OS processes (this script runs itself
with a hidden `--child ROLE`):

1. **Lag** (`lag`): on a fresh seeded database file, a follower process runs
   `start_core` + `Core.follow()` and polls its own index every --poll-ms (2 ms) with
   `lookup.hits("statement", text, guild)` until the next expected statement is found
   (a hit whose matched text is the statement's text), then reports `time.monotonic()`
   (CLOCK_MONOTONIC, system-wide on Linux) through its stdout pipe. This process is the
   writer: its own `start_core` + `follow()`, adding --writes statements with distinct texts
   through `moderation.add(Actor(moderator=True), "statement", …)` at --rate per second.
   Lag = follower's "found" time − the time `add()` returned (the commit is a little before
   that: the median `add()` time is printed, the most it can hide).
2. **Idle CPU** (`idle`): three processes at once, for --idle-seconds, with no writes:
   `start_core` + `follow()` (the feed polling `PRAGMA data_version`), `start_core` without
   following, and a bare process that only sleeps. Each reads `resource.getrusage` (user +
   system) around its window and reports CPU seconds / wall seconds as % of one core; the
   follower also counts its polls.
3. **Memory per shard** (`memory`): a corpus of --servers servers with --per-server entries
   each (a tenth cities, three tenths officials, the rest statements; names, aliases and
   texts drawn from one pool that `bench/corpus.py` generates, of up to 30,000 statements,
   30,000 officials and 3,000 cities, so servers repeat each other's strings) plus the
   bundled article, built once into
   a temporary SQLite file. The build writes straight into the tables through the store's
   own connection in one transaction (`executemany`, with the name keys the store would
   write; the migration's triggers fill `changes` as for any write): the only SQL here.
   Then one process per partition, in turn, runs `start_core(path, partition=…)` for
   `Partition()` (all) and `Partition.of(4, [0])`, and reports start-up seconds, VmRSS and
   VmHWM (from /proc/self/status) and `len(index)` per kind.

Server ids are snowflake-like (`(timestamp << 22) | n`), spread evenly over 4 shards.
Not part of the tests; the machine is shared and noisy, so compare figures of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GUILD = 424242  # the writer's and follower's server in the lag test
LAG_WORDS = ("harbor", "lantern", "meadow", "copper", "violet", "granite", "orchard", "falcon",
             "thunder", "velvet", "saffron", "glacier", "maple", "comet", "willow", "ember",
             "prairie", "beacon", "cobalt", "juniper", "quartz", "tundra", "sparrow", "cinder")
SNOWFLAKE_BASE = 1_100_000_000_000  # ms since Discord's epoch, around 2023
PARTS = ("lag", "idle", "memory")


# ---- small helpers ---------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    """A field of /proc/self/status in kB (VmRSS, VmHWM)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _report(payload: dict[str, Any]) -> None:
    """A child's result: one JSON line on stdout, which the parent reads."""
    print(json.dumps(payload), flush=True)


def _child(role: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", role, *args]


def _run_child(role: str, *args: str, timeout: float = 1800.0) -> dict[str, Any]:
    done = subprocess.run(_child(role, *args), capture_output=True, text=True, timeout=timeout,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"child {role} failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def _phase(label: str) -> Iterator[None]:
    t0 = time.perf_counter()
    print(f"  {label} …", file=sys.stderr, flush=True)
    yield
    print(f"  {label}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)


def lag_texts(count: int, seed: int) -> list[str]:
    """The statements the writer adds, in order (the follower computes the same list)."""
    rng = random.Random(seed)
    return [f"Feed bench statement {i}: " + " ".join(rng.sample(LAG_WORDS, 12)) + "."
            for i in range(count)]


def location(text: str) -> Path | str:
    """A child's --db: a postgresql:// URL as it is (a Path would fold its "//"), else a file."""
    from bot.core.store.location import is_postgres
    return text if is_postgres(text) else Path(text)


async def _seed_database(path: Path | str) -> None:
    from bot.core.bootstrap import start_core
    core = await start_core(path)
    await core.close()


# ---- 1. lag ----------------------------------------------------------------------------------


async def child_follower(db: Path | str, count: int, seed: int, poll_ms: float) -> None:
    """Follow the log; print `i monotonic` when statement i becomes findable."""
    from bot.core.bootstrap import start_core
    texts = lag_texts(count, seed)
    core = await start_core(db)
    core.follow()
    print("ready", flush=True)
    found = 0
    deadline = time.monotonic() + 120.0
    while found < count and time.monotonic() < deadline:
        # The feed applies rows in order, so only the next statement needs looking for; when
        # it is there, the ones after it may be too (one catch_up can bring several).
        while found < count and any(
                hit.matched == texts[found]
                for hit in core.lookup.hits("statement", texts[found], GUILD, limit=3)):
            print(f"{found} {time.monotonic():.6f}", flush=True)
            found += 1
        await asyncio.sleep(poll_ms / 1000)
    print(f"done {found} applied={core.feed.applied}", flush=True)
    await core.close()


async def measure_lag(db: Path | str, writes: int, rate: float, poll_ms: float, seed: int
                      ) -> dict[str, Any]:
    """Lag on the database at `db` (a SQLite file, made here, or a postgresql:// URL of an
    empty database): a follower child process and this process as the writer."""
    from bot.core.bootstrap import start_core
    from bot.core.moderation import Actor

    await _seed_database(db)
    proc = await asyncio.create_subprocess_exec(
        *_child("follower", "--db", str(db), "--writes", str(writes), "--seed", str(seed),
                "--poll-ms", str(poll_ms)),
        stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 120)
    if line.strip() != b"ready":
        raise SystemExit(f"follower did not start: {line!r}")
    seen: dict[int, float] = {}
    summary: list[str] = []

    async def read() -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            text = raw.decode().strip()
            if text.startswith("done"):
                summary.append(text)
            elif text:
                i, at = text.split()
                seen[int(i)] = float(at)

    reader = asyncio.create_task(read())
    core = await start_core(db)
    core.follow()
    moderator = Actor(4242, GUILD, moderator=True)
    speaker = str((await core.store._rows(
        "SELECT id FROM officials WHERE guild_id = 0 ORDER BY id LIMIT 1"))[0][0])
    committed: list[float] = []
    took: list[float] = []
    start = time.monotonic() + 0.2
    try:
        for i, text in enumerate(lag_texts(writes, seed)):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            t0 = time.monotonic()
            outcome = await core.moderation.add(moderator, "statement",
                                                {"speaker": speaker, "text": text})
            t1 = time.monotonic()
            if not outcome.changed:
                raise SystemExit(f"add was refused: {outcome.answer.description}")
            committed.append(t1)
            took.append(t1 - t0)
        await asyncio.wait_for(proc.wait(), 150)
        await reader
    finally:
        await core.close()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    lags = sorted((seen[i] - committed[i]) * 1e3 for i in range(writes) if i in seen)
    if not lags:
        raise SystemExit("the follower found none of the statements")
    wall = committed[-1] - committed[0] if len(committed) > 1 else 0.0
    return {
        "writes": writes, "seen": len(lags), "rate": (writes - 1) / wall if wall else 0.0,
        "median": statistics.median(lags), "p95": _percentile(lags, 0.95),
        "p99": _percentile(lags, 0.99), "max": lags[-1], "min": lags[0],
        "add_median": statistics.median(took) * 1e3, "summary": " ".join(summary),
        "lags": lags,
    }


# ---- 2. idle CPU -----------------------------------------------------------------------------


async def child_idle(db: Path, mode: str, seconds: float) -> None:
    """Sit idle for `seconds`; report CPU used over that window."""
    polls = [0]
    core = None
    if mode != "sleep":
        from bot.core.bootstrap import start_core
        core = await start_core(db)
        if mode == "follow":
            assert core.reader is not None
            reader = core.reader
            version: Callable[[], Any] = reader.data_version

            async def counted() -> int:
                polls[0] += 1
                return int(await version())

            reader.data_version = counted  # type: ignore[method-assign]
            core.follow()
    await asyncio.sleep(1.0)  # let start-up settle
    polls[0] = 0
    wall0, cpu0 = time.monotonic(), _cpu_seconds()
    await asyncio.sleep(seconds)
    wall, cpu = time.monotonic() - wall0, _cpu_seconds() - cpu0
    n = polls[0]
    if core is not None:
        await core.close()
    _report({"mode": mode, "wall": wall, "cpu": cpu, "polls": n})


async def measure_idle(folder: Path, seconds: float) -> list[dict[str, Any]]:
    db = folder / "idle.db"
    await _seed_database(db)
    procs = [await asyncio.create_subprocess_exec(
        *_child("idle", "--db", str(db), "--mode", mode, "--seconds", str(seconds)),
        stdout=asyncio.subprocess.PIPE) for mode in ("follow", "core", "sleep")]
    results = []
    for proc in procs:
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            raise SystemExit("an idle child failed")
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


# ---- 3. memory per shard ---------------------------------------------------------------------


def guild_ids(servers: int) -> list[int]:
    """Snowflake-like server ids; consecutive ones fall on consecutive shards of 4."""
    return [((SNOWFLAKE_BASE + n) << 22) | (n & 0x3FFFFF) for n in range(servers)]


async def build_servers(path: Path, servers: int, per_server: int, seed: int) -> dict[str, int]:
    """The bundled article, then `servers` servers of `per_server` entries, in one
    transaction of executemany through the store's connection."""
    from bench.corpus import build_corpus
    from bot.core.seed import ensure_seeded
    from bot.core.store import Store
    from bot.core.text import normalize

    n_cities = max(1, per_server // 10)
    n_officials = max(1, per_server * 3 // 10)
    n_statements = max(0, per_server - n_cities - n_officials)
    pool = build_corpus(max(1000, min(30_000, servers * n_statements)), seed=seed,
                        queries=0).raw
    rng = random.Random(seed)

    def draw(rows: list[dict[str, Any]], k: int) -> list[dict[str, Any]]:
        return rng.sample(rows, k) if k <= len(rows) else rng.choices(rows, k=k)

    store = await Store.open(path)
    try:
        await ensure_seeded(store)
        db = store._db
        async with store.transaction():
            cursor = await db.execute(
                "INSERT INTO sources (key, title, outlet, published) VALUES (?, ?, ?, ?)",
                ("bench-feed-servers", "Bench servers", "bench", "2024-01-01"))
            source_id = cursor.lastrowid
            next_id = {}
            for table in ("cities", "officials", "statements"):
                next_id[table] = int(await store._scalar(
                    f"SELECT coalesce(max(id), 0) + 1 FROM {table}"))
            cities: list[tuple[Any, ...]] = []
            officials: list[tuple[Any, ...]] = []
            statements: list[tuple[Any, ...]] = []
            city_aliases: list[tuple[Any, ...]] = []
            official_aliases: list[tuple[Any, ...]] = []
            for guild in guild_ids(servers):
                city_ids = []
                for n, city in enumerate(draw(pool["cities"], n_cities)):
                    cid = next_id["cities"]
                    next_id["cities"] += 1
                    city_ids.append(cid)
                    cities.append((cid, guild, f"city-{n}", city["name"],
                                   normalize(city["name"]), city["state"], source_id))
                    city_aliases += [(cid, a, normalize(a)) for a in city["aliases"]]
                official_ids = []
                for n, person in enumerate(draw(pool["people"], n_officials)):
                    oid = next_id["officials"]
                    next_id["officials"] += 1
                    official_ids.append(oid)
                    officials.append((oid, guild, f"person-{n}", person["name"],
                                      normalize(person["name"]), person["role"],
                                      rng.choice(city_ids), source_id))
                    official_aliases += [(oid, a, normalize(a)) for a in person["aliases"]]
                for n, said in enumerate(draw(pool["statements"], n_statements)):
                    statements.append((next_id["statements"], guild, f"statement-{n}",
                                       rng.choice(official_ids), said["kind"], said["text"],
                                       source_id))
                    next_id["statements"] += 1
            await db.executemany(
                "INSERT INTO cities (id, guild_id, key, name, name_key, state, source_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", cities)
            await db.executemany(
                "INSERT INTO officials (id, guild_id, key, name, name_key, role, city_id,"
                " source_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", officials)
            await db.executemany(
                "INSERT INTO aliases (city_id, alias, alias_key) VALUES (?, ?, ?)",
                city_aliases)
            await db.executemany(
                "INSERT INTO aliases (official_id, alias, alias_key) VALUES (?, ?, ?)",
                official_aliases)
            await db.executemany(
                "INSERT INTO statements (id, guild_id, key, official_id, kind, text, source_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", statements)
        counts = {"cities": len(cities), "officials": len(officials),
                  "statements": len(statements),
                  "aliases": len(city_aliases) + len(official_aliases),
                  "changes": int(await store._scalar("SELECT count(*) FROM changes"))}
        counts["file_mb"] = round(int(await store._scalar(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")) / 1e6)
    finally:
        await store.close()
    return counts


async def child_memory(db: Path | str, shards: str) -> None:
    """Start a core for one partition; report start-up time, RSS, peak RSS, index sizes."""
    from bot.core.bootstrap import start_core
    from bot.core.partition import Partition

    if shards == "all":
        partition = Partition()
    else:
        count, ids = shards.split(":")
        partition = Partition.of(int(count), [int(i) for i in ids.split(",")])
    before = _status_kb("VmRSS")
    t0 = time.perf_counter()
    core = await start_core(db, partition=partition)
    started = time.perf_counter() - t0
    rss, hwm = _status_kb("VmRSS"), _status_kb("VmHWM")
    sizes = {kind: len(index) for kind, index in core.lookup.catalog.indexes.items()}
    await core.close()
    _report({"partition": partition.describe(), "startup": started, "rss_before_kb": before,
             "rss_kb": rss, "hwm_kb": hwm, "sizes": sizes})


# ---- the report ------------------------------------------------------------------------------


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in
                     enumerate(zip(headers, widths, strict=True)))
    out = [line, "-" * len(line)]
    for row in rows:
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                             enumerate(zip(row, widths, strict=True))))
    return "\n".join(out)


def _machine() -> str:
    import sqlite3

    import rapidfuzz
    model = "?"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as info:
            model = next((ln.split(":", 1)[1].strip() for ln in info
                          if ln.startswith("model name")), "?")
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({model}), nproc {len(os.sched_getaffinity(0))}, "
            f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, "
            f"rapidfuzz {rapidfuzz.__version__}, load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


async def run(args: argparse.Namespace) -> None:
    parts = [p for p in PARTS if p not in args.skip]
    print(f"bench_feed: {_machine()}")
    print(f"feed poll: every {_feed_poll() * 1e3:.0f} ms\n")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="citybot-bench-feed-", dir=args.tmp) as tmp:
        folder = Path(tmp)
        if "lag" in parts:
            with _phase("lag"):
                lag = await measure_lag(folder / "lag.db", args.writes, args.rate, args.poll_ms,
                                        args.seed)
            print(f"1. Lag from commit (add() returned) to findable in another process "
                  f"({lag['seen']}/{lag['writes']} statements at {lag['rate']:.1f}/s, "
                  f"follower polls its index every {args.poll_ms:g} ms):")
            print(_table(["", "min", "median", "p95", "p99", "max"],
                         [["lag, ms", *(f"{lag[k]:.1f}" for k in
                                        ("min", "median", "p95", "p99", "max"))]]))
            print(f"   writer's add() median {lag['add_median']:.1f} ms (the commit is inside "
                  f"it); follower: {lag['summary']}\n")
        if "idle" in parts:
            with _phase("idle"):
                idle = await measure_idle(folder, args.idle_seconds)
            rows = []
            labels = {"follow": "start_core + follow()", "core": "start_core, no follow",
                      "sleep": "bare process, sleeps"}
            base = next(r for r in idle if r["mode"] == "sleep")
            for r in idle:
                pct = 100 * r["cpu"] / r["wall"]
                extra = 100 * (r["cpu"] - base["cpu"]) / r["wall"]
                per_poll = (f"{1e6 * (r['cpu'] - base['cpu']) / r['polls']:.0f}"
                            if r["polls"] else "")
                rows.append([labels[r["mode"]], f"{r['wall']:.1f}", f"{r['cpu']:.3f}",
                             f"{pct:.3f}", f"{extra:+.3f}",
                             f"{r['polls'] / r['wall']:.1f}" if r["polls"] else "", per_poll])
            print(f"2. Idle CPU, three processes at once, no writes, {args.idle_seconds:g} s:")
            print(_table(["process", "wall s", "CPU s", "% of a core", "vs bare", "polls/s",
                          "µs CPU/poll"], rows))
            print()
        if "memory" in parts:
            db = folder / "servers.db"
            with _phase(f"building {args.servers:,} servers × {args.per_server}"):
                t0 = time.perf_counter()
                built = await build_servers(db, args.servers, args.per_server, args.seed)
                build_s = time.perf_counter() - t0
            print(f"3. Memory per shard: {args.servers:,} servers × {args.per_server} entries "
                  f"+ the article ({built['cities']:,} cities, {built['officials']:,} "
                  f"officials, {built['statements']:,} statements, {built['aliases']:,} "
                  f"aliases; {built['changes']:,} change rows; {built['file_mb']} MB file, "
                  f"built in {build_s:.1f} s):")
            results = []
            for shards in ("all", "4:0"):
                with _phase(f"start_core {shards}"):
                    results.append(_run_child("memory", "--db", str(db), "--shards", shards))
            rows = [[r["partition"], f"{r['startup']:.2f}", f"{r['rss_kb'] / 1024:.0f}",
                     f"{r['hwm_kb'] / 1024:.0f}", f"{r['rss_before_kb'] / 1024:.0f}",
                     *(f"{r['sizes'][k]:,}" for k in ("city", "official", "statement"))]
                    for r in results]
            every, one = results
            rows.append(["ratio 1 of 4 / all", f"{one['startup'] / every['startup']:.2f}",
                         f"{one['rss_kb'] / every['rss_kb']:.2f}",
                         f"{one['hwm_kb'] / every['hwm_kb']:.2f}", "",
                         *(f"{one['sizes'][k] / every['sizes'][k]:.2f}"
                           for k in ("city", "official", "statement"))])
            print(_table(["partition", "start-up s", "RSS MB", "peak MB", "RSS before MB",
                          "cities", "officials", "statements"], rows))
            print("   (RSS before: the process after its imports, before start_core)\n")
    print(f"total {time.perf_counter() - began:.0f} s")


def _feed_poll() -> float:
    from bot.core.feed import POLL_SECONDS
    return POLL_SECONDS


class _Help(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """The docstring as written, and each option's default."""


def add_lag_options(parser: argparse.ArgumentParser) -> None:
    """The lag measurement's pace: --rate and --poll-ms."""
    parser.add_argument("--rate", type=float, default=20.0, help="writes per second")
    parser.add_argument("--poll-ms", type=float, default=2.0,
                        help="how often the follower looks in its index (ms)")


def parse_skip(parser: argparse.ArgumentParser, text: str, parts: tuple[str, ...]) -> set[str]:
    """--skip's comma-separated names, each one of `parts`."""
    skip = {name.strip() for name in text.split(",") if name.strip()}
    if skip - set(parts):
        parser.error(f"unknown parts: {', '.join(sorted(skip - set(parts)))}")
    return skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=_Help)
    parser.add_argument("--quick", action="store_true",
                        help="a run under a minute: 60 writes, 5 s idle, 1,000 servers × 20")
    parser.add_argument("--writes", type=int, default=200, help="statements the writer adds")
    add_lag_options(parser)
    parser.add_argument("--idle-seconds", type=float, default=20.0,
                        help="the idle processes' measuring window")
    parser.add_argument("--servers", type=int, default=10_000, help="servers in the corpus")
    parser.add_argument("--per-server", type=int, default=50, help="entries per server")
    parser.add_argument("--skip", default="", help=f"comma-separated parts to skip, of: "
                        f"{', '.join(PARTS)}")
    parser.add_argument("--seed", type=int, default=20161117, help="for texts and corpus")
    parser.add_argument("--tmp", type=Path, default=None,
                        help="folder for the temporary databases (none: the system's)")
    # A child process's role, and what it needs (the parent passes them).
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=location, help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--shards", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child == "follower":
        asyncio.run(child_follower(args.db, args.writes, args.seed, args.poll_ms))
        return
    if args.child == "idle":
        asyncio.run(child_idle(args.db, args.mode, args.seconds))
        return
    if args.child == "memory":
        asyncio.run(child_memory(args.db, args.shards))
        return
    if args.child:
        parser.error(f"unknown child role {args.child}")

    args.skip = parse_skip(parser, args.skip, PARTS)
    if args.quick:
        args.writes, args.idle_seconds = min(args.writes, 60), min(args.idle_seconds, 5.0)
        args.servers, args.per_server = min(args.servers, 1000), min(args.per_server, 20)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
