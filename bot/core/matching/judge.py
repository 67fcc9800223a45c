"""How a query is judged against one text: one score for names and quotes alike.

The score is the share of what was typed (its letters, word by word) that the text holds:
a word found as it is counts whole, a misspelt one by its optimal-string-alignment
similarity (a swapped pair of letters, or a wrong letter, is one edit), a word typed as the
start of a longer one (a partial word) a little less, a word the text lacks not at all.
Words found far apart take off up to `ORDER_WEIGHT` of it, swapped neighbours half that.
A name is also judged as a whole string, so a missing or extra space is one edit too.
"""

from __future__ import annotations

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


def _best_word(typed: str, words: dict[str, list[int]], last: bool) -> tuple[float, str]:
    if len(typed) >= FUZZY_WORD:
        # The closest words by OSA, in C; then the fold and partial-word rules on those few.
        found = process.extract(typed, list(words), scorer=OSA.normalized_similarity,
                                score_cutoff=WORD_FLOOR - 0.2, limit=3)
        choices = [word for word, _, _ in found]
    else:
        choices = []
    if len(typed) >= (3 if last else FUZZY_WORD):
        choices += [word for word in words if word.startswith(typed)]
    best, best_word = 0.0, ""
    for word in choices:
        similarity = word_similarity(typed, word, last=last)
        if similarity > best:
            best, best_word = similarity, word
    return best, best_word


def judge_words(typed: list[str], text: str) -> float:
    """0..100: the share of the typed words' letters that `text` holds (see above)."""
    if not typed:
        return 0.0
    words = text.split()
    positions_of: dict[str, list[int]] = {}
    for at, word in enumerate(words):
        positions_of.setdefault(word, []).append(at)
    joined: dict[str, list[int]] | None = None  # two words typed as one: "notour"
    total = covered = 0.0
    positions: list[int] = []
    previous, i, last = -1, 0, len(typed) - 1
    while i <= last:
        word = typed[i]
        total += len(word)
        places = positions_of.get(word)
        similarity = 1.0
        if places is None and i < last and (places := positions_of.get(word + typed[i + 1])):
            # One word typed as two ("sanc tuary"): both found, a slip of one space.
            i += 1
            total += len(typed[i])
            word += typed[i]
            similarity = 1 - 1 / (len(word) + 1)
        elif places is None:
            similarity, stand_in = _best_word(word, positions_of, i == last)
            places = positions_of[stand_in] if similarity else None
            if similarity < 1 - 1 / (len(word) + 1) and len(word) >= FUZZY_WORD:
                if joined is None:
                    joined = {}
                    for at, pair in enumerate(map("".join, pairwise(words))):
                        joined.setdefault(pair, []).append(at)
                if word in joined:
                    similarity, places = 1 - 1 / (len(word) + 1), joined[word]
        i += 1
        if not places:
            continue
        covered += similarity * len(word)
        place = next((p for p in places if p > previous), places[0])
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


def judge_fragment(query: str, text: str, score: float = 0.0) -> float:
    """A statement fragment, remembered more or less word for word."""
    return judge_words(query.split(), text)


def judge_name(query: str, text: str, score: float = 0.0) -> float:
    """A name or alias: word by word (partial names, word order), or as one string (a
    slip in a short word, a space too many or too few), if that is close at all."""
    whole = OSA.normalized_similarity(query, text)
    if whole < 1 and fold(query) == fold(text):
        whole = max(whole, 1 - 1 / max(len(query), len(text)))
    return max(judge_words(query.split(), text), 100.0 * whole if whole >= WHOLE_FLOOR else 0.0)
