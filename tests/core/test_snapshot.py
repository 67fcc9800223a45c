"""The index snapshot: saved beside the database, read back at start instead of reading every
entry, brought up to date by the change log, and never trusted beyond what it can prove.

Real stores and real files throughout; `WORTH_SAVING_FROM` is lowered so the seeded article
is "big enough" to be saved (a real deployment saves from 20,000 entries).
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core import snapshot
from bot.core.bootstrap import Core, start_core
from bot.core.matching import EntryRef
from bot.core.moderation import Actor
from bot.core.partition import Partition
from bot.core.snapshot import Header, Snapshots, SnapshotUnusable
from bot.core.store.location import Database

GUILD = 111
MOD = Actor(1002, GUILD, moderator=True)
QUERIES = [("city", "Seatle"), ("city", "the big apple"), ("official", "Emanuel"),
           ("official", "de blasio"), ("statement", "not our job"),
           ("statement", "welcoming city")]


@pytest.fixture(autouse=True)
def small_indexes_saved(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "WORTH_SAVING_FROM", 0)


def with_snapshot(database: Path | str, tmp_path: Path) -> Database:
    return Database(database, index_snapshot=str(tmp_path / "index"))


def answers(core: Core) -> list[list[tuple[EntryRef, float]]]:
    return [[(h.ref, round(h.score, 3)) for h in core.lookup.hits(kind, text, GUILD)]
            for kind, text in QUERIES]  # type: ignore[arg-type]


async def started(database: Database | Path | str) -> Core:
    core = await start_core(database)
    assert core.snapshots is None or await _written(core)
    return core


async def _written(core: Core) -> bool:
    assert core.snapshots is not None
    await core.snapshots.wait()
    return True


async def add(core: Core, text: str) -> EntryRef:
    outcome = await core.moderation.add(MOD, "statement", {"speaker": "Rahm Emanuel",
                                                           "text": text})
    assert outcome.changed and outcome.ref is not None, outcome.answer.description
    return outcome.ref


async def test_the_index_is_read_back_and_answers_as_one_built_from_the_store(
        database: Path | str, tmp_path: Path) -> None:
    place = with_snapshot(database, tmp_path)
    first = await started(place)
    assert not first.restored and first.snapshots is not None and first.snapshots.written == 1
    await first.close()
    assert (tmp_path / "index").is_file()

    again = await started(place)
    built = await start_core(Database(database, index_snapshot=""))  # no snapshot at all
    try:
        assert again.restored and not built.restored
        assert answers(again) == answers(built)
        assert answers(again)[0][0][0].kind == "city"  # (and they found something)
        assert again.lookup.complete("statement", "not our", GUILD) == \
            built.lookup.complete("statement", "not our", GUILD)
    finally:
        await built.close()
        await again.close()


async def test_changes_made_while_it_was_stopped_are_in_the_restored_index(
        database: Path | str, tmp_path: Path) -> None:
    place = with_snapshot(database, tmp_path)
    first = await started(place)
    kept = await add(first, "the harbour bridge stays open to every family")
    await first.close()  # the snapshot was saved at start: it lacks `kept`

    other = await start_core(Database(database, index_snapshot=""))  # another process
    added = await add(other, "lanterns along the river light the way home")
    removal = await other.moderation.prepare_remove(MOD, "statement", str(kept.id))
    assert (await other.moderation.remove(MOD, removal.ref, removal.version)).changed
    await other.close()

    again = await started(place)
    try:
        assert again.restored
        top = again.lookup.hits("statement", "lanterns along the river", GUILD)
        assert top and top[0].ref == added and top[0].score >= 90
        assert all(h.ref != kept for h in
                   again.lookup.hits("statement", "harbour bridge stays open", GUILD))
    finally:
        await again.close()


async def test_a_log_trimmed_past_the_snapshot_means_a_build_from_the_store(
        database: Path | str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    place = with_snapshot(database, tmp_path)
    first = await started(place)
    ref = await add(first, "the orchard keeps its gates open all winter")
    eight_days_ago = datetime.now(UTC) - timedelta(days=8)
    await first.store._db.execute("UPDATE changes SET created_at = ?",
                                  (eight_days_ago.strftime("%Y-%m-%dT%H:%M:%SZ"),))
    assert await first.store.trim_changes(7) > 0
    await first.close()

    again = await started(place)
    try:
        assert not again.restored
        assert "no longer holds its position (trimmed since" in caplog.text
        assert again.lookup.hits("statement", "orchard keeps its gates", GUILD)[0].ref == ref
    finally:
        await again.close()


@pytest.mark.sqlite_only
async def test_a_snapshot_of_another_database_is_not_used(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    index = str(tmp_path / "index")
    first = await started(Database(tmp_path / "a.db", index_snapshot=index))
    await first.close()
    # Another file, same history (seeded alike), given the same snapshot path: the change
    # rows match, the file does not.
    other = await started(Database(tmp_path / "b.db", index_snapshot=index))
    try:
        assert not other.restored
        assert "made from another database" in caplog.text
    finally:
        await other.close()


@pytest.mark.sqlite_only
async def test_a_small_index_is_not_saved_by_default(
        db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "WORTH_SAVING_FROM", 20_000)
    core = await start_core(db_path)
    await core.close()
    assert core.snapshots is not None and core.snapshots.path == Path(f"{db_path}.index")
    assert not core.snapshots.path.exists()  # the article builds in milliseconds


def _malicious(path: Path, proof: Path) -> None:
    class Boom:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return os.system, (f"touch {proof}",)

    path.write_bytes(snapshot._MAGIC + pickle.dumps(Boom()))


def _a_class_imported_by_the_catalog(path: Path, proof: Path) -> None:
    # GLOBAL bot.core.catalog.Store, STOP: a class the catalog module imports, not its own
    path.write_bytes(snapshot._MAGIC + b"cbot.core.catalog\nStore\n.")


def _truncated(path: Path, proof: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def _a_flipped_byte(path: Path, proof: Path) -> None:
    data = bytearray(path.read_bytes())
    at = data.rfind(b"seattle")  # a letter of a string: the pickle is still a valid one
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def _garbage(path: Path, proof: Path) -> None:
    path.write_text("someone's notes\n" * 100)


def _empty(path: Path, proof: Path) -> None:
    path.write_bytes(b"")


def _a_directory(path: Path, proof: Path) -> None:
    path.unlink()
    path.mkdir()


def _another_version(path: Path, proof: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data.replace(snapshot.code_version().encode(), b"0" * 16, 1))


@pytest.mark.sqlite_only
@pytest.mark.parametrize("spoil, words", [
    (_malicious, "not part of an index"),
    (_a_class_imported_by_the_catalog, "not part of an index"),
    (_truncated, "damaged or incomplete"),
    (_a_flipped_byte, "checksum does not match"),
    (_garbage, "not a citybot index snapshot"),
    (_empty, "not a citybot index snapshot"),
    (_a_directory, "cannot be read"),
    (_another_version, "another version of citybot"),
])
async def test_a_bad_snapshot_is_one_warning_and_a_build_from_the_store(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, spoil, words: str) -> None:
    place = Database(tmp_path / "citybot.db", index_snapshot=str(tmp_path / "index"))
    first = await started(place)
    expected = answers(first)
    await first.close()
    proof = tmp_path / "it-ran"
    spoil(tmp_path / "index", proof)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = await start_core(place)
    try:
        assert not again.restored and answers(again) == expected
        lines = [r for r in caplog.records if "index snapshot" in r.getMessage()]
        assert len(lines) == 1 and words in lines[0].getMessage()
        assert not lines[0].exc_info  # one line, no traceback
        assert not proof.exists()  # the file's pickle was not run
    finally:
        if again.snapshots is not None:
            await again.snapshots.wait()
        await again.close()


@pytest.mark.sqlite_only
async def test_an_unwritable_place_is_a_warning_and_the_bot_goes_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "file").write_text("x")
    place = Database(tmp_path / "citybot.db", index_snapshot=str(tmp_path / "file" / "index"))
    core = await started(place)
    try:
        assert core.snapshots is not None and core.snapshots.written == 0
        assert "could not be written" in caplog.text
        assert core.lookup.hits("city", "Seattle", None)[0].label == "Seattle"
    finally:
        await core.close()


def test_a_snapshot_of_other_shards_is_refused(tmp_path: Path) -> None:
    from bot.core.catalog import Catalog

    path = tmp_path / "index"
    header = Header(snapshot.FORMAT, snapshot.code_version(), "all servers (unsharded)", 5,
                    ("x",), (), 0)
    snapshot.write(path, header, Catalog())
    assert snapshot.read(path, "all servers (unsharded)")[0] == header
    with pytest.raises(SnapshotUnusable, match="holds all servers"):
        snapshot.read(path, Partition.of(4, (0, 1)).describe())
    assert Snapshots(path, "x").restore() is None
    assert snapshot.read(path, "all servers (unsharded)")[1]().position == 0
    assert oct(path.stat().st_mode & 0o777) == "0o600"  # what the database holds: private


def test_a_big_shard_with_its_postings_reads_back_the_same(tmp_path: Path) -> None:
    """Past `full_scan_below` a shard has postings (arrays, a vocabulary): all of it is read
    back, and answers as the index that was saved."""
    from bot.core.catalog import Catalog

    catalog = Catalog()
    words = ["river", "bridge", "harbor", "tower", "lantern", "anchor", "compass", "orchard",
             "market", "falls"]
    for n in range(600):
        ref = EntryRef("statement", n + 1)
        text = " ".join(words[(n * k) % len(words)] for k in range(1, 9)) + f" number {n}"
        catalog.indexes["statement"].put(ref, f"Speaker {n % 7}", [text])
        catalog.indexes["official"].put(EntryRef("official", n + 1), f"Mayor Name{n:03d}",
                                        [f"Mayor Name{n:03d}", f"Nick{n:03d}"])
    catalog.indexes["statement"].warm()
    catalog.indexes["official"].warm()  # its labels sorted, for the empty box
    first_statements = catalog.indexes["statement"].first_entries([0], 4)  # (sorted now)
    path = tmp_path / "index"
    header = Header(snapshot.FORMAT, snapshot.code_version(), "all", 1, ("x",), (), 1200)
    snapshot.write(path, header, catalog)
    _, read_back = snapshot.read(path, "all")
    back = read_back()
    for kind, query in [("statement", "harbor tower number 12"), ("statement", "lantrn anchr"),
                        ("official", "Mayor Nme042"), ("official", "nick417")]:
        saved = catalog.indexes[kind].search(query)  # type: ignore[index]
        assert saved and back.indexes[kind].search(query) == saved  # type: ignore[index]
    assert back.indexes["statement"]._shards[0].words is not None  # (postings were there)
    # The sorted labels are read back as pairs of a label and an entry, as they were saved
    labels = back.indexes["official"]._shards[0].labels
    assert labels is not None and labels == catalog.indexes["official"]._shards[0].labels
    assert all(type(ref) is EntryRef for _, ref in labels)
    assert back.indexes["official"].first_entries([0], 3) == [
        ("Mayor Name000", EntryRef("official", 1)), ("Mayor Name001", EntryRef("official", 2)),
        ("Mayor Name002", EntryRef("official", 3))]
    assert back.indexes["statement"]._shards[0].labels is not None
    assert back.indexes["statement"].first_entries([0], 4) == first_statements
    back.indexes["official"].put(EntryRef("official", 999), "Mayor Aaron", ["Mayor Aaron"])
    assert back.indexes["official"].first_labels([0], 2) == ["Mayor Aaron", "Mayor Name000"]


@pytest.mark.sqlite_only
async def test_a_copy_of_the_file_from_before_put_back_in_place_is_not_trusted(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """`cp backup.db citybot.db` keeps the file (its inode) and the change log's row at the
    snapshot's position, but not the changes after it that the index already holds."""
    db = tmp_path / "citybot.db"
    place = Database(db, index_snapshot=str(tmp_path / "index"))
    first = await started(place)
    await first.close()
    older = db.read_bytes()
    second = await started(place)
    # Another process writes; this one has not read it when its snapshot is saved: the
    # snapshot's position is the backup's newest row, and it may hold what came after.
    other = await start_core(Database(db, index_snapshot=""))
    await add(other, "a statement the backup does not have")
    await other.close()
    await second.feed.remember_marker()
    assert second.snapshots is not None
    second.snapshots.saved_position = None  # saved again at the same position, now
    second.save_snapshot()
    await _written(second)
    await second.close()
    with db.open("r+b") as file:
        file.write(older)
        file.truncate()
    again = await started(place)
    try:
        assert not again.restored
        assert "holds changes this database does not have" in caplog.text
        assert not any(h.score >= 90 for h in again.lookup.hits(
            "statement", "a statement the backup does not have", GUILD))
    finally:
        await again.close()


@pytest.mark.sqlite_only
async def test_a_fork_that_fails_is_one_warning_and_nothing_waits_for_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def no_fork() -> int:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(snapshot.os, "fork", no_fork)
    core = await start_core(Database(tmp_path / "c.db", index_snapshot=str(tmp_path / "i")))
    try:
        assert "could not be written (no child process to write it" in caplog.text
        assert core.snapshots is not None and core.snapshots.written == 0
    finally:
        await asyncio.wait_for(core.close(), 10)  # does not wait for a write never started
    assert not (tmp_path / "i").exists()


@pytest.mark.sqlite_only
async def test_a_writer_killed_half_way_leaves_no_file_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    real_write = snapshot.write

    def killed(path: Path, header: Header, catalog: object) -> None:
        snapshot._temporary(path, os.getpid()).write_bytes(b"half a snapshot")
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(snapshot, "write", killed)
    place = Database(tmp_path / "c.db", index_snapshot=str(tmp_path / "i"))
    core = await started(place)
    await core.close()
    assert "the writer was stopped by signal 9" in caplog.text
    left = sorted(p.name for p in tmp_path.iterdir())  # noqa: ASYNC240
    assert left == ["c.db"]  # no .i.*.tmp left
    monkeypatch.setattr(snapshot, "write", real_write)


async def test_a_log_whose_every_row_is_old_keeps_its_newest(database: Path | str) -> None:
    """Trimming never empties the log: an up-to-date process's position (and its snapshot's)
    stays in it, so neither rebuilds for nothing."""
    core = await start_core(Database(database, index_snapshot=""))
    try:
        newest = await core.store.change_position()
        long_ago = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        await core.store._db.execute("UPDATE changes SET created_at = ?", (long_ago,))
        assert await core.store.trim_changes(7) > 0
        assert await core.store.change_position() == newest
        assert await core.store.change_marker(newest) is not None
        await core.feed.catch_up()
        await core.feed.catch_up()
        assert core.feed.rebuilds == 0
    finally:
        await core.close()


def test_each_set_of_shards_has_its_own_file(tmp_path: Path) -> None:
    database = Database(tmp_path / "citybot.db")
    assert database.snapshot_path(Partition().tag()) == tmp_path / "citybot.db.index"
    assert database.snapshot_path(Partition.of(4, (0, 1)).tag()) == \
        tmp_path / "citybot.db.index.shards-0-1-of-4"
    assert Database("postgresql://u@h/db").snapshot_path() is None  # none unless set
    assert Database(tmp_path / "x.db", index_snapshot="").snapshot_path() is None
