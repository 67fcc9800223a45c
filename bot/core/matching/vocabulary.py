"""The words of a shard's documents: postings, typo stand-ins and the sorted word list.

A misspelt word is found through symmetric deletes: every word is stored under itself and
each string one deletion away, so a query word one edit away (two for long words) shares a
key with it. The sorted list completes a word still being typed.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.core.matching.postings import Halves, pack_all, packed, postings_from, postings_state

MIN_TYPO_WORD = 4  # shorter words are matched exactly (a typo'd "of" is just noise)
PREFIX_WORDS = 40  # at most this many words complete a word being typed
FAR_WORD = 5  # a word this long that no word is one typo from may be two typos from some
FAR_MOST = 8  # at most this many of those (the most used first)

_append = array.append


def drop_removed(postings: dict[str, array | Halves], alive: bytearray) -> None:
    """Drop removed slots (those not `alive`) from every posting, in C; and empty postings."""
    for token, posting in list(postings.items()):
        kept = array("I", filter(alive.__getitem__, posting))
        if kept:
            postings[token] = packed(kept)
        else:
            del postings[token]


def deletes(word: str) -> set[str]:
    """The word and every string one deletion away (symmetric-delete typo matching)."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


class Vocabulary:
    __slots__ = ("by_length", "deletes", "postings", "words")

    def __init__(self) -> None:
        # word -> ascending slots (a long posting halved: postings.py)
        self.postings: dict[str, array | Halves] = {}
        self.deletes: dict[str, str | list[str]] = {}  # delete-variant -> word(s)
        self.words: list[str] = []  # sorted, for words being typed
        # (length, letter) -> the words that long with that letter first or second, built
        # when a word two typos off is first looked for (rarely: most typos are one edit,
        # found through `deletes`)
        self.by_length: dict[tuple[int, str], list[str]] | None = None

    def __getstate__(self) -> tuple[object, ...]:
        return postings_state(self.postings), self.deletes, self.words  # (by_length: a cache)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        postings, self.deletes, self.words = state  # type: ignore[assignment]
        self.postings = postings_from(postings)  # type: ignore[arg-type]
        self.by_length = None

    def add(self, words: set[str], slot: int) -> None:
        """Post `slot` (the newest) under each of its words."""
        postings = self.postings
        if not postings.keys() >= words:  # some are new (checked in C)
            for word in words:
                if word not in postings:
                    postings[word] = array("I")
                    self._learn(word)
        for word in words:
            posting = postings[word]
            posting.append(slot)
            if type(posting) is array:  # halved once it grows long enough
                postings[word] = packed(posting)

    def add_all(self, texts: Sequence[str],
                split: Callable[[str], Iterable[str]] = str.split) -> None:
        """Post every document of an empty vocabulary at once (start-up): `add`'s loop
        without a call per document, and the word list sorted once, not one insort per
        new word. An equal text seen again (where and when, shared by many entries)
        reuses its word set. `split`: a text to its words (coded texts have their own)."""
        postings = self.postings
        getitem, keys = postings.__getitem__, postings.keys()
        words_of: dict[str, set[str]] = {}
        for slot, norm in enumerate(texts):
            if not norm:
                continue
            words = words_of.get(norm)
            if words is None:
                words = set(split(norm))
                if len(words_of) < 256:  # only the few texts many entries share repeat
                    words_of[norm] = words
                if not keys >= words:  # some are new (checked in C)
                    for word in words:  # (`words - keys` would walk every key)
                        if word not in postings:
                            postings[word] = array("I")
            any(map(_append, map(getitem, words), repeat(slot)))
        pack_all(postings)
        self.words = sorted(postings)
        self.by_length = None
        for word in postings:  # in the order first seen, as `add` learns them
            self._learn_deletes(word)

    def _learn(self, word: str) -> None:
        """A word seen for the first time: findable with a typo, and while being typed."""
        insort(self.words, word)
        self.by_length = None
        self._learn_deletes(word)

    def _learn_deletes(self, word: str) -> None:
        if len(word) < MIN_TYPO_WORD - 1:
            return
        known_deletes = self.deletes
        for variant in deletes(word):
            known = known_deletes.get(variant)
            if known is None:
                known_deletes[variant] = word
            elif isinstance(known, str):
                known_deletes[variant] = [known, word]
            else:
                known.append(word)

    def compact(self, alive: bytearray) -> None:
        drop_removed(self.postings, alive)

    def far_words(self, word: str) -> list[str]:
        """Words two edits (substitutions and transpositions included) from `word`, which
        symmetric deletes of one edit cannot find ("triajbl" for "traijul"): rapidfuzz over
        the words of about its length that share one of its first two letters there (a
        slip in the first letter, or the first two swapped, keeps one), the most used first."""
        if self.by_length is None:
            by_length: dict[tuple[int, str], list[str]] = {}
            for known in self.words:
                for letter in set(known[:2]):
                    by_length.setdefault((len(known), letter), []).append(known)
            self.by_length = by_length
        near: dict[str, None] = {}
        for size in range(len(word) - 2, len(word) + 3):
            for letter in set(word[:2]):
                near.update(dict.fromkeys(self.by_length.get((size, letter), ())))
        postings = self.postings
        found = [(distance, -len(postings[known]), known) for known, distance, _ in process.extract(
            word, list(near), scorer=OSA.distance, score_cutoff=2, limit=None)
            if known in postings]  # (a word whose documents were all removed is not)
        return [known for _, _, known in sorted(found)[:FAR_MOST]]

    def spacing_mended(self, words: list[str], quick: bool) -> list[str]:
        """The query's words with a slip of the space bar mended where these words say so:
        a space typed inside a word closed ("ulti mate" for "ultimate": two neighbours
        joined when that is a word and one of them is not; "in to" stays), and a missing
        one put back ("notour" for "not our": a word no document has, nor any one typo from
        it, split into two that they do, the commonest pair if several). Autocomplete's
        last word may be unfinished: not split."""
        postings = self.postings
        if all(word in postings for word in words):
            return words
        mended: list[str] = []
        at = 0
        while at < len(words):
            word = words[at]
            after = words[at + 1] if at + 1 < len(words) else ""
            if after and word + after in postings and not (word in postings
                                                           and after in postings):
                mended.append(word + after)
                at += 2
                continue
            if (word not in postings and not (quick and at == len(words) - 1)
                    and self.deletes.keys().isdisjoint(deletes(word))):
                mended += self._split(word)
            else:
                mended.append(word)
            at += 1
        return mended

    def _split(self, word: str) -> list[str]:
        """`word` as two of these words (each of two letters or more), or as it is."""
        postings = self.postings
        best, most = [word], 0
        for cut in range(2, len(word) - 1):
            head, tail = word[:cut], word[cut:]
            if head in postings and tail in postings:
                common = min(len(postings[head]), len(postings[tail]))
                if common > most:
                    best, most = [head, tail], common
        return best

    def options(self, words: list[str], documents: int, loose: bool = False
                ) -> dict[str, list[str]]:
        """Per query word, the words it may stand for: itself, else the words one typo
        away (two for long words); the word being typed (the last) also by the words it
        begins, unless it is a word itself. `loose`: a real word may be a typo too, if it
        has 4+ letters, or 3 and is not in every twentieth of the `documents` ("the",
        "for" stay); and a word none is one typo from, by those two edits from it."""
        postings, known_deletes, vocabulary = self.postings, self.deletes, self.words
        options: dict[str, list[str]] = {}
        last = words[-1]
        shortest = MIN_TYPO_WORD - 1 if loose else MIN_TYPO_WORD  # "teh" is no word: a typo
        for word in words:
            if word in options:
                continue
            known_word = word in postings
            if known_word and (not loose or len(word) < MIN_TYPO_WORD - 1 or (
                    len(word) < MIN_TYPO_WORD and len(postings[word]) * 20 > documents)):
                options[word] = [word]
                continue
            found: dict[str, None] = {word: None} if known_word else {}
            if len(word) >= shortest:
                variants = deletes(word)
                for variant in variants:
                    known = known_deletes.get(variant)
                    if known is not None:
                        found.update(dict.fromkeys((known,) if isinstance(known, str) else known))
                if len(found) <= known_word and len(word) >= 6:  # two typos in one long word
                    for variant in {v for d in variants for v in deletes(d)}:
                        known = known_deletes.get(variant)
                        if known is not None:
                            found.update(
                                dict.fromkeys((known,) if isinstance(known, str) else known))
            if word == last and len(word) >= 3 and not known_word:
                at = bisect_left(vocabulary, word)
                for other in vocabulary[at : at + PREFIX_WORDS]:
                    if not other.startswith(word):
                        break
                    found[other] = None
            options[word] = [w for w in found if w in postings]
            if loose and not options[word] and len(word) >= FAR_WORD:
                options[word] = self.far_words(word)
        return options
