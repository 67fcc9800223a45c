"""A long posting held in half the memory: each slot's low 16 bits, block by block.

A word in many documents ("the", "of": in half of a million statements) costs 4 bytes a
document as an `array('I')`. Its slots ascend, so those sharing their high 16 bits (one block
of 65,536 slots) are kept as 2-byte lows, with where each block begins: the 24.6 million
postings of a million statements take about 50 MB instead of 98. What the candidate steps
ask of a posting (its length, a slice, a slot, iteration, bisecting, appending a newer slot)
it answers in C: a slice comes back as an `array('I')`, rebuilt by writing the lows' and the
block's bytes into place (slice assignment), not slot by slot in Python.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from itertools import chain
from typing import overload

PACK_FROM = 256  # postings at least this long are held as `Halves`
READ_SPAN = 4  # `posting_members` reads a posting's slots when this few per slot asked
_BLOCK_BITS = 16
_LOW = (1 << _BLOCK_BITS) - 1
_LITTLE = sys.byteorder == "little"
assert array("I").itemsize == 4 and array("H").itemsize == 2


class Halves(Sequence[int]):
    """Ascending slots (below 2**32) as their low halves, per block of 65,536."""

    __slots__ = ("lows", "starts")

    def __init__(self) -> None:
        self.lows = array("H")
        self.starts = array("I")  # block b's first place in `lows` (b: a slot's high half)

    @classmethod
    def of(cls, slots: array) -> Halves:
        """`slots` (ascending) packed at C speed: each block's lows cut out of its bytes."""
        packed = cls()
        raw = slots.tobytes()
        low_bytes = bytearray(len(slots) * 2)
        if _LITTLE:
            low_bytes[0::2], low_bytes[1::2] = raw[0::4], raw[1::4]
        else:
            low_bytes[0::2], low_bytes[1::2] = raw[2::4], raw[3::4]
        packed.lows.frombytes(low_bytes)
        last = slots[-1] >> _BLOCK_BITS if slots else -1
        packed.starts.extend(bisect_left(slots, block << _BLOCK_BITS)
                             for block in range(last + 1))
        return packed

    def __len__(self) -> int:
        return len(self.lows)

    def _end(self, block: int) -> int:
        starts = self.starts
        return starts[block + 1] if block + 1 < len(starts) else len(self.lows)

    def _decoded(self, start: int, stop: int) -> array:
        """The slots at places [start, stop), as an `array('I')`."""
        out = array("I")
        if start >= stop:
            return out
        starts, lows = self.starts, self.lows
        block = bisect_right(starts, start) - 1
        while start < stop:
            end = min(self._end(block), stop)
            if end > start:
                count = end - start
                raw = lows[start:end].tobytes()
                slots = bytearray(count * 4)
                high = block.to_bytes(2, sys.byteorder)
                if _LITTLE:
                    slots[0::4], slots[1::4] = raw[0::2], raw[1::2]
                    if block:
                        slots[2::4], slots[3::4] = high[:1] * count, high[1:] * count
                else:
                    slots[2::4], slots[3::4] = raw[0::2], raw[1::2]
                    if block:
                        slots[0::4], slots[1::4] = high[:1] * count, high[1:] * count
                out.frombytes(slots)
                start = end
            block += 1
        return out

    @overload
    def __getitem__(self, at: int) -> int: ...
    @overload
    def __getitem__(self, at: slice) -> array: ...
    def __getitem__(self, at: int | slice) -> int | array:
        if isinstance(at, slice):
            start, stop, step = at.indices(len(self.lows))
            if step != 1:
                return self._decoded(0, len(self.lows))[at]
            return self._decoded(start, stop)
        if at < 0:
            at += len(self.lows)
        low = self.lows[at]  # (IndexError as a list's)
        return (bisect_right(self.starts, at) - 1) << _BLOCK_BITS | low

    def __iter__(self) -> Iterator[int]:
        """Block by block, so reading the first few costs one block, not the whole."""
        starts = self.starts
        return chain.from_iterable(self._decoded(starts[block], self._end(block))
                                   for block in range(len(starts)))

    def __contains__(self, slot: object) -> bool:
        return isinstance(slot, int) and self.bisect_left(slot) != self.bisect_right(slot)

    def bisect_left(self, slot: int) -> int:
        """Where `slot` would go in the slots, before any equal one (`bisect.bisect_left`)."""
        return self._bisect(slot, bisect_left)

    def bisect_right(self, slot: int) -> int:
        return self._bisect(slot, bisect_right)

    def _bisect(self, slot: int, how: Callable[..., int]) -> int:
        if slot < 0:
            return 0
        block = slot >> _BLOCK_BITS
        if block >= len(self.starts):
            return len(self.lows)
        return how(self.lows, slot & _LOW, self.starts[block], self._end(block))

    def members(self, slots: list[int]) -> list[int]:
        """Those of the ascending `slots` held here: bisected for each within its block's
        lows, in C (through `bisect_left` a slot cost 3 us in Python; this, a third)."""
        found: list[int] = []
        starts, lows = self.starts, self.lows
        at, count = 0, len(slots)
        while at < count:
            block = slots[at] >> _BLOCK_BITS
            if block >= len(starts):
                break
            low, high = starts[block], self._end(block)
            end = bisect_left(slots, (block + 1) << _BLOCK_BITS, at)
            if high > low:
                found += [s for s in slots[at:end]
                          if (place := bisect_left(lows, s & _LOW, low, high)) < high
                          and lows[place] == s & _LOW]
            at = end
        return found

    def append(self, slot: int) -> None:
        """Add `slot`, which is above every slot held (the newest document)."""
        block = slot >> _BLOCK_BITS
        starts, lows = self.starts, self.lows
        while len(starts) <= block:
            starts.append(len(lows))
        lows.append(slot & _LOW)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Halves):
            return self.lows == other.lows and self.starts == other.starts
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Halves({list(self)!r})"


def packed(slots: array) -> array | Halves:
    """`slots` as they are best held: halved when long enough."""
    return Halves.of(slots) if len(slots) >= PACK_FROM else slots


def pack_all(postings: MutableMapping[str, array | Halves]) -> None:
    """Every long enough `array` posting halved, in place (start-up, compaction)."""
    for token, posting in postings.items():
        if type(posting) is array and len(posting) >= PACK_FROM:
            postings[token] = Halves.of(posting)


def bisect_posting_left(posting: Sequence[int], slot: int) -> int:
    if type(posting) is Halves:
        return posting.bisect_left(slot)
    return bisect_left(posting, slot)


def bisect_posting_right(posting: Sequence[int], slot: int) -> int:
    if type(posting) is Halves:
        return posting.bisect_right(slot)
    return bisect_right(posting, slot)


def posting_members(posting: Sequence[int], slots: list[int]) -> list[int]:
    """Those of the ascending `slots` in `posting` (either kind, or an ascending list),
    bisected for each in C: a posting of a million slots is never walked. If the posting
    has few slots between the first and the last asked (the first thousands of two common
    words), those are read instead, and looked up in a set (a bisect costs 1 us a slot)."""
    if not slots:
        return []
    low, high = bisect_posting_left(posting, slots[0]), bisect_posting_right(posting, slots[-1])
    if high - low <= READ_SPAN * len(slots):
        held = set(posting[low:high])
        return [s for s in slots if s in held]
    if type(posting) is Halves:
        return posting.members(slots)
    size = len(posting)
    return [s for s in slots if (at := bisect_left(posting, s)) < size and posting[at] == s]


def postings_state(postings: dict[str, array | Halves]) -> tuple[object, ...]:
    """A postings dict as a snapshot holds it: every posting's numbers in a few bytes.
    Pickled one by one, each array's bytes and arguments were temporary objects the
    unpickler kept to its end between the arrays it read back, and freed then: the heap
    was left in pieces (27 MB more resident than built, at a million)."""
    values = postings.values()
    arrays = [p for p in values if type(p) is array]
    halved = [p for p in values if type(p) is not array]
    assert all(p.typecode == "I" for p in arrays)
    # An array's length, or -1 - a halved one's (whose blocks are in `blocks`)
    lengths = array("q", [len(p) if type(p) is array else -1 - len(p) for p in values])
    return (list(postings), lengths, b"".join(map(array.tobytes, arrays)),
            array("q", [len(p.starts) for p in halved]),
            b"".join(p.lows.tobytes() for p in halved),
            b"".join(p.starts.tobytes() for p in halved))


def postings_from(state: tuple[object, ...]) -> dict[str, array | Halves]:
    """`postings_state` read back, in the same order."""
    keys, lengths, slots, blocks, lows, starts = state
    view, low_view, start_view = (memoryview(slots), memoryview(lows),  # type: ignore[arg-type]
                                  memoryview(starts))  # type: ignore[arg-type]
    each_blocks = iter(blocks)  # type: ignore[call-overload]
    postings: dict[str, array | Halves] = {}
    at = low_at = start_at = 0
    for key, length in zip(keys, lengths, strict=True):  # type: ignore[call-overload]
        if length >= 0:
            posting = array("I")
            posting.frombytes(view[at : at + 4 * length])
            at += 4 * length
            postings[key] = posting
            continue
        halves = Halves()
        length, count = -1 - length, next(each_blocks)
        halves.lows.frombytes(low_view[low_at : low_at + 2 * length])
        halves.starts.frombytes(start_view[start_at : start_at + 4 * count])
        low_at += 2 * length
        start_at += 4 * count
        postings[key] = halves
    return postings
