"""How a query is judged against one text: one score for names and quotes alike.

The score is the share of what was typed (its letters, word by word) that the text holds:
a word found as it is counts whole, a misspelt one by its optimal-string-alignment
similarity (a swapped pair of letters, or a wrong letter, is one edit), a word typed as the
start of a longer one (a partial word) a little less, a word the text lacks not at all.
Words found far apart take off up to `ORDER_WEIGHT` of it, swapped neighbours half that.
A name is also judged as a whole string, so a missing or extra space is one edit too.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import pairwise

from rapidfuzz import process
from rapidfuzz.distance import OSA

FUZZY_WORD = 4  # shorter words count only as they are (a misspelt "of" is another word)
WORD_FLOOR = 0.6  # a word less alike than this is not the word typed
WHOLE_FLOOR = 0.75  # the same for a name as a whole ("newark" is not "new york")
PARTIAL_WORD = 0.85  # "deport" as the start of "deportation": below the word itself
ORDER_WEIGHT = 0.15  # words all there but reordered or scattered: at most this much off
NEAR_GAP = 3  # two words this close, in order, read as the phrase typed

_FOLDS = (("ph", "f"), ("ck", "k"))


_DOUBLED = re.compile(r"(.)\1+", re.DOTALL)


def fold(word: str) -> str:
    """A word as it sounds, roughly: "ph" and "f", doubled letters, "ck" and "k" alike."""
    for spelled, sound in _FOLDS:
        word = word.replace(spelled, sound)
    return _DOUBLED.sub(r"\1", word)  # a run of one letter as one (in C: names judged many)


def word_similarity(typed: str, word: str, *, last: bool = False) -> float:
    """0..1: how well `word` (in a text) stands for `typed`; 0 below WORD_FLOOR."""
    if typed == word:
        return 1.0
    if len(word) > len(typed) >= (3 if last else FUZZY_WORD) and word.startswith(typed):
        return PARTIAL_WORD
    if len(typed) < FUZZY_WORD or len(word) < FUZZY_WORD - 1:
        return 0.0
    similarity = OSA.normalized_similarity(typed, word)
    if similarity < 1 and fold(typed) == fold(word):  # "filly" for "philly": one slip
        similarity = max(similarity, 1 - 1 / max(len(typed), len(word)))
    return similarity if similarity >= WORD_FLOOR else 0.0


class Judge:
    """One query, judged against many texts: the words near each typed word are found once
    (in C, over all the texts' words), and only for a typed word some text lacks, so each
    text costs a few set lookups."""

    __slots__ = ("_folded", "_near", "_sizes", "_slips", "_texts", "_typed", "_vocabulary",
                 "query")

    def __init__(self, query: str) -> None:
        self.query = query
        self._folded: str | None = None  # fold(query), once per query, not once per text
        self._typed = query.split()
        # Per typed word, its length and the similarity of one slip in it: worked out once,
        # not for every text judged (thirty per name looked up)
        self._sizes = [len(word) for word in self._typed]
        self._slips = [1 - 1 / (size + 1) for size in self._sizes]
        self._near: dict[int, dict[str, float]] = {}  # typed word -> {word: similarity}
        self._texts: Iterable[str] | None = None
        self._vocabulary: list[str] | None = None  # the texts' words, sorted

    def prepare(self, texts: Iterable[str]) -> None:
        """The texts whose words may stand for the typed ones (looked at when first needed:
        a typed word every text holds as it is needs no near words)."""
        self._texts, self._vocabulary = texts, None
        self._near.clear()

    def _near_words(self, i: int, text: str) -> dict[str, float]:
        """The words that may stand for typed word `i`, and how alike each is."""
        if self._vocabulary is None:
            texts = (text,) if self._texts is None else self._texts
            self._vocabulary = sorted(set(" ".join(texts).split()))
        vocabulary, typed = self._vocabulary, self._typed[i]
        last = i == len(self._typed) - 1
        near: dict[str, float] = {}
        if len(typed) >= FUZZY_WORD:
            folded = None
            for word, similarity, _ in process.extract(
                    typed, vocabulary, scorer=OSA.normalized_similarity,
                    score_cutoff=WORD_FLOOR - 0.2, limit=None):
                if len(word) < FUZZY_WORD - 1:
                    continue
                if len(word) > len(typed) and word.startswith(typed):
                    similarity = PARTIAL_WORD
                elif similarity < 1 - 1 / max(len(typed), len(word)):
                    # Two edits or more; "filly" for "philly" is one slip all the same.
                    if folded is None:
                        folded = fold(typed)
                    if folded == fold(word):
                        similarity = 1 - 1 / max(len(typed), len(word))
                if similarity >= WORD_FLOOR:
                    near[word] = similarity
        if len(typed) >= (3 if last else FUZZY_WORD):
            at = bisect_right(vocabulary, typed)  # the words it begins, sorted after it
            while at < len(vocabulary) and vocabulary[at].startswith(typed):
                near[vocabulary[at]] = PARTIAL_WORD
                at += 1
        near.pop(typed, None)
        self._near[i] = near
        return near

    def words(self, text: str) -> float:
        """0..100: the share of the typed words' letters that `text` holds (see above)."""
        typed = self._typed
        if not typed:
            return 0.0
        words = text.split()
        present = set(words)
        total = covered = 0.0
        positions: list[int] = []
        matched: list[str] = []  # the text's word at each position
        previous, i, last = -1, 0, len(typed) - 1
        if present.issuperset(typed):  # every word as typed (checked in C): only the order
            for word in typed:
                try:
                    previous = words.index(word, previous + 1)
                except ValueError:
                    previous = words.index(word)
                positions.append(previous)
            matched = typed
            total = covered = 1.0
            i = last + 1
        sizes, slips, nears = self._sizes, self._slips, self._near
        while i <= last:
            word, size = typed[i], sizes[i]
            total += size
            found, similarity = word, 1.0
            if word not in present:
                found = ""
                if i < last and word + typed[i + 1] in present:
                    # One word typed as two ("sanc tuary"): both found, a slip of one space.
                    i += 1
                    total += sizes[i]
                    word = found = word + typed[i]
                    size = len(word)
                    similarity = 1 - 1 / (size + 1)
                else:
                    near = nears.get(i)
                    if near is None:
                        near = self._near_words(i, text)
                    held = near.keys() & present  # in C; the most alike of them stands for it
                    if len(held) == 1:
                        found = held.pop()
                        similarity = near[found]
                    else:
                        similarity, found = max((near[w], w) for w in held) if held else (0.0, "")
                    if similarity < slips[i] and size >= FUZZY_WORD:
                        pair = _joined(words, word)  # two words typed as one: "notour"
                        if pair >= 0:
                            similarity, found = slips[i], words[pair]
            i += 1
            if not found:
                continue
            covered += similarity * size
            try:
                place = words.index(found, previous + 1)
            except ValueError:
                place = words.index(found)
            positions.append(place)
            matched.append(found)
            previous = place
        if not positions:
            return 0.0
        in_order = 1.0
        if len(positions) > 1:
            in_order = _in_order(positions)
            if in_order < 1.0:
                in_order = max(in_order, _aligned(words, matched))
        return 100.0 * covered / total * (1 - ORDER_WEIGHT * (1 - in_order))

    def name(self, text: str) -> float:
        """A name or alias: word by word (partial names, word order), or as one string (a
        slip in a short word, a space too many or too few), if that is close at all."""
        query = self.query
        if query == text:  # nothing scores above the name itself
            return 100.0
        whole = OSA.normalized_similarity(query, text, score_cutoff=WHOLE_FLOOR - 0.1)
        if WHOLE_FLOOR - 0.1 <= whole < (slip := 1 - 1 / max(len(query), len(text))):
            # (one edit off already scores as a slip: then folding would add nothing)
            if self._folded is None:
                self._folded = fold(query)
            if self._folded == fold(text):
                whole = slip
        return max(self.words(text), 100.0 * whole if whole >= WHOLE_FLOOR else 0.0)


def _in_order(positions: list[int]) -> float:
    """0..1: near and in order counts whole; near but swapped, half (one slip, as letters)."""
    return sum(1.0 if 0 < b - a <= NEAR_GAP else 0.5 if 0 < a - b <= NEAR_GAP else 0.0
               for a, b in pairwise(positions)) / (len(positions) - 1)


def _aligned(words: list[str], matched: list[str]) -> float:
    """The order of `matched` read around its rarest word in the text rather than from
    each word's first place: "the kewis the" in "... of the ... the kewis the" is the
    phrase, though the text's first "the" comes long before "kewis"."""
    counts = list(map(words.count, matched))
    if max(counts) < 2:
        # Each word in one place only: read around any of them, the order is the one
        # `Judge.words` found (no better reading to look for).
        return 0.0
    anchor = min(range(len(matched)), key=lambda k: (counts[k], -len(matched[k])))
    best, start = 0.0, -1
    for _ in range(min(counts[anchor], 3)):  # the rarest word's first few places
        start = words.index(matched[anchor], start + 1)
        places = [start] * len(matched)
        for k in range(anchor + 1, len(matched)):  # after it: each next one forward
            try:
                places[k] = words.index(matched[k], places[k - 1] + 1)
            except ValueError:
                places[k] = words.index(matched[k])
        for k in range(anchor - 1, -1, -1):  # before it: the nearest one back
            before = words[: places[k + 1]]
            places[k] = (len(before) - 1 - before[::-1].index(matched[k])
                         if matched[k] in before else words.index(matched[k]))
        best = max(best, _in_order(places))
    return best


def _joined(words: list[str], typed: str) -> int:
    """Where two neighbouring words of `words` make `typed`, or -1."""
    if typed not in "".join(words):  # in C: nearly always the answer
        return -1
    for at in range(len(words) - 1):
        if words[at] + words[at + 1] == typed:
            return at
    return -1


def judge_fragments(query: str, texts: Sequence[str]) -> list[float]:
    """Statement fragments, remembered more or less word for word."""
    judge = Judge(query)
    judge.prepare(texts)
    return [judge.words(text) for text in texts]


def judge_names(query: str, texts: Sequence[str]) -> list[float]:
    """Names and aliases."""
    judge = Judge(query)
    judge.prepare(texts)
    return [judge.name(text) for text in texts]


def judge_words(typed: list[str], text: str) -> float:
    """One text (see `Judge.words`)."""
    return Judge(" ".join(typed)).words(text)
