"""The import reads only the entries its file could touch (those its keys name, the holders of
its names and aliases, its speakers' statements), never every entry in scope; and decides and
refuses as a read of every entry would."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.core.bootstrap import Core
from bot.core.dataset import DatasetError
from bot.core.matching import GLOBAL
from bot.core.moderation.transfer import plan_import
from bot.core.scope import scopes_for
from bot.core.store import name_keys, snapshots
from tests.core.test_moderation import CONSOLE, GUILD, MOD, OTHER_MOD, add_statement, dump
from tests.core.test_moderation_queue import _file

BECK = "I don’t intend on doing anything different"  # one of the bundled statements


def _no_full_reads(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    async def everything(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the import read every entry in scope")

    monkeypatch.setattr(core.store, "entries", everything)
    monkeypatch.setattr(core.store, "removed_entries", everything)


@pytest.fixture
def no_full_snapshots(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    """The import must not read every entry in scope (that grew with the store)."""
    _no_full_reads(core, monkeypatch)


async def _id(core: Core, table: str, column: str, value: str) -> int:
    return int(await core.store._scalar(f"SELECT id FROM {table} WHERE {column} = ?", (value,)))


def _refused(outcome: Any, message: str) -> None:
    assert not outcome.changed, outcome.answer.description
    assert outcome.answer.description == f"**file**: {message}"


# ---- what an import does, without a full read ----------------------------------------------

@pytest.mark.usefixtures("no_full_snapshots")
async def test_an_import_adds_matches_changes_and_restores_by_key(core: Core) -> None:
    added = await core.moderation.import_data(MOD, _file())
    assert "3 added, 0 changed, 0 unchanged" in added.answer.description
    again = await core.moderation.import_data(MOD, _file())
    assert "0 added, 0 changed, 3 unchanged" in again.answer.description
    edited = _file()
    edited["people"][0]["role"] = "Former Mayor"
    changed = await core.moderation.import_data(MOD, edited)
    assert "0 added, 1 changed, 2 unchanged" in changed.answer.description
    # A removed entry is matched by its key too, and restored.
    statement = await _id(core, "statements", "key", "jane-welcome")
    removal = await core.moderation.prepare_remove(MOD, "statement", str(statement))
    assert (await core.moderation.remove(MOD, removal.ref, removal.version)).changed
    restored = await core.moderation.import_data(MOD, edited)
    assert "0 added, 1 changed, 2 unchanged" in restored.answer.description
    assert (await core.store.entry("statement", statement))["deleted_at"] is None
    # A row whose reference moved to an entry the file does not name is a change.
    moved = copy.deepcopy(edited)
    moved["cities"].append({"key": "shelbyville", "name": "Shelbyville", "state": "Illinois"})
    moved["people"][0]["city"] = "shelbyville"
    outcome = await core.moderation.import_data(MOD, moved)
    assert "1 added, 1 changed, 2 unchanged" in outcome.answer.description
    back = copy.deepcopy(edited)
    back["cities"] = [{"key": "elsewhere", "name": "Elsewhere", "state": "Ohio"}]
    back["people"][0]["city"] = None
    back["statements"][0]["city"] = None
    outcome = await core.moderation.import_data(MOD, back)
    assert "1 added, 2 changed, 0 unchanged" in outcome.answer.description


@pytest.mark.usefixtures("no_full_snapshots")
async def test_a_file_names_global_entries_unchanged_or_is_refused(core: Core) -> None:
    seattle = await core.store.entry("city", await _id(core, "cities", "name", "Seattle"))
    row = {"key": seattle["key"], "name": seattle["name"], "state": seattle["state"],
           "aliases": seattle["aliases"], "stance": seattle["stance"],
           "facts": seattle["facts"]}
    same = await core.moderation.import_data(MOD, _file(cities=[*_file()["cities"], row]))
    assert "3 added, 0 changed, 1 unchanged" in same.answer.description
    before = await dump(core.store)
    differs = await core.moderation.import_data(
        MOD, _file(cities=[*_file()["cities"], {**row, "state": "Changed"}]))
    _refused(differs, f"cities[1] ({seattle['key']}): key: names a global entry, and this row "
             "differs from it; only the owner changes global entries (give your own entry a "
             "new key)")
    assert await dump(core.store) == before


@pytest.mark.usefixtures("no_full_snapshots")
@pytest.mark.parametrize(
    ("cities", "people", "message"),
    [
        ([{"key": "springfield", "name": "SEATTLE"}], None,
         "cities[0] (springfield): name: “SEATTLE” already names city 'Seattle'"),
        ([{"key": "springfield", "name": "Springfield", "aliases": ["Springy", "philly"]}],
         None, "cities[0] (springfield): aliases: “philly” already names city 'Philadelphia'"),
        (None, [{"key": "jane-doe", "name": "Jane Doe", "city": "springfield",
                 "aliases": ["Chief  Beck"]}],
         "people[0] (jane-doe): aliases: “Chief Beck” already names official 'Charlie Beck'"),
        ([{"key": "springfield", "name": "Springfield"},
          {"key": "twin", "name": "Twin Town", "aliases": ["SPRINGFIELD"]}], None,
         "cities[1] (twin): aliases: “SPRINGFIELD” already names city 'Springfield'"),
    ],
)
async def test_names_and_aliases_are_checked_against_their_holders(
        core: Core, cities: Any, people: Any, message: str) -> None:
    data = _file()
    data["cities"] = cities or data["cities"]
    data["people"] = people or data["people"]
    before = await dump(core.store)
    _refused(await core.moderation.import_data(MOD, data), message)
    assert await dump(core.store) == before


async def test_statements_are_checked_against_their_speakers_statements(
        core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = await add_statement(core, speaker="Charlie Beck", text="Our officers stay the course")
    assert mine.changed, mine.answer.description
    exported = await core.moderation.export(MOD)  # an export reads the whole scope
    _no_full_reads(core, monkeypatch)
    assert [p["name"] for p in exported["people"]] == ["Charlie Beck"]
    beck = await _id(core, "statements", "text", BECK)
    data = copy.deepcopy(exported)
    data["statements"][0]["text"] = BECK.upper() + "!"
    before = await dump(core.store)
    outcome = await core.moderation.import_data(MOD, data)
    _refused(outcome, f"statements[0] ({data['statements'][0]['key']}): text: the same speaker "
             f"already has nearly the same statement (#{beck}: “{BECK}”)")
    # Within the file too, by a speaker it adds or one it names.
    twice = copy.deepcopy(exported)
    twice["statements"].append({**twice["statements"][0], "key": "again",
                                "text": "Our officers stay the course."})
    _refused(await core.moderation.import_data(MOD, twice),
             "statements[1] (again): text: the same speaker already has nearly the same "
             "statement (#-1: “Our officers stay the course”)")
    assert await dump(core.store) == before
    unchanged = await core.moderation.import_data(MOD, exported)
    assert "0 added, 0 changed, 3 unchanged" in unchanged.answer.description
    other = copy.deepcopy(exported)
    other["statements"][0]["text"] = "A different sentence altogether, about budgets"
    assert "1 changed" in (await core.moderation.import_data(MOD, other)).answer.description


async def test_scopes_seen_by_a_server_import_and_a_global_one(
        core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    theirs = await core.moderation.add(OTHER_MOD, "city", {"name": "Quillon Harbour"})
    assert theirs.changed
    _no_full_reads(core, monkeypatch)
    data = _file(cities=[{"key": "springfield", "name": "Springfield",
                          "aliases": ["quillon-harbour"]}])
    # Another server's names are not seen by a server's import; the global scope sees all.
    console = await core.moderation.import_data(CONSOLE, data, GLOBAL)
    _refused(console, "cities[0] (springfield): aliases: “quillon-harbour” already names city "
             "'Quillon Harbour'")
    assert (await core.moderation.import_data(MOD, data)).changed


@pytest.mark.usefixtures("no_full_snapshots")
async def test_a_file_of_more_rows_than_one_batch(core: Core,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    chunks = name_keys.chunks
    batches: list[int] = []

    def small(values: Any, size: int = 2) -> Any:
        parts = list(chunks(values, size))
        batches.append(len(parts))
        return parts

    monkeypatch.setattr(snapshots, "chunks", small)
    monkeypatch.setattr(name_keys, "chunks", small)
    cities = [{"key": f"town-{i}", "name": f"Town Number {i}", "aliases": [f"TN{i}"]}
              for i in range(9)]
    data = _file(cities=[*_file()["cities"], *cities])
    assert "12 added" in (await core.moderation.import_data(MOD, data)).answer.description
    assert "12 unchanged" in (await core.moderation.import_data(MOD, data)).answer.description
    clash = copy.deepcopy(data)
    clash["cities"][-1]["aliases"] = ["tn7!"]
    _refused(await core.moderation.import_data(MOD, clash),
             "cities[9] (town-8): aliases: “tn7!” already names city 'Town Number 7'")
    clash["cities"][-1]["aliases"] = ["TN8"]
    clash["cities"][-1]["name"] = "Seattle"
    _refused(await core.moderation.import_data(MOD, clash),
             "cities[9] (town-8): name: “Seattle” already names city 'Seattle'")
    assert max(batches) >= 5


# ---- the same plan as a read of every entry ------------------------------------------------

async def test_the_narrow_reads_plan_as_a_full_read_would(
        core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    """plan_import through the narrow reads, and through the same reads answered from every
    entry in scope: the same steps, or the same refusal, for files that match, clash and
    duplicate in every way the fixtures allow."""
    await add_statement(core, speaker="Charlie Beck", text="Our officers stay the course")
    await core.moderation.add(OTHER_MOD, "city", {"name": "Quillon Harbour"})
    assert (await core.moderation.import_data(MOD, _file())).changed
    exported = await core.moderation.export(MOD)
    store = core.store
    entries = store.entries
    every = await store.scopes()

    async def by_key(kind: str, scope: int, keys: Any, *, removed: bool = False) -> Any:
        wanted = set(keys)
        return [e for e in await entries(kind, (scope,), removed=removed) if e["key"] in wanted]

    async def holders(kind: str, names: Any, scopes: Any) -> Any:
        return await entries(kind, every if scopes is None else scopes)

    async def speakers(ids: Any, scopes: Any) -> Any:
        wanted = set(ids)
        return [e for e in await entries("statement", every if scopes is None else scopes)
                if e["official_id"] in wanted]

    async def plan(data: Any, scope: int) -> Any:
        try:
            return await plan_import(store, CONSOLE if scope == GLOBAL else MOD, data, scope)
        except DatasetError as exc:
            return str(exc)

    files = [exported, _file()]
    for change in (lambda d: d["statements"][-1].update(text=BECK),
                   lambda d: d["statements"][0].update(text="Springfield welcomes everyone!!"),
                   lambda d: d["people"][0].update(aliases=["Beck"]),
                   lambda d: d["people"][0].update(city=None),
                   lambda d: d["cities"][-1].update(aliases=["Quillon Harbour"]),
                   lambda d: d["cities"].append({"key": "none", "name": "Nowhere"}),
                   lambda d: d["cities"][-1].update(name="Chicago")):
        data = copy.deepcopy(exported)
        change(data)
        files.append(data)
    narrow = [await plan(data, scope) for data in files for scope in (GUILD, GLOBAL)]
    monkeypatch.setattr(store, "entries_by_key", by_key)
    monkeypatch.setattr(store, "name_holders", holders)
    monkeypatch.setattr(store, "speakers_statements", speakers)
    full = [await plan(data, scope) for data in files for scope in (GUILD, GLOBAL)]
    assert narrow == full
    assert any(isinstance(p, str) for p in full) and any(isinstance(p, list) for p in full)
    assert scopes_for(GUILD) == (GLOBAL, GUILD)


# ---- the store reads behind it ----------------------------------------------------------------

async def test_entries_by_key_and_speakers_statements(core: Core) -> None:
    store = core.store
    assert (await core.moderation.import_data(MOD, _file())).changed
    everything = await store.entries("city", (GUILD,), removed=True)
    found = await store.entries_by_key("city", GUILD, ["springfield", "nope", "springfield"])
    assert found == [e for e in everything if e["key"] == "springfield"]
    assert await store.entries_by_key("city", GLOBAL, ["springfield"]) == []
    assert await store.entries_by_key("city", GUILD, []) == []
    beck = await _id(core, "officials", "name", "Charlie Beck")
    rahm = await _id(core, "officials", "name", "Rahm Emanuel")
    await add_statement(core, speaker="Charlie Beck", text="Our officers stay the course")
    statements = await store.entries("statement", await store.scopes())
    for scopes in ((GLOBAL,), (GLOBAL, GUILD), None):
        got = await store.speakers_statements([beck, rahm, beck], scopes)
        assert got == [s for s in statements if s["official_id"] in (beck, rahm)
                       and (scopes is None or s["guild_id"] in scopes)]
        assert await store.speaker_statements(beck, scopes) == [
            s for s in got if s["official_id"] == beck]
    assert await store.speakers_statements([], None) == []
