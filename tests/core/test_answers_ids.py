"""Ids where a moderator needs them, and where each entry comes from (cards and lists)."""

from __future__ import annotations

import re

from bot.core.bootstrap import Core
from bot.core.models import Answer
from bot.core.moderation import Actor

GUILD = 4242
ARTICLE = "From the article (ABC News, 17 November 2016)"
OWNERS = "Added by the bot's owner"
SERVERS = "Added by this server's moderators"


def sections(answer: Answer) -> dict[str, list[str]]:
    """A list's lines under each heading (a heading cut in blocks is one section)."""
    found: dict[str, list[str]] = {}
    for field in answer.fields:
        heading = re.sub(r", \d+–\d+ of \d+$", "", field.name)
        found.setdefault(heading, []).extend(field.value.splitlines())
    return found


async def test_lists_and_search_show_ids_not_positions(core: Core) -> None:
    seattle = next(c for c in await core.store.cities((0,)) if c.name == "Seattle")
    cities = await core.lookup.run("cities", "", None)
    lines = sections(cities)[ARTICLE]
    assert f"#{seattle.id} Seattle, Washington" in lines
    assert not any(line.startswith("7.") for line in lines)
    assert "Washington, D.C., District of Columbia" not in " ".join(lines)
    assert cities.description == "7 cities."
    found = await core.lookup.run("search", "seattle", None)
    assert any(f.name.startswith(f"City #{seattle.id} — Seattle") for f in found.fields)
    assert (await core.lookup.run("city", f"#{seattle.id}", None)).title.startswith("Seattle")


async def test_cards_show_ids_and_keep_the_article_apart(core: Core) -> None:
    server = Actor.console(GUILD)
    added = await core.moderation.add(server, "statement", {
        "speaker": "Ed Murray", "text": "Our own server's note about Seattle", "city": "Seattle"})
    assert added.ref is not None
    card = await core.lookup.run("city", "Seattle", GUILD)
    assert card.footer.startswith("City #") and "Source: ABC News" in card.footer
    said = [f for f in card.fields if "(#" in f.value and f.name != "Officials"]
    assert said[-1].name == f"Ed Murray ({SERVERS[0].lower()}{SERVERS[1:]})"
    assert said[-1].value == f"“Our own server's note about Seattle” (#{added.ref.id})"
    assert all("added by" not in f.name for f in said[:-1])  # the article's, first
    assert any("Ed Murray" in f.value and "#" in f.value for f in card.fields
               if f.name == "Officials")


async def test_the_owners_entries_say_so(core: Core) -> None:
    await core.moderation.add(Actor.console(), "city", {"name": "Ownerville", "state": "Ohio"})
    card = await core.lookup.run("city", "Ownerville", None)
    assert card.footer.endswith("Added by the bot's owner")
    assert "server" not in card.footer


async def test_counts_in_plain_english(core: Core) -> None:
    one = await core.lookup.run("quote", "Bowser", None)
    assert one.description.endswith("— 1 statement")
    many = await core.lookup.run("quote", "emanuel", None)
    assert many.description.endswith("— 2 statements")


async def test_lists_keep_each_origin_under_its_own_heading(core: Core) -> None:
    await core.moderation.add(Actor.console(), "city", {"name": "Ownerville", "state": "Ohio"})
    await core.moderation.add(Actor.console(GUILD), "city", {"name": "Guildtown",
                                                              "state": "Iowa"})
    listed = sections(await core.lookup.run("cities", "", GUILD))
    assert list(listed) == [ARTICLE, OWNERS, SERVERS]
    assert [line.split(" ", 1)[1] for line in listed[OWNERS]] == ["Ownerville, Ohio"]
    assert [line.split(" ", 1)[1] for line in listed[SERVERS]] == ["Guildtown, Iowa"]
    assert len(listed[ARTICLE]) == 7
    # Another server sees the owner's city, not this server's.
    assert list(sections(await core.lookup.run("cities", "", GUILD + 1))) == [ARTICLE, OWNERS]
