"""The uniqueness checks of add, edit, alias and approval: what they refuse, in which scopes,
with which words; and that they read only the entries that could collide."""

from __future__ import annotations

import random
import unicodedata
from typing import Any

import pytest

from bot.core.bootstrap import Core
from bot.core.moderation import Actor
from bot.core.moderation.rules import duplicate_statement, name_clash
from bot.core.text import normalize
from tests.core.test_moderation import CONSOLE, GUILD, MOD, OTHER, OTHER_MOD, dump

BECK = "I don’t intend on doing anything different"  # one of the bundled statements
WORDS = "the harbour lanterns stay lit for every newcomer"
DUPLICATE = "this speaker already has a statement with nearly the same words"


@pytest.fixture
def no_full_snapshots(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks must not read every entry in scope (that grew with the store)."""

    async def everything(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a uniqueness check read every entry in scope")

    monkeypatch.setattr(core.store, "entries", everything)


async def _id(core: Core, kind: str, name: str) -> int:
    table = {"city": "cities", "official": "officials"}[kind]
    return int(await core.store._scalar(f"SELECT id FROM {table} WHERE name = ?", (name,)))


def _refused(outcome: Any, field: str, message: str, existing: str | None = None) -> None:
    assert not outcome.changed, outcome.answer.description
    expected = f"**{field}**: {message}"
    if existing is not None:
        expected += f"\n\nThe existing entry: {existing}"
    assert outcome.answer.description == expected


# ---- names and aliases --------------------------------------------------------------------

@pytest.mark.usefixtures("no_full_snapshots")
@pytest.mark.parametrize("name", ["Seattle", "SEATTLE", "  seattle!", "Séattle", "ｓｅａｔｔｌｅ",
                                  "Emerald City", "emerald-city", "EMERALD_CITY", "Seattle, WA"])
async def test_a_name_taken_after_normalisation_is_refused(core: Core, name: str) -> None:
    before = await dump(core.store)
    seattle = await _id(core, "city", "Seattle")
    outcome = await core.moderation.add(MOD, "city", {"name": name})
    shown = " ".join(name.split())
    _refused(outcome, "name", f"“{shown}” already names city #{seattle} (Seattle)",
             f"city #{seattle} (Seattle)")
    assert await dump(core.store) == before


@pytest.mark.usefixtures("no_full_snapshots")
async def test_an_alias_taken_by_a_name_or_an_alias_is_refused(core: Core) -> None:
    philly = await _id(core, "city", "Philadelphia")
    chicago = await _id(core, "city", "Chicago")
    outcome = await core.moderation.add(MOD, "city", {"name": "Brand New Town",
                                                      "aliases": "BNT, PHILLY"})
    _refused(outcome, "aliases", f"“PHILLY” already names city #{philly} (Philadelphia)",
             f"city #{philly} (Philadelphia)")
    outcome = await core.moderation.add(MOD, "city", {"name": "Brand New Town",
                                                      "aliases": "chicago"})
    _refused(outcome, "aliases", f"“chicago” already names city #{chicago} (Chicago)",
             f"city #{chicago} (Chicago)")
    beck = await _id(core, "official", "Charlie Beck")
    outcome = await core.moderation.add(MOD, "official", {"name": "chief  BECK"})
    _refused(outcome, "name", f"“chief BECK” already names official #{beck} (Charlie Beck)",
             f"official #{beck} (Charlie Beck)")
    fine = await core.moderation.add(MOD, "city", {"name": "Brand New Town", "aliases": "BNT"})
    assert fine.changed, fine.answer.description


@pytest.mark.usefixtures("no_full_snapshots")
async def test_renames_and_new_aliases_are_checked_old_ones_are_not(core: Core) -> None:
    town = await core.moderation.add(MOD, "city", {"name": "Springfield",
                                                   "aliases": "Springy"})
    assert town.changed
    seattle = await _id(core, "city", "Seattle")
    renamed = await core.moderation.edit(MOD, "city", str(town.ref.id), {"name": "SEA"})
    _refused(renamed, "name", f"“SEA” already names city #{seattle} (Seattle)",
             f"city #{seattle} (Seattle)")
    alias = await core.moderation.alias(MOD, "add", "city", str(town.ref.id), "seattle wa")
    _refused(alias, "aliases", f"“seattle wa” already names city #{seattle} (Seattle)",
             f"city #{seattle} (Seattle)")
    # Its own name and aliases are not a clash: a new spelling of its own name is fine.
    respelled = await core.moderation.edit(MOD, "city", str(town.ref.id),
                                           {"name": "SPRINGFIELD", "state": "Oregon"})
    assert respelled.changed, respelled.answer.description
    other = await core.moderation.edit(MOD, "city", str(town.ref.id), {"state": "Ohio"})
    assert other.changed, other.answer.description


async def test_names_clash_only_with_what_the_scope_can_see(core: Core) -> None:
    mine = await core.moderation.add(MOD, "city", {"name": "Quillon Harbour"})
    assert mine.changed
    # Another server does not see it, so may use the name; the global scope sees every scope.
    theirs = await core.moderation.add(OTHER_MOD, "official", {"name": "Zeb Quartermaine"})
    assert theirs.changed
    elsewhere = await core.moderation.add(OTHER_MOD, "city", {"name": "quillon harbour"})
    assert elsewhere.changed, elsewhere.answer.description
    official = await core.moderation.add(CONSOLE, "official", {"name": "ZEB QUARTERMAINE"})
    _refused(official, "name", f"“ZEB QUARTERMAINE” already names official #{theirs.ref.id} "
             "(Zeb Quartermaine)", f"official #{theirs.ref.id} (Zeb Quartermaine)")
    city = await core.moderation.add(CONSOLE, "city", {"name": "Quillon-Harbour"})
    _refused(city, "name", f"“Quillon-Harbour” already names city #{mine.ref.id} "
             "(Quillon Harbour)", f"city #{mine.ref.id} (Quillon Harbour)")
    # A global name is visible to every server.
    seattle = await _id(core, "city", "Seattle")
    _refused(await core.moderation.add(OTHER_MOD, "city", {"name": "seattle"}), "name",
             f"“seattle” already names city #{seattle} (Seattle)", f"city #{seattle} (Seattle)")


async def test_a_removed_entry_frees_its_name(core: Core) -> None:
    town = await core.moderation.add(MOD, "city", {"name": "Gone Town", "aliases": "GT"})
    removal = await core.moderation.prepare_remove(MOD, "city", str(town.ref.id))
    assert (await core.moderation.remove(MOD, removal.ref, removal.version)).changed
    again = await core.moderation.add(MOD, "city", {"name": "gone town", "aliases": "gt"})
    assert again.changed, again.answer.description


async def test_the_candidates_are_a_superset_of_every_clash(core: Core) -> None:
    """The narrow read finds exactly the clash the full scan finds, for spellings of every
    name and alias in the store (case, accents, punctuation, width, spaces)."""
    await core.moderation.add(MOD, "official", {"name": "Zoë D’Arcy-Smith",
                                                "aliases": "Zoe, Ms. D'Arcy"})
    await core.moderation.add(OTHER_MOD, "city", {"name": "Ålesund Øst", "aliases": "A.O."})
    rng = random.Random(7)
    store = core.store
    for kind in ("city", "official"):
        every_scope = await store.scopes()
        all_entries = await store.entries(kind, every_scope)
        spellings = [n for e in all_entries for n in (e["name"], *e["aliases"])]
        spellings += ["nobody at all", "", "!!!", "ＺＯＥ"]
        for spelling in spellings:
            for variant in {spelling, *(_respell(rng, spelling) for _ in range(3))}:
                for scopes in ((0,), (0, GUILD), (0, OTHER), None):
                    full = all_entries if scopes is None else \
                        await store.entries(kind, scopes)
                    narrow = await store.name_holders(kind, [variant], scopes)
                    assert len(narrow) <= 2 or not normalize(variant)
                    expected = name_clash([variant], full)
                    found = name_clash([variant], narrow)
                    assert (found and (found[0], found[1]["id"])) == \
                        (expected and (expected[0], expected[1]["id"])), (kind, variant, scopes)


def _respell(rng: random.Random, text: str) -> str:
    out = []
    for ch in text:
        roll = rng.random()
        if roll < 0.3:
            ch = ch.swapcase()
        elif roll < 0.4 and ch.isalpha():
            ch = unicodedata.normalize("NFC", ch + "\u0301")  # an accent
        elif roll < 0.5 and ch == " ":
            ch = rng.choice(("  ", "-", "_", ". "))
        out.append(ch)
    return "".join(out) + rng.choice(("", "!", " ", "’"))


# ---- statements ---------------------------------------------------------------------------

async def test_a_duplicate_statement_of_the_same_speaker_is_refused(
    core: Core, no_full_snapshots: None
) -> None:
    before = await dump(core.store)
    said = int(await core.store._scalar("SELECT id FROM statements WHERE text = ?", (BECK,)))
    outcome = await core.moderation.add(MOD, "statement", {"speaker": "Charlie Beck",
                                                           "text": BECK.upper() + "!!"})
    _refused(outcome, "text", DUPLICATE, f"statement #{said} (Charlie Beck: “{BECK}”)")
    assert await dump(core.store) == before
    # The same words from someone else are not a duplicate.
    other = await core.moderation.add(MOD, "statement", {"speaker": "Rahm Emanuel",
                                                         "text": BECK})
    assert other.changed, other.answer.description


async def test_duplicate_statements_only_in_the_scopes_that_can_see_them(core: Core) -> None:
    mine = await core.moderation.add(MOD, "statement", {"speaker": "Ed Murray", "text": WORDS})
    assert mine.changed
    label = f"statement #{mine.ref.id} (Ed Murray: “{WORDS}”)"
    again = await core.moderation.add(MOD, "statement", {"speaker": "Ed Murray",
                                                         "text": WORDS.title() + "."})
    _refused(again, "text", DUPLICATE, label)
    elsewhere = await core.moderation.add(OTHER_MOD, "statement", {"speaker": "Ed Murray",
                                                                   "text": WORDS})
    assert elsewhere.changed, elsewhere.answer.description
    global_one = await core.moderation.add(CONSOLE, "statement", {"speaker": "Ed Murray",
                                                                  "text": WORDS})
    _refused(global_one, "text", DUPLICATE, label)
    # A removed statement is no duplicate any more.
    for ref in (mine.ref, elsewhere.ref):
        actor = MOD if ref == mine.ref else OTHER_MOD
        removal = await core.moderation.prepare_remove(actor, "statement", str(ref.id))
        assert (await core.moderation.remove(actor, removal.ref, removal.version)).changed
    assert (await core.moderation.add(CONSOLE, "statement", {"speaker": "Ed Murray",
                                                             "text": WORDS})).changed


@pytest.mark.usefixtures("no_full_snapshots")
async def test_an_edit_into_a_duplicate_is_refused(core: Core) -> None:
    first = await core.moderation.add(MOD, "statement", {"speaker": "Megan Barry",
                                                         "text": WORDS})
    second = await core.moderation.add(MOD, "statement", {"speaker": "Megan Barry",
                                                          "text": "Nashville is open"})
    moved = await core.moderation.add(MOD, "statement", {"speaker": "Jim Kenney",
                                                         "text": WORDS})
    assert first.changed and second.changed and moved.changed
    label = f"statement #{first.ref.id} (Megan Barry: “{WORDS}”)"
    text = await core.moderation.edit(MOD, "statement", str(second.ref.id), {"text": WORDS})
    _refused(text, "text", DUPLICATE, label)
    speaker = await core.moderation.edit(MOD, "statement", str(moved.ref.id),
                                         {"speaker": "Megan Barry"})
    _refused(speaker, "text", DUPLICATE, label)
    # Retyping its own words is not a duplicate of itself.
    own = await core.moderation.edit(MOD, "statement", str(first.ref.id),
                                     {"text": WORDS + "!"})
    assert own.changed, own.answer.description


async def test_approval_refuses_a_duplicate_added_meanwhile(core: Core) -> None:
    member = Actor(1001, GUILD)
    proposal = {"speaker": "Muriel Bowser", "text": WORDS}
    suggestion = await core.moderation.suggest(member, proposal)
    assert suggestion.suggestion is not None, suggestion.answer.description
    added = await core.moderation.add(MOD, "statement", {**proposal, "text": WORDS.upper()})
    assert added.changed
    late = await core.moderation.decide(MOD, suggestion.suggestion.id, True)
    _refused(late, "text", DUPLICATE, f"statement #{added.ref.id} (Muriel Bowser: "
             f"“{WORDS.upper()}”)")


async def test_speaker_statements_are_the_full_scan_filtered(core: Core) -> None:
    await core.moderation.add(MOD, "statement", {"speaker": "Ed Murray", "text": WORDS})
    await core.moderation.add(OTHER_MOD, "statement", {"speaker": "Ed Murray",
                                                       "text": "Seattle stays"})
    store = core.store
    every_scope = await store.scopes()
    assert OTHER in every_scope and GUILD in every_scope
    for official in await store.entries("official", every_scope):
        for scopes in ((0,), (0, GUILD), (0, OTHER), None):
            full = await store.entries("statement", every_scope if scopes is None else scopes)
            expected = [s for s in full if s["official_id"] == official["id"]]
            narrow = await store.speaker_statements(official["id"], scopes)
            assert narrow == expected
            for s in expected:
                assert duplicate_statement(s["text"], narrow) == \
                    duplicate_statement(s["text"], expected)
