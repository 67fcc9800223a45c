"""Moderation use cases on a real seeded store: rules, scope, audit, undo, catalog in step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.core.bootstrap import Core, start_core
from bot.core.moderation import Actor, parse_flags
from bot.core.moderation.rules import Refusal
from bot.core.store import Store

GUILD = 111
OTHER = 222
MOD = Actor(1002, GUILD, moderator=True)
OTHER_MOD = Actor(2002, OTHER, moderator=True)
MEMBER = Actor(1001, GUILD)
OWNER = Actor(9999, GUILD, owner=True, moderator=True)
CONSOLE = Actor.console()

TABLES = ("cities", "city_facts", "officials", "statements", "aliases", "audit_log",
          "mod_roles", "suggestions")


async def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the moderation touches, to compare before and after."""
    return {t: [tuple(r) for r in await store._rows(f"SELECT * FROM {t} ORDER BY 1")]
            for t in TABLES}


async def add_statement(core: Core, actor: Actor = MOD, **fields: str) -> Any:
    raw = {"speaker": "Rahm Emanuel", "text": "Chicago will always be a sanctuary city for "
           "everyone who lives here", **fields}
    return await core.moderation.add(actor, "statement", raw)


async def test_an_added_statement_is_found_at_once_in_its_server_only(core: Core) -> None:
    outcome = await add_statement(core, where="at City Hall", date="2016-11-16")
    assert outcome.changed, outcome.answer.description
    answer = await core.lookup.quote("always be a sanctuary city for everyone", GUILD)
    assert "always be a sanctuary city" in answer.description
    assert answer.title == "Rahm Emanuel"
    elsewhere = core.lookup.hits("statement", "always be a sanctuary city for everyone", OTHER)
    assert outcome.ref not in [h.ref for h in elsewhere]
    choices = core.lookup.complete("statement", "sanctuary city for everyone", GUILD)
    assert any("everyone" in c.value for c in choices)
    assert not any("everyone" in c.value
                   for c in core.lookup.complete("statement", "for everyone who", OTHER))


async def test_changes_survive_a_restart(database: Path | str) -> None:
    core = await start_core(database)
    await core.moderation.add(MOD, "city", {"name": "Springfield", "state": "Illinois",
                                            "aliases": "Springy, Capital City"})
    await core.close()
    core = await start_core(database)
    try:
        answer = await core.lookup.city("springy", GUILD)
        assert answer.title == "Springfield, Illinois"
    finally:
        await core.close()


async def test_every_change_writes_an_audit_row(core: Core) -> None:
    added = await add_statement(core)
    ref = added.ref
    await core.moderation.edit(MOD, "statement", str(ref.id), {"where": "on Twitter"})
    removal = await core.moderation.prepare_remove(MOD, "statement", str(ref.id))
    await core.moderation.remove(MOD, removal.ref, removal.version)
    await core.moderation.restore(MOD, "statement", str(ref.id))
    rows = await core.store.audit_rows((GUILD,), kind="statement", entry_id=ref.id)
    assert [r.action for r in rows] == ["restore", "remove", "edit", "add"]
    edit = rows[2]
    assert edit.actor_id == MOD.user_id and edit.guild_id == GUILD
    assert edit.before["said_where"] == "" and edit.after["said_where"] == "on Twitter"
    assert edit.created_at


async def test_a_failed_audit_write_rolls_the_change_back(core: Core, monkeypatch) -> None:
    before = await dump(core.store)

    async def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(core.store, "_audit", broken)
    with pytest.raises(RuntimeError):
        await add_statement(core)
    assert await dump(core.store) == before


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"text": ""}, "text", "required"),
        ({"text": "   "}, "text", "required"),
        ({"speaker": ""}, "speaker", "required"),
        ({"text": "x" * 1001}, "text", "limit is 1000"),
        ({"where": "w" * 201}, "where", "limit is 200"),
        ({"date": "last Tuesday"}, "date", "not a date"),
        ({"date": "2016-02-30"}, "date", "not a date"),
        ({"url": "javascript:alert(1)"}, "url", "http"),
        ({"url": "ftp://example.com/x"}, "url", "http"),
        ({"kind": "rumour"}, "kind", "quote"),
        ({"speaker": "Zorblax the Mayor"}, "speaker", "no one"),
        ({"city": "Atlantis"}, "city", "no city"),
        ({"colour": "red"}, "colour", "not a field"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(core: Core, fields: dict[str, str],
                                                     field: str, words: str) -> None:
    before = await dump(core.store)
    outcome = await add_statement(core, **fields)
    assert not outcome.changed
    assert outcome.answer.kind == "error" and outcome.answer.private
    assert f"**{field}**" in outcome.answer.description
    assert words in outcome.answer.description
    assert await dump(core.store) == before


async def test_an_unknown_speaker_is_refused_with_the_closest_names(core: Core) -> None:
    before = await dump(core.store)
    outcome = await add_statement(core, speaker="Emanuel Rahmsky")
    assert not outcome.changed
    assert "**speaker**: no one called “Emanuel Rahmsky”" in outcome.answer.description
    assert "the closest: Rahm Emanuel" in outcome.answer.description
    assert await dump(core.store) == before
    typo = await add_statement(core, speaker="Rahm Emmanuelle")  # a typo still finds him
    assert typo.changed and "Rahm Emanuel" in typo.answer.title


async def test_a_near_duplicate_shows_the_existing_entry(core: Core) -> None:
    before = await dump(core.store)
    outcome = await core.moderation.add(MOD, "statement", {
        "speaker": "Charlie Beck", "text": "We are not going to engage in law enforcement "
        "activities solely based on somebody's immigration status! We are not going to work "
        "with Homeland Security on deportation efforts. That's not our job, nor will I make "
        "it our job."})
    assert not outcome.changed, outcome.answer.description
    assert "**text**" in outcome.answer.description
    assert "The existing entry: statement #" in outcome.answer.description
    assert await dump(core.store) == before
    first = await add_statement(core)
    again = await add_statement(core, text="Chicago will ALWAYS be a sanctuary city, for "
                                "everyone who lives here!")
    assert first.changed and not again.changed
    assert f"statement #{first.ref.id}" in again.answer.description


async def test_duplicate_names_and_aliases_are_refused(core: Core) -> None:
    before = await dump(core.store)
    dup = await core.moderation.add(MOD, "city", {"name": "Seattle"})
    assert not dup.changed and "**name**" in dup.answer.description
    alias = await core.moderation.add(MOD, "city", {"name": "Emerald Town",
                                                    "aliases": "Emerald City"})
    assert not alias.changed and "**aliases**" in alias.answer.description
    assert await dump(core.store) == before
    town = await core.moderation.add(MOD, "city", {"name": "Springfield"})
    taken = await core.moderation.alias(MOD, "add", "city", str(town.ref.id), "Philly")
    assert not taken.changed and "Philadelphia" in taken.answer.description
    # Another server's entries are not in this server's visible scope.
    other = await core.moderation.add(OTHER_MOD, "city", {"name": "Springfield"})
    assert other.changed


async def test_alias_add_and_remove(core: Core) -> None:
    town = await core.moderation.add(MOD, "city", {"name": "Springfield", "state": "Oregon"})
    added = await core.moderation.alias(MOD, "add", "city", "Springfield", "Sprfld")
    assert added.changed
    assert (await core.lookup.city("sprfld", GUILD)).title == "Springfield, Oregon"
    removed = await core.moderation.alias(MOD, "remove", "city", str(town.ref.id), "sprfld")
    assert removed.changed
    assert (await core.lookup.city("sprfld", GUILD)).kind != "card"
    missing = await core.moderation.alias(MOD, "remove", "city", str(town.ref.id), "nope")
    assert not missing.changed and "**alias**" in missing.answer.description
    statement = await core.moderation.alias(MOD, "add", "statement", "1", "x")
    assert not statement.changed and "**kind**" in statement.answer.description


async def test_edits_are_visible_at_once_and_can_be_undone(core: Core) -> None:
    added = await add_statement(core)
    edited = await core.moderation.edit(MOD, "statement", str(added.ref.id),
                                        {"text": "Chicago stays a welcoming city for all"})
    assert edited.changed and "text:" in edited.answer.description
    assert "welcoming city for all" in (await core.lookup.quote("welcoming city for all",
                                                                GUILD)).description
    undone = await core.moderation.undo(MOD)
    assert undone.changed, undone.answer.description
    [statement] = await core.store.statements((GUILD,), ids=[added.ref.id])
    assert statement.text.startswith("Chicago will always")
    assert core.lookup.hits("statement", "welcoming city for all", GUILD)[0].score < 90
    undo_add = await core.moderation.undo(MOD)
    assert undo_add.changed
    assert await core.store.statements((GUILD,), ids=[added.ref.id]) == []
    nothing = await core.moderation.undo(MOD)
    assert not nothing.changed and "no change here to undo" in nothing.answer.description


async def test_removal_is_soft_and_restorable(core: Core) -> None:
    added = await add_statement(core)
    prepared = await core.moderation.prepare_remove(MOD, "statement", str(added.ref.id))
    assert not prepared.changed and prepared.version == 1
    removed = await core.moderation.remove(MOD, prepared.ref, prepared.version)
    assert removed.changed
    assert await core.store.entry("statement", added.ref.id) is not None  # still stored
    assert core.lookup.hits("statement", "always be a sanctuary city for everyone",
                            GUILD)[0].score < 90
    twice = await core.moderation.remove(MOD, prepared.ref, removed.version)
    assert not twice.changed and "already removed" in twice.answer.description
    restored = await core.moderation.restore(MOD, "statement", f"#{added.ref.id}")
    assert restored.changed
    assert core.lookup.hits("statement", "always be a sanctuary city for everyone",
                            GUILD)[0].score >= 90


async def test_editing_an_entry_removed_meanwhile_is_refused(core: Core) -> None:
    added = await add_statement(core)
    prepared = await core.moderation.prepare_remove(MOD, "statement", str(added.ref.id))
    await core.moderation.remove(MOD, prepared.ref, prepared.version)
    before = await dump(core.store)
    late = await core.moderation.edit(MOD, "statement", str(added.ref.id), {"where": "x"},
                                      expected_version=1)
    assert not late.changed and "removed" in late.answer.description
    assert await dump(core.store) == before


async def test_two_moderators_editing_at_once_the_second_sees_a_conflict(core: Core) -> None:
    added = await add_statement(core)
    seen = added.version  # both opened the entry at this version
    first = await core.moderation.edit(MOD, "statement", str(added.ref.id),
                                       {"where": "on TV"}, expected_version=seen)
    assert first.changed
    before = await dump(core.store)
    second = await core.moderation.edit(Actor(1003, GUILD, moderator=True), "statement",
                                        str(added.ref.id), {"when": "Tuesday"},
                                        expected_version=seen)
    assert not second.changed
    assert "**version**" in second.answer.description
    assert "changed by someone else" in second.answer.description
    assert await dump(core.store) == before
    [statement] = await core.store.statements((GUILD,), ids=[added.ref.id])
    assert statement.said_where == "on TV"  # the first edit is not lost


async def test_a_removal_confirmed_after_an_edit_is_refused(core: Core) -> None:
    added = await add_statement(core)
    prepared = await core.moderation.prepare_remove(MOD, "statement", str(added.ref.id))
    await core.moderation.edit(MOD, "statement", str(added.ref.id), {"where": "there"})
    late = await core.moderation.remove(MOD, prepared.ref, prepared.version)
    assert not late.changed and "**version**" in late.answer.description


async def test_scope_rules(core: Core) -> None:
    before = await dump(core.store)
    # Global entries are read-only to server moderators.
    seattle = await core.moderation.edit(MOD, "city", "Seattle", {"stance": "x"})
    assert not seattle.changed and "only the bot's owner" in seattle.answer.description
    by_id = await core.moderation.edit(MOD, "city", "1", {"stance": "x"})
    assert not by_id.changed
    assert (await core.moderation.prepare_remove(MOD, "city", "1")).answer.kind != "card"
    # Members change nothing.
    assert not (await add_statement(core, actor=MEMBER)).changed
    assert not (await core.moderation.undo(MEMBER)).changed
    assert (await core.moderation.history(MEMBER)).answer.kind != "list"
    assert await dump(core.store) == before
    # Another server's entry is neither visible nor changeable.
    added = await add_statement(core)
    elsewhere = await core.moderation.edit(OTHER_MOD, "statement", str(added.ref.id),
                                           {"where": "x"})
    assert not elsewhere.changed and "no statement" in elsewhere.answer.description
    # The owner edits global entries (from Discord or the console).
    owner = await core.moderation.edit(OWNER, "city", "Seattle", {"state": "WA"})
    assert owner.changed
    console = await core.moderation.edit(CONSOLE, "city", "Seattle", {"state": "Washington"})
    assert console.changed
    assert (await core.lookup.city("Seattle", None)).title == "Seattle, Washington"


async def test_removing_an_official_with_statements_is_refused(core: Core) -> None:
    person = await core.moderation.add(MOD, "official", {"name": "Jane Doe", "role": "Mayor"})
    await core.moderation.add(MOD, "statement", {"speaker": "Jane Doe", "text": "We welcome all"})
    refused = await core.moderation.prepare_remove(MOD, "official", str(person.ref.id))
    assert refused.answer.kind == "error" and "still has 1" in refused.answer.description


async def test_renaming_an_official_relabels_their_statements(core: Core) -> None:
    await core.moderation.add(MOD, "official", {"name": "Jane Doe", "role": "Mayor"})
    await core.moderation.add(MOD, "statement", {"speaker": "jane doe", "text": "We welcome all"})
    await core.moderation.edit(MOD, "official", "Jane Doe", {"name": "Janet Doe"})
    [hit] = core.lookup.hits("statement", "we welcome all", GUILD, 1)
    assert hit.label.startswith("Janet Doe")
    assert (await core.lookup.official("janet", GUILD)).title == "Janet Doe"


async def test_history_lists_who_when_and_what(core: Core) -> None:
    added = await add_statement(core)
    await core.moderation.edit(MOD, "statement", str(added.ref.id), {"where": "on TV"})
    answer = (await core.moderation.history(MOD, "statement", str(added.ref.id))).answer
    assert answer.kind == "list"
    assert "edited" in answer.fields[0].name and "<@1002>" in answer.fields[0].value
    assert "where: — → on TV" in answer.fields[0].value
    everything = (await core.moderation.history(MOD)).answer
    assert len(everything.fields) == 2
    assert (await core.moderation.history(OTHER_MOD)).answer.fields == ()


async def test_edit_needs_a_change_and_known_fields(core: Core) -> None:
    added = await add_statement(core)
    same = await core.moderation.edit(MOD, "statement", str(added.ref.id), {})
    assert not same.changed and "nothing to change" in same.answer.description
    empty = await core.moderation.edit(MOD, "statement", str(added.ref.id), {"text": ""})
    assert not empty.changed and "**text**" in empty.answer.description


def test_parse_flags() -> None:
    assert parse_flags("speaker: Rahm Emanuel text: We stay: here date: 2016-11-14") == {
        "speaker": "Rahm Emanuel", "text": "We stay: here", "date": "2016-11-14"}
    with pytest.raises(ValueError):
        parse_flags("just words")
    with pytest.raises(ValueError):
        parse_flags("text: a text: b")


def test_actor_scopes() -> None:
    assert MOD.editable == (GUILD,)
    assert MEMBER.editable == ()
    assert OWNER.editable == (0, GUILD)
    assert CONSOLE.editable == (0,)
    assert Actor(1002, None, moderator=True).editable == ()
    with pytest.raises(Refusal):
        MOD.check_may_change(0)
