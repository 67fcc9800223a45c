"""Normalised texts of a big text shard, each word written as one character.

A million statements held as normalised str cost 216 MB (169 characters on average,
ASCII). Written with one character per word, the shard's own number for that word, a text
is 27 characters: half the memory, and the phrase scan reads a sixth of the characters.
A text is spelt out again (`texts[slot]`) only for the few candidates ranked.

The words present when a shard is first coded get their characters in sorted order, so
the words beginning as a word being typed begins ("rem": "remain", "remember") are one
range of characters, which a regex matches without a class listing each of them. Words
first seen later get the next characters, and are listed one by one.

As a pattern reads them (`pattern`): each word as one of its spellings; the last word also
as the start of a longer one ("rem" finds "remain"), as `in` finds it in a plain text. The
first word must be whole (a plain text's `in` also finds "ity we" in "city we"): a fragment
starting inside a word is still found by counting its words, and listing every word ending
as it does would cost more than it finds.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator, Sequence
from functools import partial

FIRST = 0x100  # the first word's character: never a regex metacharacter, nor "\n"
_SURROGATES = 0xD800  # 0xD800-0xDFFF are no characters: skipped
_LAST = "\U0010ffff"


def _char(number: int) -> str:
    point = FIRST + number
    return chr(point + 0x800 if point >= _SURROGATES else point)


class CodedTexts:
    """A shard's normalised texts by slot ("" once removed), as a list of str reads them
    (`texts[slot]`, `len`, `append`, `texts[slot] = ""`); `codes` are the coded texts."""

    __slots__ = ("chars", "codes", "late", "ordered", "spelt")

    def __init__(self, texts: Iterable[str]) -> None:
        texts = list(texts)
        words: set[str] = set()
        for text in texts:  # (one text's words at a time: a million lists of them are 300 MB)
            words.update(text.split())
        self.ordered = sorted(words)  # coded in this order
        self.chars = {word: _char(number) for number, word in enumerate(self.ordered)}
        # a character to its word and a space: `str.translate` spells a text out in C
        self.spelt = {ord(char): f"{word} " for word, char in self.chars.items()}
        self.late: list[str] = []  # words first seen after the shard was coded, sorted
        self.codes = [self.encode(text) for text in texts]

    def encode(self, norm: str) -> str:
        if not norm:
            return ""
        words = norm.split(" ")
        chars = self.chars
        if not all(map(chars.__contains__, words)):  # (checked in C)
            for word in words:
                if word not in chars:
                    char = chars[word] = _char(len(chars))
                    self.spelt[ord(char)] = f"{word} "
                    insort(self.late, word)
        return "".join(map(chars.__getitem__, words))

    def append(self, norm: str) -> None:
        self.codes.append(self.encode(norm))

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, slot: int) -> str:
        return self.codes[slot].translate(self.spelt)[:-1]

    def __setitem__(self, slot: int, text: str) -> None:
        if text:
            raise ValueError("a slot's text is only ever cleared (removed)")
        self.codes[slot] = ""

    def __iter__(self) -> Iterator[str]:
        return map(self.__getitem__, range(len(self.codes)))

    def splitter(self) -> partial[Iterator[str]]:
        """A coded text to its words (as `str.split` a plain one), in C (the map it reads is
        built for the call: postings are built once, at start-up)."""
        words = {char: self.spelt[ord(char)][:-1] for char in self.chars.values()}
        return partial(map, words.__getitem__)

    def beginning(self, prefix: str) -> str:
        """A regex class's body: the characters of the words beginning with `prefix`."""
        ordered = self.ordered
        at = bisect_left(ordered, prefix)
        end = bisect_right(ordered, prefix + _LAST, at)
        body = "" if end == at else _char(at) if end == at + 1 else \
            f"{_char(at)}-{_char(end - 1)}"  # (a range over the surrogates: none are used)
        late = self.late
        at = bisect_left(late, prefix)
        end = bisect_right(late, prefix + _LAST, at)
        return body + "".join(map(self.chars.__getitem__, late[at:end]))

    def pattern(self, spellings: Sequence[Sequence[str] | None]) -> tuple[str, bool] | None:
        """The phrase as one string of characters, each word one of its spellings (None:
        any word), the last also the start of a longer word: (a literal, True) if it is
        one, else (a regex, False); None if a word cannot be there at all."""
        chars = self.chars
        parts: list[str] = []
        literal = True
        for at, spelled in enumerate(spellings):
            if spelled is None:
                parts.append("[^\n]")
                literal = False
                continue
            if at == len(spellings) - 1:
                body = "".join(map(self.beginning, spelled))
            else:
                body = "".join(dict.fromkeys(chars[w] for w in spelled if w in chars))
            if not body:
                return None
            if len(body) == 1:
                parts.append(body)
            else:
                parts.append(f"[{body}]")
                literal = False
        return "".join(parts), literal
