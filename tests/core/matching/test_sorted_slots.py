"""Big intersections in numpy (sorted_slots.py): the same slots as Python sets give, for
postings of either kind cut anywhere, and the phrase steps answer the same through them."""

from __future__ import annotations

import random
from array import array
from itertools import chain

import pytest

from bot.core.matching import candidates, sorted_slots
from bot.core.matching.postings import Halves, packed


def _posting(rng: random.Random) -> array | Halves:
    count = rng.choice([0, 1, 5, 255, 256, 3_000, 30_000])
    # one block, a few, many (a slot is a place in a shard: below its documents' count)
    top = rng.choice([1_000, 70_000, 300_000, 2_000_000])
    return packed(array("I", sorted(rng.sample(range(top), min(count, top)))))


def _union(postings: list[array | Halves], stops: list[int]) -> set[int]:
    return set(chain.from_iterable(p[:stop] for p, stop in zip(postings, stops, strict=True)))


@pytest.mark.parametrize("seed", range(60))
def test_common_and_held_by_all_are_what_sets_give(seed: int) -> None:
    rng = random.Random(seed)
    mine = [_posting(rng) for _ in range(rng.randint(1, 4))]
    theirs = [_posting(rng) for _ in range(rng.randint(1, 4))]
    mine_stops = [rng.randint(0, len(p)) for p in mine]
    theirs_stops = [rng.randint(0, len(p)) for p in theirs]
    assert sorted_slots.common(mine, mine_stops, theirs, theirs_stops) == sorted(
        _union(mine, mine_stops) & _union(theirs, theirs_stops))
    everything = list(_union(mine, [len(p) for p in mine]))
    docs = [*rng.sample(everything, min(len(everything), 300)),
            *(rng.randrange(3_000_000) for _ in range(300))]
    rng.shuffle(docs)
    groups = [mine, theirs]
    in_each = [_union(g, [len(p) for p in g]) for g in groups]
    assert sorted_slots.held_by_all(docs, groups) == [
        d for d in docs if all(d in slots for slots in in_each)]


def test_the_phrase_steps_answer_the_same_below_and_above_the_numpy_threshold(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    common_word = packed(array("I", sorted(rng.sample(range(200_000), 90_000))))
    rarer = packed(array("I", sorted(rng.sample(range(200_000), 25_000))))
    stand_in = array("I", sorted(rng.sample(range(200_000), 200)))
    postings = {"the": common_word, "ryl": rarer, "rye": stand_in}
    spellings: list[list[str] | None] = [["ryl", "rye"], ["the"], ["ryl"]]
    docs = sorted(rng.sample(range(200_000), 20_000))

    def both() -> tuple[list[int], list[int]]:
        return (candidates._first_common([rarer, stand_in], [common_word], 5_000),
                candidates._narrowed(docs, postings, ["ryl", "the", "ryl"], spellings, "ryl",
                                     1_000_000))

    through_numpy = both()
    monkeypatch.setattr(sorted_slots, "BIG", 10**9)  # sets only
    through_sets = both()
    assert through_numpy == through_sets
    assert len(through_numpy[0]) == 5_000 and 0 < len(through_numpy[1]) < len(docs)
