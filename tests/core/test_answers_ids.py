"""Ids where a moderator needs them, and where each entry comes from (cards and lists)."""

from __future__ import annotations

from bot.core.bootstrap import Core
from bot.core.moderation import Actor

GUILD = 4242


async def test_lists_and_search_show_ids_not_positions(core: Core) -> None:
    seattle = next(c for c in await core.store.cities((0,)) if c.name == "Seattle")
    cities = await core.lookup.run("cities", "", None)
    lines = cities.description.splitlines()
    assert f"#{seattle.id} Seattle, Washington" in lines
    assert not any(line.startswith("7.") for line in lines)
    assert "Washington, D.C., District of Columbia" not in cities.description
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
    names = [f.name for f in card.fields if f.name.startswith("#")]
    assert names[-1] == (f"#{added.ref.id} · Ed Murray (added by this server's moderators)")
    assert all("added by" not in name for name in names[:-1])  # the article's, first
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


async def test_lists_say_whose_each_entry_is(core: Core) -> None:
    await core.moderation.add(Actor.console(), "city", {"name": "Ownerville", "state": "Ohio"})
    await core.moderation.add(Actor.console(GUILD), "city", {"name": "Guildtown",
                                                              "state": "Iowa"})
    lines = (await core.lookup.run("cities", "", GUILD)).description.splitlines()
    assert any(line.endswith("Ownerville, Ohio (added by the bot's owner)") for line in lines)
    assert any(line.endswith("Guildtown, Iowa (added by this server's moderators)")
               for line in lines)
    assert any(line.endswith(" Seattle, Washington") for line in lines)  # the article's
