"""Load figures for the README: the real bot process under 50 members at once.

    python bench/load_e2e.py                    # 2,000 commands, 50 members
    python bench/load_e2e.py --commands 5000 --runs 3
    python bench/load_e2e.py --postgres         # the same on PostgreSQL (DATABASE_URL)

Starts the Discord-protocol test server on 127.0.0.1 (tests/e2e/fake_discord) and
`python -m bot run` against it on a fresh database with LOOKUP_COOLDOWN_RATE=0, exactly as the
end-to-end tests do, then drives the same load as tests/e2e/test_load.py: a mix of `!city`,
`!quote`, `/city`, `/quote` and autocomplete on both, each member sending its next command as
soon as the last was answered. With --postgres the bot runs on a new database of a throwaway
PostgreSQL cluster (tests/postgres_server.py; fsync and synchronous_commit on) instead.
Every answer is checked (right embed title or first choice, exactly once), and the store
must be unchanged. Prints throughput and latency percentiles;
exits 1 if anything was wrong. Note that the test server and the load run on the same machine
as the bot, so they share its cores.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import BotProcess, bad_log_lines  # noqa: E402
from tests.e2e.fake_discord import FakeDiscord  # noqa: E402
from tests.e2e.fake_discord import fixtures as fx  # noqa: E402
from tests.e2e.fake_discord.load import (  # noqa: E402
    LoadDriver,
    StoreState,
    lookup_mix,
    store_state,
)
from tests.postgres_server import PostgresServer  # noqa: E402


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=5).stdout
        cpu = next(
            (line.split(":", 1)[1].strip() for line in lscpu.splitlines()
             if line.startswith("Model name")), cpu,
        )
    except (OSError, subprocess.SubprocessError):
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


async def _new_database(pg: PostgresServer, name: str) -> str:
    import asyncpg
    conn = await asyncpg.connect(pg.url())
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return pg.url(name)


async def _state(bot: BotProcess, url: str | None) -> StoreState:
    """The store's integrity and fingerprint (rows per table on SQLite only)."""
    if url is None:
        return await store_state(bot.database)
    from bot.core.store import Store
    store = await Store.open(url)
    try:
        return StoreState(await store.integrity_check(), await store.fingerprint(), {})
    finally:
        await store.close()


async def bench(commands: int, members: int, runs: int, seed: int, postgres: bool) -> int:
    problems: list[str] = []
    pg = PostgresServer.start(durable=True) if postgres else None
    url = await _new_database(pg, "load") if pg else None
    print(f"database: {'PostgreSQL (fsync on), DATABASE_URL' if url else 'SQLite file'}")
    server = FakeDiscord()
    await server.start()
    with tempfile.TemporaryDirectory(prefix="citybot-load-") as tmp:
        bot = BotProcess(server, Path(tmp), env={"DATABASE_URL": url} if url else None)
        try:
            await bot.start()
            before = await _state(bot, url)
            users = fx.EXTRA_MEMBER_IDS[:members]
            with LoadDriver(server) as driver:
                await driver.run(len(users), lookup_mix(), users, seed=seed)  # warm-up
                for run in range(runs):
                    driver.records.clear()
                    report = await driver.run(commands, lookup_mix(), users, seed=seed + run + 1)
                    print(f"run {run + 1}: {report.summary()}\n", flush=True)
                    problems += [f"{s.label}: {s.problem}" for s in report.failures]
                await asyncio.sleep(0.3)
                await server.sync_with_bot(5.0)
                problems += driver.check_interactions()
                problems += [f"unexpected message: {m.embeds}" for m in driver.unclaimed]
            after = await _state(bot, url)
            if after.integrity != "ok" or after.fingerprint != before.fingerprint:
                problems.append(f"store changed or damaged: {after.integrity}, {after.rows}")
        finally:
            await wind_up(bot, problems)
            if pg is not None:
                pg.stop()
    return await conclude(server, problems, "every command answered once, correctly; "
                          "store unchanged; no violation, no error")


async def wind_up(bot: BotProcess, problems: list[str]) -> None:
    """Stop the bot (SIGTERM) if it still runs; its exit status and log join `problems`."""
    if bot.running:
        status = await bot.stop(signal.SIGTERM)
        if status != 0:
            problems.append(f"the bot exited with {status}")
    problems += [f"bot log: {line}" for line in bad_log_lines(bot.log())]


async def conclude(server: FakeDiscord, problems: list[str], success: str) -> int:
    """Stop the test server, print the machine and the verdict; the exit status."""
    problems += [f"protocol violation: {v}" for v in server.violations]
    await server.stop()
    print(f"machine: {machine()}")
    if problems:
        print(f"{len(problems)} problems, the first ones:", *problems[:40], sep="\n  ")
        return 1
    print(success)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=2000, help="commands per run")
    parser.add_argument("--members", type=int, default=50, choices=range(1, 51),
                        metavar="1..50", help="members sending at once (default 50)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--postgres", action="store_true",
                        help="run the bot on PostgreSQL (a throwaway local server)")
    args = parser.parse_args()
    return asyncio.run(bench(args.commands, args.members, args.runs, args.seed,
                             args.postgres))


if __name__ == "__main__":
    raise SystemExit(main())
