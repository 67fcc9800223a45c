"""Name keys (migration 004): written with every name and alias, repaired on open, and an
older database upgraded; plus the batched snapshots and the scopes the checks rely on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.core.bootstrap import Core, start_core
from bot.core.moderation import Actor
from bot.core.store import Store
from bot.core.store.base import migrations
from bot.core.store.name_keys import key_format
from bot.core.text import normalize
from tests.core.test_moderation import CONSOLE, GUILD, MOD, OTHER_MOD


async def stale_keys(store: Store) -> list[tuple[str, int, str, str | None]]:
    """Every row whose key is not the normalised name (or alias) it stands for."""
    wrong = []
    for table, column, text in (("cities", "name_key", "name"),
                                ("officials", "name_key", "name"),
                                ("aliases", "alias_key", "alias")):
        for row in await store._rows(f"SELECT id, {text}, {column} FROM {table}"):
            if row[2] != normalize(row[1]):
                wrong.append((table, row[0], row[1], row[2]))
    return wrong


async def test_every_write_path_keeps_the_keys(core: Core) -> None:
    moderation = core.moderation
    assert await core.store._scalar("SELECT count(*) FROM aliases") > 10
    assert await stale_keys(core.store) == []  # the bundled article, as loaded
    town = await moderation.add(MOD, "city", {"name": "Springfield", "aliases": "Springy, SPF"})
    person = await moderation.add(MOD, "official", {"name": "Zoë D’Arcy", "aliases": "Zoe"})
    assert town.changed and person.changed
    assert (await moderation.edit(MOD, "city", str(town.ref.id), {"name": "Shelbyville"})).changed
    assert (await moderation.edit(MOD, "official", str(person.ref.id),
                                  {"name": "ZOË D’ARCY"})).changed  # the same key
    assert (await moderation.alias(MOD, "add", "city", str(town.ref.id), "Shelby Ville")).changed
    assert (await moderation.alias(MOD, "remove", "city", str(town.ref.id), "spf")).changed
    assert (await moderation.undo(MOD)).changed  # the alias comes back
    assert (await moderation.edit(MOD, "city", str(town.ref.id), {"name": "Capital City"})
            ).changed
    assert (await moderation.undo(MOD)).changed  # the name goes back
    export = await moderation.export(MOD)
    export["cities"][0]["name"] = "Ogdenville"
    export["cities"][0]["aliases"] = ["Ogden"]
    export["cities"].append({"key": "north-haverbrook", "name": "North Haverbrook",
                             "aliases": ["NHB"]})
    imported = await moderation.import_data(MOD, export)
    assert imported.changed, imported.answer.description
    names = {row[0] for row in await core.store._rows(
        "SELECT name FROM cities WHERE guild_id = ?", (GUILD,))}
    assert names == {"Ogdenville", "North Haverbrook"}
    assert await stale_keys(core.store) == []
    assert await core.store._scalar("SELECT count(*) FROM cities WHERE name_key IS NULL") == 0


async def test_a_name_written_without_its_key_is_still_checked(core: Core) -> None:
    """Code that knows nothing of keys (or a hand edit) leaves the key unknown, not stale."""
    town = await core.moderation.add(MOD, "city", {"name": "Springfield"})
    other = await core.moderation.add(MOD, "city", {"name": "Shelbyville"})
    await core.store._db.execute("UPDATE cities SET name = 'Gotham' WHERE id = ?",
                                 (town.ref.id,))
    await core.store._db.execute(
        "INSERT INTO aliases (city_id, alias) VALUES (?, 'Old Gotham')", (other.ref.id,))
    assert await core.store._scalar("SELECT name_key FROM cities WHERE id = ?",
                                    (town.ref.id,)) is None
    for name, owner in (("GOTHAM", f"#{town.ref.id} (Gotham)"),
                        ("old gotham", f"#{other.ref.id} (Shelbyville)")):
        outcome = await core.moderation.add(MOD, "city", {"name": name})
        assert not outcome.changed
        assert outcome.answer.description.startswith(
            f"**name**: “{name}” already names city {owner}")
    # The old key is no longer taken.
    assert (await core.moderation.add(MOD, "city", {"name": "Springfield"})).changed
    # Reopening fills in what is missing.
    assert await core.store.refresh_name_keys() == 2
    assert await stale_keys(core.store) == []


async def test_an_older_database_is_upgraded_and_checked(db_path: Path) -> None:
    con = sqlite3.connect(db_path)
    for number, _name, sql in migrations()[:3]:
        con.executescript(sql)
        con.execute(f"PRAGMA user_version = {number}")
    con.execute("INSERT INTO cities (guild_id, key, name) VALUES (?, 'gotham', 'Gotham')",
                (GUILD,))
    con.execute("INSERT INTO aliases (city_id, alias) VALUES (1, 'Old Gotham')")
    con.commit()
    con.close()
    core = await start_core(db_path)
    try:
        assert await core.store.schema_version() == len(migrations()) >= 4
        assert await stale_keys(core.store) == []
        outcome = await core.moderation.add(MOD, "city", {"name": "OLD GOTHAM!"})
        assert not outcome.changed
        assert "“OLD GOTHAM!” already names city #1 (Gotham)" in outcome.answer.description
        elsewhere = await core.moderation.add(OTHER_MOD, "city", {"name": "Gotham"})
        assert elsewhere.changed
    finally:
        await core.close()


async def test_keys_are_recomputed_when_the_normalisation_changed(db_path: Path) -> None:
    core = await start_core(db_path)
    await core.store._db.execute("UPDATE cities SET name_key = 'made by another version'")
    await core.store._db.execute("UPDATE aliases SET alias_key = 'made by another version'")
    await core.store._db.execute("UPDATE name_key_format SET format = 'another version'")
    await core.close()
    core = await start_core(db_path)
    try:
        assert await core.store._scalar("SELECT format FROM name_key_format") == key_format()
        assert await stale_keys(core.store) == []
        assert not (await core.moderation.add(MOD, "city", {"name": "philly"})).changed
        assert await core.store.refresh_name_keys() == 0  # nothing to do the next time
    finally:
        await core.close()


async def test_name_holder_ids_read_only_the_candidates(core: Core) -> None:
    store = core.store
    seattle = int(await store._scalar("SELECT id FROM cities WHERE name = 'Seattle'"))
    assert await store.name_holder_ids("city", ["SEATTLE"], (0,)) == [seattle]
    assert await store.name_holder_ids("city", ["emerald-city", "nowhere"], None) == [seattle]
    assert await store.name_holder_ids("city", ["nowhere", "", "!!"], None) == []
    assert await store.name_holder_ids("city", ["Seattle"], (GUILD,)) == []
    mine = await core.moderation.add(MOD, "city", {"name": "Twin Peaks"})
    assert await store.name_holder_ids("city", ["twin peaks"], (0, GUILD)) == [mine.ref.id]
    assert await store.name_holder_ids("city", ["twin peaks"], (0, GUILD + 1)) == []
    assert await store.name_holder_ids("official", ["twin peaks"], None) == []


async def test_batched_snapshots_equal_one_by_one(core: Core) -> None:
    await core.moderation.add(MOD, "city", {"name": "Springfield", "aliases": "B, A, C",
                                            "facts": "one | two | three"})
    gone = await core.moderation.add(MOD, "city", {"name": "Gone"})
    removal = await core.moderation.prepare_remove(MOD, "city", str(gone.ref.id))
    await core.moderation.remove(MOD, removal.ref, removal.version)
    store = core.store
    for kind in ("city", "official", "statement"):
        every = await store.entries(kind, (0, GUILD), removed=True)
        assert every == [await store.entry(kind, e["id"]) for e in every]
        assert await store.entries_by_id(kind, [e["id"] for e in reversed(every)] + [10**9]) \
            == every
        assert await store.entries(kind, (0, GUILD)) == \
            [e for e in every if e["deleted_at"] is None]
        assert await store.removed_entries(kind, (0, GUILD)) == \
            [e for e in every if e["deleted_at"] is not None]
    [springfield] = [e for e in await store.entries("city", (GUILD,))
                     if e["name"] == "Springfield"]
    assert springfield["aliases"] == ["B", "A", "C"]
    assert springfield["facts"] == ["one", "two", "three"]


async def test_scopes_are_every_scope_that_holds_an_entry(core: Core) -> None:
    await core.moderation.add(MOD, "city", {"name": "Springfield"})
    await core.moderation.add(Actor(1, 333, moderator=True), "official", {"name": "Zed"})
    await core.moderation.add(Actor(1, 444, moderator=True), "statement",
                              {"speaker": "Ed Murray", "text": "Only a statement here"})
    assert (await core.moderation.add(CONSOLE, "city", {"name": "Shelbyville"})).changed
    assert await core.store.scopes() == tuple(sorted((0, GUILD, 333, 444)))
