"""What only PostgreSQL has: a server to reach and log in to, connections that drop, a lock
held by another machine's process, LISTEN/NOTIFY; and the dialect's rewriting."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from bot.cli import main
from bot.core.errors import StoreBusy, StoreUnusable
from bot.core.store import Store
from bot.core.store.base import migrations
from bot.core.store.dialect import to_postgres
from tests.postgres_server import PASSWORD, drop_connections, free_port


def test_placeholders_and_sqlite_only_spellings_are_rewritten() -> None:
    assert to_postgres("SELECT '?', ? FROM t WHERE a = ?2 AND b = ?") == \
        "SELECT '?', $1 FROM t WHERE a = $2 AND b = $2"
    assert to_postgres("SELECT 1 FROM c CROSS JOIN cities e ON e.id = c.id") == \
        "SELECT 1 FROM c JOIN cities e ON e.id = c.id"
    assert "to_char(now()" in to_postgres("UPDATE t SET x = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')")


async def _admin(url: str, sql: str, *args: object) -> object:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetch(sql, *args)
    finally:
        await connection.close()


async def test_a_write_waiting_on_another_writer_is_busy_and_changes_nothing(
        postgres_url: str) -> None:
    store = await Store.open(postgres_url)
    store._engine.lock_timeout = "300ms"  # type: ignore[union-attr]
    other = await asyncpg.connect(postgres_url)
    try:
        before = await store.fingerprint()
        async with other.transaction():
            await other.execute("LOCK TABLE changes IN EXCLUSIVE MODE")  # another process writes
            started = time.monotonic()
            with pytest.raises(StoreBusy):
                await store.set_mod_role(1, 2, 3, True)
            assert time.monotonic() - started < 3
        assert await store.fingerprint() == before
        assert await store.set_mod_role(1, 2, 3, True)  # the lock is gone: it goes through
    finally:
        await other.close()
        await store.close()


async def test_a_dropped_connection_is_busy_once_then_the_pool_reconnects(
        postgres_url: str) -> None:
    store = await Store.open(postgres_url, pool_size=1)
    try:
        await store.set_mod_role(1, 2, 3, True)
        await drop_connections(postgres_url)
        outcomes = []
        for role in (5, 6, 7):
            try:
                outcomes.append(await store.set_mod_role(1, role, 3, True))
            except StoreBusy:
                outcomes.append("busy")
        assert outcomes[-1] is True  # reconnected without a restart
        roles = await store.mod_roles_of(1)
        assert 2 in roles
        for role, outcome in zip((5, 6, 7), outcomes, strict=True):
            assert (role in roles) == (outcome is True)  # "busy" wrote nothing
    finally:
        await store.close()


async def test_a_database_made_by_a_newer_citybot_is_refused(postgres_url: str) -> None:
    store = await Store.open(postgres_url)
    await store.close()
    await _admin(postgres_url, "INSERT INTO schema_migrations (number, name) VALUES (99, 'x')")
    with pytest.raises(StoreUnusable, match=f"schema 99, this one knows {len(migrations())}"):
        await Store.open(postgres_url)


async def test_a_database_of_something_else_is_refused_and_left_alone(postgres_url: str) -> None:
    await _admin(postgres_url, "CREATE TABLE invoices (id int)")
    with pytest.raises(StoreUnusable, match="not made by citybot"):
        await Store.open(postgres_url)
    tables = await _admin(postgres_url, "SELECT table_name FROM information_schema.tables"
                                        " WHERE table_schema = 'public'")
    assert [row[0] for row in tables] == ["invoices"]  # nothing created beside it


async def test_an_unreachable_server_is_retried_then_one_line(postgres_url: str) -> None:
    parts = urlsplit(postgres_url)
    url = parts._replace(netloc=f"citybot:{PASSWORD}@127.0.0.1:{free_port()}").geturl()
    started = time.monotonic()
    with pytest.raises(StoreUnusable) as raised:
        await Store.open(url, connect_seconds=1.5)
    assert 1.0 <= time.monotonic() - started < 10
    line = str(raised.value)
    assert "cannot be reached" in line and "\n" not in line and PASSWORD not in line


async def test_a_wrong_password_and_a_missing_database_are_one_line_each(
        postgres_url: str) -> None:
    parts = urlsplit(postgres_url)
    wrong = parts._replace(netloc=parts.netloc.replace(PASSWORD, "not-the-password")).geturl()
    with pytest.raises(StoreUnusable, match="refused the login") as raised:
        await Store.open(wrong)
    assert "not-the-password" not in str(raised.value)
    missing = parts._replace(path="/no_such_database").geturl()
    with pytest.raises(StoreUnusable, match='database "no_such_database" does not exist'):
        await Store.open(missing)


async def _changed_from(reader: Store, version: int) -> int:
    """The reader's data version once it differs from `version` (or after a second)."""
    for _ in range(50):
        current = await reader.data_version()
        if current != version:
            return current
        await asyncio.sleep(0.02)
    return await reader.data_version()


async def test_notify_wakes_the_follower_and_a_lost_listener_is_remade(postgres_url: str) -> None:
    writer = await Store.open(postgres_url)
    reader = await Store.open_reader(postgres_url)
    try:
        first = await reader.data_version()
        await writer.set_mod_role(1, 2, 3, True)
        woken = await _changed_from(reader, first)
        assert woken != first  # the commit's NOTIFY arrived
        listener = reader._engine._listener  # type: ignore[union-attr]
        await _admin(postgres_url, "SELECT pg_terminate_backend($1)", listener.get_server_pid())
        await asyncio.sleep(0.2)
        assert await reader.data_version() != woken  # re-made, and counted as a change
        again = await reader.data_version()
        await writer.set_mod_role(1, 4, 3, True)
        assert await _changed_from(reader, again) != again  # and it listens again
    finally:
        await reader.close()
        await writer.close()


def test_backup_of_a_postgresql_database_is_pg_dump(
        postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed here")
    asyncio.run(_opened_and_closed(postgres_url))
    target = tmp_path / "citybot.dump"
    assert main(["--env-file", "/nonexistent", "--database", postgres_url, "backup",
                 str(target)]) == 0
    out = capsys.readouterr().out
    assert "pg_dump" in out and PASSWORD not in out
    assert target.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))  # no pg_dump to be found
    assert main(["--env-file", "/nonexistent", "--database", postgres_url, "backup",
                 str(tmp_path / "again.dump")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "back it up with pg_dump" in err and PASSWORD not in err


async def _opened_and_closed(url: str) -> None:
    store = await Store.open(url)
    await store.close()


def test_database_url_wins_and_no_sqlite_file_is_made(
        postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "citybot.db"))
    assert main(["--env-file", "/nonexistent", "ask", "city seattle"]) == 0
    assert "Seattle" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []  # the answer came from PostgreSQL; no file made


def test_an_unreachable_server_at_start_is_one_line_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_CONNECT_SECONDS", "1")
    url = f"postgresql://citybot:{PASSWORD}@127.0.0.1:{free_port()}/citybot"
    assert main(["--env-file", "/nonexistent", "--database", url, "ask", "about"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) <= 2 and "retrying" in lines[0]  # the wait, said once
    assert lines[-1].startswith("citybot: postgresql://citybot:***@127.0.0.1")
    assert "cannot be reached" in lines[-1]
    assert all(PASSWORD not in line and "Traceback" not in line for line in lines)


def test_no_password_in_suggested_commands_and_no_folders_from_a_url(
        postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    status = main(["--env-file", "/nonexistent", "--database", postgres_url, "ask",
                   "city seattel port"])
    out = capsys.readouterr().out
    assert status in (0, 1) and "citybot " in out  # the commands to run for each candidate
    assert PASSWORD not in out
    # A URL of another scheme is refused, not taken for a file's path (folders named after
    # it, password and all).
    assert main(["--env-file", "/nonexistent", "--database", "postgresql+asyncpg://u:s3cret@h/db",
                 "ask", "about"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "s3cret" not in err
    assert list(tmp_path.iterdir()) == []


async def test_a_user_who_may_not_create_tables_gets_one_line(postgres_url: str) -> None:
    await _admin(postgres_url, "CREATE ROLE weakling LOGIN PASSWORD 'weak-pw'")
    try:
        parts = urlsplit(postgres_url)
        weak = parts._replace(netloc=f"weakling:weak-pw@{parts.hostname}:{parts.port}").geturl()
        with pytest.raises(StoreUnusable, match="permission denied") as raised:
            await Store.open(weak)
        assert "\n" not in str(raised.value) and "weak-pw" not in str(raised.value)
    finally:
        await _admin(postgres_url, "DROP ROLE weakling")


async def test_the_reader_never_sees_the_writers_open_transaction(postgres_url: str) -> None:
    writer = await Store.open(postgres_url)
    reader = await Store.open_reader(postgres_url)
    try:
        async with writer.transaction() as db:
            await db.execute("INSERT INTO mod_roles (guild_id, role_id, added_by)"
                             " VALUES (77, 88, 1)")
            assert await writer.mod_roles_of(77) == {88}  # its own write, inside
            assert await reader.mod_roles_of(77) == set()  # not committed: not seen
        assert await reader.mod_roles_of(77) == {88}
    finally:
        await reader.close()
        await writer.close()


async def test_start_up_reads_every_entry_through_a_cursor_a_batch_at_a_time(
        postgres_url: str) -> None:
    """The rows of a million statements are not fetched at once: between two batches the
    read is a cursor held open in its transaction on the server."""
    from bot.core.seed import ensure_seeded

    store = await Store.open(postgres_url)
    try:
        await ensure_seeded(store)
        seen: list[tuple[object, ...]] = []
        open_reads: list[int] = []
        async for rows in store.index_rows("statement", batch=5):
            assert 0 < len(rows) <= 5
            seen += rows
            open_reads.append(len(await _admin(
                postgres_url, "SELECT 1 FROM pg_stat_activity WHERE datname ="
                " current_database() AND state = 'idle in transaction'"
                " AND query LIKE '%FROM statements%'")))
        assert len(seen) == len({row[0] for row in seen}) > 10  # every statement, once
        assert open_reads[0] == 1  # the cursor was open after the first batch
    finally:
        await store.close()


async def test_start_up_s_batched_read_inside_a_snapshot_sees_that_snapshot(
        postgres_url: str) -> None:
    """A batched read inside this task's open transaction goes to its connection: a statement
    removed by another process after the snapshot began is still read, as every other read
    in the block sees it."""
    from bot.core.seed import ensure_seeded

    store = await Store.open(postgres_url)
    try:
        await ensure_seeded(store)

        async def ids() -> list[object]:
            return [row[0] async for rows in store.index_rows("statement", batch=5)
                    for row in rows]

        async with store.snapshot():
            before = await ids()
            await _admin(postgres_url, "UPDATE statements SET deleted_at = now() WHERE id = $1",
                         before[0])
            assert await ids() == before
        assert await ids() == before[1:]  # outside, the removal is seen
    finally:
        await store.close()
