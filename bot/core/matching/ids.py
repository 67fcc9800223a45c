"""Entry ids mapped to ints without an int object per entry."""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from itertools import compress, repeat
from operator import ge

ABSENT = -1


class IdMap:
    """Entry id -> non-negative int. An array indexed by id while ids are dense (row ids
    are), so a million entries cost 8 MB rather than a dict of int objects; a dict for the
    few far beyond the others."""

    __slots__ = ("count", "dense", "sparse")

    def __init__(self) -> None:
        self.dense = array("q")  # ABSENT where no entry
        self.sparse: dict[int, int] = {}
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def get(self, id_: int) -> int:
        if 0 <= id_ < len(self.dense):
            return self.dense[id_]
        return self.sparse.get(id_, ABSENT)

    def set(self, id_: int, value: int) -> None:
        dense = self.dense
        if id_ >= len(dense) and id_ < max(2 * len(dense), 4 * self.count, 1 << 16):
            # Still dense: grow by half at least, and take in the ids now within reach.
            dense.extend(repeat(ABSENT, max(id_ + 1, len(dense) * 3 // 2) - len(dense)))
            for moved in [i for i in self.sparse if 0 <= i < len(dense)]:
                dense[moved] = self.sparse.pop(moved)
        if 0 <= id_ < len(dense):
            self.count += dense[id_] < 0
            dense[id_] = value
        else:
            self.count += id_ not in self.sparse
            self.sparse[id_] = value

    def pop(self, id_: int) -> int:
        if 0 <= id_ < len(self.dense):
            value = self.dense[id_]
            self.dense[id_] = ABSENT
        else:
            value = self.sparse.pop(id_, ABSENT)
        self.count -= value >= 0
        return value

    def __iter__(self) -> Iterator[int]:
        yield from compress(range(len(self.dense)), map(ge, self.dense, repeat(0)))
        yield from self.sparse
