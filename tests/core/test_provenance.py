"""Search results, pick-one menus and the digest say whose each item is (issue 12, item 2)."""

from __future__ import annotations

from bot.console.render import Style, render_text
from bot.core.bootstrap import Core
from bot.core.moderation import Actor

GUILD = 4242
SERVERS = "(added by this server's moderators)"
OWNERS = "(added by the bot's owner)"


async def test_search_results_say_whose_each_is(core: Core) -> None:
    await core.moderation.add(Actor.console(), "city", {
        "name": "Lanternville", "state": "Ohio", "stance": "A lantern sanctuary for all."})
    await core.moderation.add(Actor.console(GUILD), "statement", {
        "speaker": "Ed Murray", "text": "Lantern sanctuary talk from our own server"})
    found = await core.lookup.run("search", "lantern sanctuary", GUILD)
    names = [f.name for f in found.fields]
    assert any(n.startswith("City #") and n.endswith(f"Lanternville {OWNERS}") for n in names)
    assert any(n.startswith("Statement #") and n.endswith(f"Ed Murray {SERVERS}")
               for n in names), names
    article = await core.lookup.run("search", "remain a sanctuary", GUILD)
    assert all("added by" not in f.name for f in article.fields)
    assert article.footer.startswith("Unless marked otherwise, from the article: ABC News, "
                                     "17 November 2016")


async def test_search_marks_a_paraphrase_and_quotes_no_stance(core: Core) -> None:
    found = await core.lookup.run("search", "remain a sanctuary", None)
    values = {f.name: f.value for f in found.fields}
    murray = next(v for n, v in values.items() if n.endswith("Ed Murray"))
    assert murray.startswith("(paraphrase) ") and "“" not in murray
    bowser = next(v for n, v in values.items() if n.endswith("Muriel Bowser"))
    assert bowser.startswith("“remain a sanctuary city.”")
    seattle = next(v for n, v in values.items() if n.endswith("— Seattle"))
    assert seattle.startswith("Stance: ") and "“" not in seattle


async def test_menus_say_whose_each_option_is(core: Core) -> None:
    await core.moderation.add(Actor.console(GUILD), "city", {"name": "North Springfield",
                                                              "state": "Ohio"})
    await core.moderation.add(Actor.console(), "city", {"name": "South Springfield",
                                                         "state": "Illinois"})
    menu = await core.lookup.run("city", "Springfield", GUILD)
    assert menu.kind == "choose", menu
    descriptions = sorted(o.description for o in menu.options)
    assert descriptions == ["City added by the bot's owner, matched “South Springfield”",
                            "City added by this server's moderators, matched “North "
                            "Springfield”"]
    mayors = await core.lookup.run("official", "mayor", None)
    assert len(mayors.options) > 1
    assert all(o.description.startswith("Official from the article, matched")
               for o in mayors.options)


async def test_the_digest_says_whose_the_statement_of_the_day_is(core: Core) -> None:
    preview = await core.digest.preview(None)
    assert preview.footer.startswith("Statement #")
    assert "· Source: ABC News, 17 November 2016 — " in preview.footer
    assert "Source: ABC News" in render_text(preview, Style(width=10_000))


async def test_only_the_articles_people_are_not_quoted_by_the_article(core: Core) -> None:
    await core.moderation.add(Actor.console(GUILD), "official", {"name": "Zed Zee",
                                                                  "role": "Mayor"})
    for command in ("official", "quote"):
        card = await core.lookup.run(command, "Zed Zee", GUILD)
        assert "article" not in card.description and "has been added yet" in card.description
    obama = await core.lookup.run("official", "Barack Obama", None)
    assert "The article quotes no statement of theirs." in obama.description


async def test_a_servers_own_card_says_whose_it_is_once(core: Core) -> None:
    mod = Actor.console(GUILD)
    await core.moderation.add(mod, "city", {"name": "Consoleton", "state": "Ohio"})
    await core.moderation.add(mod, "official", {"name": "Zed Zee", "role": "Mayor",
                                                "city": "Consoleton"})
    await core.moderation.add(mod, "statement", {"speaker": "Zed Zee",
                                                 "text": "Consoleton welcomes everyone"})
    card = await core.lookup.run("city", "Consoleton", GUILD)
    assert card.footer.endswith("· Added by this server's moderators")
    assert "added by" not in " ".join(f"{f.name} {f.value}" for f in card.fields)
    digest = await core.digest.preview(GUILD)
    new = next(f.value for f in digest.fields if f.name.startswith("New in this server"))
    assert "• Statement by Zed Zee: “Consoleton welcomes everyone”" in new.splitlines()
