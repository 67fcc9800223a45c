"""Autocomplete through the core: what the boxes of /city, /official and /quote offer."""

from __future__ import annotations

from bot.core.bootstrap import Core
from bot.core.moderation import Actor

GUILD = 111


def test_quote_box_with_words_from_a_statement_offers_statements_only(core: Core) -> None:
    choices = core.lookup.complete(None, "warm and welcoming", None)
    assert choices
    assert all(":" in c.name for c in choices), choices  # "Speaker: snippet", no bare names
    assert any("warm and welcoming" in c.value for c in choices)


def test_quote_box_with_a_misspelt_speaker_offers_the_speaker(core: Core) -> None:
    names = [c.name for c in core.lookup.complete(None, "emanul", None)]
    assert "Rahm Emanuel" in names, names


def test_long_statement_choice_shows_the_words_typed(core: Core) -> None:
    for typed in ("sanctuary city", "sanctuary  CITY!"):
        choices = core.lookup.complete("statement", typed, None)
        assert choices and all(len(c.value) <= 100 and len(c.name) <= 100 for c in choices)
        assert "sanctuary city" in choices[0].value.casefold(), choices[0]


def test_empty_boxes_list_the_first_names_alphabetically(core: Core) -> None:
    for kind in ("city", "official"):
        names = [c.name for c in core.lookup.complete(kind, "", None)]  # type: ignore[arg-type]
        assert names == sorted(names) and len(names) >= 5, names


async def test_moderators_empty_box_lists_their_entries_alphabetically(core: Core) -> None:
    moderator = Actor(1, GUILD, moderator=True)
    added = await core.moderation.add(moderator, "city", {"name": "Aardvark Falls",
                                                          "state": "Oregon"})
    assert added.changed, added.answer.description
    choices = core.moderation.complete(moderator, "city", "")
    labels = [c.name.split(" ", 1)[1] for c in choices]
    assert labels == sorted(labels) and labels[0] == "Aardvark Falls", labels
    assert all(c.value.isdigit() and c.name.startswith(f"#{c.value} ") for c in choices)
    prepared = await core.moderation.prepare_remove(moderator, "city", choices[0].value)
    removed = await core.moderation.remove(moderator, prepared.ref, prepared.version)
    assert removed.changed, removed.answer.description
    assert "Aardvark Falls" not in [c.name for c in core.moderation.complete(moderator, "city",
                                                                             "")]
    assert core.moderation.complete(Actor(2, GUILD), "city", "") == []  # not a moderator
