"""The part of a long text that matched a query, cut at word boundaries."""

from __future__ import annotations

from bot.core.matching import fast_normalize
from bot.core.matching.judge import word_similarity

ELLIPSIS = "…"
CONTEXT = 2  # words shown before the first one that matched


def excerpt(text: str, query: str, width: int = 90) -> str:
    """At most `width` characters of `text`: the window of whole words holding most of the
    words of `query` (typos and partial words count), with "…" where it was cut."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    words = text.split(" ")
    typed = fast_normalize(query).split()
    hit = [any(word_similarity(t, w) for t in typed for w in fast_normalize(word).split())
           for word in words]
    best, best_count = 0, -1
    for anchor in (i for i, matched in enumerate(hit) if matched):
        start = max(0, anchor - CONTEXT)
        count = sum(hit[start : _end(words, start, width - 2)])
        if count > best_count:
            best, best_count = start, count
    end = _end(words, best, width - 2)
    cut = " ".join(words[best:end])[: width - 2]
    return (ELLIPSIS if best > 0 else "") + cut + (ELLIPSIS if end < len(words) else "")


def _end(words: list[str], start: int, width: int) -> int:
    """Where a window of at most `width` characters from word `start` ends (one word at
    least)."""
    end, size = start, -1
    while end < len(words) and size + 1 + len(words[end]) <= width:
        size += 1 + len(words[end])
        end += 1
    return max(end, start + 1)
