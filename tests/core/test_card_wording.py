"""Cards written as an editor would (issue 12, item 13), for Discord and console alike."""

from __future__ import annotations

import re

from bot.core.bootstrap import Core
from bot.core.moderation import Actor


async def test_attributions_read_as_sentences(core: Core) -> None:
    card = await core.lookup.run("city", "Los Angeles", None)
    names = [f.name for f in card.fields if f.name.startswith("#")]
    assert any(n.endswith("Charlie Beck told the Los Angeles Times, on Monday, "
                          "14 November 2016") for n in names), names
    assert not any("(2016-" in n or "Beck, told" in n for n in names)


async def test_a_statement_without_where_or_when_has_no_said_line(core: Core) -> None:
    added = await core.moderation.add(Actor.console(), "statement", {
        "speaker": "Ed Murray", "text": "A remark with no place and no day"})
    assert added.ref is not None
    card = await core.lookup.run("quote", f"#{added.ref.id}", None)
    assert [f.name for f in card.fields if f.name in ("Said", "Type")] == []


async def test_official_cards_have_capitalised_headings(core: Core) -> None:
    for name in ("Rahm Emanuel", "Charlie Beck", "Megan Barry"):
        card = await core.lookup.run("official", name, None)
        for field in card.fields:
            heading = re.sub(r"^#\d+ · ", "", field.name)
            assert heading[:1].isupper(), field.name


async def test_one_fact_once(core: Core) -> None:
    seattle = await core.lookup.run("city", "Seattle", None)
    text = " ".join([seattle.description, *(f.value for f in seattle.fields)])
    assert text.count("remain a sanctuary") <= 2  # the stance and Murray's own words
    barry = await core.lookup.run("quote", "warm and welcoming", None)
    assert "yesterday" not in " ".join(f.value for f in barry.fields)
