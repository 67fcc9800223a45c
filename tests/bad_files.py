"""Bad database files for the tests: each made from a real, seeded citybot database."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PAGE = 4096


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "-"


def _sql(path: Path, statement: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(statement)
        db.commit()


def _overwrite(path: Path, offset: int, data: bytes) -> None:
    with path.open("r+b") as file:
        file.seek(offset)
        file.write(data)


def not_a_database(path: Path) -> None:
    path.write_text("these are someone's notes, not a database\n" * 50)


def truncated(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def truncated_header(path: Path) -> None:
    os.truncate(path, 50)


def malformed(path: Path) -> None:
    for page in range(2, 8):  # garbage over the b-tree page headers
        _overwrite(path, page * PAGE, bytes(range(7, 7 + 12 * 13, 13)))


def zeroed_pages(path: Path) -> None:
    _overwrite(path, 8 * PAGE, bytes(6 * PAGE))


def older_version_over_its_tables(path: Path) -> None:
    _sql(path, "PRAGMA user_version = 2")


def newer_schema(path: Path) -> None:
    _sql(path, "PRAGMA user_version = 99")


def someone_elses_tables(path: Path) -> None:
    path.unlink()
    _sql(path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")


def a_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


# name -> (how to spoil a good database at `path`, words the one line must contain)
SPOILERS: dict[str, tuple[Callable[[Path], None], str]] = {
    "not a database": (not_a_database, "not a SQLite database"),
    "truncated": (truncated, "damaged"),
    "truncated header": (truncated_header, "truncated"),
    "malformed": (malformed, "damaged"),
    "zeroed pages": (zeroed_pages, "damaged"),
    "older user_version, tables there": (older_version_over_its_tables,
                                         "table digest_settings already exists"),
    "newer schema": (newer_schema, "this database was made by a newer citybot: schema 99, "
                                   "this one knows {known}"),
    "someone else's tables": (someone_elses_tables, "not made by citybot"),
    "a directory": (a_directory, "is a directory"),
}


async def make_good_database(path: Path) -> None:
    """A seeded database, as `citybot` leaves it (no -wal beside it)."""
    from bot.core.bootstrap import start_core

    core = await start_core(path)
    await core.close()


@contextlib.contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """Makes a file or folder unwritable even for root (the immutable attribute), or by its
    mode for anyone else; skips the test when neither is possible here."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True,
                                        check=False).returncode != 0:
        pytest.skip("cannot make a file unwritable for root here (chattr +i)")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)
