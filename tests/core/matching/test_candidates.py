"""The candidate steps on plain postings."""

from __future__ import annotations

from array import array

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
