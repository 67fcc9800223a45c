"""How a query is judged against one text: one score for names and quotes alike.

The score is the share of what was typed (its letters, word by word) that the text holds:
a word found as it is counts whole, a misspelt one by its optimal-string-alignment
similarity (a swapped pair of letters, or a wrong letter, is one edit), a word typed as the
start of a longer one (a partial word) a little less, a word the text lacks not at all.
Words found far apart take off up to `ORDER_WEIGHT` of it, swapped neighbours half that.
A name is also judged as a whole string, so a missing or extra space is one edit too.
"""

from __future__ import annotations

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


def fold(word: str) -> str:
    """A word as it sounds, roughly: "ph" and "f", doubled letters, "ck" and "k" alike."""
    for spelled, sound in _FOLDS:
        word = word.replace(spelled, sound)
    return "".join(ch for i, ch in enumerate(word) if i == 0 or word[i - 1] != ch)


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
    (in C, over all the texts' words), so each text costs a few set lookups."""

    __slots__ = ("_near", "_typed", "query")

    def __init__(self, query: str) -> None:
        self.query = query
        self._typed = query.split()
        self._near: dict[int, list[tuple[float, str]]] = {}  # typed word -> (similarity, word)

    def prepare(self, texts: Iterable[str]) -> None:
        """Find, for each typed word, the words of `texts` that may stand for it."""
        vocabulary = list(set(" ".join(texts).split()))
        last = len(self._typed) - 1
        for i, typed in enumerate(self._typed):
            near: dict[str, float] = {}
            if len(typed) >= FUZZY_WORD:
                for word, _, _ in process.extract(typed, vocabulary,
                                                  scorer=OSA.normalized_similarity,
                                                  score_cutoff=WORD_FLOOR - 0.2, limit=None):
                    near[word] = word_similarity(typed, word, last=i == last)
            if len(typed) >= (3 if i == last else FUZZY_WORD):
                near.update((w, PARTIAL_WORD) for w in vocabulary
                            if len(w) > len(typed) and w.startswith(typed))
            near.pop(typed, None)
            self._near[i] = sorted(((v, w) for w, v in near.items() if v), reverse=True)

    def words(self, text: str) -> float:
        """0..100: the share of the typed words' letters that `text` holds (see above)."""
        typed = self._typed
        if not typed:
            return 0.0
        words = text.split()
        present = set(words)
        total = covered = 0.0
        positions: list[int] = []
        previous, i, last = -1, 0, len(typed) - 1
        while i <= last:
            word = typed[i]
            total += len(word)
            found, similarity = word, 1.0
            if word not in present:
                found = ""
                if i < last and word + typed[i + 1] in present:
                    # One word typed as two ("sanc tuary"): both found, a slip of one space.
                    i += 1
                    total += len(typed[i])
                    word = found = word + typed[i]
                    similarity = 1 - 1 / (len(word) + 1)
                else:
                    near = self._near.get(i)
                    if near is None:  # not prepared for this text's words
                        self.prepare((text,))
                        near = self._near[i]
                    similarity, found = next(
                        ((v, w) for v, w in near if w in present), (0.0, ""))
                    if similarity < 1 - 1 / (len(word) + 1) and len(word) >= FUZZY_WORD:
                        pair = _joined(words, word)  # two words typed as one: "notour"
                        if pair >= 0:
                            similarity, found = 1 - 1 / (len(word) + 1), words[pair]
            i += 1
            if not found:
                continue
            covered += similarity * len(word)
            try:
                place = words.index(found, previous + 1)
            except ValueError:
                place = words.index(found)
            positions.append(place)
            previous = place
        if not positions:
            return 0.0
        in_order = 1.0
        if len(positions) > 1:
            # Near and in order counts whole; near but swapped, half (one slip, as letters).
            in_order = sum(1.0 if 0 < b - a <= NEAR_GAP else 0.5 if 0 < a - b <= NEAR_GAP
                           else 0.0 for a, b in pairwise(positions)) / (len(positions) - 1)
        return 100.0 * covered / total * (1 - ORDER_WEIGHT * (1 - in_order))

    def name(self, text: str) -> float:
        """A name or alias: word by word (partial names, word order), or as one string (a
        slip in a short word, a space too many or too few), if that is close at all."""
        query = self.query
        whole = OSA.normalized_similarity(query, text, score_cutoff=WHOLE_FLOOR - 0.1)
        if WHOLE_FLOOR - 0.1 <= whole < 1 and fold(query) == fold(text):
            whole = max(whole, 1 - 1 / max(len(query), len(text)))
        return max(self.words(text), 100.0 * whole if whole >= WHOLE_FLOOR else 0.0)


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
