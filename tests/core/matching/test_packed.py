"""Display texts packed as skeletons: rebuilt exactly, and a packed shard answers as before."""

from __future__ import annotations

import pickle
import random
import sys

import pytest

from bot.core.matching import EntryRef, FuzzyIndex, fast_normalize, text_index
from bot.core.matching import index as index_module
from bot.core.matching.packed import PackedDisplay, rebuild, skeleton

_ODD = ["To the city, we say: welcome.", "NYPD and the 2016 plan!!", "  spaced   out  ",
        "I am A city", "x", "The end.", "a-b c--d", "Hello,world", "ONE two Three 5x",
        "NY is OK. A B C", "I ", " I", "2016 Is", "(Quoted) \"words\"\tand\nlines"]


def test_a_skeleton_and_the_normalised_text_give_the_text_back() -> None:
    rng = random.Random(3)
    alphabet = "aAbBzZ09 ,.;:!?-()\"\n\t"
    texts = _ODD + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
                    for _ in range(20_000)]
    packed = 0
    for text in texts:
        shape, norm = skeleton(text), fast_normalize(text)
        if shape is not None and norm:
            assert rebuild(shape, norm) == text
            packed += 1
    assert packed > 5_000
    for text in ("Don't", "McDonald", "iPhone", "NYPDs", "¿Qué?", "snake_case", "a\x03b", "a\x00b"):
        assert skeleton(text) is None  # kept as they are
    assert len(skeleton("The city will remain a sanctuary city.") or b"") < 8
    long = "We say, " + " ".join(["welcome"] * 300) + "."  # runs of lowercase words, packed
    assert rebuild(skeleton(long) or b"", fast_normalize(long)) == long
    assert len(skeleton(long) or b"") < 16


def test_packed_display_by_slot() -> None:
    display = ["Don't stop.", "The city, welcome.", "", "NYPD said so."]
    texts = [fast_normalize(t) for t in display]
    packed = PackedDisplay(texts)
    packed.extend(display)
    assert [packed[slot] for slot in range(4)] == display
    assert [packed.length(slot) for slot in range(4)] == [len(t) for t in display]
    texts.append(fast_normalize("Put later."))
    packed.append("Put later.")
    assert packed[4] == "Put later." and len(packed) == 5
    packed[0] = ""  # removed
    assert not packed.kept
    with pytest.raises(IndexError):
        packed[-1]


def _statements(count: int) -> list[tuple[EntryRef, str, str]]:
    rng = random.Random(9)
    words = ["city", "sanctuary", "police", "federal", "the", "we", "will", "remain",
             "NYPD", "Immigrants", "welcome", "funding", "mayor", "safe"]
    rows = []
    for id_ in range(1, count + 1):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))
        rows.append((EntryRef("statement", id_), f"Speaker {id_ % 7}",
                     text[0].upper() + text[1:] + rng.choice([".", "!", "", "?"])))
    rows[3] = (rows[3][0], "Speaker 3", "We don't stop, McDonald said.")  # kept as it is
    return rows


def built_plain_and_packed(rows: list[tuple[EntryRef, str, str]],
                           monkeypatch: pytest.MonkeyPatch) -> tuple[FuzzyIndex, FuzzyIndex]:
    """The same statements in two text indexes, the second packed (and coded) at 1,000."""
    plain, packed = text_index(label_joins_text=True), text_index(label_joins_text=True)
    for index in (plain, packed):
        index.defer_postings()
        for ref, speaker, text in rows:
            index.put(ref, speaker, (text,))
        index.warm()
        monkeypatch.setattr(index_module, "PACK_FROM", 1_000)
    return plain, packed


def test_a_packed_shard_answers_as_an_unpacked_one(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _statements(3_000)
    plain, packed = built_plain_and_packed(rows, monkeypatch)
    assert isinstance(packed._shards[0].display, PackedDisplay)
    assert not isinstance(plain._shards[0].display, PackedDisplay)
    queries = ["sanctuary city", "nypd funding", "we will remain", "the mayor", "welcom",
               "federal polic", "dont welcome", "safe city safe", "mcdonald said"]
    for query in queries:
        for quick in (False, True):
            assert packed.search(query, quick=quick) == plain.search(query, quick=quick)
    ref = rows[5][0]
    assert packed.label(ref) == plain.label(ref) == f"{rows[5][1]}: {rows[5][2]}"
    # changes in place: replaced, removed, added after packing, packed again
    for index in (plain, packed):
        index.put(ref, "Speaker 5", ["A brand new statement about bicycles."])
        index.remove(rows[6][0])
        index.put(EntryRef("statement", 9_999), "Late", ["Bicycles, everywhere!"])
    assert packed.search("bicycles") == plain.search("bicycles")
    assert [h.matched for h in packed.search("bicycles")][:2] == [
        "Bicycles, everywhere!", "A brand new statement about bicycles."]
    assert rows[6][0] not in packed and all(h.ref != rows[6][0] for h in packed.search(
        rows[6][2]))
    packed.compact()
    for query in [*queries, "bicycles"]:
        assert packed.search(query) == plain.search(query)
    copy = pickle.loads(pickle.dumps(packed))
    assert copy.search("sanctuary city") == plain.search("sanctuary city")
    assert copy._shards[0].display.texts is copy._shards[0].texts  # type: ignore[union-attr]
    copy.put(EntryRef("statement", 10_000), "New", ["Restored, then put."])
    assert copy.search("restored then put")[0].matched == "Restored, then put."


def test_packed_display_costs_a_third(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _statements(3_000)
    monkeypatch.setattr(index_module, "PACK_FROM", 1_000)
    index = text_index(label_joins_text=True)
    for ref, speaker, text in rows:
        index.put(ref, speaker, (text,))
    display = index._shards[0].display
    plain = sum(sys.getsizeof(text) for _, _, text in rows)
    assert isinstance(display, PackedDisplay)
    held = (sys.getsizeof(display.skeletons) + sys.getsizeof(display.ends)
            + sys.getsizeof(display.lengths) + sum(map(sys.getsizeof, display.kept.values())))
    assert held * 3 < plain, (held, plain)
