"""Benchmark: the project's matcher against the naive full scan, from 1k to 1M entries.

    python bench/bench_matching.py                      # seed, 1k, 10k, 100k
    python bench/bench_matching.py --sizes 1000 --commands
    python bench/bench_matching.py --million --write    # adds 1M; writes bench/RESULTS.md
    python bench/bench_matching.py --sizes seed --servers 1000,10000   # many small servers

Needs only `pip install -e '.[bench]'` (no test extras); with it, the peers of
`bench/peers.py` (symspellpy + SQLite FTS5, tantivy) run beside ours in one process,
interleaved (`--no-peers` skips them; a peer not installed is named and skipped).

Each size is a real SQLite file written through the project's store (`Store.insert_dataset`
of a synthetic dataset from `bench/corpus.py`, after the bundled article), cached in
--cache-dir. Each size is measured in a fresh subprocess, so start-up time and peak RSS are
that size's alone: open the store + `Lookup.start` (which is `Catalog.load`), then every
labelled query through `Lookup.hits` (ours) and `process.extractOne` over every normalised
string (naive; WRatio, and partial_ratio for fragments, which is the naive way's best scorer
there), autocomplete through `Lookup.complete`, and in-place updates through the catalog.
--commands also measures whole commands through the core (`Lookup.run`) per second.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import rapidfuzz  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from bench.corpus import SEED, Query, build_corpus  # noqa: E402
from bench.peers import build_peers  # noqa: E402
from bot.core.bootstrap import building_index  # noqa: E402
from bot.core.catalog import Catalog  # noqa: E402
from bot.core.dataset import parse_dataset  # noqa: E402
from bot.core.matching import EntryRef  # noqa: E402
from bot.core.models import Official, Statement  # noqa: E402
from bot.core.seed import ensure_seeded  # noqa: E402
from bot.core.service import Lookup  # noqa: E402
from bot.core.store import Store  # noqa: E402
from bot.core.text import normalize, normalize_query  # noqa: E402
from tests.core.matching_cases import CASES, DIRECT  # noqa: E402 (plain data, no pytest)

NAME_CATEGORIES = ("name-typo", "name-partial", "alias")
FRAGMENT_CATEGORIES = ("fragment", "fragment-typo")
ARTICLE = "article: "  # the categories of tests/core/matching_cases.py
SPEAKERS = frozenset(p["key"] for p in json.loads(
    (ROOT / "data" / "article.json").read_text(encoding="utf-8"))["people"])


# ---- helpers ------------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _ms(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "median": float("nan"), "p99": float("nan"), "mean": float("nan")}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"n": len(values), "median": statistics.median(ordered) * 1e3, "p99": p99 * 1e3,
            "mean": statistics.fmean(ordered) * 1e3, "max": ordered[-1] * 1e3}


def _paths(cache: Path, size: int) -> tuple[Path, Path]:
    name = "seed" if size == 0 else str(size)
    return cache / f"bench-{name}-{SEED}.db", cache / f"bench-{name}-{SEED}.queries.json"


# ---- building a size ----------------------------------------------------------------------


async def build(size: int, cache: Path, queries: int) -> None:
    db_path, query_path = _paths(cache, size)
    if db_path.exists() and query_path.exists():
        return
    for stale in (db_path, query_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    store = await Store.open(db_path)
    try:
        await ensure_seeded(store)
        query_list: list[Query] = []  # at seed size, only the article's table
        if size:
            corpus = build_corpus(size, queries=queries)
            await store.insert_dataset(parse_dataset(corpus.raw))
            query_list = corpus.queries
    finally:
        await store.close()
    query_path.write_text(json.dumps([{**asdict(q), "answers": sorted(q.answers)}
                                      for q in query_list]))
    print(f"  built {db_path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def article_queries() -> list[Query]:
    """The direct cases of the labelled table over the bundled article (which every size's
    database holds too), one category per kind of slip: measured among the crowd."""
    queries = []
    for case in CASES:
        if case.expect != DIRECT or case.command == "search":
            continue
        kind = case.command
        if kind == "quote":  # the words of a statement, or a speaker's name
            kind = "official" if case.answers[0] in SPEAKERS else "statement"
        queries.append(Query(f"{ARTICLE}{case.slip}", kind, case.query, frozenset(case.answers)))
    return queries


# ---- measuring a size (in its own process) ------------------------------------------------


def _keys_of(db_path: Path, refs: list[EntryRef | None]) -> list[str | None]:
    table = {"city": "cities", "official": "officials", "statement": "statements"}
    con = sqlite3.connect(db_path)
    keys: list[str | None] = []
    for ref in refs:
        if ref is None:
            keys.append(None)
            continue
        row = con.execute(f"SELECT key FROM {table[ref.kind]} WHERE id = ?", (ref.id,)).fetchone()
        keys.append(row[0] if row else None)
    con.close()
    return keys


def _naive_choices(db_path: Path) -> dict[str, tuple[list[str], list[EntryRef]]]:
    """Every normalised name, alias and statement text, as a full scan would see them."""
    con = sqlite3.connect(db_path)
    out: dict[str, tuple[list[str], list[EntryRef]]] = {}
    for kind, table, column in (("city", "cities", "city_id"),
                                ("official", "officials", "official_id")):
        rows = con.execute(f"SELECT id, name FROM {table} WHERE deleted_at IS NULL").fetchall()
        rows += con.execute(f"SELECT {column}, alias FROM aliases WHERE {column} IS NOT NULL"
                            ).fetchall()
        out[kind] = ([normalize(text) for _, text in rows],
                     [EntryRef(kind, i) for i, _ in rows])  # type: ignore[arg-type]
    rows = con.execute("SELECT id, text FROM statements WHERE deleted_at IS NULL").fetchall()
    out["statement"] = ([normalize(t) for _, t in rows],
                        [EntryRef("statement", i) for i, _ in rows])
    con.close()
    return out


def _prefixes(text: str) -> list[str]:
    """What autocomplete sees while someone types `text`."""
    cuts = sorted({min(len(text), n) for n in (2, 4, 7, 11)} | {len(text)})
    return [text[:n] for n in cuts]


async def measure(size: int, cache: Path, naive_limit: int, commands: bool,
                  peers: bool = True) -> dict[str, Any]:
    db_path, query_path = _paths(cache, size)
    synthetic = [Query(q["category"], q["kind"], q["text"], frozenset(q["answers"]))
                 for q in json.loads(query_path.read_text())]
    queries = synthetic + article_queries()
    typed = synthetic or queries  # what autocomplete and the updates are timed with
    gc.collect()
    result: dict[str, Any] = {"size": size}

    started = time.perf_counter()
    store = await Store.open(db_path)
    with building_index():  # as `start_core` builds it (no cycle collection, then a trim)
        lookup = await Lookup.start(store)
    result["startup_s"] = time.perf_counter() - started
    result["rss_ready_mb"] = _status_kb("VmRSS") / 1024
    indexes = lookup.catalog.indexes
    result["entries"] = {kind: len(index) for kind, index in indexes.items()}

    # -- ours: every labelled query, timed one by one --------------------------------------
    for q in queries[:20]:
        lookup.hits(q.kind, q.text, None)  # type: ignore[arg-type]
    ours_times: dict[str, list[float]] = {}
    ours_top: list[EntryRef | None] = []
    clock = time.perf_counter
    for q in queries:
        t0 = clock()
        hits = lookup.hits(q.kind, q.text, None)  # type: ignore[arg-type]
        ours_times.setdefault(q.category, []).append(clock() - t0)
        ours_top.append(hits[0].ref if hits else None)

    # -- autocomplete: prefixes of every query as it is typed ------------------------------
    complete_times: list[float] = []
    empty_times: list[float] = []
    for q in typed:
        kind = None if q.kind == "statement" else q.kind
        for prefix in _prefixes(q.text):
            t0 = clock()
            lookup.complete(kind, prefix, None)  # type: ignore[arg-type]
            complete_times.append(clock() - t0)
    empty_first = 0.0  # the first empty box of a kind sorts its labels once
    for kind in ("city", "official", None):
        for n in range(6):
            t0 = clock()
            lookup.complete(kind, "", None)  # type: ignore[arg-type]
            if n:
                empty_times.append(clock() - t0)
            else:
                empty_first = max(empty_first, clock() - t0)
    t0 = clock()
    answered = 0
    while clock() - t0 < 2.0:
        for q in typed[answered % len(typed) :][:50] or typed[:50]:
            lookup.complete(None if q.kind == "statement" else q.kind,  # type: ignore[arg-type]
                            q.text[: 3 + answered % 9], None)
            answered += 1
    result["complete_per_s"] = answered / (clock() - t0)
    result["complete"] = _ms(complete_times)
    result["complete_empty"] = _ms(empty_times)
    result["complete_empty_first_ms"] = empty_first * 1e3

    result["rss_peak_mb"] = _status_kb("VmHWM") / 1024  # before the naive scan's and peers'
    naive = _naive_choices(db_path)
    if peers:  # before the updates below, so ours answers from the index as loaded
        result["peers"] = _measure_peers(lookup, db_path, naive, queries)

    # -- in-place updates through the catalog ----------------------------------------------
    result["updates"] = _measure_updates(lookup.catalog, typed)

    # -- commands through the core ---------------------------------------------------------
    if commands:
        result["commands"] = await _measure_commands(lookup, typed)

    # -- accuracy and the naive full scan --------------------------------------------------
    ours_keys = _keys_of(db_path, ours_top)
    ours_right = [key in q.answers for key, q in zip(ours_keys, queries, strict=True)]
    await store.close()
    counts: dict[str, int] = {}
    naive_rows: list[dict[str, Any]] = []
    for i, q in enumerate(queries):
        counts[q.category] = counts.get(q.category, 0) + 1
        if naive_limit and counts[q.category] > naive_limit:
            continue
        texts, refs = naive[q.kind]
        norm = normalize_query(q.text)
        row: dict[str, Any] = {"i": i}
        scorers = [("wratio", fuzz.WRatio)]
        if q.kind == "statement":
            scorers.append(("partial", fuzz.partial_ratio))
        for name, scorer in scorers:
            t0 = clock()
            best = process.extractOne(norm, texts, scorer=scorer, processor=None)
            row[f"{name}_s"] = clock() - t0
            row[f"{name}_ref"] = refs[best[2]] if best else None
        naive_rows.append(row)
    for name in ("wratio", "partial"):
        with_ref = [r for r in naive_rows if f"{name}_ref" in r]
        keys = _keys_of(db_path, [r[f"{name}_ref"] for r in with_ref])
        for r, key in zip(with_ref, keys, strict=True):
            r[f"{name}_right"] = key in queries[r["i"]].answers
    for r in naive_rows:  # the naive way's best scorer: partial_ratio for fragments
        r["naive_right"] = r.get("partial_right", r.get("wratio_right"))

    slips = tuple(dict.fromkeys(q.category for q in queries if q.category.startswith(ARTICLE)))
    groups = {"names": NAME_CATEGORIES, "fragments": FRAGMENT_CATEGORIES, "article": slips}
    groups.update({c: (c,) for c in (*NAME_CATEGORIES, *FRAGMENT_CATEGORIES, *slips)})
    rows = {}
    for group, categories in groups.items():
        idx = [i for i, q in enumerate(queries) if q.category in categories]
        if not idx:
            continue
        naive_idx = {r["i"] for r in naive_rows if queries[r["i"]].category in categories}
        entry: dict[str, Any] = {
            "ours": _ms([t for c in categories for t in ours_times.get(c, [])]),
            "ours_acc": sum(ours_right[i] for i in idx) / len(idx),
            "ours_acc_on_naive_subset": (sum(ours_right[i] for i in naive_idx) / len(naive_idx)
                                         if naive_idx else float("nan")),
        }
        for name in ("wratio", "partial"):
            sub = [r for r in naive_rows if r["i"] in naive_idx and f"{name}_s" in r]
            if sub:
                entry[name] = _ms([r[f"{name}_s"] for r in sub])
                entry[f"{name}_acc"] = sum(r[f"{name}_right"] for r in sub) / len(sub)
        sub = [r for r in naive_rows if r["i"] in naive_idx]
        if sub:
            entry["naive_acc"] = sum(r["naive_right"] for r in sub) / len(sub)
            entry["naive_n"] = len(sub)
        rows[group] = entry
    result["rows"] = rows
    result["misses"] = [
        (q.category, q.text, key) for q, key, right in zip(queries, ours_keys, ours_right,
                                                           strict=True) if not right
    ][:40]
    return result


PEER_GROUPS = {"names": NAME_CATEGORIES, "fragments": FRAGMENT_CATEGORIES,
               **{c: (c,) for c in (*NAME_CATEGORIES, *FRAGMENT_CATEGORIES)}}


def _measure_peers(lookup: Lookup, db_path: Path,
                   naive: dict[str, tuple[list[str], list[EntryRef]]],
                   queries: list[Query]) -> dict[str, Any]:
    """Ours and each installed peer on the same queries, in one process, interleaved (the
    order turned with every query), so they see the same machine."""
    rss0, t0 = _status_kb("VmRSS"), time.perf_counter()
    peers, notes = build_peers({kind: texts for kind, (texts, _) in naive.items()})
    out: dict[str, Any] = {"notes": notes, "build_s": time.perf_counter() - t0,
                           "build_mb": (_status_kb("VmRSS") - rss0) / 1024, "rows": {}}
    synthetic = [q for q in queries if not q.category.startswith(ARTICLE)] or queries
    names = ["ours", *(peer.name for peer in peers)]
    times: dict[str, dict[str, list[float]]] = {n: {} for n in names}
    tops: dict[str, list[EntryRef | None]] = {n: [] for n in names}
    clock = time.perf_counter

    def ours(kind: str, text: str) -> EntryRef | None:
        hits = lookup.hits(kind, text, None)  # type: ignore[arg-type]
        return hits[0].ref if hits else None

    def peer_top(peer: Any) -> Any:
        def top(kind: str, text: str) -> EntryRef | None:
            found = peer.top(kind, normalize_query(text))
            return None if found is None else naive[kind][1][found]
        return top

    engines = [("ours", ours), *((peer.name, peer_top(peer)) for peer in peers)]
    for i, q in enumerate(synthetic):
        turn = i % len(engines)
        for name, engine in engines[turn:] + engines[:turn]:
            t0 = clock()
            ref = engine(q.kind, q.text)
            times[name].setdefault(q.category, []).append(clock() - t0)
            tops[name].append(ref)
    right = {n: [k in q.answers for k, q in zip(_keys_of(db_path, tops[n]), synthetic,
                                               strict=True)] for n in names}
    for group, categories in PEER_GROUPS.items():
        idx = [i for i, q in enumerate(synthetic) if q.category in categories]
        if not idx:
            continue
        out["rows"][group] = {n: {**_ms([t for c in categories for t in times[n].get(c, [])]),
                                  "acc": sum(right[n][i] for i in idx) / len(idx)}
                              for n in names}
    return out


SERVER_OFFSET = 1_000  # the servers' entry ids: after the article's, dense as row ids are
PER_SERVER = {"city": 10, "official": 45, "statement": 45}


def _server_rows(servers: int) -> tuple[dict[str, list[tuple]], dict[str, list[tuple]]]:
    """`servers` servers (guilds 1..N) of 100 entries each (10 cities, 45 officials, 45
    statements) as the slim rows `Catalog.apply` takes. Statements are the corpus's own;
    names and cities come round again past the corpus's 100,000 officials and 10,000
    cities (another server's "Rahm Emanuel" is a separate entry), as in a real deployment."""
    raw = build_corpus(servers * PER_SERVER["statement"], queries=6).raw
    rows: dict[str, list[tuple]] = {"city": [], "official": [], "statement": []}
    described: dict[str, list[tuple]] = {"city": [], "statement": []}
    for kind, field in (("city", "cities"), ("official", "people")):
        pool, each = raw[field], PER_SERVER[kind]
        for n in range(servers * each):
            row, id_, guild = pool[n % len(pool)], SERVER_OFFSET + n, 1 + n // each
            rows[kind] += [(id_, guild, row["name"], a) for a in row["aliases"] or [None]]
            if kind == "city":
                described["city"].append((id_, guild, f"{row['name']} keeps its policy", None))
    names = {row["key"]: row["name"] for row in raw["people"]}
    each = PER_SERVER["statement"]
    for n, row in enumerate(raw["statements"]):
        id_, guild = SERVER_OFFSET + n, 1 + n // each
        rows["statement"].append((id_, guild, names[row["speaker"]], row["text"]))
        described["statement"].append((id_, guild, row["where"], row["when"]))
    return rows, described


def _server_queries(rows: dict[str, list[tuple]], guild: int) -> list[tuple[str, str]]:
    """Lookups of one server's own entries: its names with a typo, fragments of its quotes."""
    import random
    rng = random.Random(SEED)
    from bench.corpus import typo
    out: list[tuple[str, str]] = []
    for kind in ("city", "official"):
        out += [(kind, typo(rng, r[2], 1)) for r in rows[kind] if r[1] == guild and r[3] is None]
    for r in rows["statement"]:
        if r[1] == guild:
            words = r[3].split()
            at = rng.randrange(max(1, len(words) - 3))
            out.append(("statement", " ".join(words[at : at + 3])))
    return out


def _entries(rows: dict[str, list[tuple]], guild: int | None = None) -> int:
    """Entries among the rows (a name's aliases are rows of one entry), of one guild's or all."""
    return sum(len({r[0] for r in kind_rows if guild is None or r[1] == guild})
               for kind_rows in rows.values())


async def measure_servers(servers: int, cache: Path) -> dict[str, Any]:
    """The article plus `servers` servers of 100 entries: what each server adds to start-up
    and memory, and a lookup in one server beside the same lookup with that server alone."""
    db_path, _ = _paths(cache, 0)
    rows, described = _server_rows(servers)
    lookups = {}
    out: dict[str, Any] = {"servers": servers, "entries": _entries(rows),
                           "one_entries": _entries(rows, guild=1)}
    for label, keep in (("one", {1}), ("all", None)):
        gc.collect()
        store = await Store.open(db_path)
        lookup = await Lookup.start(store)  # the article
        await store.close()
        picked = {kind: ([r for r in rows[kind] if keep is None or r[1] in keep],
                         [r for r in described.get(kind, []) if keep is None or r[1] in keep])
                  for kind in ("city", "official", "statement")}
        gc.collect()
        # RSS alone undercounts: the corpus's freed garbage is reused by the build. The
        # bytes the build leaves allocated (tracemalloc, on for both builds) do not.
        tracemalloc.start()
        rss0, t0 = _status_kb("VmRSS"), time.perf_counter()
        for kind, (mine, told) in picked.items():
            lookup.catalog.apply(kind, (), mine, told)  # type: ignore[arg-type]
        for index in lookup.catalog.all_indexes():
            index.warm()
        del picked, mine, told
        gc.collect()
        out[label] = {"build_s": time.perf_counter() - t0,
                      "kb": (_status_kb("VmRSS") - rss0),
                      "traced_kb": tracemalloc.get_traced_memory()[0] / 1024}
        tracemalloc.stop()
        lookups[label] = lookup
    queries = _server_queries(rows, 1)
    times: dict[str, list[float]] = {"one": [], "all": []}
    clock = time.perf_counter
    for round_ in range(5):
        for i, (kind, text) in enumerate(queries):
            for label in (("one", "all") if (i + round_) % 2 == 0 else ("all", "one")):
                t0 = clock()
                lookups[label].hits(kind, text, 1)  # type: ignore[arg-type]
                times[label].append(clock() - t0)
    out["lookup"] = {label: _ms(ts) for label, ts in times.items()}
    return out


def report_servers(r: dict[str, Any]) -> str:
    n, one, every, look = r["servers"], r["one"], r["all"], r["lookup"]
    return "\n".join([
        f"Many servers: the article + {n:,} servers of ~{r['entries'] / n:.0f} entries "
        f"({r['entries']:,} in all), put through "
        "`Catalog.apply` from slim rows (the rows' own strings, read "
        "from the store at start-up, are not in the RSS added); a lookup in server 1 (its "
        "names with a typo, 3-word fragments of its statements) beside the same lookup in a "
        "process holding server 1 alone, interleaved:", "",
        "| | server 1 alone | all servers | all / alone |", "| --- | ---: | ---: | ---: |",
        f"| lookup median ms | {_f(look['one']['median'], 3)} | {_f(look['all']['median'], 3)} "
        f"| {look['all']['median'] / look['one']['median']:.2f}× |",
        f"| lookup p99 ms | {_f(look['one']['p99'], 3)} | {_f(look['all']['p99'], 3)} | "
        f"{look['all']['p99'] / look['one']['p99']:.2f}× |",
        f"| build ms per server (tracemalloc on) | {one['build_s'] * 1e3:.2f} | "
        f"{every['build_s'] / n * 1e3:.2f} "
        f"| {every['build_s'] / n / max(one['build_s'], 1e-9):.2f}× |",
        f"| RSS added, KB per server | — | {every['kb'] / n:,.1f} | |",
        f"| allocated by the build (tracemalloc), KB per server | — | "
        f"{every['traced_kb'] / n:,.1f} | |",
        f"| allocated, bytes per entry held | {one['traced_kb'] * 1024 / r['one_entries']:,.0f} "
        f"| {every['traced_kb'] * 1024 / r['entries']:,.0f} | "
        f"{every['traced_kb'] / r['entries'] / (one['traced_kb'] / r['one_entries']):.2f}× |",
    ])


def report_growth(runs: list[dict[str, Any]]) -> str:
    """How memory, build time and a lookup in server 1 grow from the fewest servers to the
    most, beside how the entries held grow: linear growth shows as equal ratios."""
    a, b = runs[0], runs[-1]
    return "\n".join([
        f"From {a['servers']:,} to {b['servers']:,} servers, each run in its own process:", "",
        "| | ratio |", "| --- | ---: |",
        f"| entries held | {b['entries'] / a['entries']:.2f}× |",
        f"| RSS added | {b['all']['kb'] / a['all']['kb']:.2f}× |",
        f"| allocated by the build (tracemalloc) | "
        f"{b['all']['traced_kb'] / a['all']['traced_kb']:.2f}× |",
        f"| build time | {b['all']['build_s'] / a['all']['build_s']:.2f}× |",
        f"| lookup in server 1, median (all servers / server 1 alone, each run) | "
        f"{a['lookup']['all']['median'] / a['lookup']['one']['median']:.2f}×, "
        f"{b['lookup']['all']['median'] / b['lookup']['one']['median']:.2f}× |",
    ])


def _measure_updates(catalog: Catalog, queries: list[Query]) -> dict[str, Any]:
    """Add, edit and remove entries in place; each must show in the very next search."""
    index = catalog.indexes["statement"]
    names = catalog.indexes["official"]
    texts = [q.text for q in queries if q.kind == "statement"] or ["some words said"]
    base = 10_000_000
    add, edit, remove, add_name = [], [], [], []
    wrong = 0
    clock = time.perf_counter
    for i in range(300):
        words = f"benchmark marker {i} qualmfrobnitz {texts[i % len(texts)]}"
        st = _statement(base + i, words)
        t0 = clock()
        catalog.put_statement(st)
        add.append(clock() - t0)
        t0 = clock()
        catalog.put_statement(_statement(base + i, f"edited zorblax {i} {words}"))
        edit.append(clock() - t0)
        t0 = clock()
        catalog.put_official(_official(base + i, f"Quentin Zorbalax{i}"))
        add_name.append(clock() - t0)
        if i % 50 == 0:
            found = index.search(f"edited zorblax {i} benchmark", limit=3)
            wrong += not found or found[0].ref != st.ref
            gone = names.search(f"Quentin Zorbalax{i}", limit=1)
            wrong += not gone or gone[0].ref != EntryRef("official", base + i)
    for i in range(300):
        t0 = clock()
        catalog.remove(EntryRef("statement", base + i))
        remove.append(clock() - t0)
        catalog.remove(EntryRef("official", base + i))
        if i % 50 == 0:
            wrong += any(h.ref.id >= base for h in index.search(f"edited zorblax {i}"))
    compact_s = None
    if hasattr(index, "compact"):
        t0 = clock()
        index.compact()
        compact_s = clock() - t0
    return {"add": _ms(add), "edit": _ms(edit), "remove": _ms(remove),
            "add_name": _ms(add_name), "wrong": wrong, "compact_s": compact_s}


def _statement(id_: int, text: str) -> Statement:
    return Statement(id=id_, guild_id=0, key=f"bench-{id_}", official_id=1, speaker="Bench",
                     city_id=None, city_name=None, kind="quote", text=text, said_where="",
                     said_when="", said_on=None, source_id=None, source_url=None, version=1,
                     created_at="2016-11-17T00:00:00Z")


def _official(id_: int, name: str) -> Official:
    return Official(id=id_, guild_id=0, key=f"bench-{id_}", name=name, role="", city_id=None,
                    city_name=None, aliases=(), source_id=None, version=1)


async def _measure_commands(lookup: Lookup, queries: list[Query]) -> dict[str, float]:
    names = [q for q in queries if q.kind != "statement"]
    fragments = [q for q in queries if q.kind == "statement"]
    plans = {
        "city/official": [(q.kind, q.text) for q in names],
        "quote (fragment)": [("quote", q.text) for q in fragments],
        "quote (speaker)": [("quote", q.text) for q in names if q.kind == "official"],
        "search": [("search", q.text) for q in queries],
    }
    out: dict[str, float] = {}
    clock = time.perf_counter
    for label, plan in plans.items():
        done = 0
        t0 = clock()
        while clock() - t0 < 3.0:
            name, text = plan[done % len(plan)]
            await lookup.run(name, text, None)
            done += 1
        out[label] = done / (clock() - t0)
    done = 0
    t0 = clock()
    while clock() - t0 < 2.0:
        q = queries[done % len(queries)]
        lookup.complete(None if q.kind == "statement" else q.kind,  # type: ignore[arg-type]
                        q.text, None)
        done += 1
    out["complete"] = done / (clock() - t0)
    return out


# ---- the parent: one subprocess per size, then the table ----------------------------------


def machine() -> str:
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((line.split(":", 1)[1].strip() for line in out.splitlines()
                      if line.startswith("Model name")), "")
    except OSError:
        pass
    return (f"{os.cpu_count()} cores (nproc), {model or platform.processor()}, "
            f"Python {platform.python_version()}, rapidfuzz {rapidfuzz.__version__}, "
            f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}")


def _f(value: float | None, digits: int = 2) -> str:
    if value is None or value != value:
        return "—"
    return f"{value:,.{digits}f}"


def _slip_cell(row: dict[str, Any]) -> str:
    """Ours / naive for one kind of slip, and ours on the naive's queries if it read fewer."""
    cell = f"{_pct(row['ours_acc'])} / {_pct(row.get('naive_acc'))}"
    naive_n = row.get("naive_n", row["ours"]["n"])
    if naive_n < row["ours"]["n"]:
        cell += f" ({_pct(row['ours_acc_on_naive_subset'])} of {naive_n})"
    return cell


def report(results: list[dict[str, Any]]) -> str:
    lines = [f"Machine: {machine()}", ""]
    lines += [
        "Lookups (ms; ours = `Lookup.hits`, naive = `process.extractOne` over every normalised "
        "string; accuracy = top-1 right; naive/ours = ratio of medians):",
        "",
        "| size | queries | ours median | ours p99 | ours acc | naive WRatio median | p99 "
        "| acc | naive partial_ratio median | acc | ours acc, same queries | naive/ours |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        for group in ("names", "name-typo", "name-partial", "alias", "fragments", "fragment",
                      "fragment-typo"):
            row = r["rows"].get(group)
            if not row:
                continue
            naive = row.get("partial") if group.startswith("fragment") else row.get("wratio")
            ratio = naive["median"] / row["ours"]["median"] if naive else None
            lines.append(
                f"| {_size(r)} | {group} ({row['ours']['n']}) | {_f(row['ours']['median'])} | "
                f"{_f(row['ours']['p99'])} | {_pct(row['ours_acc'])} | "
                f"{_f(row.get('wratio', {}).get('median'), 1)} | "
                f"{_f(row.get('wratio', {}).get('p99'), 1)} | {_pct(row.get('wratio_acc'))} | "
                f"{_f(row.get('partial', {}).get('median'), 1)} | {_pct(row.get('partial_acc'))} "
                f"| {_pct(row['ours_acc_on_naive_subset'])} | {_f(ratio, 0)}× |"
            )
    slips = list(dict.fromkeys(g for r in results for g in r["rows"] if g.startswith(ARTICLE)))
    if slips:
        lines += [
            "",
            "The article's labelled table (tests/core/matching_cases.py, direct cases) among "
            "each size's entries, top-1 right by kind of slip: ours / the naive scan (WRatio "
            "for names, partial_ratio for fragments); where the naive scan read only some "
            "of a kind's queries, ours on those same queries follows in brackets:",
            "",
            "| kind of slip | " + " | ".join(_size(r) for r in results) + " |",
            "| --- |" + " ---: |" * len(results),
        ]
        for group in ["article", *slips]:
            cells = []
            for r in results:
                row = r["rows"].get(group)
                cells.append("—" if not row else _slip_cell(row))
            name = "all" if group == "article" else group.removeprefix(ARTICLE)
            count = next((r["rows"][group]["ours"]["n"] for r in results if group in r["rows"]),
                         0)
            lines.append(f"| {name} ({count}) | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Autocomplete, updates, start-up, memory (ms unless stated):",
        "",
        "| size | entries (city/official/statement) | autocomplete median | p99 | answers/s "
        "| empty-box median (first) | add | edit | remove (p99) | compaction | start-up s | "
        "RSS ready MB | peak RSS MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |",
    ]
    for r in results:
        e, u = r["entries"], r["updates"]
        lines.append(
            f"| {_size(r)} | {e['city']:,}/{e['official']:,}/{e['statement']:,} | "
            f"{_f(r['complete']['median'])} | {_f(r['complete']['p99'])} | "
            f"{r['complete_per_s']:,.0f} | {_f(r['complete_empty']['median'])} "
            f"({_f(r.get('complete_empty_first_ms'), 0)}) | "
            f"{_f(u['add']['median'], 3)} ({_f(u['add']['p99'], 2)}) | "
            f"{_f(u['edit']['median'], 3)} ({_f(u['edit']['p99'], 2)}) | "
            f"{_f(u['remove']['median'], 3)} ({_f(u['remove']['p99'], 2)}) | "
            f"{_f(u['compact_s'] and u['compact_s'] * 1e3, 0)} | {_f(r['startup_s'])} | "
            f"{r['rss_ready_mb']:,.0f} | {r['rss_peak_mb']:,.0f} |"
        )
    if any("peers" in r for r in results):
        lines += ["", "Peers beside ours on the same strings and queries, in one process, "
                  "interleaved (`bench/peers.py`); ratio = peer / ours (above 1: ours faster):",
                  "", "| size | queries | engine | median ms | p99 ms | top-1 | median ratio "
                  "| p99 ratio |", "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
        for r in results:
            peers = r.get("peers")
            if not peers:
                continue
            for note in peers["notes"]:
                lines.append(f"| {_size(r)} | — | {note} | | | | | |")
            for group, row in peers["rows"].items():
                mine = row["ours"]
                for name, m in row.items():
                    ratio = ("" if name == "ours" else
                             f"{m['median'] / mine['median']:.2f}× | {m['p99'] / mine['p99']:.2f}×")
                    lines.append(f"| {_size(r)} | {group} ({m['n']}) | {name} | "
                                 f"{_f(m['median'], 3)} | {_f(m['p99'], 2)} | {_pct(m['acc'])} | "
                                 f"{ratio or '— | —'} |")
            lines.append(f"| {_size(r)} | peers' index build | {peers['build_s']:.1f} s, "
                         f"+{peers['build_mb']:,.0f} MB RSS | | | | | |")
    if any("commands" in r for r in results):
        lines += ["", "Whole commands through the core (`Lookup.run`, one core), per second:", ""]
        keys = next(r["commands"] for r in results if "commands" in r).keys()
        lines.append("| size | " + " | ".join(keys) + " |")
        lines.append("| --- |" + " ---: |" * len(keys))
        for r in results:
            if "commands" in r:
                lines.append(f"| {_size(r)} | "
                             + " | ".join(f"{r['commands'][k]:,.0f}" for k in keys) + " |")
    return "\n".join(lines)


def _size(r: dict[str, Any]) -> str:
    return "seed" if r["size"] == 0 else f"{r['size']:,}"


def _pct(value: float | None) -> str:
    return "—" if value is None or value != value else f"{value * 100:.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="seed,1000,10000,100000",
                        help="comma-separated statement counts; 'seed' is the bundled article")
    parser.add_argument("--million", action="store_true", help="add 1,000,000 statements")
    parser.add_argument("--commands", action="store_true", help="measure whole commands too")
    parser.add_argument("--servers", default="",
                        help="also measure the article + N servers of 100 entries each; "
                             "several comma-separated counts add how each grows")
    parser.add_argument("--no-peers", action="store_true",
                        help="skip symspellpy/FTS5 and tantivy (bench/peers.py)")
    parser.add_argument("--queries", type=int, default=600, help="labelled queries per size")
    parser.add_argument("--naive-limit", type=int, default=40,
                        help="naive scans per query category above 10k (0: all)")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/citybot-bench"))
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS.md")
    parser.add_argument("--child", choices=("build", "measure", "servers"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [0 if s.strip() == "seed" else int(s) for s in args.sizes.split(",") if s.strip()]
    if args.million and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    args.cache_dir.mkdir(parents=True, exist_ok=True)

    if args.child:
        size = sizes[0]
        if args.child == "build":
            asyncio.run(build(size, args.cache_dir, args.queries))
        elif args.child == "servers":
            print(json.dumps(asyncio.run(measure_servers(int(args.servers), args.cache_dir))))
        else:
            limit = 0 if size <= 10_000 else (8 if size >= 1_000_000 else args.naive_limit)
            print(json.dumps(asyncio.run(measure(size, args.cache_dir, limit, args.commands,
                                                 not args.no_peers)), default=str))
        return

    results = []
    for size in sizes:
        common = [sys.executable, __file__, "--sizes", str(size), "--queries", str(args.queries),
                  "--cache-dir", str(args.cache_dir), "--naive-limit", str(args.naive_limit)]
        print(f"size {size or 'seed'}: building", file=sys.stderr)
        subprocess.run([*common, "--child", "build"], check=True)
        print(f"size {size or 'seed'}: measuring", file=sys.stderr)
        out = subprocess.run([*common, "--child", "measure",
                              *(["--commands"] if args.commands else []),
                              *(["--no-peers"] if args.no_peers else [])],
                             check=True, capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(json.dumps(results[-1]["misses"][:10]), file=sys.stderr)
    table = report(results)
    counts = [int(n) for n in args.servers.split(",") if n.strip()]
    if counts:
        common = [sys.executable, __file__, "--sizes", "seed", "--cache-dir", str(args.cache_dir)]
        subprocess.run([*common, "--child", "build"], check=True)
        measured = []
        for n in counts:
            print(f"{n:,} servers: measuring", file=sys.stderr)
            out = subprocess.run([*common, "--servers", str(n), "--child", "servers"],
                                 check=True, capture_output=True, text=True).stdout
            measured.append(json.loads(out.strip().splitlines()[-1]))
            table += "\n\n" + report_servers(measured[-1])
        if len(measured) > 1:
            table += "\n\n" + report_growth(measured)
    print(table)
    if args.write:
        (ROOT / "bench" / "RESULTS.md").write_text(
            "# Matching benchmark\n\nPrinted by `python bench/bench_matching.py "
            + " ".join(sys.argv[1:]) + "`.\n\n" + table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
