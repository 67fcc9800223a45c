"""The index snapshot: saved beside the database, read back at start instead of reading every
entry, brought up to date by the change log, and never trusted beyond what it can prove.

Real stores and real files throughout; `WORTH_SAVING_FROM` is lowered so the seeded article
is "big enough" to be saved (a real deployment saves from 20,000 entries).
"""

from __future__ import annotations

import logging
import os
import pickle
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
        assert "no longer holds its position" in caplog.text
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
    path = tmp_path / "index"
    header = Header(snapshot.FORMAT, snapshot.code_version(), "all", 1, ("x",), (), 1200)
    snapshot.write(path, header, catalog)
    _, back = snapshot.read(path, "all")
    for kind, query in [("statement", "harbor tower number 12"), ("statement", "lantrn anchr"),
                        ("official", "Mayor Nme042"), ("official", "nick417")]:
        saved = catalog.indexes[kind].search(query)  # type: ignore[index]
        assert saved and back.indexes[kind].search(query) == saved  # type: ignore[index]
    assert back.indexes["statement"]._shards[0].words is not None  # (postings were there)


def test_each_set_of_shards_has_its_own_file(tmp_path: Path) -> None:
    database = Database(tmp_path / "citybot.db")
    assert database.snapshot_path(Partition().tag()) == tmp_path / "citybot.db.index"
    assert database.snapshot_path(Partition.of(4, (0, 1)).tag()) == \
        tmp_path / "citybot.db.index.shards-0-1-of-4"
    assert Database("postgresql://u@h/db").snapshot_path() is None  # none unless set
    assert Database(tmp_path / "x.db", index_snapshot="").snapshot_path() is None
