"""The candidate steps on plain postings."""

from __future__ import annotations

import random
import re
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from itertools import chain
from typing import Any

import pytest

from bot.core.matching import candidates
from bot.core.matching.candidates import (
    MAX_PHRASES,
    _first_common,
    _holding,
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


class _Counting(Sequence[Any]):
    """Items that count how many are read: sliced or iterated, and one at a time with
    `each` (not for postings, where bisecting reads a few slots to find where to cut)."""

    def __init__(self, items: Sequence[Any], *, each: bool = True) -> None:
        self.items, self.each = items, each
        self.read = 0

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, at):  # type: ignore[no-untyped-def,override]
        found = self.items[at]
        self.read += len(found) if isinstance(at, slice) else self.each
        return found

    def __iter__(self) -> Iterator[Any]:
        self.read += len(self.items)
        return iter(self.items)


def test_phrase_matches_intersects_two_common_words_reading_only_their_first_slots() -> None:
    # Both words are in most documents (of the, at 100,000 statements): the first documents
    # holding both are found without walking either posting whole.
    texts = ["of the end"] * 20_000 + ["the x"] * 100
    postings = {"of": _Counting(array("I", range(20_000)), each=False),
                "the": _Counting(array("I", range(20_100)), each=False)}
    found = phrase_matches(postings, texts, ["of", "the"], {"of": ["of"], "the": ["the"]},
                           "of", 100)
    assert found == list(range(100))
    assert postings["of"].read + postings["the"].read < 2_000


def test_first_common_is_the_start_of_the_whole_intersection() -> None:
    rng = random.Random(5)
    for _ in range(300):
        size = rng.randint(1, 2_000)
        lists = [array("I", sorted(rng.sample(range(size), rng.randint(0, size))))
                 for _ in range(rng.randint(2, 5))]
        cut = rng.randint(1, len(lists) - 1)
        most = rng.randint(1, 300)
        whole = sorted(set(chain(*lists[:cut])).intersection(chain(*lists[cut:])))
        assert _first_common(lists[:cut], lists[cut:], most) == whole[:most]


def test_holding_finds_what_one_regex_search_per_text_finds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The texts joined a few at a time, the literal run found with str.find, the words
    # around it matched anchored (those before it on the reversed texts): the same
    # documents as the phrase's regex, in order, first word as the end of a longer one, last
    # as the start of one, None as any word; never a match across two texts.
    monkeypatch.setattr(candidates, "SCAN_CHUNK", 4)
    rng = random.Random(7)
    words = ["a", "an", "the", "then", "them", "of", "off", "lit", "lite", "it", "t", "he"]
    for _ in range(3_000):
        texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
                 for _ in range(10)]
        spellings: list[list[str] | None] = []
        for _ in range(rng.randint(1, 4)):
            pick = rng.random()
            spellings.append(None if pick < 0.15 else
                             rng.sample(words, 1 if pick < 0.6 else rng.randint(2, 4)))
        search = re.compile(" ".join(
            r"\S+" if spelled is None else "(?:" + "|".join(map(re.escape, spelled)) + ")"
            for spelled in spellings)).search
        docs = rng.sample(range(len(texts)), rng.randint(1, len(texts)))
        expected = [slot for slot in docs if search(texts[slot])]
        assert list(_holding(spellings, texts, docs)) == expected, spellings


def test_phrase_matches_stops_at_the_first_kept() -> None:
    # Only the first `keep` are ranked: the documents after them are not read.
    texts = _Counting(["we warm the city"] * 5_000)
    postings = _postings(texts.items)
    options = {"warm": ["warm"], "the": ["the"], "city": ["city"]}
    found = phrase_matches(postings, texts, ["warm", "the", "city"], options, "warm", 10_000,
                           keep=30)
    assert found == list(range(30))
    assert texts.read <= candidates.SCAN_CHUNK


def test_phrase_matches_reads_only_documents_with_the_words_between_others() -> None:
    # "rare" is between two words: only the anchor's documents that hold it (its
    # postings say which) are read for the phrase.
    texts = _Counting(["alpha rare omega"] * 10 + ["alpha common omega"] * 3_000)
    postings = _postings(texts.items)
    words = ["alpha", "rare", "omega"]
    options = {w: [w] for w in words}
    postings["rare"] = array("I", range(10))
    assert phrase_matches(postings, texts, words, options, "alpha", 10_000) == list(range(10))
    assert texts.read == 10
