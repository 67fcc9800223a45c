"""`alias add|remove` typed as one line: the entry and the alias are never guessed apart."""

from __future__ import annotations

import pytest

from bot.core.bootstrap import Core
from bot.core.moderation import Actor
from bot.core.moderation.text_commands import run_text

CONSOLE = Actor.console()


async def aliases(core: Core, kind: str, name: str) -> tuple[str, ...]:
    if kind == "city":
        return next(c.aliases for c in await core.store.cities((0,)) if c.name == name)
    return next(o.aliases for o in await core.store.officials((0,)) if o.name == name)


@pytest.mark.parametrize(
    ("line", "kind", "entry", "alias"),
    [
        ("add city Los Angeles Tinseltown", "city", "Los Angeles", "Tinseltown"),
        ("add official Bill de Blasio BdB", "official", "Bill de Blasio", "BdB"),
        ('add city "New York City" Gotham', "city", "New York City", "Gotham"),
        ("add city “New York City” Gotham City", "city", "New York City", "Gotham City"),
        ('add city New York City "Gotham"', "city", "New York City", "Gotham"),
        ("add city New York City name: Gotham", "city", "New York City", "Gotham"),
        ("add city Seattle name: Rain City", "city", "Seattle", "Rain City"),
    ],
)
async def test_the_entry_and_the_alias_as_meant(core: Core, line: str, kind: str, entry: str,
                                                alias: str) -> None:
    answer = await run_text(core.moderation, CONSOLE, "alias", line)
    assert answer is not None and answer.title == "Alias saved", answer
    assert alias in await aliases(core, kind, entry)


async def test_by_id(core: Core) -> None:
    city = next(c for c in await core.store.cities((0,)) if c.name == "Chicago")
    answer = await run_text(core.moderation, CONSOLE, "alias", f"add city #{city.id} Second City")
    assert answer is not None and answer.title == "Alias saved"
    assert "Second City" in await aliases(core, "city", "Chicago")


@pytest.mark.parametrize(
    "line",
    [
        "add city New York City Gotham",  # after "New York" (an alias) or "New York City"?
        "add city LA Tinseltown",  # an alias, not the full name
        "add city Los Tinseltown",  # no entry is called so
        "add city Seattle",  # no alias
    ],
)
async def test_anything_ambiguous_is_refused_with_the_syntax(core: Core, line: str) -> None:
    before = {c.name: c.aliases for c in await core.store.cities((0,))}
    answer = await run_text(core.moderation, CONSOLE, "alias", line)
    assert answer is not None and answer.kind == "error"
    assert "name:" in answer.description and "alias add city 12" in answer.description
    assert {c.name: c.aliases for c in await core.store.cities((0,))} == before


async def test_remove_is_titled_as_a_removal(core: Core) -> None:
    await run_text(core.moderation, CONSOLE, "alias", "add city Los Angeles Tinseltown")
    answer = await run_text(core.moderation, CONSOLE, "alias",
                            "remove city Los Angeles Tinseltown")
    assert answer is not None and answer.title == "Alias removed"
    assert "Tinseltown" not in await aliases(core, "city", "Los Angeles")
