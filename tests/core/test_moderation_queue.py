"""Suggestions, review, moderator roles, export and import, on a real seeded store."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.core.bootstrap import Core
from bot.core.dataset import load_dataset, parse_dataset
from bot.core.moderation import Actor
from tests.core.test_moderation import CONSOLE, GUILD, MEMBER, MOD, OTHER, OTHER_MOD, dump

PROPOSAL = {"speaker": "Bill de Blasio", "text": "New York will not be bullied into giving up "
            "its values", "where": "at a press conference"}


async def test_a_member_suggests_and_a_moderator_approves(core: Core) -> None:
    outcome = await core.moderation.suggest(MEMBER, PROPOSAL, channel_id=5, message_id=6)
    assert outcome.suggestion is not None and not outcome.changed
    assert core.lookup.hits("statement", "not be bullied into giving up", GUILD)[0].score < 90
    queue = await core.moderation.review(MOD)
    assert [s.id for s in queue.suggestions] == [outcome.suggestion.id]
    assert "de Blasio" in queue.answer.fields[0].name
    approved = await core.moderation.decide(MOD, outcome.suggestion.id, approve=True)
    assert approved.changed and approved.suggestion.status == "approved"
    assert approved.suggestion.message_id == 6  # where the proposer is told
    [hit] = core.lookup.hits("statement", "not be bullied into giving up", GUILD, 1)
    assert hit.score >= 90 and hit.ref == approved.ref
    actions = [r.action for r in await core.store.audit_rows((GUILD,))]
    assert actions[:2] == ["approve", "add"]
    again = await core.moderation.decide(MOD, outcome.suggestion.id, approve=False)
    assert not again.changed and "already approved" in again.answer.description


async def test_reject_and_the_queue_is_per_server(core: Core) -> None:
    outcome = await core.moderation.suggest(MEMBER, PROPOSAL)
    assert (await core.moderation.review(OTHER_MOD)).suggestions == ()
    refused = await core.moderation.decide(OTHER_MOD, outcome.suggestion.id, approve=True)
    assert not refused.changed
    assert not (await core.moderation.decide(MEMBER, outcome.suggestion.id, True)).changed
    assert (await core.moderation.review(MEMBER)).answer.kind == "error"
    rejected = await core.moderation.decide(MOD, outcome.suggestion.id, approve=False)
    assert rejected.changed and rejected.suggestion.status == "rejected"
    assert (await core.store.audit_rows((GUILD,)))[0].action == "reject"
    assert (await core.moderation.review(MOD)).suggestions == ()


async def test_a_bad_suggestion_is_refused_at_once(core: Core) -> None:
    before = await dump(core.store)
    bad = await core.moderation.suggest(MEMBER, {**PROPOSAL, "date": "soon"})
    assert bad.suggestion is None and "**date**" in bad.answer.description
    dm = await core.moderation.suggest(Actor(1001, None), PROPOSAL)
    assert dm.suggestion is None
    assert await dump(core.store) == before


async def test_approval_rechecks_duplicates(core: Core) -> None:
    first = await core.moderation.suggest(MEMBER, PROPOSAL)
    second = await core.moderation.suggest(Actor(1005, GUILD), PROPOSAL)
    assert (await core.moderation.decide(MOD, first.suggestion.id, True)).changed
    late = await core.moderation.decide(MOD, second.suggestion.id, True)
    assert not late.changed and "**text**" in late.answer.description


async def test_mod_roles_are_kept_per_server(core: Core) -> None:
    assert not core.moderation.has_mod_role(GUILD, [77])
    assert (await core.moderation.set_mod_role(MOD, 77, True)).changed
    assert core.moderation.has_mod_role(GUILD, [5, 77])
    assert not core.moderation.has_mod_role(OTHER, [77])
    assert not (await core.moderation.set_mod_role(MOD, 77, True)).changed
    assert (await core.store.mod_roles()) == {GUILD: {77}}
    assert (await core.moderation.set_mod_role(MOD, 77, False)).changed
    assert not core.moderation.has_mod_role(GUILD, [77])


# ---- export / import ----------------------------------------------------------------------

async def test_a_server_export_parses_and_names_the_global_speakers(core: Core) -> None:
    await core.moderation.add(MOD, "city", {"name": "Springfield", "aliases": "Springy"})
    await core.moderation.add(MOD, "statement", {"speaker": "Rahm Emanuel",
                                                 "text": "Chicago welcomes everyone"})
    data = await core.moderation.export(MOD)
    dataset = parse_dataset(data)
    assert [c.name for c in dataset.cities] == ["Chicago", "Springfield"]
    assert [o.name for o in dataset.officials] == ["Rahm Emanuel"]
    assert [s.text for s in dataset.statements] == ["Chicago welcomes everyone"]
    everything = parse_dataset(await core.moderation.export(CONSOLE))
    assert len(everything.statements) == len(load_dataset().statements)


async def test_export_is_for_moderators_of_their_own_scope(core: Core) -> None:
    from bot.core.moderation import Refusal

    with pytest.raises(Refusal):
        await core.moderation.export(MEMBER)
    with pytest.raises(Refusal):
        await core.moderation.export(MOD, 0)


def _file(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema": 1,
        "source": {"key": "server-111", "title": "Ours", "outlet": "us", "date": "2024-01-01"},
        "cities": [{"key": "springfield", "name": "Springfield", "state": "Illinois",
                    "aliases": ["Springy"], "stance": "", "facts": ["Has a plant."]}],
        "people": [{"key": "jane-doe", "name": "Jane Doe", "role": "Mayor",
                    "city": "springfield", "aliases": []}],
        "statements": [{"key": "jane-welcome", "speaker": "jane-doe", "city": "springfield",
                        "kind": "quote", "text": "Springfield welcomes everyone",
                        "where": "", "when": "", "date": "2016-11-15", "url": None}],
    }
    data.update(changes)
    return data


async def test_import_writes_everything_in_one_go_and_round_trips(core: Core) -> None:
    outcome = await core.moderation.import_data(MOD, _file())
    assert outcome.changed, outcome.answer.description
    assert "3 added" in outcome.answer.description
    assert (await core.lookup.city("springy", GUILD)).title == "Springfield, Illinois"
    assert core.lookup.hits("statement", "springfield welcomes", GUILD)[0].score >= 90
    assert core.lookup.hits("city", "springy", OTHER)[0].score < 90 if \
        core.lookup.hits("city", "springy", OTHER) else True
    assert [r.action for r in await core.store.audit_rows((GUILD,))] == ["import"] * 3
    exported = await core.moderation.export(MOD)
    again = await core.moderation.import_data(MOD, exported)
    assert "0 added, 0 changed, 3 unchanged" in again.answer.description
    edited = copy.deepcopy(exported)
    edited["people"][0]["role"] = "Former Mayor"
    changed = await core.moderation.import_data(MOD, edited)
    assert "1 changed" in changed.answer.description
    assert (await core.lookup.official("jane doe", GUILD)).description.startswith("Former")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"statements": [{"key": "x", "speaker": "jane-doe", "kind": "quote", "text": "",
                          "date": None}]}, "statements[0] (x): text: is required"),
        ({"statements": [{"key": "x", "speaker": "nobody", "kind": "quote", "text": "hi"}]},
         "statements[0] (x): speaker: no person has the key 'nobody'"),
        ({"statements": [{"key": "x", "speaker": "jane-doe", "kind": "quote", "text": "hi",
                          "date": "yesterday"}]}, "statements[0] (x): date"),
        ({"statements": [{"key": "x", "speaker": "jane-doe", "kind": "quote", "text": "hi",
                          "url": "file:///etc/passwd"}]}, "statements[0] (x): url"),
        ({"cities": [{"key": "springfield", "name": "Seattle"}]},
         "cities[0] (springfield): name"),
        ({"cities": [{"key": "springfield", "name": "Springfield", "aliases": ["Philly"]}]},
         "cities[0] (springfield): aliases"),
        ({"cities": [{"key": "springfield", "name": "Springfield"},
                     {"key": "seattle", "name": "Seattle", "state": "Changed"}]},
         "cities[1] (seattle): key: names a global entry"),
        ({"cities": [{"key": "springfield", "name": "S" * 101}]}, "limit is 100"),
    ],
)
async def test_one_bad_row_rejects_the_whole_file(core: Core, changes: dict[str, Any],
                                                  words: str) -> None:
    before = await dump(core.store)
    data = _file(**changes)
    outcome = await core.moderation.import_data(MOD, data)
    assert not outcome.changed
    assert words in outcome.answer.description, outcome.answer.description
    assert await dump(core.store) == before


async def test_a_duplicate_statement_in_an_import_is_refused(core: Core) -> None:
    data = _file()
    data["statements"].append({**data["statements"][0], "key": "again",
                               "text": "Springfield welcomes everyone!"})
    before = await dump(core.store)
    outcome = await core.moderation.import_data(MOD, data)
    assert "statements[1] (again): text" in outcome.answer.description
    assert await dump(core.store) == before


async def test_import_needs_a_moderator_and_their_scope(core: Core) -> None:
    before = await dump(core.store)
    assert not (await core.moderation.import_data(MEMBER, _file())).changed
    assert not (await core.moderation.import_data(MOD, _file(), 0)).changed
    assert not (await core.moderation.import_data(OTHER_MOD, _file(), GUILD)).changed
    assert await dump(core.store) == before
    assert (await core.moderation.import_data(Actor.console(GUILD), _file(), GUILD)).changed
