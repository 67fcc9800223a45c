"""How a scorer's raw figure is corrected for names and for statement fragments."""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz import fuzz

Scorer = Callable[..., float]
Adjust = Callable[[str, str, float], float]


def name_adjust(query: str, text: str, score: float) -> float:
    # WRatio scores a short name found inside a longer query highly ("la" in "atlantis").
    # A name may be a prefix of what is typed only if whole words match ("rahm emanuel
    # chicago"); otherwise the query is judged as a whole against the name.
    if len(text) < len(query):
        return min(score, max(fuzz.ratio(query, text), fuzz.token_set_ratio(query, text) * 0.95))
    return score


def fragment_adjust(query: str, text: str, score: float) -> float:
    # partial_ratio finds a fragment inside a long text; a query longer than the text it
    # "contains" is not a fragment of it, so it is scored as a whole instead.
    if len(query) > len(text):
        return float(fuzz.ratio(query, text))
    # Found letter for letter but not word for word ("he is" in "the island", "trilaick
    # ste" in "trilaick steasbrair"): a hair below the text that has the very words.
    if score >= 100 and f" {query} " not in f" {text} ":
        return 99.0
    return score
