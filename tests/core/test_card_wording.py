"""Cards written as an editor would (issue 12, item 13), for Discord and console alike."""

from __future__ import annotations

import re

from bot.core import answers
from bot.core.bootstrap import Core
from bot.core.models import Answer, Counts
from bot.core.moderation import Actor

BECK_AT_THE_TIMES = "Charlie Beck told the Los Angeles Times, on Monday, 14 November 2016"


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z']+", text.casefold()) if len(w) > 3}


def card_text(card: Answer) -> str:
    return " ".join([card.title, card.description, *(f"{f.name} {f.value}" for f in card.fields)])


async def test_attributions_read_as_sentences(core: Core) -> None:
    for command, name in (("city", "Los Angeles"), ("official", "Charlie Beck")):
        card = await core.lookup.run(command, name, None)
        names = [f.name for f in card.fields]
        assert BECK_AT_THE_TIMES in names, names
        assert not any("(2016-" in n or "Beck, told" in n or n.startswith("Told") for n in names)


async def test_one_occasion_is_said_once(core: Core) -> None:
    """Beck's three statements to the Times, Murray's three to the crowd: one heading each."""
    beck = await core.lookup.run("official", "Charlie Beck", None)
    times = next(f for f in beck.fields if f.name == BECK_AT_THE_TIMES)
    assert len(times.value.splitlines()) == 3 and card_text(beck).count("Los Angeles Times") == 1
    seattle = await core.lookup.run("city", "Seattle", None)
    assert card_text(seattle).count("to a crowd, reported by The Seattle Times") == 1
    assert all(re.search(r"” \(#\d+\)$|\. \(#\d+\)$", line) for line in times.value.splitlines())


async def test_a_statement_card_says_where_and_when_after_the_words(core: Core) -> None:
    card = await core.lookup.run("quote", "you are safe in chicago", None)
    assert card.description == ("“You are safe in Chicago. You are secure in Chicago and you "
                                "are supported in Chicago”\n— Rahm Emanuel, according to "
                                "ABC-owned station WLS, on Monday, 14 November 2016")
    assert [f.name for f in card.fields] == ["City"]


async def test_a_statement_without_where_or_when_has_no_said_line(core: Core) -> None:
    added = await core.moderation.add(Actor.console(), "statement", {
        "speaker": "Ed Murray", "text": "A remark with no place and no day"})
    assert added.ref is not None
    card = await core.lookup.run("quote", f"#{added.ref.id}", None)
    assert [f.name for f in card.fields if f.name in ("Said", "Type")] == []
    assert card.description == "“A remark with no place and no day”"  # no "— Ed Murray"


async def test_official_cards_have_capitalised_headings(core: Core) -> None:
    for name in ("Rahm Emanuel", "Charlie Beck", "Megan Barry"):
        card = await core.lookup.run("official", name, None)
        for field in card.fields:
            assert field.name[:1].isupper(), field.name


async def test_one_fact_once(core: Core) -> None:
    seattle = await core.lookup.run("city", "Seattle", None)
    text = " ".join([seattle.description, *(f.value for f in seattle.fields)])
    assert text.count("remain a sanctuary") <= 2  # the stance and Murray's own words
    barry = await core.lookup.run("quote", "warm and welcoming", None)
    assert "yesterday" not in " ".join(f.value for f in barry.fields)


async def test_no_key_fact_repeats_the_stance_or_a_statement(core: Core) -> None:
    """Washington, D.C. said "remain a sanctuary city" three times: stance, fact, tweet."""
    for city in await core.store.cities((0,)):
        card = await core.lookup.run("city", f"#{city.id}", None)
        said = [card.description, *(f.value for f in card.fields if "(#" in f.value)]
        for fact in city.facts:
            shared = max(len(words(fact) & words(other)) / len(words(fact)) for other in said)
            assert shared < 0.45, (city.name, fact)
    dc = await core.lookup.run("city", "Washington, D.C.", None)
    assert card_text(dc).count("remain a sanctuary city") == 2  # the stance and the tweet


def test_counts_are_singular_when_there_is_one() -> None:
    assert answers.counts_line(Counts(cities=1, officials=1, statements=2, quotes=1)) == (
        "1 city, 1 official, 2 statements (1 direct quote, 1 paraphrase)")
    one_each = {"cities": [{}], "people": [{}], "statements": [{}]}
    assert answers.export_counts(one_each) == "1 city, 1 person and 1 statement"


async def test_a_refusal_counts_what_still_names_an_entry(core: Core) -> None:
    refused = await core.moderation.prepare_remove(Actor.console(), "official", "Muriel Bowser")
    assert "still has 1 statement; remove it first" in refused.answer.description
