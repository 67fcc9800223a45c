"""Search: every text a member can see of an entry, ranked by the lookups' own score."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.catalog import Catalog
from bot.core.matching import EntryRef, Hit, fast_normalize_query

SEARCH_FLOOR = 80.0  # four-fifths of what was typed, at least: no padding with near words
KIND_ORDER = {"city": 0, "official": 1, "statement": 2}


@dataclass(frozen=True, slots=True)
class Found:
    """One entry found by search, under the text of it that matched best."""

    ref: EntryRef
    score: float
    label: str  # how the entry is named ("Seattle", "Ed Murray: The city will …")
    field: str  # what matched: "name", "also known as", "stance", "key fact", "statement", "said"
    matched: str  # that text, as shown
    exact: bool  # the whole name (or alias) is what was typed


def search(catalog: Catalog, query: str, scopes: Sequence[int], limit: int = 10) -> list[Found]:
    """Names, aliases, statements, stances, key facts, where and when; best first (an exact
    name before anything else that scores as well, whole words above partial ones through
    the score), one row per entry, only those holding most of what was typed."""
    typed = fast_normalize_query(query)
    if not typed:
        return []
    best: dict[EntryRef, Found] = {}

    def consider(hit: Hit, field: str, label: str) -> None:
        exact = field != "statement" and fast_normalize_query(hit.matched) == typed
        known = best.get(hit.ref)
        if known is None or (hit.score, exact) > (known.score, known.exact):
            best[hit.ref] = Found(hit.ref, hit.score, label, field, hit.matched, exact)

    wide = max(limit * 3, 30)
    for kind in ("city", "official", "statement"):
        for hit in catalog.indexes[kind].search(query, scopes, wide):
            if kind == "statement":
                field = "statement"
            else:
                field = "name" if fast_normalize_query(hit.matched) == fast_normalize_query(
                    hit.label) else "also known as"
            consider(hit, field, hit.label)
    for field, index in catalog.described.items():
        for hit in index.search(query, scopes, wide):
            names = catalog.indexes[hit.ref.kind]
            if hit.ref in names:
                consider(hit, field, names.label(hit.ref))
    found = [f for f in best.values() if f.score >= SEARCH_FLOOR]
    found.sort(key=lambda f: (-round(f.score, 1), not f.exact, KIND_ORDER[f.ref.kind],
                              f.label))
    return found[:limit]
