"""Intersections of postings: in Python sets when small, in numpy when big (no slot boxed).

At a million statements the phrase steps intersect postings of common words: 29,000 slots
with 144,000. A Python set of one, intersected with the other, makes an int object of every
slot of both (11.3 ms for those two, measured); numpy reads the postings' bytes where they
are (a halved posting's lows and blocks too): 3.3 ms, bisecting one in the other. They are
marked in masks of a byte a slot instead (a slot is a place in its shard, below the shard's
count of documents, so a mask costs a byte a document), which takes the union of a word's
stand-ins without sorting them together. Below `BIG` slots in all, sets are as quick, and
numpy is not even imported: a bot of a few thousand entries never loads it.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import chain, compress
from typing import TYPE_CHECKING, Any

from bot.core.matching.postings import Halves, bisect_posting_right

if TYPE_CHECKING:
    import numpy as np

BIG = 20_000  # slots in all, from which numpy intersects them


def through_numpy(slots: int) -> bool:
    """Whether an intersection of this many slots in all is done in numpy."""
    return slots >= BIG


def load() -> None:
    """Import numpy now (an index of many statements, at start-up)."""
    _np()


def _np() -> Any:
    import numpy  # (imported when first needed: see the module's docstring)

    return numpy


def _slots(posting: Sequence[int], stop: int) -> np.ndarray:
    """The first `stop` slots of a posting (either kind, or a list) as a uint32 array."""
    numpy = _np()
    if type(posting) is array:
        return numpy.frombuffer(posting, dtype=numpy.uint32, count=stop)
    if type(posting) is Halves:
        lows = numpy.frombuffer(posting.lows, dtype=numpy.uint16, count=stop)
        bounds = numpy.frombuffer(posting.starts, dtype=numpy.uint32).astype(numpy.int64)
        bounds = numpy.minimum(numpy.append(bounds, len(posting)), stop)
        highs = numpy.repeat(numpy.arange(len(bounds) - 1, dtype=numpy.uint32) << 16,
                             numpy.diff(bounds))
        return highs | lows
    return numpy.asarray(posting[:stop], dtype=numpy.uint32)


def _marked(postings: Sequence[Sequence[int]], stops: Sequence[int], size: int
            ) -> np.ndarray:
    """A mask of `size` slots, set where a posting (up to its stop) holds the slot: several
    postings' union without sorting them together (sorting took 3.6 ms for a common word's
    stand-ins in cProfile; marking 313,000 slots of a million takes 1.3)."""
    numpy = _np()
    mask = numpy.zeros(size, dtype=bool)
    for posting, stop in zip(postings, stops, strict=True):
        if stop:
            mask[_slots(posting, stop)] = True
    return mask


def _head(posting: Sequence[int], stop: int) -> Sequence[int]:
    return posting[:stop]


def _last(postings: Sequence[Sequence[int]], stops: Sequence[int]) -> int:
    return max((p[stop - 1] for p, stop in zip(postings, stops, strict=True) if stop),
               default=-1)


def common(mine: Sequence[Sequence[int]], mine_stops: Sequence[int],
           theirs: Sequence[Sequence[int]], theirs_stops: Sequence[int]) -> list[int]:
    """The slots in both unions (each posting up to its stop), ascending."""
    if not through_numpy(sum(mine_stops) + sum(theirs_stops)):
        kept = set(chain.from_iterable(map(_head, mine, mine_stops)))
        kept.intersection_update(chain.from_iterable(map(_head, theirs, theirs_stops)))
        return sorted(kept)
    numpy = _np()
    size = min(_last(mine, mine_stops), _last(theirs, theirs_stops)) + 1
    if size <= 0:
        return []
    # (a slot above the smaller union's last is in one union only: the masks stop there)
    mine_stops = [min(stop, bisect_posting_right(p, size - 1))
                  for p, stop in zip(mine, mine_stops, strict=True)]
    theirs_stops = [min(stop, bisect_posting_right(p, size - 1))
                    for p, stop in zip(theirs, theirs_stops, strict=True)]
    both = _marked(mine, mine_stops, size)
    both &= _marked(theirs, theirs_stops, size)
    return numpy.flatnonzero(both).tolist()  # type: ignore[no-any-return]


def held_by_all(docs: list[int], groups: Sequence[Sequence[Sequence[int]]]) -> list[int]:
    """Those of `docs` (in their order) that every group has a posting holding."""
    if not docs:
        return []
    if not through_numpy(len(docs) + sum(map(len, chain.from_iterable(groups)))):
        kept_set = set(docs)
        for group in groups:
            kept_set.intersection_update(chain.from_iterable(group))
        return list(compress(docs, map(kept_set.__contains__, docs)))
    numpy = _np()
    values = numpy.frombuffer(array("I", docs), dtype=numpy.uint32)  # (a list's ints: 2x)
    kept = numpy.ones(len(values), dtype=bool)
    highest = int(values.max())
    for group in groups:
        # (the mask ends at the lower of the last document and the group's last slot)
        size = min(highest, _last(group, [len(p) for p in group])) + 1
        inside = values < size
        marked = _marked(group, [bisect_posting_right(p, size - 1) for p in group], size)
        kept &= inside
        kept[inside] &= marked[values[inside]]
    return values[kept].tolist()  # type: ignore[no-any-return]
