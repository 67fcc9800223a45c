"""Big intersections of postings, in C through numpy, without boxing a slot.

At a million statements the phrase steps intersect postings of common words: 29,000 slots
with 144,000. A Python set of one, intersected with the other, makes an int object of every
slot of both (11 ms for those two, measured); numpy reads the postings' bytes where they are
(a halved posting's lows and blocks too) and bisects the smaller in the larger (3 ms). Below
`BIG` slots in all the sets are as quick, and numpy is not even imported: a bot of a few
thousand entries never loads it.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.core.matching.postings import Halves

if TYPE_CHECKING:
    import numpy as np

BIG = 20_000  # slots in all, from which numpy intersects them


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


def union(postings: Sequence[Sequence[int]], stops: Sequence[int]) -> np.ndarray:
    """The slots of all the postings (each up to its stop), ascending, each once."""
    numpy = _np()
    parts = [_slots(p, stop) for p, stop in zip(postings, stops, strict=True) if stop]
    if not parts:
        return numpy.empty(0, dtype=numpy.uint32)
    if len(parts) == 1:
        return parts[0]
    joined = numpy.concatenate(parts)
    joined.sort()  # (`numpy.unique` hashes first: 11 ms for what sorting does in 1)
    if len(joined) < 2:
        return joined
    return joined[numpy.append(True, joined[1:] != joined[:-1])]


def held(values: np.ndarray, ascending: np.ndarray) -> np.ndarray:
    """Which of `values` are in `ascending` (sorted, each once): a mask, bisected in C."""
    numpy = _np()
    if not len(ascending):
        return numpy.zeros(len(values), dtype=bool)
    at = numpy.searchsorted(ascending, values)
    at[at == len(ascending)] = 0
    return ascending[at] == values


def common(mine: Sequence[Sequence[int]], mine_stops: Sequence[int],
           theirs: Sequence[Sequence[int]], theirs_stops: Sequence[int]) -> list[int]:
    """The slots in both unions (each posting up to its stop), ascending."""
    ours, others = union(mine, mine_stops), union(theirs, theirs_stops)
    if len(ours) > len(others):
        ours, others = others, ours
    return ours[held(ours, others)].tolist()  # type: ignore[no-any-return]


def held_by_all(docs: list[int], groups: Sequence[Sequence[Sequence[int]]]) -> list[bool]:
    """Per document of `docs` (any order), whether every group has a posting that holds it."""
    numpy = _np()
    values = numpy.array(docs, dtype=numpy.uint32)
    mask = numpy.ones(len(values), dtype=bool)
    for group in groups:
        mask &= held(values, union(group, [len(p) for p in group]))
    return mask.tolist()  # type: ignore[no-any-return]
