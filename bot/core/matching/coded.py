"""Normalised texts of a big text shard, each word written as two bytes.

A million statements held as normalised str cost 216 MB (169 characters on average,
ASCII). Written with one character per word, the shard's own number for that word, a text
is 27 characters; held as those characters' UTF-16 (two bytes each) in a `bytes`, it also
sheds the 41 bytes a str of such characters has beyond a bytes' header (about 45 MB at a
million). The phrase scan reads a sixth of the bytes a plain text has. A text is spelt out
again (`texts[slot]`: decoded and translated, in C) only for the few candidates ranked.

No code has the byte "\n" (it parts the texts the scan joins) nor a surrogate's (a code is
one UTF-16 unit), which leaves `CAPACITY` words: a shard with more stays plain
(`CodesFull`). Since every code is two bytes, a match counts only where it starts an even
number of bytes into its text (`aligned`).

The words present when a shard is first coded get their codes in sorted order, so the
words beginning as a word being typed begins ("rem": "remain", "remember") are one range of
codes, which a regex matches as a few byte ranges without listing each word. Words first
seen later get the next codes, and are listed one by one.

As a pattern reads them (`pattern`): each word as one of its spellings; the last word also
as the start of a longer one ("rem" finds "remain"), as `in` finds it in a plain text. The
first word must be whole (a plain text's `in` also finds "ity we" in "city we"): a fragment
starting inside a word is still found by counting its words, and listing every word ending
as it does would cost more than it finds.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import pairwise
from typing import Any

_NEWLINE = 0x0A
_BYTES = [b for b in range(256) if b != _NEWLINE]
_HIGH = [b for b in _BYTES if not 0xD8 <= b <= 0xDF]  # no surrogate: one UTF-16 unit
CAPACITY = len(_HIGH) * len(_BYTES)
_LAST = "\U0010ffff"
_ANY_WORD = b"[^\n][^\n]"


class CodesFull(Exception):
    """The shard has more words than codes (`CAPACITY`): its texts stay plain."""


def _char(number: int) -> str:
    if number >= CAPACITY:
        raise CodesFull(number)
    high, low = divmod(number, len(_BYTES))
    return chr(_HIGH[high] << 8 | _BYTES[low])


def _byte_class(low: int, high: int) -> bytes:
    """A regex class of the bytes low..high, "\n" left out."""
    parts = [(low, min(high, _NEWLINE - 1)), (max(low, _NEWLINE + 1), high)]
    return b"[" + b"".join(b"\\x%02x-\\x%02x" % part for part in parts if part[0] <= part[1]) \
        + b"]"


def _code_range(first: str, last: str) -> bytes:
    """A regex of the codes first..last (each as its two bytes)."""
    (h1, l1), (h2, l2) = divmod(ord(first), 256), divmod(ord(last), 256)
    if h1 == h2:
        return b"\\x%02x" % h1 + _byte_class(l1, l2)
    parts = [b"\\x%02x" % h1 + _byte_class(l1, 255)]
    if h2 > h1 + 1:
        parts.append(_byte_class(h1 + 1, h2 - 1) + _byte_class(0, 255))
    parts.append(b"\\x%02x" % h2 + _byte_class(0, l2))
    return b"|".join(parts)


def aligned(search: Callable[..., Any]) -> Callable[..., Any]:
    """`search` over coded texts joined by "\n", finding only matches that start on a
    code (an even number of bytes into their text)."""
    def found(joined: bytes, at: int = 0) -> Any:
        while (match := search(joined, at)) is not None:
            start = match.start()
            if (start - joined.rfind(b"\n", 0, start) - 1) % 2 == 0:
                return match
            at = start + 1
        return None
    return found


class CodedTexts:
    """A shard's normalised texts by slot ("" once removed), as a list of str reads them
    (`texts[slot]`, `len`, `append`, `texts[slot] = ""`); `codes` are the coded texts."""

    __slots__ = ("chars", "codes", "late", "ordered", "spelt")

    def __init__(self, texts: Iterable[str]) -> None:
        texts = list(texts)
        words: set[str] = set()
        for text in texts:  # (one text's words at a time: a million lists of them are 300 MB)
            words.update(text.split())
        if len(words) > CAPACITY:
            raise CodesFull(len(words))
        self.ordered = sorted(words)  # coded in this order
        self.chars = {word: _char(number) for number, word in enumerate(self.ordered)}
        # a character to its word and a space: `str.translate` spells a text out in C
        self.spelt = {ord(char): f"{word} " for word, char in self.chars.items()}
        self.late: list[str] = []  # words first seen after the shard was coded, sorted
        self.codes = [self.encode(text) for text in texts]

    def encode(self, norm: str) -> bytes:
        """The text's code; `CodesFull` (nothing changed) if it brings too many new words."""
        if not norm:
            return b""
        words = norm.split(" ")
        chars = self.chars
        if not all(map(chars.__contains__, words)):  # (checked in C)
            new = list(dict.fromkeys(w for w in words if w not in chars))
            codes = [_char(len(chars) + n) for n in range(len(new))]  # (may raise)
            for word, char in zip(new, codes, strict=True):
                chars[word] = char
                self.spelt[ord(char)] = f"{word} "
                insort(self.late, word)
        return "".join(map(chars.__getitem__, words)).encode("utf-16-be")

    def append(self, norm: str) -> None:
        self.codes.append(self.encode(norm))

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, slot: int) -> str:
        return self.codes[slot].decode("utf-16-be").translate(self.spelt)[:-1]

    def __setitem__(self, slot: int, text: str) -> None:
        if text:
            raise ValueError("a slot's text is only ever cleared (removed)")
        self.codes[slot] = b""

    def __iter__(self) -> Iterator[str]:
        return map(self.__getitem__, range(len(self.codes)))

    def splitter(self) -> Callable[[bytes], Iterator[str]]:
        """A coded text to its words (as `str.split` a plain one), in C (the map it reads is
        built for the call: postings are built once, at start-up)."""
        words = {char: self.spelt[ord(char)][:-1] for char in self.chars.values()}.__getitem__

        def split(code: bytes) -> Iterator[str]:
            return map(words, code.decode("utf-16-be"))
        return split

    def pairs_held(self, words: list[str], slots: Iterable[int]) -> dict[int, int]:
        """Per slot, how many pairs of neighbouring `words` its text has side by side, the
        last word also as the start of a longer one (what `f" {text} "` holding `" a b "`,
        or `" a y"` for the last pair, says of a plain text), read on its codes as
        characters, one a word, without spelling the text out (3.8 against 7.8 us a text of
        10 to 60 words, measured)."""
        chars = self.chars
        pairs = list(pairwise(words))
        whole = [chars[a] + chars[b] for a, b in pairs[:-1] if a in chars and b in chars]
        last: Callable[[str], object] | None = None
        if pairs and pairs[-1][0] in chars:
            codes, ranges = self._beginning(pairs[-1][1])
            if codes or ranges:
                either = "".join(map(re.escape, codes)) + "".join(
                    f"{re.escape(first)}-{re.escape(end)}" for first, end in ranges)
                last = re.compile(re.escape(chars[pairs[-1][0]]) + f"[{either}]").search
        held: dict[int, int] = {}
        for slot in slots:
            text = self.codes[slot].decode("utf-16-be")
            held[slot] = sum(map(text.__contains__, whole)) + (
                last is not None and last(text) is not None)
        return held

    def _beginning(self, prefix: str) -> _Codes:
        """The codes of the words beginning with `prefix`: those listed one by one, and
        ranges (first, last) of them."""
        ordered = self.ordered
        at = bisect_left(ordered, prefix)
        end = bisect_right(ordered, prefix + _LAST, at)
        codes = [_char(at)] if end == at + 1 else []
        ranges = [(_char(at), _char(end - 1))] if end > at + 1 else []
        late = self.late
        at = bisect_left(late, prefix)
        end = bisect_right(late, prefix + _LAST, at)
        return codes + list(map(self.chars.__getitem__, late[at:end])), ranges

    def beginning(self, prefix: str) -> bytes | None:
        """A regex of the codes of the words beginning with `prefix` (None: no such word)."""
        codes, ranges = self._beginning(prefix)
        return _either(codes, ranges) if codes or ranges else None

    def pattern(self, spellings: Sequence[Sequence[str] | None], start: int | None = None
                ) -> tuple[bytes, bool] | None:
        """The phrase as one string of codes, each word one of its spellings (None: any
        word), the last also the start of a longer word: (a literal, True) if it is one,
        else (a regex, False); None if a word cannot be there at all. Either is to be
        searched `aligned`.

        A regex begins at one word, the words before it read back from there (every word
        is two bytes): at `start` if that word is one code (the regex engine skips to it
        as `find` would), else at the word whose codes begin with the fewest bytes, as a
        class of those bytes (the engine skips to them; the word is then read exactly).
        A regex beginning with alternatives would be tried at every byte."""
        chars = self.chars
        last = len(spellings) - 1
        words: list[_Codes | None] = []
        for at, spelled in enumerate(spellings):
            if spelled is None:
                words.append(None)
                continue
            codes: list[str] = []
            ranges: list[tuple[str, str]] = []
            if at == last:
                for word in spelled:
                    more, more_ranges = self._beginning(word)
                    codes += more
                    ranges += more_ranges
            else:
                codes = [chars[w] for w in spelled if w in chars]
            if not codes and not ranges:
                return None
            words.append((list(dict.fromkeys(codes)), ranges))
        singles = [None if w is None or w[1] or len(w[0]) != 1 else w[0][0].encode("utf-16-be")
                   for w in words]
        if all(singles):
            return b"".join(singles), True  # type: ignore[arg-type]
        parts = [_ANY_WORD if w is None else _either(*w) for w in words]
        if start is None or singles[start] is None:
            start = min(range(len(words)), key=lambda at: len(_firsts(words[at])))
        single = singles[start]
        if single is not None:
            head, behind = _hex(single), start > 0
        else:
            head, behind = b"[" + b"".join(map(_hex, _firsts(words[start]))) + b"][^\n]", True
        lookbehind = b"(?<=" + b"".join(parts[: start + 1]) + b")" if behind else b""
        return head + lookbehind + b"".join(parts[start + 1 :]), False


_Codes = tuple[list[str], list[tuple[str, str]]]  # codes, and ranges (first, last) of them


def _firsts(word: _Codes | None) -> list[bytes]:
    """The first bytes of a word's codes (None: any word's)."""
    if word is None:
        return [bytes((b,)) for b in _HIGH]
    codes, ranges = word
    found = {ord(code) >> 8 for code in codes}
    for first, last in ranges:
        found.update(range(ord(first) >> 8, (ord(last) >> 8) + 1))
    return [bytes((b,)) for b in sorted(found)]


def _hex(code: bytes) -> bytes:
    """A regex of exactly these bytes."""
    return b"".join(b"\\x%02x" % byte for byte in code)


def _either(codes: list[str], ranges: list[tuple[str, str]]) -> bytes:
    """A regex of any of the codes (grouped by their first byte) or ranges of them."""
    by_high: dict[int, list[int]] = {}
    for code in codes:
        high, low = divmod(ord(code), 256)
        by_high.setdefault(high, []).append(low)
    alternatives = [b"\\x%02x" % high + (b"\\x%02x" % lows[0] if len(lows) == 1 else
                    b"[" + b"".join(b"\\x%02x" % low for low in lows) + b"]")
                    for high, lows in by_high.items()]
    alternatives += [_code_range(first, last) for first, last in ranges]
    return b"(?:" + b"|".join(alternatives) + b")"
