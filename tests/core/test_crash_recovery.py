"""SIGKILL in the middle of moderator writes and imports, many times: after each restart the
database is intact, every acknowledged change is there, and nothing is half-written."""

from __future__ import annotations

import os
import random
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.core.store import Store
from tests.core.crash_writer import GUILD

ROOT = Path(__file__).resolve().parents[2]
KILLS = 8


def _run_until_killed(database: Path | str, run: str, acks_wanted: int) -> list[str]:
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.core.crash_writer", str(database), run],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert writer.stdout is not None
    acks: list[str] = []
    pending = b""
    deadline = time.monotonic() + 60
    with selectors.DefaultSelector() as selector:  # never block forever on a stuck writer
        selector.register(writer.stdout, selectors.EVENT_READ)
        while len(acks) < acks_wanted and selector.select(deadline - time.monotonic()):
            chunk = os.read(writer.stdout.fileno(), 4096)  # unbuffered: select stays truthful
            if not chunk:
                break
            *lines, pending = (pending + chunk).split(b"\n")
            acks.extend(line.decode() for line in lines)
    acks = acks[:acks_wanted]  # later acks may have arrived in the same read; ignore them
    writer.send_signal(signal.SIGKILL)  # mid-stream: the next write is under way
    writer.wait(timeout=10)
    assert len(acks) == acks_wanted, writer.stderr.read().decode() if writer.stderr else ""
    return acks


async def test_sigkill_during_writes_and_imports(database: Path | str) -> None:
    rng = random.Random(20161117)
    acked_statements: set[int] = set()
    acked_imports: set[str] = set()
    for run in range(KILLS):
        for ack in _run_until_killed(database, str(run), rng.randint(3, 14)):
            kind, _, value = ack.partition(" ")
            if kind == "statement":
                acked_statements.add(int(value))
            else:
                acked_imports.add(value)

        store = await Store.open(database)
        try:
            assert await store.integrity_check() == "ok"
            await _check(store, acked_statements, acked_imports)
        finally:
            await store.close()
    assert len(acked_statements) >= KILLS and acked_imports


async def _check(store: Store, acked_statements: set[int], acked_imports: set[str]) -> None:
    """Every acknowledged change survived, each with its one audit row; imports whole."""
    live = {row[0] for row in await store._rows(
        "SELECT id FROM statements WHERE guild_id = ?", (GUILD,))}
    assert acked_statements <= live  # every acknowledged change survived
    audited = [row[0] for row in await store._rows(
        "SELECT entry_id FROM audit_log WHERE action = 'add' AND entry_kind = 'statement'"
        " AND guild_id = ?", (GUILD,))]
    assert sorted(audited) == sorted(live)  # one audit row per entry, none alone
    for batch in acked_imports:
        assert await store._scalar("SELECT count(*) FROM cities WHERE key LIKE ?",
                                   (f"{batch}-%",)) == 3
    cities = await store._rows("SELECT key, id FROM cities WHERE guild_id = ?", (GUILD,))
    batches: dict[str, int] = {}
    for key, _ in cities:
        batch = key.rsplit("-", 1)[0]
        batches[batch] = batches.get(batch, 0) + 1
    assert all(count == 3 for count in batches.values()), batches  # imports whole
    imported = {row[0] for row in await store._rows(
        "SELECT entry_id FROM audit_log WHERE action = 'import' AND entry_kind = 'city'"
        " AND guild_id = ?", (GUILD,))}
    assert imported == {row[1] for row in cities}
