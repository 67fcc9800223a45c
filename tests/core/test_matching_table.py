"""The matcher, query by query: what each must find, and what a miss looks like."""

from __future__ import annotations

import pytest

from bot.core.bootstrap import Core
from bot.core.resolve import resolve
from bot.core.service import STATEMENT_NEAR

# (kind, query, expected label of the entry found with confidence)
FOUND = [
    ("city", "Seattle", "Seattle"),
    ("city", "Seatle", "Seattle"),
    ("city", "seattle wa", "Seattle"),
    ("city", "Nashvile", "Nashville"),
    ("city", "Chicgo", "Chicago"),
    ("city", "chicago", "Chicago"),
    ("city", "Philly", "Philadelphia"),
    ("city", "philadelphia", "Philadelphia"),
    ("city", "Philadelpia", "Philadelphia"),
    ("city", "City of Brotherly Love", "Philadelphia"),
    ("city", "DC", "Washington, D.C."),
    ("city", "D.C.", "Washington, D.C."),
    ("city", "washington", "Washington, D.C."),
    ("city", "LA", "Los Angeles"),
    ("city", "L.A.", "Los Angeles"),
    ("city", "los angelos", "Los Angeles"),
    ("city", "NYC", "New York City"),
    ("city", "new york", "New York City"),
    ("city", "New Yrok City", "New York City"),
    ("city", "NASHVILLE", "Nashville"),
    ("city", "  chicago  ", "Chicago"),
    ("official", "Emanuel", "Rahm Emanuel"),
    ("official", "Rahm", "Rahm Emanuel"),
    ("official", "rahm emmanuel", "Rahm Emanuel"),
    ("official", "de blasio", "Bill de Blasio"),
    ("official", "De Blasio", "Bill de Blasio"),
    ("official", "DeBlasio", "Bill de Blasio"),
    ("official", "deblasio", "Bill de Blasio"),
    ("official", "otoole", "Kathleen O'Toole"),
    ("official", "O’Toole", "Kathleen O'Toole"),
    ("official", "O'Toole", "Kathleen O'Toole"),
    ("official", "Kathleen OToole", "Kathleen O'Toole"),
    ("official", "Beck", "Charlie Beck"),
    ("official", "charlie bek", "Charlie Beck"),
    ("official", "Kenney", "Jim Kenney"),
    ("official", "kenny", "Jim Kenney"),
    ("official", "Megan Barry", "Megan Barry"),
    ("official", "murray", "Ed Murray"),
    ("official", "bowser", "Muriel Bowser"),
    ("official", "Trump", "Donald Trump"),
    ("official", "obama", "Barack Obama"),
    ("statement", "not our job", "Charlie Beck"),
    ("statement", "warm and welcoming", "Megan Barry"),
    ("statement", "warm and welcomming city", "Megan Barry"),
    ("statement", "flies in the face", "Bill de Blasio"),
    ("statement", "ultimate city of immigrants", "Bill de Blasio"),
    ("statement", "You are safe in Chicago", "Rahm Emanuel"),
    ("statement", "divided and sorted out", "Ed Murray"),
    ("statement", "not immigration police", "Megan Barry"),
    ("statement", "Fourth Amendment", "Jim Kenney"),
    ("statement", "foster trust and cooperation", "Kathleen O'Toole"),
    ("statement", "deportation force", "Donald Trump"),
    ("statement", "“I don’t intend on doing anything different”", "Charlie Beck"),
    ("statement", "I dont intend on doing anything diferent", "Charlie Beck"),
]

# (kind, query, outcome) for what must not be answered with confidence
MISSES = [
    ("city", "Atlantis", "none"),
    ("city", "zzzz", "none"),
    ("city", "Seattel", "near"),
    ("city", "Nashvl", "near"),
    ("official", "Bowzer", "near"),
    ("official", "Gandalf", "none"),
    ("statement", "sanctuary city", "choose"),
    ("statement", "completely unrelated words here", "none"),
]


@pytest.mark.parametrize(("kind", "query", "expected"), FOUND)
def test_finds(core: Core, kind: str, query: str, expected: str) -> None:
    hits = core.lookup.hits(kind, query, None)
    near = STATEMENT_NEAR if kind == "statement" else 60.0
    resolution = resolve(hits, near=near)
    assert resolution.outcome == "found", (query, hits[:3])
    label = resolution.best.label
    assert label == expected or label.startswith(f"{expected}:"), (query, label)


@pytest.mark.parametrize(("kind", "query", "outcome"), MISSES)
def test_misses(core: Core, kind: str, query: str, outcome: str) -> None:
    hits = core.lookup.hits(kind, query, None)
    near = STATEMENT_NEAR if kind == "statement" else 60.0
    assert resolve(hits, near=near).outcome == outcome, hits[:3]


def test_the_table_is_big_enough() -> None:
    assert len(FOUND) + len(MISSES) >= 40


@pytest.mark.parametrize(
    "query",
    ["", " ", "x" * 10_000, "🙂" * 50, "\x00\x01\x1b[31m", "'; DROP TABLE statements; --",
     "%_\"*NEAR", "\u200b\u202e\u0301", "<@&123> @everyone", "a" * 3, "ǅ ß ﬁ İ"],
)
@pytest.mark.parametrize("kind", ["city", "official", "statement"])
def test_never_raises(core: Core, kind: str, query: str) -> None:
    hits = core.lookup.hits(kind, query, None)
    assert all(0 <= h.score <= 100 for h in hits)
