"""Display texts of a big shard held as what the normalised text lacks.

A statement as given ("To the city, we say: welcome.") differs from its normalised text
("to the city we say welcome") only in capitals and punctuation, so a big shard keeps,
per slot, a skeleton: the separators as given and each word's case (`skeleton`). The text
is rebuilt from the skeleton and the normalised text, only for the hits shown (about
45 bytes a statement instead of a 200-byte str). A text this cannot describe (not ASCII,
an apostrophe, "McDonald") is kept as it is.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence

# Letters and digits to their case: "a" lowercase (or a digit), "A" a capital. Translating
# and replacing run in C: packing a million texts costs about what normalising them did.
_CASES = str.maketrans({c: "a" if c.islower() or c.isdigit() else "A"
                        for c in map(chr, range(128)) if c.isalnum()})
_WORD = str.maketrans({"a": "\x00", "C": "\x00", "A": "\x00"})  # a word's place
_CASE_ONLY = str.maketrans({c: None for c in map(chr, range(128)) if c not in "aCA"})
# Most of a statement is lowercase words one space apart: a run of 2**k of them ("a " each)
# is the one byte 0x80 + k (the text is ASCII: no such byte is otherwise there). A million
# statements' skeletons: 43 bytes each on average, 21 so.
_RUN_PAIRS = [("\x03\x03", "\x81"), *((chr(0x80 + k) * 2, chr(0x81 + k)) for k in range(1, 7))]
_RUNS = str.maketrans({0x80 + k: "a " * 2**k for k in range(1, 8)} | {0x03: "a "})


def skeleton(text: str) -> bytes | None:
    """What `text` adds to its normalised form, or None if it is not that simple: each
    word as one letter, "a" (lowercase), "C" (capitalised) or "A" (capitals); "a " as
    \x03, and a run of those as one byte per power of two in its length (`_RUNS`);
    separators as they are."""
    if not text.isascii() or "'" in text or "`" in text or "_" in text or "\x03" in text \
            or "\x00" in text:
        return None  # normalising drops more than case and separators, or a marker
    shape = text.translate(_CASES)
    while "aa" in shape:
        shape = shape.replace("aa", "a")
    if "aA" in shape or "AAa" in shape:  # "iPhone", "McDonald", "NYPDs"
        return None
    shape = shape.replace("Aa", "C")
    while "AA" in shape:
        shape = shape.replace("AA", "A")
    shape = shape.replace("a ", "\x03")
    for pair, byte in _RUN_PAIRS:  # pairs of pairs: 13 lowercase words are 8 + 4 + 1
        if pair not in shape:
            break
        shape = shape.replace(pair, byte)
    return shape.encode("latin-1")


def rebuild(packed: bytes, norm: str) -> str:
    # Separators and the words' cases by translating and splitting in C; only the
    # capitalised words are touched in Python.
    shape = packed.decode("latin-1").translate(_RUNS)
    separators = shape.translate(_WORD).split("\x00")
    words = norm.split(" ")
    if "C" in shape or "A" in shape:
        cases = shape.translate(_CASE_ONLY)
        at = cases.find("C")
        while at >= 0:
            words[at] = words[at][:1].upper() + words[at][1:]
            at = cases.find("C", at + 1)
        at = cases.find("A")
        while at >= 0:
            words[at] = words[at].upper()
            at = cases.find("A", at + 1)
    return separators[0] + "".join(map(str.__add__, words, separators[1:]))


RECENT = 2_048  # rebuilt texts kept


class PackedDisplay:
    """A shard's display texts by slot: skeletons joined in one bytearray, each text packed
    as it is put (the str is dropped at once, so its memory serves the next rows loaded).
    A removed slot's text is never read again: setting it only forgets a kept one."""

    __slots__ = ("ends", "kept", "lengths", "recent", "skeletons", "texts")

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts  # the shard's normalised texts, by slot (the same list)
        self.skeletons = bytearray()
        self.ends = array("Q")  # where each slot's skeleton ends
        self.lengths = array("I")  # each slot's display length (ranking ties)
        self.kept: dict[int, str] = {}  # slots whose text had no skeleton
        # The last texts rebuilt: autocomplete asks for the same hits keystroke after
        # keystroke.
        self.recent: dict[int, str] = {}

    def extend(self, display: Iterable[str]) -> None:
        for text in display:
            self.append(text)

    def append(self, text: str) -> None:
        shape = skeleton(text) if text else b""
        if shape is None:
            self.kept[len(self.ends)] = text
        else:
            self.skeletons += shape
        self.ends.append(len(self.skeletons))
        self.lengths.append(len(text))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, slot: int) -> str:
        if slot < 0:
            raise IndexError(slot)
        text = self.kept.get(slot) or self.recent.get(slot)
        if text is not None:
            return text
        start = self.ends[slot - 1] if slot else 0
        text = rebuild(self.skeletons[start : self.ends[slot]], self.texts[slot])
        if len(self.recent) >= RECENT:
            self.recent.clear()
        self.recent[slot] = text
        return text

    def __setitem__(self, slot: int, text: str) -> None:
        self.kept.pop(slot, None)  # only ever "" (removed): nothing to rebuild it for
        self.recent.pop(slot, None)

    def length(self, slot: int) -> int:
        """len(self[slot]), without rebuilding it."""
        return self.lengths[slot]
