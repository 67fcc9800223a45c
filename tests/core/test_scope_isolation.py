"""One server's entries are unreachable from another server and from DMs: by name, by id,
by an autocomplete value or a crafted option; and refused changes change nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.bootstrap import Core
from bot.core.matching import EntryRef
from bot.core.moderation import Actor

A, B = 5551, 5552
SECRET = "Zebulon Quartermaine"
SECRET_WORDS = "the harbour lanterns stay lit for every newcomer"


@pytest.fixture
async def seeded(core: Core) -> dict[str, EntryRef]:
    mod_a = Actor(user_id=1, guild_id=A, moderator=True)
    city = await core.moderation.add(mod_a, "city", {"name": "Port Quillon", "state": "Oregon"})
    person = await core.moderation.add(mod_a, "official",
                                       {"name": SECRET, "role": "Harbour master",
                                        "city": "Port Quillon"})
    said = await core.moderation.add(mod_a, "statement",
                                     {"speaker": SECRET, "text": SECRET_WORDS})
    refs = {"city": city.ref, "official": person.ref, "statement": said.ref}
    assert all(refs.values()), [o.answer.description for o in (city, person, said)]
    return refs  # type: ignore[return-value]


async def test_the_owning_server_sees_them(core: Core, seeded: dict[str, EntryRef]) -> None:
    assert (await core.lookup.official(SECRET, A)).title == SECRET
    assert (await core.lookup.quote("harbour lanterns", A)).title == SECRET
    assert (await core.lookup.city("Port Quillon", A)).title.startswith("Port Quillon")


@pytest.mark.parametrize("where", [B, None], ids=["other server", "DM"])
async def test_lookups_elsewhere_never_find_them(core: Core, seeded: dict[str, EntryRef],
                                                 where: int | None) -> None:
    for answer in (await core.lookup.official(SECRET, where),
                   await core.lookup.quote("harbour lanterns", where),
                   await core.lookup.city("Port Quillon", where),
                   await core.lookup.search("Quillon", where)):
        shown = answer.title + answer.description + "".join(f.name + f.value
                                                            for f in answer.fields)
        assert "Harbour master" not in shown and SECRET_WORDS not in shown  # echoes aside
        assert answer.title != SECRET
        assert all(o.ref not in seeded.values() for o in answer.options)
    for ref in seeded.values():  # a crafted id, as a select value or an option would carry it
        shown = await core.lookup.show(ref, where)
        assert shown.kind == "error"
    shown = await core.lookup.speaker_statements(seeded["official"], where)
    assert shown.kind == "error"
    for kind in ("city", "official", None):
        values = [c.value for c in core.lookup.complete(kind, "Quill", where)]  # type: ignore[arg-type]
        values += [c.value for c in core.lookup.complete(kind, SECRET, where)]  # type: ignore[arg-type]
        values += [c.value for c in core.lookup.complete(kind, "", where)]  # type: ignore[arg-type]
        assert not any("Quill" in v or "Zebulon" in v or "lantern" in v for v in values)


@pytest.mark.parametrize(
    "actor",
    [Actor(user_id=2, guild_id=B, moderator=True), Actor(user_id=3, guild_id=None),
     Actor(user_id=4, guild_id=A), Actor(user_id=5, guild_id=B, owner=False)],
    ids=["moderator of another server", "DM", "plain member of the server", "member elsewhere"],
)
async def test_changes_from_elsewhere_are_refused_and_change_nothing(
    core: Core, seeded: dict[str, EntryRef], actor: Actor,
) -> None:
    before = await core.store.fingerprint()
    ids = {kind: f"#{ref.id}" for kind, ref in seeded.items()}
    outcomes = [
        await core.moderation.edit(actor, "official", ids["official"], {"role": "Pirate"}),
        await core.moderation.edit(actor, "statement", ids["statement"], {"text": "changed"}),
        await core.moderation.prepare_remove(actor, "statement", ids["statement"]),
        await core.moderation.remove(actor, seeded["statement"], 1),
        await core.moderation.alias(actor, "add", "official", ids["official"], "Zeb"),
        await core.moderation.edit(actor, "official", SECRET, {"role": "Pirate"}),
    ]
    for outcome in outcomes:
        assert not outcome.changed
        assert outcome.answer.kind == "error", outcome.answer
    assert await core.store.fingerprint() == before


async def test_the_bundled_article_is_read_only_to_server_moderators(core: Core) -> None:
    before = await core.store.fingerprint()
    moderator = Actor(user_id=2, guild_id=A, moderator=True)
    outcome = await core.moderation.edit(moderator, "city", "Seattle", {"stance": "changed"})
    assert not outcome.changed and "owner" in outcome.answer.description
    assert await core.store.fingerprint() == before


hostile = st.one_of(
    st.text(max_size=1_200),
    st.sampled_from(["", " ", "@everyone", "<@&1>", "'; DROP TABLE statements; --", "%_*",
                     "\x00\u202e", "x" * 5_000, "2016-02-30", "javascript:alert(1)"]),
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(speaker=hostile, text=hostile, date=hostile, url=hostile, kind=hostile)
async def test_hostile_fields_get_an_answer_and_a_refusal_changes_nothing(
    core: Core, speaker: str, text: str, date: str, url: str, kind: str,
) -> None:
    moderator = Actor(user_id=7, guild_id=A, moderator=True)
    before = await core.store.fingerprint()
    outcome = await core.moderation.add(moderator, "statement", {
        "speaker": speaker, "text": text, "date": date, "url": url, "kind": kind})
    assert outcome.answer.title
    if not outcome.changed:
        assert await core.store.fingerprint() == before
