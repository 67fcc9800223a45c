"""The candidate steps on plain postings."""

from __future__ import annotations

import random
from array import array
from collections import Counter

import pytest

from bot.core.matching import candidates
from bot.core.matching.candidates import (
    MAX_PHRASES,
    _likeliest,
    phrase_matches,
    top_counted,
)


def test_top_counted_keeps_the_documents_in_most_groups_and_skips_removed_ones() -> None:
    slot_ref: list[object] = [("x", i) for i in range(10)]
    slot_ref[4] = None  # removed
    groups = [array("I", [2, 4, 7]), array("I", [2, 4, 5, 7]), array("I", [0, 1, 2, 3, 7])]
    assert sorted(top_counted(slot_ref, groups, budget=100, rerank=2)) == [2, 7]
    assert 4 not in top_counted(slot_ref, groups, budget=100, rerank=5)
    # Beyond the budget, only the smaller groups are counted.
    assert sorted(top_counted(slot_ref, groups, budget=7, rerank=2)) == [2, 7]


def _counted_reference(slot_ref: list[object], groups: list[array], rerank: int) -> list[int]:
    """top_counted's Counter and histogram, as it was for every number of groups."""
    counts: Counter[int] = Counter()
    for group in groups:
        counts.update(group)
    if len(counts) <= rerank:
        return [s for s in counts if slot_ref[s]][:rerank]
    threshold, enough = 1, 0
    for threshold, how_many in sorted(Counter(counts.values()).items(), reverse=True):  # noqa: B007
        enough += how_many
        if enough >= rerank:
            break
    top = [s for s, n in counts.items() if n > threshold and slot_ref[s]]
    top += [s for s, n in counts.items() if n == threshold and slot_ref[s]][: rerank - len(top)]
    return top[:rerank]


@pytest.mark.parametrize("seed", range(40))
def test_top_counted_of_one_or_two_words_is_the_counted_one_slot_for_slot(seed: int) -> None:
    # One or two groups (most names) skip the Counter: the same slots, in the same order
    # (the order decides which of equal scores is judged).
    rng = random.Random(seed)
    size = rng.choice([20, 200, 2_000])
    slot_ref: list[object] = [0 if rng.random() < 0.1 else i + 1 for i in range(size)]
    for count in (1, 2):
        groups = [array("I", sorted(rng.sample(range(size), rng.randint(1, size // 2))))
                  for _ in range(count)]
        if count == 2 and seed % 3 == 0:  # many in both
            groups[1] = array("I", sorted(set(groups[1]) | set(groups[0][::2])))
        groups.sort(key=len)
        for rerank in (1, 5, 80):
            assert top_counted(slot_ref, groups, 10**6, rerank) == \
                _counted_reference(slot_ref, groups, rerank)


def test_likeliest_puts_common_stand_ins_first_and_bounds_the_phrases() -> None:
    postings = {"the": array("I", range(50)), "tea": array("I", range(3)),
                "ten": array("I", range(9)), "cat": array("I", [1]), "cab": array("I", [1, 2])}
    spellings = [["teh", "tea", "the", "ten"], ["ca", "cat", "cab"], ["x", "y", "z"]]
    kept = _likeliest([list(s) for s in spellings], postings)
    # As typed first, then by use; what is cut is the least used.
    assert kept[0] == ["teh", "the", "ten", "tea"][: len(kept[0])]
    assert kept[1] == ["ca", "cab", "cat"][: len(kept[1])]
    assert kept[2] == ["x", "y", "z"][: len(kept[2])]
    count = 1
    for spelled in kept:
        count *= len(spelled)
        assert spelled  # every word keeps a spelling
    assert count <= MAX_PHRASES


def test_phrase_matches_stops_at_enough_with_the_phrase_as_typed_first() -> None:
    texts = ["we warm the city", "we worm the city", "we warm the city again",
             "nothing here", "we warm the citadel"]
    postings: dict[str, array] = {}
    for slot, text in enumerate(texts):
        for word in set(text.split()):
            postings.setdefault(word, array("I")).append(slot)
    options = {"we": ["we"], "warm": ["warm", "worm"], "the": ["the"], "cit": ["city", "citadel"]}
    words = ["we", "warm", "the", "cit"]
    every = phrase_matches(postings, texts, words, options, "warm", 100)
    assert every == [0, 1, 2, 4]
    first = phrase_matches(postings, texts, words, options, "warm", 100, enough=2)
    assert first == [0, 2]  # "warm" as typed, before "worm"


def _postings(texts: list[str]) -> dict[str, array]:
    postings: dict[str, array] = {}
    for slot, text in enumerate(texts):
        for word in set(text.split()):
            postings.setdefault(word, array("I")).append(slot)
    return postings


def test_phrase_matches_past_the_scan_through_the_next_rarest_word_with_stand_ins() -> None:
    # The rarest word (with a stand-in) is in more documents than are scanned; the phrase
    # is in a later one: it is found through the documents that also hold the next word.
    texts = ["alpha gamma"] * 30 + ["alpah gamma"] * 30 + ["x alpha beta y"]
    postings = _postings(texts)
    options = {"alphx": ["alpha", "alpah"], "beta": ["beta"]}
    assert phrase_matches(postings, texts, ["alphx", "beta"], options, "alphx", 10) == [60]


def test_phrase_matches_scans_the_rarest_words_documents_when_the_next_is_everywhere(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # "the" is in every document, many times more than "lit": intersecting with it would
    # walk them all, so the rarest word's documents (up to three times the scan) are read.
    monkeypatch.setattr(candidates, "WALK_MOST", 0)  # (a million statements, in small)
    texts = ["the end"] * 200 + ["the lit the"] * 2 + [f"lit {i} the" for i in range(20)]
    postings = _postings(texts)
    options = {"lit": ["lit"], "the": ["the"]}
    assert phrase_matches(postings, texts, ["lit", "the"], options, "lit", 10) == [200, 201]
