"""The in-memory fuzzy index: postings find candidates, rapidfuzz ranks them.

Scanning every string with rapidfuzz on every keystroke does not scale (see
shared/design/matching-performance.md and bench/), so each kind of entry has a
`FuzzyIndex`, split into one shard per scope (guild). A shard of at most
`full_scan_below` documents is ranked whole. A bigger one first picks candidates:

- names: first by their words (`Vocabulary`: word postings, typo-tolerant through symmetric
  deletes: a word one edit away, or two for long words, stands in for a misspelt one). The
  documents holding most of the query's words are ranked; if every word typed was found so
  and one document scores as a sure match, that is the answer. Otherwise trigram postings
  (`array('I')` of ascending slots), so typos, "deblasio" for "de blasio" and partial names
  share most trigrams with what they mean: the documents sharing most of the query's rarer
  trigrams (within `posting_budget` postings) are ranked too;
- statements: word postings, typo-tolerant and completing the word being typed (a sorted
  vocabulary), as for names; a space typed inside a word, or a missing one, is mended
  first by the shard's words (`Vocabulary.spacing_mended`). A fragment is looked for word
  for word first: the documents of its rarest word (or of that word's stand-ins) that
  contain the phrase, each word replaced by its stand-ins, are the candidates. Only if
  none does are documents counted by how many of the query's rarer words they hold, as
  for names.

At most `rerank` candidates are then ranked by the scorer (WRatio for names,
partial_ratio for fragments) on strings normalised once at build time. Entries are added,
replaced and removed in place, so a moderator's change is visible to the next lookup
without a rebuild; removed slots stay in the postings until a compaction (one pass in C
over the postings) drops them.

Memory (a million statements): a slot holds its entry as an int code in an `array('q')`,
and an entry's place is found through an array indexed by id (`IdMap`), not through an
EntryRef and dicts per entry; a text shard of `PACK_FROM` documents or more writes its
normalised texts with one character per word (coded.py: the phrase scan reads them so) and
keeps its display texts as skeletons beside them (packed.py).

Autocomplete of one or two letters does not need fuzzy matching: `prefixed` answers it
from a sorted list of the normalised names, built at start-up (`warm`). Autocomplete
(`quick`) bounds its work: fewer candidates, and a phrase scan that stops once it has them.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from heapq import merge
from itertools import compress, islice, pairwise, repeat
from operator import contains, methodcaller
from typing import Any, Literal

from rapidfuzz import fuzz, process

from bot.core.matching import sorted_slots
from bot.core.matching.candidates import (
    alive,
    phrase_matches,
    reading,
    top_counted,
    word_groups,
)
from bot.core.matching.coded import CodedTexts, CodesFull
from bot.core.matching.ids import ABSENT, IdMap
from bot.core.matching.judge import judge_fragments, judge_names
from bot.core.matching.model import GLOBAL, EntryKind, EntryRef, Hit
from bot.core.matching.normalizing import fast_normalize, fast_normalize_query, trigrams
from bot.core.matching.packed import PackedDisplay
from bot.core.matching.postings import pack_all, postings_from, postings_state
from bot.core.matching.scoring import JudgeMany, Scorer
from bot.core.matching.vocabulary import FAR_WORD, PREFIX_WORDS, Vocabulary, drop_removed

_append = array.append
SCAN_MOST = 10_000  # documents of the rarest word checked for the phrase, at most
SCAN_LOOSE = 3_000  # the same when any word may be misspelt
SCAN_QUICK = 1_000  # the same for autocomplete
PACK_FROM = 200_000  # a text shard this big is coded and packed (coded.py, packed.py)
SURE_NAME = 90.0  # a name found through its words this well needs no trigram search
JUDGED = 30  # the scorer's best this many are judged (bot/core/matching/judge.py)

# An entry's best so far while ranking: (score, tie, label, matched); a `Hit` only for
# those returned (a frozen dataclass costs more to build than a tuple). `tie` orders equal
# scores, lowest first (statements: the phrase there word for word, then the commoner
# stand-ins), held negated so that sorting needs no key built per entry. From a
# shard whose display texts are packed, (score, tie, None, (shard, slot)): label and text
# are rebuilt only for those returned (`_settle`).
_Best = tuple[float, tuple[int, int, int], str | None, "str | tuple[_Shard, int]"]
_NO_TIE = (0, 0, 0)


class _Shard:
    """The documents of one scope: slots, postings and the words they are made of.

    A shard ranked whole (most servers' own: a few dozen entries) has no postings: they
    are built when it first grows past `full_scan_below`, so ten thousand small servers
    cost their strings, not ten thousand vocabularies.
    """

    __slots__ = ("by_text", "dead", "display", "entries", "label_at", "labels", "number",
                 "postings", "slot_ref", "texts", "words")

    def __init__(self, number: int) -> None:
        self.number = number  # the scope's, in its index
        self.texts: list[str] | CodedTexts = []  # normalised; "" once removed
        self.display: list[str] | PackedDisplay = []  # as given; "" once removed
        # The entry's code (`_code`) per slot, 0 once removed: 4 bytes a slot (8 once an id
        # passes 2**30), where an EntryRef and dict entries per entry cost twenty times that
        # at a million statements. An entry's slots are consecutive.
        self.slot_ref = array("I")
        self.label_at: list[str] = []  # the entry's label (one object per entry) per slot
        self.entries = 0  # how many are live
        self.words: Vocabulary | None = None  # None while the shard is ranked whole
        # trigram -> ascending slots (names); for statements, the words' own postings
        self.postings: dict[str, array] | None = None
        # (label, ref) sorted, for the empty autocomplete box
        self.labels: list[tuple[str, EntryRef]] | None = None
        self.by_text: array | None = None  # slots sorted by their text, for prefixes
        self.dead = 0

    def __getstate__(self) -> dict[str, object]:
        state = {name: getattr(self, name) for name in self.__slots__}
        if self.postings is not None:
            # A statement shard's postings are its words' (read back as the same dict);
            # a name shard's trigrams, packed as the words' are (postings.py)
            state["postings"] = ("words" if self.words is not None
                                 and self.postings is self.words.postings
                                 else postings_state(self.postings))
        state["labels"] = _labels_state(self.labels)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        postings = state.pop("postings")
        self.labels = _labels_from(state.pop("labels"))  # type: ignore[arg-type]
        for name, value in state.items():
            setattr(self, name, value)
        if postings == "words":
            assert self.words is not None
            self.postings = self.words.postings
        else:
            self.postings = None if postings is None else postings_from(postings)  # type: ignore[arg-type]

    def live(self) -> int:
        return len(self.texts) - self.dead

    def slots(self, first: int) -> range:
        """The slots of the entry whose first slot is `first`."""
        end, slot_ref, size = first + 1, self.slot_ref, len(self.slot_ref)
        code = slot_ref[first]
        while end < size and slot_ref[end] == code:
            end += 1
        return range(first, end)

    def first_slot(self, slot: int) -> int:
        code, slot_ref = self.slot_ref[slot], self.slot_ref
        while slot and slot_ref[slot - 1] == code:
            slot -= 1
        return slot

    def firsts(self) -> Iterator[int]:
        """Each live entry's first slot."""
        previous = 0
        for slot, code in enumerate(self.slot_ref):
            if code and code != previous:
                yield slot
            previous = code


_KINDS: tuple[EntryKind, ...] = ("city", "official", "statement")
_KIND_NUMBER = {kind: number for number, kind in enumerate(_KINDS)}
_SLOT_BITS = 32  # an entry's place: its shard's number above, its first slot below
_SLOT_MASK = (1 << _SLOT_BITS) - 1


def _code(ref: EntryRef) -> int:
    """An entry as one int, never 0 (which marks a removed slot)."""
    return ref.id * 4 + _KIND_NUMBER[ref.kind] + 1


_new_ref = tuple.__new__  # a named tuple built in C, not through its Python-level __new__


def _ref(code: int) -> EntryRef:
    code -= 1
    return _new_ref(EntryRef, (_KINDS[code & 3], code >> 2))  # type: ignore[return-value]


def _labels_state(labels: list[tuple[str, EntryRef]] | None
                  ) -> tuple[list[str], array] | None:
    """A shard's sorted labels as a snapshot holds them: the labels, and their entries'
    codes. Pickled as pairs, each EntryRef came with a tuple of its arguments that the
    unpickler kept to its end and then freed: 7 MB in holes between what it kept, at a
    million entries."""
    if labels is None:
        return None
    return [label for label, _ in labels], array("q", [_code(ref) for _, ref in labels])


def _labels_from(state: tuple[list[str], array] | None) -> list[tuple[str, EntryRef]] | None:
    if state is None:
        return None
    labels, codes = state
    return list(zip(labels, map(_ref, codes), strict=True))


@dataclass(slots=True)
class _Query:
    """What the query breaks into, worked out once for every shard searched."""

    norm: str
    words: list[str]
    quick: bool  # autocomplete: fewer candidates, no second pass for misspelt real words
    words_only: bool = False  # names: only those found through their words (no trigrams)
    grams: set[str] | None = None
    # statements: the words standing in for misspelt ones in the shard being ranked, beside
    # a typed neighbour, and how likely each reading is (`_stand_ins`)
    stand_ins: dict[str, int] | None = None


def _uncode(shard: _Shard) -> None:
    """A coded shard that has run out of codes (`CodesFull`) holds its texts plain."""
    shard.texts = list(shard.texts)
    if isinstance(shard.display, PackedDisplay):
        shard.display.texts = shard.texts


class FuzzyIndex:
    """Documents (normalised strings) of one kind of entry; several per entry (aliases).

    Each scope (guild) has its own shard, so an entry is only ever ranked for the scopes
    that may see it, and a big server cannot crowd the global entries out of the candidates.
    With `shared_texts`, equal strings of different entries (where and when a statement was
    said: "in a statement", "Monday") are held once, not once per entry.
    With `label_joins_text`, the label given to `put` is a prefix (a speaker) and the entry
    is labelled "prefix: first text", without holding that text twice.
    """

    def __init__(
        self,
        scorer: Scorer,
        judge: JudgeMany,
        *,
        tokens: Literal["trigrams", "words"] = "trigrams",
        full_scan_below: int = 250,
        posting_budget: int = 3_500,
        rerank: int = 80,
        label_joins_text: bool = False,
        shared_texts: bool = False,
    ) -> None:
        self._scorer = scorer
        self._judge = judge
        self._words = tokens == "words"
        self._full_scan_below = full_scan_below
        self._posting_budget = posting_budget
        self._rerank = rerank
        self._joins = label_joins_text
        # text as given -> (that text, normalised), each held once
        self._shared: dict[str, tuple[str, str]] | None = {} if shared_texts else None
        self._shards: dict[int, _Shard] = {}
        self._scope_numbers: dict[int, int] = {}  # scope -> its number, for `_places`
        self._scope_list: list[int] = []  # by number
        # kind -> id -> (its shard's number << _SLOT_BITS | its first slot)
        self._places: dict[str, IdMap] = {}
        # While loading (`defer_postings` until `warm`), big shards get their postings
        # built once, at the end, rather than one document at a time.
        self._deferred = False

    def __getstate__(self) -> dict[str, Any]:
        # Saved in an index snapshot (bot/core/snapshot.py): the scorer and judge are code,
        # chosen again from the kind of index when it is read back.
        state = dict(self.__dict__)
        del state["_scorer"], state["_judge"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._scorer, self._judge = ((fuzz.partial_ratio, judge_fragments) if self._words
                                     else (fuzz.WRatio, judge_names))
        self._load_numpy_if_big()

    def _load_numpy_if_big(self) -> None:
        """Statements in the tens of thousands are intersected through numpy
        (sorted_slots.py): imported now (0.2 s, measured), at start-up, not in the first
        lookup that needs it. Two words' postings reach `BIG` slots from half as many."""
        if self._words and any(sorted_slots.through_numpy(shard.live() * 2)
                               for shard in self._shards.values()):
            sorted_slots.load()

    def __len__(self) -> int:
        return sum(map(len, self._places.values()))

    def __contains__(self, ref: EntryRef) -> bool:
        places = self._places.get(ref.kind)
        return places is not None and places.get(ref.id) >= 0

    def _place(self, ref: EntryRef) -> tuple[_Shard, int] | None:
        """The entry's shard and first slot."""
        places = self._places.get(ref.kind)
        place = ABSENT if places is None else places.get(ref.id)
        if place < 0:
            return None
        return self._shards[self._scope_list[place >> _SLOT_BITS]], place & _SLOT_MASK

    def label(self, ref: EntryRef) -> str:
        place = self._place(ref)
        if place is None:
            raise KeyError(ref)
        return self._label_at(*place)

    def _label_at(self, shard: _Shard, slot: int) -> str:
        label = shard.label_at[slot]
        if self._joins:
            return f"{label}: {shard.display[shard.first_slot(slot)]}"
        return label

    def first_entries(self, scopes: Iterable[int], limit: int) -> list[tuple[str, EntryRef]]:
        """The alphabetically first (label, entry) pairs (the empty autocomplete box),
        without sorting every label on each call: each shard keeps them sorted."""
        lists = [self._sorted_labels(shard) for scope in dict.fromkeys(scopes)
                 if (shard := self._shards.get(scope)) is not None]
        return list(islice(merge(*lists), limit))

    def first_labels(self, scopes: Iterable[int], limit: int) -> list[str]:
        return [label for label, _ in self.first_entries(scopes, limit)]

    def defer_postings(self) -> None:
        """Start-up: hold the documents put from now on without postings, until `warm`
        builds each big shard's in one pass (until then, searches rank shards whole)."""
        self._deferred = True

    def warm(self) -> None:
        """Build what `defer_postings` put off; sort what the empty box and short prefixes
        need now (start-up), not on the first keystroke after it."""
        if self._deferred:
            self._deferred = False
            for shard in self._shards.values():
                if shard.words is None and shard.live() > self._full_scan_below:
                    self._build_postings(shard)
        self._load_numpy_if_big()
        if self._words:  # statements: only a moderator's empty box lists them, rarely
            return
        for shard in self._shards.values():
            if shard.words is not None:  # a small shard sorts in microseconds when asked
                self._sorted_labels(shard)
                self._sorted_texts(shard)

    def _sorted_labels(self, shard: _Shard) -> list[tuple[str, EntryRef]]:
        if shard.labels is None:
            shard.labels = sorted((self._label_at(shard, slot), _ref(shard.slot_ref[slot]))
                                  for slot in shard.firsts())
        return shard.labels

    @staticmethod
    def _sorted_texts(shard: _Shard) -> array:
        if shard.by_text is None:
            texts = shard.texts
            shard.by_text = array("I", sorted(
                (slot for slot, text in enumerate(texts) if text), key=texts.__getitem__))
        return shard.by_text

    # ---- changes, in place ----------------------------------------------------------------

    def put(self, ref: EntryRef, label: str, texts: Iterable[str], scope: int = GLOBAL) -> None:
        """Add an entry under the strings that find it, or replace what was indexed for it."""
        if ref in self:
            self.remove(ref)
        shard = self._shards.get(scope)
        if shard is None:
            number = self._scope_numbers.get(scope)
            if number is None:
                number = self._scope_numbers[scope] = len(self._scope_list)
                self._scope_list.append(scope)
            shard = self._shards[scope] = _Shard(number)
        first = len(shard.texts)
        code = _code(ref)
        if self._joins:
            label = sys.intern(label)
        seen: set[str] = set()
        shared = self._shared
        for text in texts:
            if shared is None:
                norm = fast_normalize(text)
            else:  # normalised once, and held once, however many entries have it
                held = shared.get(text)
                if held is None:
                    held = shared[text] = (text, fast_normalize(text))
                text, norm = held
            if not norm or norm in seen:
                continue
            seen.add(norm)
            slot = len(shard.texts)
            try:
                shard.texts.append(norm)
            except CodesFull:  # more words than codes: the shard's texts are plain again
                _uncode(shard)
                shard.texts.append(norm)
            shard.display.append(text)
            try:
                shard.slot_ref.append(code)
            except OverflowError:  # an id past 2**30: every code in 8 bytes from now on
                shard.slot_ref = array("q", shard.slot_ref)
                shard.slot_ref.append(code)
            shard.label_at.append(label)
            if shard.words is not None:
                self._post(shard, norm, slot)
            if shard.by_text is not None:
                insort(shard.by_text, slot, key=shard.texts.__getitem__)
        if len(shard.texts) == first:
            return
        if self._words and len(shard.texts) >= PACK_FROM and type(shard.display) is list:
            self._pack(shard)
        if shard.words is None and shard.live() > self._full_scan_below and not self._deferred:
            self._build_postings(shard)
        shard.entries += 1
        places = self._places.get(ref.kind)
        if places is None:
            places = self._places[ref.kind] = IdMap()
        places.set(ref.id, shard.number << _SLOT_BITS | first)
        if shard.labels is not None:
            insort(shard.labels, (self.label(ref), ref))

    def _pack(self, shard: _Shard) -> None:
        """A text shard grown big holds its normalised texts coded (coded.py) and its
        display texts as skeletons from now on (a million statements: about 290 MB less)."""
        with suppress(CodesFull):  # more words than codes: plain, as a smaller shard's
            shard.texts = CodedTexts(shard.texts)
        packed = PackedDisplay(shard.texts)
        packed.extend(shard.display)
        shard.display = packed


    def _post(self, shard: _Shard, norm: str, slot: int) -> None:
        words, postings = shard.words, shard.postings
        assert words is not None and postings is not None
        words.add(set(norm.split()), slot)
        if not self._words:  # names are also found by their trigrams
            grams = trigrams(norm)
            if not postings.keys() >= grams:  # some are new (checked in C)
                for gram in grams:
                    if gram not in postings:
                        postings[gram] = array("I")
            for posting in map(postings.__getitem__, grams):  # (a compacted one may be halved)
                posting.append(slot)

    def _build_postings(self, shard: _Shard) -> None:
        # All of a shard's documents at once: one loop per kind of posting, no call per
        # document (most of start-up is this).
        shard.words = Vocabulary()
        if isinstance(shard.texts, CodedTexts):
            shard.words.add_all(shard.texts.codes, shard.texts.splitter())
        else:
            shard.words.add_all(shard.texts)
        if self._words:
            shard.postings = shard.words.postings
            return
        shard.postings = postings = {}
        getitem, keys = postings.__getitem__, postings.keys()
        for slot, norm in enumerate(shard.texts):
            if norm:
                grams = trigrams(norm)
                if not keys >= grams:  # some are new (checked in C)
                    for gram in grams:  # (`grams - keys` would walk every key)
                        if gram not in postings:
                            postings[gram] = array("I")
                any(map(_append, map(getitem, grams), repeat(slot)))
        pack_all(postings)

    def remove(self, ref: EntryRef) -> None:
        place = self._place(ref)
        if place is None:
            return
        shard, first = place
        if shard.labels is not None:
            pair = (self._label_at(shard, first), ref)
            at = bisect_left(shard.labels, pair)
            if at < len(shard.labels) and shard.labels[at] == pair:
                del shard.labels[at]
        slots = shard.slots(first)
        self._places[ref.kind].pop(ref.id)
        shard.entries -= 1
        for slot in slots:  # postings keep the slot until compaction; search skips it
            if shard.by_text is not None:
                by_text, texts = shard.by_text, shard.texts
                at = bisect_left(by_text, texts[slot], key=texts.__getitem__)
                while at < len(by_text) and by_text[at] != slot and texts[by_text[at]] == \
                        texts[slot]:
                    at += 1
                if at < len(by_text) and by_text[at] == slot:
                    del by_text[at]
            shard.slot_ref[slot] = 0
            shard.texts[slot] = ""
            shard.display[slot] = ""
            shard.label_at[slot] = ""
        shard.dead += len(slots)
        if shard.dead > 1_000 and shard.dead > shard.live() // 4:
            self._compact(shard)

    def drop_scope(self, scope: int) -> int:
        """Forget every entry of one scope at once (a server this process no longer
        serves); returns how many. Each scope is its own shard, so nothing else is touched."""
        shard = self._shards.pop(scope, None)
        if shard is None:
            return 0
        for slot in shard.firsts():
            ref = _ref(shard.slot_ref[slot])
            self._places[ref.kind].pop(ref.id)
        return shard.entries

    def scopes(self) -> set[int]:
        """The scopes that hold at least one entry."""
        return {scope for scope, shard in self._shards.items() if shard.entries}

    def compact(self) -> None:
        """Drop removed slots from every posting (also done by itself as removals pile up)."""
        for shard in self._shards.values():
            self._compact(shard)

    @staticmethod
    def _compact(shard: _Shard) -> None:
        # Slots keep their numbers (a removed one stays an empty string), so this is one
        # pass over the postings in C, not a rebuild.
        if shard.words is None or shard.postings is None:  # no postings to clean
            shard.dead = 0
            return
        alive = bytearray(map(bool, shard.slot_ref))
        shard.words.compact(alive)
        if shard.postings is not shard.words.postings:  # names: their trigrams too
            drop_removed(shard.postings, alive)
        shard.dead = 0

    # ---- search ---------------------------------------------------------------------------

    def search(self, query: str, scopes: Iterable[int] = (GLOBAL,), limit: int = 10, *,
               quick: bool = False, words_only: bool = False) -> list[Hit]:
        """Best hits first, one per entry. Never raises on any string. `quick` (for
        autocomplete, on every keystroke) ranks fewer candidates; `words_only`, names found
        through their words only, a typo or two within a word (no trigram search)."""
        norm = fast_normalize_query(query) if isinstance(query, str) else ""
        if not norm:
            return []
        parsed = _Query(norm, norm.split(), quick, words_only)
        best: dict[int, _Best] = {}  # by entry code
        for scope in dict.fromkeys(scopes):
            shard = self._shards.get(scope)
            if shard is not None and shard.entries:
                self._rank(shard, parsed, limit, best)
        settled = self._settle(best, limit)
        ranked = sorted(settled.items(), key=lambda kv: (
            -kv[1][0], kv[1][1], len(kv[1][3]), kv[1][2]))
        return [Hit(_ref(code), score, label, matched)  # type: ignore[arg-type]
                for code, (score, _, label, matched) in ranked[:limit]]

    def _settle(self, best: dict[int, _Best], limit: int) -> dict[int, _Best]:
        """`best` with label and text rebuilt for the entries of packed shards that may be
        returned: the first `limit` as `search` orders them (by score, tie, text length)
        and any tied with the last of those."""
        if not self._words or all(found[2] is not None for found in best.values()):
            return best  # (names are never packed: nothing to rebuild)

        def rough(found: _Best) -> tuple[float, ...]:
            matched = found[3]
            length = (matched[0].display.length(matched[1])  # type: ignore[union-attr]
                      if found[2] is None else len(matched))
            return (-found[0], found[1], length)

        order = sorted(best.items(), key=lambda kv: rough(kv[1]))
        cut = min(limit, len(order))
        while 0 < cut < len(order) and rough(order[cut][1]) == rough(order[cut - 1][1]):
            cut += 1
        settled: dict[int, _Best] = {}
        for code, found in order[:cut]:
            if found[2] is None:
                shard, slot = found[3]  # type: ignore[misc]
                text = shard.display[slot]
                first = shard.first_slot(slot)  # a joined label holds the first text
                label = (f"{shard.label_at[slot]}: {text}" if self._joins and first == slot
                         else self._label_at(shard, slot))
                settled[code] = (found[0], found[1], label, text)
            else:
                settled[code] = found
        return settled

    def prefixed(self, prefix: str, scopes: Iterable[int] = (GLOBAL,), limit: int = 25
                 ) -> list[Hit]:
        """Entries whose name (or alias) begins with `prefix`, alphabetically, then those
        with a later word that does: what a few letters typed into autocomplete mean when
        they are spelt right, found by bisecting a sorted list, without fuzzy matching."""
        norm = fast_normalize_query(prefix) if isinstance(prefix, str) else ""
        if not norm:
            return []
        found: dict[int, Hit] = {}  # by entry code
        for scope in dict.fromkeys(scopes):
            shard = self._shards.get(scope)
            if shard is None:
                continue
            texts = shard.texts
            by_text = self._sorted_texts(shard)
            at = bisect_left(by_text, norm, key=texts.__getitem__)
            end = bisect_right(by_text, norm + "\U0010ffff", at,
                               min(len(by_text), at + limit * 4), key=texts.__getitem__)
            slots = list(by_text[at:end])
            if len(slots) < limit and not self._words and len(norm) >= 2:
                # Too few names begin with it: names with a later word that does, among
                # those holding the rarest of its trigrams.
                start = " " + norm
                if shard.postings is None:  # a small shard: every name
                    posting: Sequence[int] = range(len(texts))
                else:
                    grams = [start[:3], *(norm[i : i + 3] for i in range(len(norm) - 2))]
                    posting = min((shard.postings.get(g, ()) for g in grams), key=len
                                  )[: limit * 8]
                # (`in` over the window in C; only the few holding it are looked at again)
                held = compress(posting, map(contains, map(texts.__getitem__, posting),
                                             repeat(start)))
                slots += [slot for slot in held if not texts[slot].startswith(norm)
                          ][: limit - len(slots)]
            for slot in slots:
                code = shard.slot_ref[slot]
                if code and code not in found:
                    found[code] = Hit(_ref(code), 90.0, self._label_at(shard, slot),
                                      shard.display[slot])
                    if len(found) >= limit:  # the rest would be cut below: not built
                        return list(found.values())
        return list(found.values())[:limit]

    def _rank(self, shard: _Shard, query: _Query, limit: int, best: dict[int, _Best]) -> None:
        if shard.words is None or shard.live() <= self._full_scan_below:
            self._score(shard, query.norm, range(len(shard.texts)), limit, best)
        elif self._words:
            query.stand_ins = None
            self._score(shard, query.norm, self._fragment_candidates(shard, query), limit, best,
                        stand_ins=query.stand_ins, all_judged=query.quick)
        else:
            # A name typed with every word spelt as in some name (a surname, an alias) is
            # among the documents holding those words, which are few; if one of them scores
            # as a sure match, counting trigrams (the costly part) is not needed. A word no
            # name has is a typo, and the name it belongs to may hold no other word typed,
            # so then trigrams find the rest.
            by_words, all_known = self._word_candidates(shard, query)
            if query.words_only:
                self._score(shard, query.norm, by_words, limit, best, JUDGED)
                return
            if query.quick:
                # Autocomplete: the last word is mostly unfinished, so its words are rarely
                # a sure match; both kinds of candidates are ranked at once, and only the
                # scorer's best `JUDGED` judged.
                seen = set(by_words)
                by_words += [s for s in self._name_candidates(shard, query) if s not in seen]
                self._score(shard, query.norm, by_words, JUDGED, best, JUDGED)
                return
            top = self._score(shard, query.norm, by_words, limit, best)
            if all_known and top >= SURE_NAME:
                return
            seen = set(by_words)
            slots = [s for s in self._name_candidates(shard, query) if s not in seen]
            self._score(shard, query.norm, slots, limit, best)

    def _score(self, shard: _Shard, norm: str, slots: Sequence[int], limit: int,
               best: dict[int, _Best], judged: int | None = None, *,
               stand_ins: dict[str, int] | None = None, all_judged: bool = False) -> float:
        """Rank `slots` with the scorer into `best` (one hit per entry, its best string),
        judging the scorer's best `judged` (by default twice `limit`, at least `JUDGED`);
        returns the best score among them. `all_judged` (autocomplete's statements, one
        text per entry): if there are no more than `judged`, the scorer is skipped, as it
        would only order what the judge scores again (the order breaks no tie that shows:
        only entries alike in score, tie, label and text are left in the order given)."""
        if not slots:
            return 0.0
        texts = shard.texts
        slot_ref, display = shard.slot_ref, shard.display
        judged = judged or max(limit * 2, JUDGED)
        if all_judged and len(slots) <= judged:
            live = [(texts[s], s) for s in compress(slots, map(slot_ref.__getitem__, slots))]
        else:
            if not isinstance(slots, range):
                texts = [texts[s] for s in slots]
            ranked = process.extract(norm, texts, scorer=self._scorer, processor=None,
                                     limit=judged)
            live = [(text, slots[pos]) for text, _, pos in ranked if slot_ref[slots[pos]]]
        packed = isinstance(display, PackedDisplay)
        top = 0.0
        phrase = f" {norm} "
        scores = self._judge(norm, [t for t, _ in live])
        if not self._words and not packed and not self._joins:
            # Names: no ties to work out, the label is the slot's own (the loop below, lean:
            # it runs for the thirty judged of every name looked up).
            labels = shard.label_at
            for (_, slot), score in zip(live, scores, strict=True):
                code = slot_ref[slot]
                found = best.get(code)
                if found is None or score > found[0]:
                    best[code] = (score, _NO_TIE, labels[slot], display[slot])
            return max(scores, default=0.0)
        for (text, slot), score in zip(live, scores, strict=True):
            code = slot_ref[slot]
            top = max(top, score)
            tie = _NO_TIE
            if self._words:
                # Equal scores: the phrase word for word first ("lit the the", not "lit the
                # their"), then the most stand-ins beside their neighbours, then the likelier
                # reading ("drum", not "drur"; "bout" for "obut", not "but").
                padded = f" {text} "
                held = [n for pair, n in stand_ins.items() if pair in padded] if stand_ins else []
                tie = (-(phrase in padded), -len(held), -max(held, default=0))
            found = best.get(code)
            if found is None or score > found[0] or (score == found[0] and tie < found[1]):
                best[code] = ((score, tie, None, (shard, slot)) if packed
                              else (score, tie, self._label_at(shard, slot), display[slot]))
        return top

    # ---- candidates: names ------------------------------------------------------------------

    def _word_candidates(self, shard: _Shard, query: _Query) -> tuple[list[int], bool]:
        """The documents holding most of the query's words, each word as typed or, if no
        name has it, as the words one typo away (or that it begins, if it is the last);
        and whether every word typed was found so."""
        vocabulary, words = shard.words, query.words
        options = vocabulary.options(words, len(shard.texts))
        all_known = all(options.values())
        rerank = self._rerank // 2 if query.quick else self._rerank
        postings = vocabulary.postings
        if not all_known and not query.quick and sum(
                len(postings[w]) for found in options.values() for w in found) > rerank:
            # A long word no word is one typo from may be two from one ("dralidema" for
            # "draildeam", two letters swapped twice): else only the name's other words
            # would count, shared by more names than are ranked.
            for word, found in options.items():
                if not found and len(word) >= FAR_WORD:
                    options[word] = vocabulary.far_words(word)
        groups = word_groups(options, postings, self._posting_budget)
        return top_counted(shard.slot_ref, groups, self._posting_budget, rerank), all_known

    def _name_candidates(self, shard: _Shard, query: _Query) -> list[int]:
        if query.grams is None:
            query.grams = trigrams(query.norm)
        postings = shard.postings
        groups = sorted((p for gram in query.grams if (p := postings.get(gram))), key=len)
        if query.quick:
            return top_counted(shard.slot_ref, groups, self._posting_budget * 2 // 3,
                               self._rerank // 2)
        return top_counted(shard.slot_ref, groups, self._posting_budget, self._rerank)

    # ---- candidates: statement fragments ------------------------------------------------------

    def _fragment_candidates(self, shard: _Shard, query: _Query) -> list[int]:
        postings, vocabulary = shard.postings, shard.words
        words = vocabulary.spacing_mended(query.words, query.quick)
        rerank = self._rerank // 3 if query.quick else self._rerank
        options: dict[str, list[str]] = {}
        counted_by: dict[str, list[str]] = {}
        scanned: tuple[dict[str, list[str]], int] | None = None  # (options, most) last scanned
        for mode in ("strict",) if query.quick else ("strict", "loose", "wild"):
            # First each known word as itself; then, if no document holds that phrase,
            # every word of 3+ letters may be misspelt, even into another real word; last,
            # a word no document has as typed may be any word (two typos in it, or its
            # stand-ins are not the word meant), the rest of the phrase being as typed.
            loose = mode != "strict"
            if mode == "wild":
                if all(w in postings for w in words):
                    break  # the same as the first pass
                options = {w: [w] if w in postings else [] for w in words}
            else:
                options = counted_by = vocabulary.options(words, len(shard.texts), loose)
            sizes = {w: sum(map(len, map(postings.__getitem__, found)))
                     for w, found in options.items() if found}
            if mode == "wild" and (not sizes or min(sizes.values()) > SCAN_MOST):
                break  # only common words left: too many documents to read for them
            if not sizes:
                return []
            if not loose and not query.quick and not all(options.values()):
                continue  # a word nothing stands for yet: two typos, looked for loosely
            most = SCAN_QUICK if query.quick else SCAN_LOOSE if mode == "loose" else SCAN_MOST
            if scanned is not None and scanned[0] == options and most <= scanned[1]:
                # the same words as the last scan, in some of its documents
                # (`phrase_matches`): it would find nothing that one did not
                continue
            scanned = options, most
            anchors = sizes
            last = words[-1]
            if (query.quick and len(sizes) > 1 and words.count(last) == 1
                    and (last in postings or sum(map(methodcaller("startswith", last),
                                                     options[last])) >= PREFIX_WORDS)):
                # Being typed, the last word may be the start of a longer one ("rem" of
                # "remain"): its own documents cannot stand for the phrase's, unless all
                # the words it begins stand in for it.
                anchors = {w: n for w, n in sizes.items() if w != last} or sizes
            # (a removed slot's text is "", never holding a phrase: those found are live,
            # and only the first `rerank` are kept)
            phrased = phrase_matches(postings, shard.texts, words, options,
                                     min(anchors, key=anchors.__getitem__), most,
                                     rerank if query.quick else None, keep=rerank)
            if phrased:
                if not query.quick:
                    query.stand_ins = _stand_ins(words, options, postings)
                return alive(shard.slot_ref, phrased, rerank)
        options = counted_by
        query.stand_ins = _stand_ins(words, options, postings)
        groups = word_groups(options, postings, self._posting_budget)
        counted = top_counted(shard.slot_ref, groups, self._posting_budget, rerank * 4)
        if len(counted) <= rerank:
            return counted
        # Many documents hold the rarer words: those that also have pairs of the query's
        # words side by side (common words included) come first.
        texts = shard.texts
        if isinstance(texts, CodedTexts):
            score = texts.pairs_held(words, counted)
        else:
            pairs = [f" {a} {b} " for a, b in pairwise(words)]
            if pairs:
                pairs[-1] = pairs[-1].rstrip()  # the last word may be unfinished
            score = {s: sum(map(f" {texts[s]} ".__contains__, pairs)) for s in counted}
        counted.sort(key=score.__getitem__, reverse=True)  # stable: counts break ties
        return counted[:rerank]


def _stand_ins(words: list[str], options: dict[str, list[str]], postings: dict[str, array]
               ) -> dict[str, int]:
    """Each word standing in for a typed one, beside a neighbour as typed (" the drum",
    "drum the "), and how likely that reading is (`candidates.reading`)."""
    found: dict[str, int] = {}
    for at, typed in enumerate(words):
        for other in options.get(typed, ()):
            if other != typed:
                size = reading(typed, other, len(postings[other]))
                if at:
                    found[f" {words[at - 1]} {other} "] = size
                if at + 1 < len(words):
                    found[f" {other} {words[at + 1]} "] = size
    return found


def name_index(**kwargs: Any) -> FuzzyIndex:
    """Names and aliases: WRatio copes with typos, partial names and word order."""
    return FuzzyIndex(fuzz.WRatio, judge_names, **kwargs)


def text_index(**kwargs: Any) -> FuzzyIndex:
    """Statement text: partial_ratio finds a fragment anywhere in a statement; candidates
    come from word postings, typo-tolerant through the vocabulary."""
    return FuzzyIndex(fuzz.partial_ratio, judge_fragments, tokens="words", **kwargs)
