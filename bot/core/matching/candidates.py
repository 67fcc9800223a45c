"""Candidate steps: from postings to the few documents worth ranking with rapidfuzz.

Functions over plain lists and postings (ascending `array('I')` of slots); a slot whose
`slot_ref` is None was removed and is skipped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import chain, compress, filterfalse, islice, product
from operator import itemgetter
from typing import Any

from bot.core.matching.coded import CodedTexts, aligned
from bot.core.matching.postings import bisect_posting_right, posting_members
from bot.core.matching.sorted_slots import common, held_by_all, through_numpy

WALK_MOST = 150_000  # slots an intersection may walk however rare the anchor is
MAX_PHRASES = 8  # spelled-out phrases (stand-ins combined) checked with `in`; more: a regex
STOP_FOUND = 200  # documents holding the phrase enough to rank, when reading is costly
NARROW_WALK = 8  # postings slots walked to narrow the scan, per document it would read
# The same through numpy (sorted_slots.py), where a slot costs about 5 ns against 600 for
# a document read (1,000,000 statements, measured), and for a word in up to this share of
# the documents (beyond it, too few are left out to pay for the intersection)
NARROW_WALK_NUMPY = 60
NARROW_SHARE_NUMPY = 0.5
FEW_FIRST = 4  # a phrase starting with a word spelled this few ways is searched from it
SCAN_CHUNK = 1_000  # texts joined into one string for the phrase scan
SLIP = 25  # a dropped or swapped letter, against a wrong or extra one (see `reading`)


def alive(slot_ref: Sequence[object], slots: Iterable[int], most: int) -> list[int]:
    """The first `most` slots not removed (a live slot's ref is a non-empty tuple)."""
    slots = list(slots) if not isinstance(slots, Sequence) else slots
    return list(islice(compress(slots, map(slot_ref.__getitem__, slots)), most))


def word_groups(options: dict[str, list[str]], postings: dict[str, Sequence[int]],
                budget: int) -> list[Sequence[int]]:
    """One posting per query word (the union of its stand-ins'), smallest first. A word
    too common to count anyway is stood for by itself if it is a word of the documents
    (spelt right, it is the likeliest reading), else by its most frequent stand-in."""
    sizes = {w: sum(map(len, map(postings.__getitem__, found)))
             for w, found in options.items() if found}
    groups: list[Sequence[int]] = []
    for word in sorted(sizes, key=sizes.__getitem__):
        lists = [postings[o] for o in options[word]]
        if len(lists) == 1:
            groups.append(lists[0])
        elif sizes[word] <= budget:
            groups.append(sorted(set().union(*lists)))
        elif word in options[word]:
            groups.append(postings[word])
        else:
            groups.append(max(lists, key=len))
    groups.sort(key=len)
    return groups


def top_counted(slot_ref: Sequence[object], groups: list[Sequence[int]], budget: int,
                rerank: int) -> list[int]:
    """The documents found in most of the smallest groups (ascending by size)."""
    if not groups:
        return []
    if len(groups[0]) > budget:
        # Only common tokens: some documents holding all of them, as far as that narrows
        # (membership by bisecting, so a huge posting is never walked).
        found = list(groups[0][: rerank * 8])  # ascending, as every group is
        for group in groups[1:4]:
            narrowed = posting_members(group, found)
            if narrowed:
                found = narrowed
            if len(found) <= rerank:
                break
        return alive(slot_ref, found, rerank)
    # Rare tokens first: they say most about which documents match; common ones
    # (beyond the budget) would only add to every document's count.
    counted: list[Sequence[int]] = []
    total = 0
    for group in groups:
        if total + len(group) > budget:
            break
        counted.append(group)
        total += len(group)
    if len(counted) <= 2:  # most names: one or two words
        return _top_of_two(slot_ref, counted, rerank)
    counts: Counter[int] = Counter()
    for group in counted:
        counts.update(group)
    if len(counts) <= rerank:
        return alive(slot_ref, counts, rerank)
    # The documents with the highest counts, without sorting them all: find the count
    # that lets enough through, then one pass at C speed.
    histogram = sorted(Counter(counts.values()).items(), reverse=True)
    enough, threshold = 0, 1
    for threshold, how_many in histogram:  # noqa: B007
        enough += how_many
        if enough >= rerank:
            break
    # (compress/map keep the pass over every counted document in C)
    live = slot_ref.__getitem__  # a removed slot's ref is None
    top = list(filter(live, compress(counts, map(threshold.__lt__, counts.values()))))
    top += islice(filter(live, compress(counts, map(threshold.__eq__, counts.values()))),
                  max(0, rerank - len(top)))
    return top[:rerank]


def _top_of_two(slot_ref: Sequence[object], groups: list[Sequence[int]], rerank: int
                ) -> list[int]:
    """`top_counted` of one or two groups, the same slots in the same order, without a
    Counter and its histogram (three passes over every slot, each boxing it): the slots
    of both first, in the first group's order, then the rest as counting met them."""
    live = slot_ref.__getitem__  # a removed slot's ref is 0
    if len(groups) == 1:
        return list(islice(filter(live, groups[0]), rerank))
    first, second = groups
    both = set(first).intersection(second)
    if not both:
        return list(islice(filter(live, chain(first, second)), rerank))
    new = filterfalse(both.__contains__, second)
    if len(first) + len(second) - len(both) <= rerank:  # all of them, as met
        return list(islice(filter(live, chain(first, new)), rerank))
    in_both = compress(first, map(both.__contains__, first))
    if len(both) >= rerank:
        return list(islice(filter(live, in_both), rerank))
    top = list(filter(live, in_both))
    rest = chain(filterfalse(both.__contains__, first), new)
    return top + list(islice(filter(live, rest), rerank - len(top)))


def phrase_matches(postings: dict[str, Sequence[int]], texts: Sequence[str], words: list[str],
                   options: dict[str, list[str]], anchor: str, most: int,
                   enough: int | None = None, keep: int | None = None) -> list[int]:
    """Documents of the anchor word (the rarest) holding the query word for word, each
    word spelled as itself or one of its stand-ins. The last word may be unfinished, and
    `in` finds it as the start of a longer word too. With `enough` (autocomplete), the
    scan stops once that many are found, the phrase as typed first. With `keep`, only the
    first that many found (in the order scanned) are returned: the scan stops at them.
    With the same words and options, a smaller `most` reads only documents a larger one
    reads (`_fragment_candidates` relies on it to skip a pass that would find nothing new)."""
    unknown = sum(not options[w] for w in words)
    if unknown and (enough is not None or unknown * 2 >= len(words)):
        return []
    # A word no word stands for (two typos in a short word) is any word there, as long as
    # most of the phrase is spelt as in some document.
    spellings: list[list[str] | None] = [options[w] or None for w in words]
    last = words[-1]
    if options[last] and last not in options[last]:  # unfinished, or a misspelt word
        spellings[-1] = [last, *(w for w in options[last] if not w.startswith(last))]
    if enough is not None:  # autocomplete: bounded work
        spellings = [*_likeliest([sp for sp in spellings if sp is not None], postings)]
        options = {**options, anchor: _likeliest([options[anchor]], postings)[0]}
    docs: list[int] = []
    for word in options[anchor]:  # the word itself first, if it is one
        docs.extend(postings[word][: most if enough is None else most - len(docs)])
        if enough is not None and len(docs) >= most:  # autocomplete: bounded work
            break
    if len(words) == 1:  # the documents of its word (or stand-ins) are the phrase's
        return list(dict.fromkeys(docs[:most]))
    if len(options[anchor]) > 1 and enough is None:
        docs.sort()
        del docs[most:]
    stop: int | None = enough  # found this many, the scan may stop
    if enough is None and sum(len(postings[w]) for w in options[anchor]) > most:
        near = _with_next_rarest(postings, words, options, anchor, most)
        if near is None:
            # The next word is everywhere: the rarest word's documents, those of its likeliest
            # spelling first, read until plenty hold the phrase (they are its likeliest
            # readings; at a million statements "trapyt and" is in a thousand of them).
            spelled = likeliest_first(anchor, options[anchor], postings)
            docs = list(islice(chain.from_iterable(postings[w] for w in spelled), most * 3))
            stop = STOP_FOUND
        else:
            docs = near or docs
    if keep is not None:
        stop = keep if stop is None else min(stop, keep)
    docs = _narrowed(docs, postings, words, spellings, anchor, len(texts),
                     first_whole=isinstance(texts, CodedTexts))
    phrases = 1
    for spelled in spellings:
        phrases *= MAX_PHRASES + 1 if spelled is None else len(spelled)
    if isinstance(texts, CodedTexts):
        return _coded_matches(spellings, texts, docs, stop,
                              1 < phrases <= MAX_PHRASES and enough is not None, postings)
    if 1 < phrases <= MAX_PHRASES and enough is not None:
        # Autocomplete: each phrase spelled out in turn, the phrase as typed first; the
        # longest run of words spelled one way only must be there as it is (a cheap `in`
        # that leaves few documents for the phrases).
        must = max(map(partial(_spelled, spellings), _runs(spellings)), key=len, default="")
        if len(must) >= 4:
            docs = [s for s in docs if must in texts[s]]
        assert stop is not None  # (`enough`)
        return _first_found((filter(lambda s, p=phrase: p in texts[s], docs)
                             for phrase in map(" ".join, product(*filter(None, spellings)))),
                            stop)
    return list(islice(_holding(spellings, texts, docs), stop))


def _first_found(holdings: Iterable[Iterable[int]], stop: int) -> list[int]:
    """The first `stop` documents found, each once: those of the first holding, then of
    the next, and so on (each phrase in turn, the phrase as typed first)."""
    found: dict[int, None] = {}
    for holding in holdings:
        found.update(dict.fromkeys(islice(holding, stop - len(found))))
        if len(found) >= stop:
            break
    return list(found)


def _coded_matches(spellings: list[list[str] | None], texts: CodedTexts, docs: list[int],
                   stop: int | None, each_phrase: bool, postings: dict[str, Sequence[int]]
                   ) -> list[int]:
    """`phrase_matches`' scan for a coded shard (coded.py): one regex over the coded texts
    joined, where words are characters (no boundaries, no reading backwards); or, as for
    plain texts with `each_phrase` (autocomplete), each phrase spelled out in turn, the
    phrase as typed first."""
    if not each_phrase:
        # searched from the rarest word spelt one way (not the last: it may be unfinished)
        ones = [at for at, spelled in enumerate(spellings[:-1])
                if spelled is not None and len(spelled) == 1]
        start = min(ones, key=lambda at: len(postings.get(spellings[at][0], ())),  # type: ignore[index]
                    default=0)
        return list(islice(_coded_holding(texts.pattern(spellings, start), texts.codes, docs),
                           stop))
    assert stop is not None  # (`enough`)
    return _first_found((_coded_holding(texts.pattern([[w] for w in phrase]), texts.codes, docs)
                         for phrase in product(*filter(None, spellings))), stop)


def _coded_holding(pattern: tuple[bytes, bool] | None, codes: list[bytes], docs: Sequence[int]
                   ) -> Iterator[int]:
    """The documents, in order, whose coded text holds `pattern` (`CodedTexts.pattern`)."""
    if pattern is None:
        return
    yield from _scan(aligned(_finder(pattern[0]) if pattern[1] else
                             re.compile(pattern[0]).search), codes, docs, newline=b"\n")


def _narrowed(docs: list[int], postings: dict[str, Sequence[int]], words: list[str],
              spellings: list[list[str] | None], anchor: str, documents: int,
              first_whole: bool = False) -> list[int]:
    """`docs` (in their order) less those lacking a word the phrase has between two others,
    as itself or a stand-in (there it is a whole word: its postings say which documents
    hold it), or as its first word if that is whole too (`first_whole`: coded texts, where
    a phrase begins on a word), rarest first: an intersection in C (a set's, or numpy's from
    `BIG` slots in all: sorted_slots.py) costs a fraction of reading a text. A word in a
    third of the `documents` or in many times more than `docs` leaves them (through numpy,
    in half of them or sixty times more)."""
    sizes = {at: sum(len(postings[w]) for w in spellings[at])  # type: ignore[union-attr]
             for at in range(0 if first_whole else 1, len(words) - 1)
             if spellings[at] is not None and words[at] != anchor}
    groups: list[list[Sequence[int]]] = []
    for at in sorted(sizes, key=sizes.__getitem__):
        if not _narrows(sizes[at], len(docs), documents):
            break
        groups.append([postings[w] for w in spellings[at]])  # type: ignore[union-attr]
    return held_by_all(docs, groups) if groups else docs


def _narrows(size: int, docs: int, documents: int) -> bool:
    """Whether a word in `size` of the `documents` is worth intersecting `docs` with."""
    if size * 3 <= documents and size <= NARROW_WALK * docs:
        return True
    return (through_numpy(docs + size) and size <= NARROW_SHARE_NUMPY * documents
            and size <= NARROW_WALK_NUMPY * docs)


def _runs(spellings: Sequence[list[str] | None]) -> list[tuple[int, int]]:
    """The [start, end) of each run of words spelled one way only."""
    runs: list[tuple[int, int]] = []
    start = 0
    for at, spelled in enumerate([*spellings, None]):
        if spelled is None or len(spelled) != 1:
            if at > start:
                runs.append((start, at))
            start = at + 1
    return runs


def _spelled(spellings: Sequence[list[str] | None], run: tuple[int, int]) -> str:
    """A run of words spelled one way only, as it reads."""
    return " ".join(spelled[0] for spelled in spellings[run[0]:run[1]])  # type: ignore[index]


def _alternatives(spellings: Sequence[list[str] | None], backwards: bool = False) -> str:
    """A regex of the words spelled each one of its ways (None: any word), read forwards
    or, `backwards`, as the reversed text reads them (each spelling and their order reversed)."""
    parts = [r"\S+" if spelled is None else "(?:" + "|".join(
        re.escape(w[::-1] if backwards else w) for w in spelled) + ")" for spelled in spellings]
    return " ".join(parts[::-1] if backwards else parts)


def _holding(spellings: list[list[str] | None], texts: Sequence[str], docs: Sequence[int]
             ) -> Iterator[int]:
    """The documents, in order, holding the phrase (each word one of its spellings, None any
    word) where a regex search of it would find it. Reading the texts one by one in Python
    costs more than matching them, and a regex starting with many alternatives tries them
    at every place in a text (30 us a text with forty stand-ins). So the texts are joined,
    `SCAN_CHUNK` at a time, and searched in C for the phrase read from an end with words
    spelled one way (a prefix the regex engine skips to): forwards, or backwards on the
    reversed texts; else from its first word if that has few spellings; else from its
    longest run spelled one way, the words before it then matched where it is found."""
    length = len(spellings)
    runs = _runs(spellings)

    def weight(run: tuple[int, int]) -> int:
        return len(_spelled(spellings, run))

    edges = [run for run in runs if run[0] == 0 or run[1] == length]
    first = spellings[0]
    start = end = 0
    if edges:
        start, end = max(edges, key=weight)
    elif runs and (first is None or len(first) > FEW_FIRST):
        start, end = max(runs, key=weight)
    literal = _spelled(spellings, (start, end))
    before = None
    backwards = end == length and start > 0  # the phrase read from its end
    if (start, end) == (0, length):  # one phrase: found with str.find, no regex to compile
        search = _finder(literal)
    elif backwards:
        search = re.compile(re.escape((" " + literal)[::-1])
                            + _alternatives(spellings[:start], backwards=True)).search
    else:
        literal = (" " if start else "") + literal + (" " if 0 < end < length else "")
        search = re.compile(re.escape(literal) + _alternatives(spellings[end:])).search
        if start:
            before = re.compile(_alternatives(spellings[:start], backwards=True)).match
    yield from _scan(search, texts, docs, before, backwards)


def _scan(search: Callable[..., Any], texts: Sequence[Any], docs: Sequence[int],
          before: Callable[..., Any] | None = None, backwards: bool = False,
          newline: Any = "\n") -> Iterator[int]:
    """The documents, in order, whose text `search` finds its pattern in: the texts joined,
    `SCAN_CHUNK` at a time, searched in C. `backwards`: `search` reads the reversed texts;
    `before`: what must precede a match, read back from it on the reversed text."""
    for at_doc in range(0, len(docs), SCAN_CHUNK):
        chunk = docs[at_doc : at_doc + SCAN_CHUNK]
        # (an itemgetter gathers the texts in one C loop: 0.6x the time of a map, measured
        # on 25,000 of a million; its one item is not a tuple)
        parts = itemgetter(*chunk)(texts) if len(chunk) > 1 else [texts[chunk[0]]]
        joined = newline.join(parts)  # no text holds a newline, nor does any pattern match one
        if backwards:
            yield from map(chunk.__getitem__, _backwards(search, joined[::-1], len(chunk)))
            continue
        found = search(joined)
        text_at, counted = 0, 0  # the text at `counted` (newlines counted up to there, in C)
        reversed_text, reversed_at = "", -1  # the text last reversed for `before`
        while found is not None:
            at = found.start()
            text_at += joined.count(newline, counted, at)
            counted = at
            end = joined.find(newline, at)  # where the text it is in ends
            end = len(joined) if end < 0 else end
            if before is not None:
                if reversed_at != text_at:
                    reversed_text, reversed_at = parts[text_at][::-1], text_at
                if not before(reversed_text, end - at):  # from `at` back
                    found = search(joined, at + 1)
                    continue
            yield chunk[text_at]
            found = search(joined, end)  # on to the next text


def _backwards(search: Callable[..., re.Match[str] | None], backwards: str, texts: int
               ) -> list[int]:
    """The texts (their places among `texts` joined, ascending) the reversed pattern is
    found in, in `backwards` (the texts joined, reversed)."""
    found_at: list[int] = []
    found = search(backwards)
    after, counted = 0, 0  # texts after the one at `counted`
    while found is not None:
        at = found.start()
        after += backwards.count("\n", counted, at)
        counted = at
        found_at.append(texts - 1 - after)
        end = backwards.find("\n", at)  # where that text starts
        if end < 0:
            break
        found = search(backwards, end)  # on to the text before
    found_at.reverse()
    return found_at


class _Found:
    """Where `_finder` found its string: what `_holding` asks of a regex match."""

    __slots__ = ("at",)

    def __init__(self, at: int) -> None:
        self.at = at

    def start(self) -> int:
        return self.at


def _finder(literal: Any) -> Callable[..., _Found | None]:
    """A regex's `search` for a plain string (or bytes), through `find` (compiling a regex costs
    100 us, more than a whole scan of a rare word's documents)."""
    def search(text: Any, at: int = 0) -> _Found | None:
        at = text.find(literal, at)
        return None if at < 0 else _Found(at)
    return search


def _with_next_rarest(postings: dict[str, Sequence[int]], words: list[str],
                      options: dict[str, list[str]], anchor: str, most: int
                      ) -> list[int] | None:
    """When even the rarest word (with its stand-ins) is in more documents than `most`
    (a million statements), the first `most` of those that also hold the next rarest word
    (or one of its stand-ins): a set intersection in C instead of the first `most` of the
    rarest word's own, which may all lack the phrase. If that next word is so common that
    intersecting would walk far more slots than the rarest word has ("the"), None: the
    rarest word's own documents are to be read instead."""
    sizes = {w: sum(len(postings[o]) for o in options[w]) for w in words
             if w != anchor and options[w]}
    if not sizes:
        return []
    mine_size = sum(len(postings[w]) for w in options[anchor])
    second = min(sizes, key=sizes.__getitem__)
    if sizes[second] > max(8 * mine_size, WALK_MOST):
        return None
    return _first_common([postings[w] for w in options[anchor]],
                         [postings[w] for w in options[second]], most)


def _first_common(mine: list[Sequence[int]], theirs: list[Sequence[int]], most: int
                  ) -> list[int]:
    """The first `most` slots in both unions of postings: what intersecting them whole
    gives, reading each posting only up to a slot bound (bisected), raised until enough
    are found. Two common words ("of", "the": 90,000 documents each at 100,000) have their
    first thousands in common within the first few thousand slots (intersected in sets,
    or in numpy when big: sorted_slots.py)."""
    lists = [p for p in (*mine, *theirs) if p]
    if not lists:
        return []
    last = max(p[-1] for p in lists)
    size_mine, size_theirs = sum(map(len, mine)), sum(map(len, theirs))
    if not size_mine or not size_theirs:
        return []
    # As if the words were independent: where `most` in common are expected, and a margin.
    bound = int(most * (last + 1) ** 2 / (size_mine * size_theirs) * 1.25) + 64
    while True:
        found = common(mine, [bisect_posting_right(p, bound) for p in mine],
                       theirs, [bisect_posting_right(p, bound) for p in theirs])
        if len(found) >= most or bound >= last:
            return found[:most]
        # Raised by the density found so far (at least doubled), so a few rounds at most.
        bound = max(bound * 2, int(bound * most / max(len(found), 1) * 1.25))


def reading(typed: str, other: str, size: int) -> int:
    """How likely `other` (in `size` documents) is the word meant by `typed`, one typo off:
    its use, times `SLIP` if `typed` is it with a letter dropped or two letters swapped
    (one way to make that slip, where a wrong or an extra letter has some 25)."""
    if len(typed) + 1 == len(other) or (
            len(typed) == len(other) and sorted(typed) == sorted(other)):
        return size * SLIP
    return size


def likeliest_first(typed: str, spelled: list[str], postings: dict[str, Sequence[int]]
                    ) -> list[str]:
    """`spelled` (stand-ins for `typed`), the word as typed first, then the likeliest."""
    return sorted(spelled, key=lambda w: (w != typed, -reading(typed, w, len(postings[w]))))


def _likeliest(spellings: list[list[str]], postings: dict[str, Sequence[int]]
               ) -> list[list[str]]:
    """The same spellings with each word's stand-ins most frequent first (a typo most
    likely stands for a common word), cut until at most MAX_PHRASES phrases remain; the
    word as typed, if it comes first, stays first."""
    def by_use(spelled: list[str]) -> list[str]:
        head, rest = spelled[:1], spelled[1:]
        return head + sorted(rest, key=lambda w: -len(postings.get(w, ())))

    kept = [by_use(spelled) for spelled in spellings]
    count = 1
    for spelled in kept:
        count *= len(spelled)
    while count > MAX_PHRASES:
        longest = max(kept, key=len)
        count = count // len(longest) * (len(longest) - 1)
        longest.pop()
    return kept
