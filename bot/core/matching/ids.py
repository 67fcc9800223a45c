"""Entry ids mapped to ints without an int object per entry."""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from itertools import compress, repeat
from operator import ge

ABSENT = -1
_CHUNK_BITS = 14  # ids per chunk: 16,384 (128 KB)
_CHUNK = 1 << _CHUNK_BITS
_LOW = _CHUNK - 1


class IdMap:
    """Entry id -> non-negative int. Arrays indexed by id while ids are dense (row ids
    are), so a million entries cost 8 MB rather than a dict of int objects; a dict for the
    few far beyond the others. The arrays are chunks: growing adds one, and never copies
    what is held (an update never waits for 8 MB to move)."""

    __slots__ = ("chunks", "count", "sparse")

    def __init__(self) -> None:
        self.chunks: list[array] = []  # array("q") of _CHUNK each, ABSENT where no entry
        self.sparse: dict[int, int] = {}
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def get(self, id_: int) -> int:
        if id_ >= 0 and id_ >> _CHUNK_BITS < len(self.chunks):
            return self.chunks[id_ >> _CHUNK_BITS][id_ & _LOW]
        return self.sparse.get(id_, ABSENT)

    def set(self, id_: int, value: int) -> None:
        chunks = self.chunks
        dense = len(chunks) << _CHUNK_BITS
        if dense <= id_ < max(2 * dense, 4 * self.count, _CHUNK):
            # Still dense: add chunks up to it, and take in the ids now within reach.
            while len(chunks) <= id_ >> _CHUNK_BITS:
                chunks.append(array("q", (ABSENT,)) * _CHUNK)
            dense = len(chunks) << _CHUNK_BITS
            for moved in [i for i in self.sparse if 0 <= i < dense]:
                chunks[moved >> _CHUNK_BITS][moved & _LOW] = self.sparse.pop(moved)
        if 0 <= id_ < dense:
            chunk = chunks[id_ >> _CHUNK_BITS]
            self.count += chunk[id_ & _LOW] < 0
            chunk[id_ & _LOW] = value
        else:
            self.count += id_ not in self.sparse
            self.sparse[id_] = value

    def pop(self, id_: int) -> int:
        if id_ >= 0 and id_ >> _CHUNK_BITS < len(self.chunks):
            chunk = self.chunks[id_ >> _CHUNK_BITS]
            value = chunk[id_ & _LOW]
            chunk[id_ & _LOW] = ABSENT
        else:
            value = self.sparse.pop(id_, ABSENT)
        self.count -= value >= 0
        return value

    def __iter__(self) -> Iterator[int]:
        for number, chunk in enumerate(self.chunks):
            start = number << _CHUNK_BITS
            yield from compress(range(start, start + _CHUNK), map(ge, chunk, repeat(0)))
        yield from self.sparse
