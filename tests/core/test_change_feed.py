"""Two processes' worth of core on one database file: every write reaches the other's index.

Each `start_core` has its own connections, index and role cache, exactly as a second
`citybot run` process would; the feed is driven by `catch_up` (what the background loop calls
when the file's data_version moves), except in the test of the loop itself.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.bootstrap import Core, start_core
from bot.core.matching import EntryRef
from bot.core.moderation import Actor
from bot.core.moderation.outcome import ROLE_REVOKED
from bot.core.partition import Partition

GUILD = 111
ROLE = 5555
MOD = Actor(1002, GUILD, moderator=True)
ADMIN = Actor(1003, GUILD, moderator=True)
BY_ROLE = Actor(1004, GUILD, moderator=True, through_roles=(ROLE, 42))
OWNER = Actor.console()
WORDS = "our city will keep every promise to its neighbours whatever comes"


@pytest.fixture
async def pair(database: Path | str) -> AsyncIterator[tuple[Core, Core]]:
    first = await start_core(database)
    second = await start_core(database)
    yield first, second
    await second.close()
    await first.close()


def found(core: Core, kind: str, query: str, guild: int | None = GUILD) -> list[EntryRef]:
    return [h.ref for h in core.lookup.hits(kind, query, guild)  # type: ignore[arg-type]
            if h.score >= 90]


async def add(core: Core, actor: Actor = MOD, text: str = WORDS) -> EntryRef:
    outcome = await core.moderation.add(actor, "statement",
                                        {"speaker": "Rahm Emanuel", "text": text})
    assert outcome.changed, outcome.answer.description
    assert outcome.ref is not None
    return outcome.ref


async def test_an_add_in_one_process_is_found_by_the_other(pair: tuple[Core, Core]) -> None:
    a, b = pair
    ref = await add(a)
    assert found(b, "statement", WORDS) == []  # not applied yet: b has not read the log
    assert await b.feed.catch_up() >= 1
    assert found(b, "statement", WORDS) == [ref]
    choices = b.lookup.complete("statement", "keep every promise to its", GUILD)
    assert any("promise" in c.value for c in choices)
    assert found(b, "statement", WORDS, guild=222) == []  # still only in its server


async def test_edit_remove_restore_alias_and_undo_reach_the_other(
        pair: tuple[Core, Core]) -> None:
    a, b = pair
    ref = await add(a)
    edited = await a.moderation.edit(MOD, "statement", str(ref.id),
                                     {"text": "the river floods the valley every spring"})
    assert edited.changed, edited.answer.description
    await b.feed.catch_up()
    assert found(b, "statement", "the river floods the valley every spring") == [ref]
    assert found(b, "statement", WORDS) == []  # the old words find nothing any more
    removal = await a.moderation.prepare_remove(MOD, "statement", str(ref.id))
    assert (await a.moderation.remove(MOD, removal.ref, removal.version)).changed
    await b.feed.catch_up()
    assert found(b, "statement", "the river floods the valley every spring") == []
    assert not any("river" in c.value for c in b.lookup.complete("statement", "river floods",
                                                                 GUILD))
    assert (await a.moderation.restore(MOD, "statement", str(ref.id))).changed
    await b.feed.catch_up()
    assert found(b, "statement", "the river floods the valley every spring") == [ref]
    city = await a.moderation.add(MOD, "city", {"name": "Springfield", "state": "Illinois"})
    assert (await a.moderation.alias(MOD, "add", "city", str(city.ref.id), "Shelbyville")
            ).changed
    await b.feed.catch_up()
    assert found(b, "city", "shelbyville") == [city.ref]
    assert (await a.moderation.undo(MOD)).changed  # takes the alias back
    await b.feed.catch_up()
    assert found(b, "city", "shelbyville") == []
    assert found(b, "city", "springfield") == [city.ref]


async def test_a_speaker_renamed_elsewhere_relabels_their_statements(
        pair: tuple[Core, Core]) -> None:
    a, b = pair
    person = await a.moderation.add(MOD, "official", {"name": "Quentin Example", "role": "Mayor"})
    outcome = await a.moderation.add(MOD, "statement", {"speaker": str(person.ref.id),
                                                        "text": WORDS})
    await b.feed.catch_up()
    assert b.lookup.catalog.indexes["statement"].label(outcome.ref).startswith("Quentin")
    await a.moderation.edit(MOD, "official", str(person.ref.id), {"name": "Rowena Example"})
    await b.feed.catch_up()
    assert b.lookup.catalog.indexes["statement"].label(outcome.ref).startswith("Rowena")
    assert found(b, "official", "rowena example") == [person.ref]
    assert found(b, "official", "quentin example") == []


async def test_an_import_while_both_run_is_seen_by_both(pair: tuple[Core, Core],
                                                        database: Path | str) -> None:
    a, b = pair
    data = {"source": {"key": "feed-test", "title": "Feed test", "outlet": "tests",
                       "date": "2024-01-01"},
            "cities": [{"key": "gotham", "name": "Gotham", "state": "New Jersey"}],
            "people": [], "statements": []}
    cli = await start_core(database)  # `citybot import` is a third process
    try:
        outcome = await cli.moderation.import_data(Actor.console(GUILD), data, GUILD)
        assert outcome.changed, outcome.answer.description
    finally:
        await cli.close()
    for core in (a, b):
        await core.feed.catch_up()
        assert len(found(core, "city", "gotham")) == 1


async def test_a_role_removed_in_one_process_is_refused_in_the_other(
        pair: tuple[Core, Core]) -> None:
    a, b = pair
    assert (await a.moderation.set_mod_role(ADMIN, ROLE, True)).changed
    await b.feed.catch_up()
    assert b.moderation.has_mod_role(GUILD, [ROLE])
    await add(b, BY_ROLE)  # allowed while the role moderates
    assert (await a.moderation.set_mod_role(ADMIN, ROLE, False)).changed
    # b has not applied the removal: its cache still says the role moderates ...
    assert b.moderation.has_mod_role(GUILD, [ROLE])
    before = await b.store.fingerprint()
    outcome = await b.moderation.add(BY_ROLE, "statement",
                                     {"speaker": "Rahm Emanuel", "text": "a brand new thought"})
    # ... but the write re-checks the role in its transaction and is refused whole.
    assert not outcome.changed and ROLE_REVOKED in outcome.answer.description
    assert await b.store.fingerprint() == before
    await b.feed.catch_up()
    assert not b.moderation.has_mod_role(GUILD, [ROLE])


async def test_applying_the_log_twice_changes_nothing(pair: tuple[Core, Core]) -> None:
    a, b = pair
    texts = ["the harbour lights stay on all night", "bridges need paint before winter",
             "libraries open early on sundays"]
    refs = [await add(a, text=t) for t in texts]
    await a.moderation.edit(MOD, "statement", str(refs[0].id), {"text": "something else now"})
    await b.feed.catch_up()
    index = b.lookup.catalog.indexes["statement"]
    labels = {r: index.label(r) for r in refs}
    size = len(index)
    b.feed.position = 0  # the whole log again, from the seed on
    assert await b.feed.catch_up() > 0
    assert len(index) == size and {r: index.label(r) for r in refs} == labels
    assert found(b, "statement", "something else now") == [refs[0]]


async def test_a_process_far_behind_catches_up(pair: tuple[Core, Core]) -> None:
    a, b = pair
    pool = ["amber", "basalt", "cobalt", "dune", "ember", "fjord", "glacier", "heron", "iris",
            "juniper", "kelp", "lagoon", "marble", "nectar", "opal", "prairie", "quartz",
            "russet", "sierra", "tundra", "umber", "violet", "willow", "yarrow", "zephyr"]
    rng = random.Random(7)
    texts = [" ".join(rng.sample(pool, 7)) for _ in range(30)]
    refs = {t: await add(a, text=t) for t in texts}
    await b.feed.catch_up()
    assert all(found(b, "statement", t)[:1] == [r] for t, r in refs.items())


async def test_a_log_trimmed_past_the_position_makes_a_rebuild(
        pair: tuple[Core, Core], database: Path | str) -> None:
    a, b = pair
    ref = await add(a)
    await add(a, text="a second statement, so that the first one's row is trimmed too")
    eight_days_ago = datetime.now(UTC) - timedelta(days=8)  # every row is now that old
    await a.store._db.execute("UPDATE changes SET created_at = ?",
                              (eight_days_ago.strftime("%Y-%m-%dT%H:%M:%SZ"),))
    assert await a.store.trim_changes(7) > 0
    assert await b.feed.catch_up() == 0 and b.feed.rebuilds == 1
    assert found(b, "statement", WORDS) == [ref]  # not skipped: rebuilt from the store
    await a.moderation.edit(MOD, "statement", str(ref.id), {"text": "after the rebuild"})
    await b.feed.catch_up()
    assert found(b, "statement", "after the rebuild") == [ref]


async def test_the_loop_shows_a_write_elsewhere_within_a_second(
        pair: tuple[Core, Core]) -> None:
    a, b = pair
    b.follow()
    ref = await add(a)
    started = time.monotonic()
    while not found(b, "statement", WORDS):
        assert time.monotonic() - started < 1.0, "not visible in the other process within 1 s"
        await asyncio.sleep(0.02)
    assert found(b, "statement", WORDS) == [ref]


async def test_a_process_indexes_only_the_servers_of_its_shards(database: Path | str) -> None:
    on_0, on_1 = 2 << 22, 3 << 22  # shards 0 and 1 of 2
    town = {on_0: "Northbrook", on_1: "Southbrook"}
    writer = await start_core(database)
    sharded = await start_core(database, partition=Partition.of(2, [0]))
    try:
        for guild in (on_0, on_1):
            actor = Actor(7, guild, moderator=True)
            assert (await writer.moderation.add(actor, "city", {"name": town[guild]})
                    ).changed
        await sharded.feed.catch_up()
        assert found(sharded, "city", "northbrook", on_0)
        assert not found(sharded, "city", "southbrook", on_1)  # another shard's server
        assert found(sharded, "city", "seattle", on_1)  # the global entries everywhere
        await sharded.feed.drop_guild(on_0)  # the bot left that server
        assert not found(sharded, "city", "northbrook", on_0)
        await writer.moderation.add(Actor(7, on_0, moderator=True), "city", {"name": "Later"})
        await sharded.feed.catch_up()
        assert not found(sharded, "city", "later", on_0)
        await sharded.feed.serve_guild(on_0)  # and came back
        assert found(sharded, "city", "northbrook", on_0)
        assert found(sharded, "city", "later", on_0)
        await writer.digest.set_channel(on_1, 10, str)
        await writer.digest.set_enabled(on_1, True, str)
        assert sharded.digest.serves(on_0) and not sharded.digest.serves(on_1)
    finally:
        await sharded.close()
        await writer.close()


async def test_a_stance_edited_elsewhere_is_searched_by_its_new_words(
        pair: tuple[Core, Core]) -> None:
    a, b = pair
    city = await a.moderation.add(MOD, "city", {"name": "Springfield", "state": "Illinois",
                                                "stance": "keeps the lighthouse keepers"})
    await b.feed.catch_up()
    assert "Springfield" in str((await b.lookup.search("lighthouse keepers", GUILD)).fields)
    await a.moderation.edit(MOD, "city", str(city.ref.id),
                            {"stance": "welcomes the orchard growers"})
    await b.feed.catch_up()
    assert "Springfield" in str((await b.lookup.search("orchard growers", GUILD)).fields)
    assert "Springfield" not in str((await b.lookup.search("lighthouse keepers", GUILD)).fields)
