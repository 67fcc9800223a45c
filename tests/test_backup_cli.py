"""`citybot backup FILE`: a consistent copy of the database, even while another process writes.

The copy must open, pass `PRAGMA integrity_check`, and hold the data. The end-to-end test
against a running bot process is in tests/e2e/test_reliability.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.bootstrap import start_core
from bot.core.store import Store

ROOT = Path(__file__).resolve().parents[1]
CONTENT_TABLES = ("sources", "cities", "city_facts", "officials", "aliases", "statements")
WRITER_MAX_SECONDS = 30.0  # the writer stops by itself at the latest after this
BACKUP_TIMEOUT = 10.0

# Another process that writes as fast as it can until told to stop: each transaction adds one
# row to churn_a (with 3 kB of padding) and one to churn_b, so a consistent copy has as many
# rows in one as in the other.
WRITER = """
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("PRAGMA busy_timeout = 10000")
stop, deadline, n = sys.argv[2], time.monotonic() + float(sys.argv[3]), 0
while not os.path.exists(stop) and time.monotonic() < deadline:
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO churn_a(pad) VALUES (randomblob(3000))")
    db.execute("INSERT INTO churn_b DEFAULT VALUES")
    db.execute("COMMIT")
    n += 1
print(n)
"""


def run_cli(db: Path, *args: str) -> int:
    return main(["--env-file", os.devnull, "--database", str(db), *args])


async def seeded(path: Path) -> str:
    """Create and seed a database the way the bot does; returns its fingerprint."""
    core = await start_core(path)
    try:
        return await core.store.fingerprint()
    finally:
        await core.close()


async def fingerprint_and_integrity(path: Path) -> tuple[str, str]:
    store = await Store.open(path)
    try:
        return await store.fingerprint(), await store.integrity_check()
    finally:
        await store.close()


def counts(path: Path, tables: tuple[str, ...]) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def test_backup_is_an_identical_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, copy = tmp_path / "citybot.db", tmp_path / "backups" / "copy.db"
    original = asyncio.run(seeded(db))
    assert run_cli(db, "backup", str(copy)) == 0
    assert "integrity ok" in capsys.readouterr().out
    assert asyncio.run(fingerprint_and_integrity(copy)) == (original, "ok")
    assert asyncio.run(fingerprint_and_integrity(db))[0] == original  # the source is untouched
    assert not copy.with_name("copy.db.partial").exists()


def test_backup_refuses_what_it_cannot_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing, copy = tmp_path / "missing.db", tmp_path / "copy.db"
    assert run_cli(missing, "backup", str(copy)) == 1
    assert "no database at" in capsys.readouterr().err
    assert not missing.exists() and not copy.exists()  # nothing created on the way

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database, just bytes" * 100)
    assert run_cli(junk, "backup", str(copy)) == 1
    assert "could not back up" in capsys.readouterr().err
    assert not copy.exists() and not tmp_path.joinpath("copy.db.partial").exists()

    db = tmp_path / "citybot.db"
    asyncio.run(seeded(db))
    assert run_cli(db, "backup", str(db)) == 1
    assert "the database itself" in capsys.readouterr().err


async def test_backup_while_another_process_writes(tmp_path: Path) -> None:
    """A writer commits without pause the whole time; the backup still finishes (while the
    writer is still writing), and the copy is a consistent snapshot with all the data."""
    db, copy, stop = tmp_path / "citybot.db", tmp_path / "copy.db", tmp_path / "stop"
    await seeded(db)
    with contextlib.closing(sqlite3.connect(db)) as setup:
        setup.execute("CREATE TABLE churn_a (n INTEGER PRIMARY KEY, pad BLOB)")
        setup.execute("CREATE TABLE churn_b (n INTEGER PRIMARY KEY)")
        setup.execute("CREATE TABLE padding (b BLOB)")  # > 1,000 pages: a copy takes a while
        setup.executemany("INSERT INTO padding VALUES (randomblob(4000))", [()] * 1000)
        setup.commit()
    content = counts(db, CONTENT_TABLES)
    writer = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, str(db), str(stop), str(WRITER_MAX_SECONDS),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while counts(db, ("churn_b",))["churn_b"] < 50:  # the writer is under way
            assert writer.returncode is None and time.monotonic() < deadline
            await asyncio.sleep(0.05)
        backup = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--env-file", os.devnull, "--database", str(db),
            "backup", str(copy), cwd=ROOT, stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            output, _ = await asyncio.wait_for(backup.communicate(), BACKUP_TIMEOUT)
        except TimeoutError:
            backup.kill()
            await backup.wait()
            raise AssertionError("the backup did not finish while the writer wrote") from None
        assert backup.returncode == 0 and b"integrity ok" in output
        assert writer.returncode is None, "the writer stopped before the backup finished"
    finally:
        stop.touch()
        written, _ = await asyncio.wait_for(writer.communicate(), 15)
    assert writer.returncode == 0

    with contextlib.closing(sqlite3.connect(copy)) as backup_db:
        assert backup_db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        a, b = backup_db.execute(
            "SELECT (SELECT COUNT(*) FROM churn_a), (SELECT COUNT(*) FROM churn_b)"
        ).fetchone()
        assert a == b >= 50  # a snapshot between two transactions, never inside one
        assert backup_db.execute("SELECT MAX(n) FROM churn_b").fetchone()[0] == b
    assert counts(copy, CONTENT_TABLES) == content
    assert counts(copy, ("padding",)) == {"padding": 1000}
    assert int(written) > b  # the writer went on after the snapshot
