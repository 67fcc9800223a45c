"""The SQLite store: pragmas, migrations, seeding once, scoped reads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.core.bootstrap import Core
from bot.core.dataset import load_dataset
from bot.core.scope import scopes_for
from bot.core.seed import ensure_seeded
from bot.core.store import INTEGRITY_ERRORS, Store
from bot.core.store.base import migrations


@pytest.mark.sqlite_only
async def test_wal_foreign_keys_and_schema_version(store: Store) -> None:
    assert await store._scalar("PRAGMA journal_mode") == "wal"
    assert await store._scalar("PRAGMA foreign_keys") == 1
    assert await store.schema_version() == len(migrations())


async def test_migrations_are_not_applied_twice(db_path: Path) -> None:
    first = await Store.open(db_path)
    version = await first.schema_version()
    await first.close()
    again = await Store.open(db_path)
    assert await again.schema_version() == version
    assert await again.migrate() == version
    await again.close()


async def test_seeding_happens_once(store: Store) -> None:
    assert await ensure_seeded(store) is True
    assert await ensure_seeded(store) is False
    counts = await store.counts(scopes_for(None))
    dataset = load_dataset()
    assert counts.cities == len(dataset.cities) == 7
    assert counts.officials == len(dataset.officials) == 10
    assert counts.statements == len(dataset.statements)


async def test_seed_survives_restart(db_path: Path) -> None:
    store = await Store.open(db_path)
    await ensure_seeded(store)
    await store.close()
    store = await Store.open(db_path)
    assert await ensure_seeded(store) is False
    assert len(await store.cities(scopes_for(None))) == 7
    await store.close()


async def test_reads_join_names_aliases_and_facts(store: Store) -> None:
    await ensure_seeded(store)
    [seattle] = [c for c in await store.cities((0,)) if c.name == "Seattle"]
    [angeles] = [c for c in await store.cities((0,)) if c.name == "Los Angeles"]
    assert angeles.facts and "Emerald City" in seattle.aliases
    officials = await store.officials((0,), city_id=seattle.id)
    assert {o.name for o in officials} == {"Ed Murray", "Kathleen O'Toole"}
    statements = await store.statements((0,), city_id=seattle.id)
    assert all(s.city_name == "Seattle" for s in statements)
    assert {s.speaker for s in statements} == {"Ed Murray", "Kathleen O'Toole"}


async def test_a_foreign_key_violation_is_refused(store: Store) -> None:
    with pytest.raises(INTEGRITY_ERRORS):
        async with store.transaction() as db:
            await db.execute("INSERT INTO aliases (city_id, alias) VALUES (9999, 'nowhere')")
    assert await store._scalar("SELECT count(*) FROM aliases WHERE alias = 'nowhere'") == 0


def test_the_core_never_imports_a_chat_platform_or_an_adapter() -> None:
    core = Path(__file__).resolve().parents[2] / "bot" / "core"
    for path in core.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("discord", "bot.discord_app", "bot.console")), (
                    f"{path.name} imports {name}"
                )


def test_sql_stays_in_the_store() -> None:
    root = Path(__file__).resolve().parents[2] / "bot"
    for path in root.rglob("*.py"):
        if "store" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for keyword in ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM"):
            assert keyword not in text, f"{path.relative_to(root)} has SQL ({keyword.strip()})"


@pytest.mark.sqlite_only
async def test_online_backup_is_a_full_copy(store: Store, tmp_path: Path) -> None:
    await ensure_seeded(store)
    target = tmp_path / "backups" / "copy.db"
    await store.backup(target)
    copy = await Store.open(target)
    try:
        assert await copy.integrity_check() == "ok"
        assert await copy.fingerprint() == await store.fingerprint()
    finally:
        await copy.close()
    assert not (tmp_path / "backups" / "copy.db.partial").exists()


@pytest.mark.sqlite_only
async def test_locked_database_is_busy_and_changes_nothing(store: Store, db_path: Path) -> None:
    import sqlite3

    import pytest

    from bot.core.errors import StoreBusy

    await store._db.execute("PRAGMA busy_timeout = 50")
    before = await store.fingerprint()
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        with pytest.raises(StoreBusy):
            await store.insert_dataset(load_dataset())
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert await store.fingerprint() == before
    assert await ensure_seeded(store) is True  # and it works once the lock is gone


@pytest.mark.sqlite_only
async def test_full_disk_is_busy_and_changes_nothing(store: Store) -> None:
    import pytest

    from bot.core.errors import StoreBusy

    before = await store.fingerprint()
    pages = await store._scalar("PRAGMA page_count")
    await store._db.execute(f"PRAGMA max_page_count = {pages + 2}")  # the "disk" is full
    with pytest.raises(StoreBusy):
        await store.insert_dataset(load_dataset())
    assert await store.fingerprint() == before


async def test_concurrent_transactions_on_one_connection_take_turns(store: Store) -> None:
    import asyncio

    async def write(n: int) -> None:
        async with store.transaction() as db:
            await db.execute("INSERT INTO sources (key, title, outlet, published) "
                             "VALUES (?, 't', 'o', '2016-11-17')", (f"k{n}",))
            await asyncio.sleep(0)  # let the other tasks try to start theirs meanwhile
            await db.execute("INSERT INTO cities (key, name) VALUES (?, 'c')", (f"c{n}",))

    await asyncio.gather(*(write(n) for n in range(20)))
    assert await store._scalar("SELECT count(*) FROM sources") == 20
    assert await store._scalar("SELECT count(*) FROM cities") == 20


@pytest.mark.sqlite_only
async def test_a_lookup_never_waits_behind_a_write_waiting_for_the_lock(
        core: Core, db_path: Path) -> None:
    """The bot's own write waits (up to 5 s) for another process's lock: a member's lookup
    meanwhile is answered at once (it reads through the reader's connection)."""
    import asyncio
    import sqlite3

    from bot.core.moderation import Actor

    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        waiting = asyncio.create_task(core.moderation.add(
            Actor(user_id=7, guild_id=55, moderator=True), "city", {"name": "Gotham"}))
        await asyncio.sleep(0.2)  # the add is now inside BEGIN IMMEDIATE's busy wait
        assert not waiting.done()
        answer = await asyncio.wait_for(core.lookup.city("Seatle", 55), 1.0)
        assert answer.title.startswith("Seattle")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert (await waiting).changed  # and the write goes through once the lock is gone
