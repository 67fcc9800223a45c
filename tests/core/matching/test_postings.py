"""Halved postings (postings.py): the same slots as the `array` they replace, whatever is
asked of them, and an index holding them answers as one holding arrays."""

from __future__ import annotations

import bisect
import random
from array import array

import pytest

from bot.core import snapshot
from bot.core.catalog import Catalog
from bot.core.matching import EntryRef, FuzzyIndex, postings, text_index
from bot.core.matching.postings import Halves
from bot.core.snapshot import Header


@pytest.mark.parametrize("seed", range(40))
def test_halves_hold_the_same_slots_as_the_array(seed: int) -> None:
    rng = random.Random(seed)
    top = rng.choice([50, 70_000, 1_000_000, 2**32 - 1])  # one block, a few, many, the last
    slots = array("I", sorted(rng.sample(range(top), min(rng.choice([0, 1, 7, 3_000]), top))))
    halves = Halves.of(slots)
    assert len(halves) == len(slots) and list(halves) == list(slots)
    for _ in range(30):
        start, stop = sorted(rng.randrange(-5, len(slots) + 6) for _ in range(2))
        assert halves[start:stop] == slots[start:stop]
        assert halves[:stop] == slots[:stop] and halves[::3] == slots[::3]
        if slots:
            at = rng.randrange(-len(slots), len(slots))
            assert halves[at] == slots[at]
        slot = rng.randrange(-3, top + 70_000)
        assert halves.bisect_left(slot) == bisect.bisect_left(slots, slot)
        assert halves.bisect_right(slot) == bisect.bisect_right(slots, slot)
        assert (slot in halves) == (slot in set(slots))
    # which of some ascending slots it holds: those held, half of them, and others
    asked = sorted({*rng.sample(list(slots), len(slots) // 2),
                    *(rng.randrange(top + 70_000) for _ in range(200))})
    assert halves.members(asked) == [s for s in asked if s in set(slots)]
    appended = Halves()
    for slot in slots:
        appended.append(slot)
    assert appended == halves
    with pytest.raises(IndexError):
        halves[len(slots)]


_WORDS = ["the", "of", "and", "we", "city", "police", "will", "not", "our", "job",
          "sanctuary", "immigrants", "protect", "families", "federal", "law", "mayor"]


def _statements(count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(_WORDS) for _ in range(rng.randrange(6, 14))) + f" n{i}"
            for i in range(count)]


def _index(texts: list[str]) -> FuzzyIndex:
    index = text_index(full_scan_below=0)
    for i, text in enumerate(texts):
        index.put(EntryRef("statement", i + 1), f"Speaker {i % 5}", [text])
    return index


_QUERIES = ["we will not", "police protect our families", "not our job", "sanctuary cty",
            "federal law the mayor", "imigrants and", "the of and", "job n17", "famlies fedral",
            "city police will not protect"]


def _answers(index: FuzzyIndex) -> list[object]:
    return [[(h.ref, round(h.score, 3)) for h in index.search(q)] for q in _QUERIES] + [
        [h.ref for h in index.search(q[:n], quick=True)] for q in _QUERIES for n in (3, 6, 11)]


def test_an_index_of_halved_postings_answers_as_one_of_arrays(
        monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _statements(2_500)
    monkeypatch.setattr(postings, "PACK_FROM", 10**9)
    plain = _index(texts)
    monkeypatch.setattr(postings, "PACK_FROM", 1)
    halved = _index(texts)
    shard = halved._shards[0]
    assert shard.words is not None
    assert all(type(p) is Halves for p in shard.words.postings.values())
    assert _answers(halved) == _answers(plain)
    # removed, compacted, then added to: still the same answers
    for index in (plain, halved):
        for n in range(1, 2_500, 3):
            index.remove(EntryRef("statement", n))
        index.compact()
        for i, text in enumerate(_statements(300, seed=9)):
            index.put(EntryRef("statement", 10_000 + i), "New", [text])
    assert all(type(p) is Halves for p in shard.words.postings.values())
    assert _answers(halved) == _answers(plain)


def test_halved_postings_are_read_back_from_a_snapshot(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postings, "PACK_FROM", 100)
    catalog = Catalog()
    for i, text in enumerate(_statements(1_200)):
        catalog.indexes["statement"].put(EntryRef("statement", i + 1), "Speaker", [text])
    for i in range(400):  # names: their trigram postings are kept beside the words'
        name = f"Mayor {_WORDS[i % len(_WORDS)].title()} Name{i:03d}"
        catalog.indexes["official"].put(EntryRef("official", i + 1), name, [name])
    path = tmp_path / "index"
    snapshot.write(path, Header(snapshot.FORMAT, snapshot.code_version(), "all", 1, ("x",), (),
                                1_600), catalog)
    _, read_back = snapshot.read(path, "all")
    catalog_back = read_back()
    back = catalog_back.indexes["statement"]
    shard = back._shards[0]
    assert shard.words is not None and type(shard.words.postings["the"]) is Halves
    assert shard.postings is shard.words.postings  # one dict, as built
    saved = catalog.indexes["statement"]
    assert shard.words.postings == saved._shards[0].words.postings
    assert [back.search(q) for q in _QUERIES] == [saved.search(q) for q in _QUERIES]
    names, names_back = catalog.indexes["official"], catalog_back.indexes["official"]
    assert names._shards[0].postings and names_back._shards[0].postings == names._shards[0].postings
    for query in ("mayor polce name017", "name3", "famlies"):
        assert names_back.search(query) == names.search(query)
    shard.words.postings["the"].append(10**6)  # and it goes on being added to
    assert shard.postings["the"][-1] == 10**6


def test_a_postings_dict_reads_back_with_each_posting_of_its_kind() -> None:
    rng = random.Random(11)
    found: dict[str, array | Halves] = {"empty": array("I"), "none halved": Halves()}
    for n in range(30):
        slots = array("I", sorted(rng.sample(range(300_000), rng.choice([1, 5, 400, 2_000]))))
        # many blocks of 65,536 slots, or arrays, in the dict's order
        found[f"w{n}"] = Halves.of(slots) if n % 3 == 0 else slots
    back = postings.postings_from(postings.postings_state(found))
    assert list(back) == list(found)
    assert [type(p) for p in back.values()] == [type(p) for p in found.values()]
    assert all(list(back[k]) == list(found[k]) for k in found)
    assert max(len(p.starts) for p in back.values() if type(p) is Halves) > 2


@pytest.mark.parametrize("seed", range(20))
def test_posting_members_are_those_held_however_the_slots_asked_spread(seed: int) -> None:
    rng = random.Random(seed)
    slots = array("I", sorted(rng.sample(range(300_000), rng.choice([0, 1, 300, 30_000]))))
    held = set(slots)
    for posting in (slots, Halves.of(slots), list(slots)):
        for spread in (50, 5_000, 300_000):  # few of the posting's slots between, or many
            start = rng.randrange(300_000)
            asked = sorted({rng.randrange(start, start + spread) for _ in range(40)})
            assert postings.posting_members(posting, asked) == [s for s in asked if s in held]
        assert postings.posting_members(posting, []) == []
