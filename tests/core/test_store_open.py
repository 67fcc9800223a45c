"""`Store.open` refuses a database it cannot use with one line, and leaves the file as it was."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from bot.core.bootstrap import start_core
from bot.core.errors import StoreUnusable, StoreWritesStopped
from bot.core.store import Store
from bot.core.store.base import migrations
from tests.bad_files import PAGE, SPOILERS, digest, make_good_database, unwritable


@pytest.mark.parametrize("case", list(SPOILERS))
async def test_a_bad_database_is_refused_and_left_as_it_was(db_path: Path, case: str) -> None:
    spoil, words = SPOILERS[case]
    await make_good_database(db_path)
    spoil(db_path)
    before = digest(db_path)
    with pytest.raises(StoreUnusable) as caught:
        await start_core(db_path)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(f"{db_path}: ")
    assert words.format(known=len(migrations())) in line
    assert caught.value.path == db_path
    assert digest(db_path) == before  # never overwritten, migrated or reseeded


async def test_a_read_only_database_is_refused_at_start(db_path: Path) -> None:
    await make_good_database(db_path)
    before = digest(db_path)
    with unwritable(db_path), pytest.raises(StoreUnusable, match="read-only"):
        await Store.open(db_path)
    assert digest(db_path) == before


async def test_a_folder_it_cannot_write_in_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with unwritable(folder), pytest.raises(StoreUnusable, match="not writable"):
        await Store.open(folder / "citybot.db")
    assert list(folder.iterdir()) == []


async def test_a_folder_that_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreUnusable, match="folder cannot be made"):
        await Store.open(tmp_path / "file" / "citybot.db")


async def test_an_empty_file_is_a_new_database(db_path: Path) -> None:
    db_path.write_bytes(b"")  # noqa: ASYNC240 (`touch citybot.db`: SQLite sees a new database)
    core = await start_core(db_path)
    try:
        assert await core.store.schema_version() == len(migrations())
    finally:
        await core.close()


async def test_a_full_disk_while_seeding_is_one_line(db_path: Path) -> None:
    store = await Store.open(db_path)  # migrated, not seeded
    pages = await store._scalar("PRAGMA page_count")
    await store.close()

    import bot.core.bootstrap as bootstrap

    real_open = Store.open

    async def tiny_disk(path: Path, **options: object) -> Store:
        opened = await real_open(path, **options)  # type: ignore[arg-type]
        await opened._db.execute(f"PRAGMA max_page_count = {pages + 1}")
        return opened

    bootstrap.Store.open = tiny_disk  # type: ignore[method-assign]
    try:
        with pytest.raises(StoreUnusable, match="cannot be loaded"):
            await start_core(db_path)
    finally:
        bootstrap.Store.open = real_open  # type: ignore[method-assign]


# A file above `QUICK_CHECK_AT_OPEN_MOST` (a big store: 35 s to check every page at a million
# statements) is checked after start, on a thread and connection of its own.

def zero_an_index_start_does_not_read(path: Path) -> None:
    """Damage where start-up does not look (the audit log's index): only a check of every
    page finds it."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        (page,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'audit_entry'"
                             ).fetchone()
    with path.open("r+b") as file:
        file.seek((page - 1) * PAGE)
        file.write(bytes(PAGE))


async def test_a_big_file_is_checked_after_start_and_damage_is_one_line(
        db_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from bot.core.store import opening

    await make_good_database(db_path)
    zero_an_index_start_does_not_read(db_path)
    monkeypatch.setattr(opening, "QUICK_CHECK_AT_OPEN_MOST", 0)
    with pytest.raises(StoreUnusable, match="damaged"):  # a short command checks it all
        await start_core(db_path)
    core = await start_core(db_path, long_running=True)  # `citybot run`: starts, answers
    try:
        assert core.lookup.hits("city", "Seattle", None)[0].label == "Seattle"
        core.follow()
        assert core._checking is not None
        await core._checking
        errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
        assert len(errors) == 1 and "damaged" in errors[0] and "backup" in errors[0]
        assert "\n" not in errors[0]
        with pytest.raises(StoreWritesStopped, match="damaged"):  # and no write goes in
            async with core.store.transaction():
                pass
    finally:
        await core.close()


async def test_a_big_file_cut_short_is_refused_at_open(
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.core.store import opening

    await make_good_database(db_path)
    SPOILERS["truncated"][0](db_path)
    monkeypatch.setattr(opening, "QUICK_CHECK_AT_OPEN_MOST", 0)
    before = digest(db_path)
    with pytest.raises(StoreUnusable, match=r"damaged \(truncated: [\d,]+ bytes of the "):
        await Store.open(db_path, defer_page_check=True)
    assert digest(db_path) == before


async def test_a_good_big_file_passes_the_check_after_start(
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.core.store import opening

    await make_good_database(db_path)
    monkeypatch.setattr(opening, "QUICK_CHECK_AT_OPEN_MOST", 0)
    store = await Store.open(db_path, defer_page_check=True)
    try:
        assert await store.check_pages() is None
        async with store.transaction():  # writes go on
            pass
    finally:
        await store.close()
