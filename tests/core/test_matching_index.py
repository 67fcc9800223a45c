"""The index's candidate path (used above `full_scan_below` documents) and in-place changes."""

from __future__ import annotations

import random

import pytest

from bot.core.bootstrap import Core
from bot.core.catalog import Catalog
from bot.core.matching import EntryRef, FuzzyIndex, name_index, text_index
from bot.core.resolve import resolve
from bot.core.service import STATEMENT_NEAR, Lookup
from tests.core.test_matching_table import FOUND

_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
_FILLER = [
    "the", "of", "and", "to", "a", "in", "that", "is", "it", "we", "for", "be", "will", "not",
    "this", "our", "are", "with", "they", "on",
]


def _word(rng: random.Random, least: int = 1) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(least, 3)))


def _distract(catalog: Catalog, count: int) -> None:
    """Invented cities, people and statements, so the table runs against a crowd."""
    rng = random.Random(6)
    for i in range(count):
        catalog.indexes["city"].put(EntryRef("city", 100_000 + i), f"Syn City {i}",
                                    [f"{_word(rng, 2).title()}{rng.choice(('ton', 'ville', ''))}"])
        catalog.indexes["official"].put(EntryRef("official", 100_000 + i), f"Syn Person {i}",
                                        [f"{_word(rng, 2).title()} {_word(rng, 2).title()}"])
        words = [rng.choice(_FILLER) if rng.random() < 0.5 else _word(rng)
                 for _ in range(rng.randint(10, 60))]
        catalog.indexes["statement"].put(EntryRef("statement", 100_000 + i), f"Syn: {i}",
                                         [" ".join(words)])


_CROWDED: list[Catalog] = []  # built once: hits() needs only the catalog


@pytest.fixture
async def crowded(core: Core) -> Lookup:
    if _CROWDED:
        return Lookup(core.store, _CROWDED[0])
    catalog = Catalog()
    catalog.indexes = {
        "city": name_index(full_scan_below=0),
        "official": name_index(full_scan_below=0),
        "statement": text_index(full_scan_below=0),
    }
    await catalog.load(core.store)
    _distract(catalog, 3_000)
    _CROWDED.append(catalog)
    return Lookup(core.store, catalog)


@pytest.mark.parametrize(("kind", "query", "expected"), FOUND)
def test_table_through_candidates(crowded: Lookup, kind: str, query: str, expected: str) -> None:
    hits = crowded.hits(kind, query, None)  # type: ignore[arg-type]
    near = STATEMENT_NEAR if kind == "statement" else 60.0
    resolution = resolve(hits, near=near)
    assert resolution.outcome == "found", (query, hits[:3])
    label = resolution.best.label
    assert label == expected or label.startswith(f"{expected}:"), (query, label)


# ---- in-place changes -----------------------------------------------------------------------


def _indexes() -> list[FuzzyIndex]:
    return [name_index(full_scan_below=0), text_index(full_scan_below=0),
            name_index(), text_index()]


@pytest.mark.parametrize("index", _indexes())
def test_put_replace_remove(index: FuzzyIndex) -> None:
    rng = random.Random(1)
    for i in range(500):
        index.put(EntryRef("statement", i), f"n{i}", [f"{_word(rng)} {_word(rng)} {_word(rng)}"])
    ref = EntryRef("statement", 9_999)
    index.put(ref, "Quintessa Marbleworth", ["quintessa marbleworth spoke of harbours"])
    assert index.search("quintessa marbleworth")[0].ref == ref
    assert ref in index and len(index) == 501

    index.put(ref, "Ottoline Brackenbury", ["ottoline brackenbury spoke of lanterns"])
    assert index.search("ottoline brackenbury")[0].ref == ref
    assert index.label(ref) == "Ottoline Brackenbury"
    assert all(h.ref != ref for h in index.search("quintessa marbleworth harbours"))
    assert len(index) == 501

    index.remove(ref)
    assert ref not in index and len(index) == 500
    assert all(h.ref != ref for h in index.search("ottoline brackenbury"))
    assert all(h.ref != ref for h in index.search("quintessa marbleworth"))
    index.remove(ref)  # twice is harmless


@pytest.mark.parametrize("index", _indexes())
def test_scopes(index: FuzzyIndex) -> None:
    mine = EntryRef("city", 1)
    other = EntryRef("city", 2)
    index.put(mine, "Zanzibarton", ["Zanzibarton harbour"], scope=5)
    index.put(other, "Zanzibarville", ["Zanzibarville harbour"], scope=0)
    for scopes in [(0,), (0, 6), (6,)]:
        assert all(h.ref != mine for h in index.search("zanzibarton harbour", scopes))
        assert mine not in index.refs(scopes)
    assert index.search("zanzibarton harbour", (0, 5))[0].ref == mine
    assert set(index.refs((0, 5))) == {mine, other}
    index.put(mine, "Zanzibarton", ["Zanzibarton harbour"], scope=6)  # moved to another guild
    assert all(h.ref != mine for h in index.search("zanzibarton harbour", (0, 5)))
    assert index.search("zanzibarton harbour", (6,))[0].ref == mine


@pytest.mark.parametrize("words", [False, True])
def test_compaction_keeps_every_live_entry(words: bool) -> None:
    index = text_index(full_scan_below=0) if words else name_index(full_scan_below=0)
    rng = random.Random(2)
    texts = {i: f"{_word(rng)} {_word(rng)} {_word(rng)} marker{i}" for i in range(4_000)}
    for i, text in texts.items():
        index.put(EntryRef("statement", i), str(i), [text])
    for i in range(0, 4_000, 2):  # enough removals to compact by itself
        index.remove(EntryRef("statement", i))
    index.compact()
    assert len(index) == 2_000
    for i in range(0, 4_000, 97):
        hits = index.search(texts[i])
        if i % 2:
            assert hits and hits[0].ref == EntryRef("statement", i), texts[i]
        else:
            assert all(h.ref.id != i for h in hits)
    index.put(EntryRef("statement", 0), "0", [texts[0]])  # slots after compaction still work
    assert index.search(texts[0])[0].ref == EntryRef("statement", 0)


def test_typo_and_word_being_typed_find_statements() -> None:
    index = text_index(full_scan_below=0)
    rng = random.Random(3)
    for i in range(3_000):
        index.put(EntryRef("statement", i), str(i),
                  [" ".join(rng.choice(_FILLER) for _ in range(20))])
    ref = EntryRef("statement", 77_777)
    index.put(ref, "it", ["we will remain a warm and welcoming city for everyone"])
    for query in ("warm and welcomming city", "remain a warm and welc", "a wram and welcoming"):
        assert index.search(query)[0].ref == ref, query
