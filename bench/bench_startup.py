"""Start-up to ready (`start_core`): built from every entry, against read back from the index
snapshot, in fresh processes, alternated.

    python bench/bench_startup.py --db /tmp/citybot-bench/bench-100000-20161117.db --rounds 3

Each round starts one process that builds the index from the store (no snapshot) and one
that reads the snapshot (written once, before the rounds, by a first start), in alternating
order; each prints its wall seconds to ready and its RSS (VmRSS, and VmHWM: the peak). Also
timed once: `PRAGMA quick_check` over the file, which a file above
`opening.QUICK_CHECK_AT_OPEN_MOST` now runs after start instead of before. Uses a copy of the
database in a temporary folder, so the original is left as it was. Ratios compare within
this run: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


async def _one(db: Path, snapshot: str) -> dict[str, float | bool | int]:
    from bench.bench_matching import _status_kb
    from bot.core.bootstrap import start_core
    from bot.core.snapshot import entries_of
    from bot.core.store.location import Database

    started = time.perf_counter()
    core = await start_core(Database(db, index_snapshot=snapshot))
    ready = time.perf_counter() - started
    result = {"ready_s": ready, "rss_mb": _status_kb("VmRSS") / 1024,
              "peak_mb": _status_kb("VmHWM") / 1024, "restored": core.restored,
              "entries": entries_of(core.lookup.catalog)}
    started = time.perf_counter()
    await core.close()  # waits for a snapshot being written (the first start's)
    result["close_s"] = time.perf_counter() - started
    return result


def _run(db: Path, snapshot: str) -> dict[str, float | bool | int]:
    out = subprocess.run([sys.executable, __file__, "--child", str(db), "--snapshot", snapshot],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="a citybot database (bench_matching's cache)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--snapshot", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_one(args.child, args.snapshot))))
        return
    if args.db is None or not args.db.is_file():
        parser.error("--db must name a database file (run bench/bench_matching.py first)")
    print(f"machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
          f"Python {platform.python_version()}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="citybot-startup-") as folder:
        db = Path(folder) / args.db.name
        shutil.copyfile(args.db, db)
        snapshot = str(Path(folder) / "index")
        with sqlite3.connect(db) as check:
            started = time.perf_counter()
            check.execute("PRAGMA quick_check(1)").fetchone()
            quick_check = time.perf_counter() - started
        first = _run(db, snapshot)  # builds, then writes the snapshot (close waits for it)
        size = Path(snapshot).stat().st_size / 2**20
        print(f"{first['entries']:,} entries; file {db.stat().st_size / 2**20:,.0f} MB; "
              f"PRAGMA quick_check {quick_check:.2f} s; first start {first['ready_s']:.2f} s "
              f"then {first['close_s']:.2f} s to finish writing the snapshot ({size:,.0f} MB)")
        results: dict[str, list[dict[str, float | bool | int]]] = {"store": [], "snapshot": []}
        for round_ in range(args.rounds):
            order = ["store", "snapshot"] if round_ % 2 == 0 else ["snapshot", "store"]
            for how in order:
                result = _run(db, "" if how == "store" else snapshot)
                assert result["restored"] == (how == "snapshot"), result
                results[how].append(result)
        print(f"\n{'start-up to ready':<28}{'wall s':>10}{'RSS MB':>10}{'peak MB':>10}")
        medians = {}
        for how, label in (("store", "from the store"), ("snapshot", "from the snapshot")):
            rows = results[how]
            medians[how] = [statistics.median(float(r[k]) for r in rows)
                            for k in ("ready_s", "rss_mb", "peak_mb")]
            print(f"{label:<28}" + "".join(f"{v:>10.2f}" for v in medians[how]))
        ratio = [s / b for s, b in zip(medians["snapshot"], medians["store"], strict=True)]
        print(f"{'snapshot / store':<28}" + "".join(f"{v:>10.2f}" for v in ratio))
        print(f"\n(median of {args.rounds} alternated runs each; every run in a fresh process)")


if __name__ == "__main__":
    main()
