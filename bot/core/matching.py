"""The in-memory fuzzy index: postings find candidates, rapidfuzz ranks them.

Scanning every string with rapidfuzz on every keystroke does not scale (see
shared/design/matching-performance.md and bench/), so each kind of entry has a
`FuzzyIndex`, split into one shard per scope (guild). A shard of at most
`full_scan_below` documents is ranked whole. A bigger one first picks candidates:

- names: trigram postings (`array('I')` of ascending slots), so typos, "deblasio" for
  "de blasio" and partial names share most trigrams with what they mean; the documents
  sharing most of the query's rarer trigrams (within `posting_budget` postings) are ranked;
- statements: word postings, typo-tolerant through the vocabulary (symmetric deletes: a
  word one edit away, or two for long words, stands in for a misspelt one) and completing
  the word being typed (a sorted vocabulary). A fragment is looked for word for word first:
  the documents of its rarest word (or of that word's stand-ins) that contain the phrase,
  each word replaced by its stand-ins, are the candidates. Only if none does are documents
  counted by how many of the query's rarer words they hold, as for names.

At most `rerank` candidates are then ranked by the scorer (WRatio for names,
partial_ratio for fragments) on strings normalised once at build time. Entries are added,
replaced and removed in place, so a moderator's change is visible to the next lookup
without a rebuild; removed slots stay in the postings until a compaction (one pass in C
over the postings) drops them.

Autocomplete of one or two letters does not need fuzzy matching: `prefixed` answers it
from a sorted list of the normalised names, built the first time it is asked for.
"""

from __future__ import annotations

import re
import sys
from array import array
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from heapq import merge
from itertools import compress, islice, pairwise, product, repeat
from typing import Any, Literal

from rapidfuzz import fuzz, process

from bot.core.text import MAX_QUERY_CHARS, normalize

EntryKind = Literal["city", "official", "statement"]
GLOBAL = 0  # the scope (guild id) of the bundled dataset, seen by every server


@dataclass(frozen=True, slots=True)
class EntryRef:
    kind: EntryKind
    id: int


@dataclass(frozen=True, slots=True)
class Hit:
    ref: EntryRef
    score: float
    label: str  # how the entry is named to people
    matched: str  # the name, alias or text that matched


Scorer = Callable[..., float]
Adjust = Callable[[str, str, float], float]

# `normalize` for plain ASCII, which is nearly all text: no accents or curly quotes to
# handle, so the per-character pass over Unicode is skipped (5-10x faster at start-up).
# tests/core/test_matching_index.py checks that both agree.
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_NON_WORD = re.compile(r"[\W_]+")


def fast_normalize(text: str) -> str:
    if text.isascii():
        text = text.lower()
        if "'" in text or "`" in text:
            text = _APOSTROPHE.sub("", text.replace("`", "'"))
        return _NON_WORD.sub(" ", text).strip()
    return normalize(text)


def fast_normalize_query(text: str) -> str:
    return fast_normalize(text[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS].strip()


def _name_adjust(query: str, text: str, score: float) -> float:
    # WRatio scores a short name found inside a longer query highly ("la" in "atlantis").
    # A name may be a prefix of what is typed only if whole words match ("rahm emanuel
    # chicago"); otherwise the query is judged as a whole against the name.
    if len(text) < len(query):
        return min(score, max(fuzz.ratio(query, text), fuzz.token_set_ratio(query, text) * 0.95))
    return score


def _fragment_adjust(query: str, text: str, score: float) -> float:
    # partial_ratio finds a fragment inside a long text; a query longer than the text it
    # "contains" is not a fragment of it, so it is scored as a whole instead.
    if len(query) > len(text):
        return float(fuzz.ratio(query, text))
    # Found letter for letter but not word for word ("he is" in "the island", "trilaick
    # ste" in "trilaick steasbrair"): a hair below the text that has the very words.
    if score >= 100 and f" {query} " not in f" {text} ":
        return 99.0
    return score


def _trigrams(norm: str) -> set[str]:
    padded = f" {norm} "
    return set(map("".join, zip(padded, padded[1:], padded[2:], strict=False)))


def _deletes(word: str) -> set[str]:
    """The word and every string one deletion away (symmetric-delete typo matching)."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


_append = array.append
MIN_TYPO_WORD = 4  # shorter words are matched exactly (a typo'd "of" is just noise)
PREFIX_WORDS = 40  # at most this many vocabulary words complete a word being typed
MAX_PHRASES = 8  # spelled-out phrases (stand-ins combined) checked with `in`; more: a regex
SCAN_MOST = 10_000  # documents of the rarest word checked for the phrase, at most
SCAN_LOOSE = 3_000  # the same when any word may be misspelt
SCAN_QUICK = 1_000  # the same for autocomplete


class _Shard:
    """The documents of one scope: slots, postings and, for words, the vocabulary."""

    __slots__ = ("by_text", "dead", "deletes", "display", "labels", "postings", "refs",
                 "slot_ref", "texts", "vocabulary")

    def __init__(self) -> None:
        self.texts: list[str] = []  # normalised; "" once removed
        self.display: list[str] = []  # as given; "" once removed
        self.slot_ref: list[EntryRef | None] = []
        self.refs: dict[EntryRef, int] = {}  # an entry's first slot; its others follow it
        self.postings: dict[str, array] = {}  # trigram or word -> ascending slots
        self.deletes: dict[str, str | list[str]] = {}  # words only: delete-variant -> words
        self.vocabulary: list[str] = []  # words only: sorted, for words being typed
        self.labels: list[str] | None = None  # sorted, for the empty autocomplete box
        self.by_text: array | None = None  # slots sorted by their text, for prefixes
        self.dead = 0

    def live(self) -> int:
        return len(self.texts) - self.dead

    def slots(self, ref: EntryRef) -> range:
        first = self.refs[ref]
        end, slot_ref, size = first + 1, self.slot_ref, len(self.slot_ref)
        stored = slot_ref[first]  # the object put() stored; `ref` may be an equal one
        while end < size and slot_ref[end] is stored:
            end += 1
        return range(first, end)


@dataclass(slots=True)
class _Query:
    """What the query breaks into, worked out once for every shard searched."""

    norm: str
    words: list[str]
    quick: bool  # autocomplete: fewer candidates, no second pass for misspelt real words
    grams: set[str] | None = None


class FuzzyIndex:
    """Documents (normalised strings) of one kind of entry; several per entry (aliases).

    Each scope (guild) has its own shard, so an entry is only ever ranked for the scopes
    that may see it, and a big server cannot crowd the global entries out of the candidates.
    With `label_joins_text`, the label given to `put` is a prefix (a speaker) and the entry
    is labelled "prefix: first text", without holding that text twice.
    """

    def __init__(
        self,
        scorer: Scorer,
        adjust: Adjust,
        *,
        tokens: Literal["trigrams", "words"] = "trigrams",
        full_scan_below: int = 250,
        posting_budget: int = 3_500,
        rerank: int = 80,
        label_joins_text: bool = False,
    ) -> None:
        self._scorer = scorer
        self._adjust = adjust
        self._words = tokens == "words"
        self._full_scan_below = full_scan_below
        self._posting_budget = posting_budget
        self._rerank = rerank
        self._joins = label_joins_text
        self._shards: dict[int, _Shard] = {}
        self._scope_of: dict[EntryRef, int] = {}
        self._labels: dict[EntryRef, str] = {}

    def __len__(self) -> int:
        return len(self._scope_of)

    def __contains__(self, ref: EntryRef) -> bool:
        return ref in self._scope_of

    def refs(self, scopes: Iterable[int]) -> list[EntryRef]:
        return [
            ref for scope in dict.fromkeys(scopes) if (shard := self._shards.get(scope))
            for ref in shard.refs
        ]

    def label(self, ref: EntryRef) -> str:
        label = self._labels[ref]
        if self._joins:
            shard = self._shards[self._scope_of[ref]]
            return f"{label}: {shard.display[shard.refs[ref]]}"
        return label

    def first_labels(self, scopes: Iterable[int], limit: int) -> list[str]:
        """The alphabetically first labels (the empty autocomplete box), without sorting
        every label on each call: each shard keeps a sorted list once asked for one."""
        lists = []
        for scope in dict.fromkeys(scopes):
            shard = self._shards.get(scope)
            if shard is None:
                continue
            if shard.labels is None:
                shard.labels = sorted(map(self.label, shard.refs))
            lists.append(shard.labels)
        return list(islice(merge(*lists), limit))

    # ---- changes, in place ----------------------------------------------------------------

    def put(self, ref: EntryRef, label: str, texts: Iterable[str], scope: int = GLOBAL) -> None:
        """Add an entry under the strings that find it, or replace what was indexed for it."""
        if ref in self._scope_of:
            self.remove(ref)
        shard = self._shards.get(scope)
        if shard is None:
            shard = self._shards[scope] = _Shard()
        first = len(shard.texts)
        seen: set[str] = set()
        postings, words = shard.postings, self._words
        for text in texts:
            norm = fast_normalize(text)
            if not norm or norm in seen:
                continue
            seen.add(norm)
            slot = len(shard.texts)
            shard.texts.append(norm)
            shard.display.append(text)
            shard.slot_ref.append(ref)
            tokens = set(norm.split()) if words else _trigrams(norm)
            if not postings.keys() >= tokens:  # some are new (checked in C)
                for token in tokens:
                    if token not in postings:
                        postings[token] = array("I")
                        if words:
                            self._learn(shard, token)
            # Append the slot to every token's posting in one loop in C (start-up time).
            any(map(_append, map(postings.__getitem__, tokens), repeat(slot)))
            if shard.by_text is not None:
                insort(shard.by_text, slot, key=shard.texts.__getitem__)
        if len(shard.texts) == first:
            return
        shard.refs[ref] = first
        self._scope_of[ref] = scope
        self._labels[ref] = sys.intern(label) if self._joins else label
        if shard.labels is not None:
            insort(shard.labels, self.label(ref))

    def _learn(self, shard: _Shard, word: str) -> None:
        """A word seen for the first time: findable with a typo, and while being typed."""
        insort(shard.vocabulary, word)
        if len(word) < MIN_TYPO_WORD - 1:
            return
        deletes = shard.deletes
        for variant in _deletes(word):
            known = deletes.get(variant)
            if known is None:
                deletes[variant] = word
            elif isinstance(known, str):
                deletes[variant] = [known, word]
            else:
                known.append(word)

    def remove(self, ref: EntryRef) -> None:
        scope = self._scope_of.get(ref)
        if scope is None:
            return
        shard = self._shards[scope]
        if shard.labels is not None:
            label = self.label(ref)
            at = bisect_left(shard.labels, label)
            if at < len(shard.labels) and shard.labels[at] == label:
                del shard.labels[at]
        slots = shard.slots(ref)
        del self._scope_of[ref], self._labels[ref], shard.refs[ref]
        for slot in slots:  # postings keep the slot until compaction; search skips it
            if shard.by_text is not None:
                by_text, texts = shard.by_text, shard.texts
                at = bisect_left(by_text, texts[slot], key=texts.__getitem__)
                while at < len(by_text) and by_text[at] != slot and texts[by_text[at]] == \
                        texts[slot]:
                    at += 1
                if at < len(by_text) and by_text[at] == slot:
                    del by_text[at]
            shard.slot_ref[slot] = None
            shard.texts[slot] = ""
            shard.display[slot] = ""
        shard.dead += len(slots)
        if shard.dead > 1_000 and shard.dead > shard.live() // 4:
            self._compact(shard)

    def compact(self) -> None:
        """Drop removed slots from every posting (also done by itself as removals pile up)."""
        for shard in self._shards.values():
            self._compact(shard)

    @staticmethod
    def _compact(shard: _Shard) -> None:
        # Slots keep their numbers (a removed one stays an empty string), so this is one
        # pass over the postings in C, not a rebuild.
        alive = bytearray(ref is not None for ref in shard.slot_ref)
        postings = shard.postings
        for token, posting in list(postings.items()):
            kept = array("I", filter(alive.__getitem__, posting))
            if kept:
                postings[token] = kept
            else:
                del postings[token]
        shard.dead = 0

    # ---- search ---------------------------------------------------------------------------

    def search(self, query: str, scopes: Iterable[int] = (GLOBAL,), limit: int = 10, *,
               quick: bool = False) -> list[Hit]:
        """Best hits first, one per entry. Never raises on any string. `quick` (for
        autocomplete, on every keystroke) ranks fewer candidates."""
        norm = fast_normalize_query(query) if isinstance(query, str) else ""
        if not norm:
            return []
        parsed = _Query(norm, norm.split(), quick)
        best: dict[EntryRef, Hit] = {}
        for scope in dict.fromkeys(scopes):
            shard = self._shards.get(scope)
            if shard is not None and shard.refs:
                self._rank(shard, parsed, limit, best)
        hits = sorted(best.values(), key=lambda h: (-h.score, len(h.matched), h.label))
        return hits[:limit]

    def prefixed(self, prefix: str, scopes: Iterable[int] = (GLOBAL,), limit: int = 25
                 ) -> list[Hit]:
        """Entries whose name (or alias) begins with `prefix`, alphabetically, then those
        with a later word that does: what a few letters typed into autocomplete mean when
        they are spelt right, found by bisecting a sorted list, without fuzzy matching."""
        norm = fast_normalize_query(prefix) if isinstance(prefix, str) else ""
        if not norm:
            return []
        found: dict[EntryRef, Hit] = {}
        for scope in dict.fromkeys(scopes):
            shard = self._shards.get(scope)
            if shard is None:
                continue
            texts = shard.texts
            if shard.by_text is None:
                shard.by_text = array("I", sorted(
                    (slot for slot, text in enumerate(texts) if text), key=texts.__getitem__))
            by_text = shard.by_text
            at = bisect_left(by_text, norm, key=texts.__getitem__)
            end = bisect_right(by_text, norm + "\U0010ffff", at,
                               min(len(by_text), at + limit * 4), key=texts.__getitem__)
            slots = list(by_text[at:end])
            if len(slots) < limit and not self._words and len(norm) >= 2:
                # Too few names begin with it: names with a later word that does, among
                # those holding the rarest of its trigrams.
                start = " " + norm
                grams = [start[:3], *(norm[i : i + 3] for i in range(len(norm) - 2))]
                posting = min((shard.postings.get(g, ()) for g in grams), key=len)
                slots += [slot for slot in islice(posting, limit * 8)
                          if start in f" {texts[slot]}" and not texts[slot].startswith(norm)
                          ][: limit - len(slots)]
            for slot in slots:
                ref = shard.slot_ref[slot]
                if ref is not None and ref not in found:
                    found[ref] = Hit(ref, 90.0, self.label(ref), shard.display[slot])
        return list(found.values())[:limit]

    def _rank(self, shard: _Shard, query: _Query, limit: int, best: dict[EntryRef, Hit]) -> None:
        if shard.live() <= self._full_scan_below:
            slots: Sequence[int] = range(len(shard.texts))
            texts = shard.texts
        else:
            slots = (self._fragment_candidates(shard, query) if self._words
                     else self._name_candidates(shard, query))
            texts = [shard.texts[s] for s in slots]
        if not slots:
            return
        norm = query.norm
        ranked = process.extract(
            norm, texts, scorer=self._scorer, processor=None, limit=max(limit * 2, 10)
        )
        slot_ref, labels, display, joins = shard.slot_ref, self._labels, shard.display, self._joins
        for text, score, pos in ranked:
            slot = slots[pos]
            ref = slot_ref[slot]
            if ref is None:
                continue
            score = self._adjust(norm, text, float(score))
            if ref not in best or score > best[ref].score:
                label = f"{labels[ref]}: {display[shard.refs[ref]]}" if joins else labels[ref]
                best[ref] = Hit(ref, score, label, display[slot])

    # ---- candidates: names ------------------------------------------------------------------

    def _name_candidates(self, shard: _Shard, query: _Query) -> list[int]:
        if query.grams is None:
            query.grams = _trigrams(query.norm)
        postings = shard.postings
        groups = sorted((p for gram in query.grams if (p := postings.get(gram))), key=len)
        if query.quick:
            return _top_counted(shard, groups, self._posting_budget * 2 // 3, self._rerank // 2)
        return _top_counted(shard, groups, self._posting_budget, self._rerank)

    # ---- candidates: statement fragments ------------------------------------------------------

    def _fragment_candidates(self, shard: _Shard, query: _Query) -> list[int]:
        words, postings = query.words, shard.postings
        rerank = self._rerank // 3 if query.quick else self._rerank
        sizes: dict[str, int] = {}
        for loose in (False,) if query.quick else (False, True):
            # First each known word as itself; then, if no document holds that phrase,
            # every word of 3+ letters may be misspelt, even into another real word.
            options = _word_options(shard, words, loose)
            sizes = {w: sum(len(postings[o]) for o in found) for w, found in options.items()
                     if found}
            if not sizes:
                return []
            most = SCAN_QUICK if query.quick else SCAN_LOOSE if loose else SCAN_MOST
            anchors = sizes
            if query.quick and len(sizes) > 1 and words.count(words[-1]) == 1:
                # Being typed, the last word may be the start of a longer one ("rem" of
                # "remain"): its own documents cannot stand for the phrase's.
                anchors = {w: n for w, n in sizes.items() if w != words[-1]} or sizes
            phrased = _phrase_matches(shard, words, options,
                                      min(anchors, key=anchors.__getitem__), most)
            if phrased:
                return _alive(shard, phrased, rerank)
        groups: list[Sequence[int]] = []
        for word in sorted(sizes, key=sizes.__getitem__):
            lists = [postings[o] for o in options[word]]
            if len(lists) == 1:
                groups.append(lists[0])
            elif sizes[word] <= self._posting_budget:
                groups.append(sorted(set().union(*lists)))
            else:  # too common to count anyway: its most frequent word stands for it
                groups.append(max(lists, key=len))
        groups.sort(key=len)
        counted = _top_counted(shard, groups, self._posting_budget, rerank * 4)
        if len(counted) <= rerank:
            return counted
        # Many documents hold the rarer words: those that also have pairs of the query's
        # words side by side (common words included) come first.
        pairs = [f" {a} {b} " for a, b in pairwise(words)]
        if pairs:
            pairs[-1] = pairs[-1].rstrip()  # the last word may be unfinished
        texts = shard.texts
        score = {s: sum(p in f" {texts[s]} " for p in pairs) for s in counted}
        counted.sort(key=score.__getitem__, reverse=True)  # stable: counts break ties
        return counted[:rerank]


def _word_options(shard: _Shard, words: list[str], loose: bool = False
                  ) -> dict[str, list[str]]:
    """Per query word, the vocabulary words it may stand for: itself, else the words one
    typo away (two for long words); the word being typed (the last) also by the words it
    begins, unless it is a word itself. `loose`: a real word may be a typo too, if it has
    4+ letters, or 3 and is not in every twentieth document ("the", "for" stay)."""
    postings, deletes, vocabulary = shard.postings, shard.deletes, shard.vocabulary
    options: dict[str, list[str]] = {}
    last = words[-1]
    shortest = MIN_TYPO_WORD - 1 if loose else MIN_TYPO_WORD  # "teh" is no word: a typo
    for word in words:
        if word in options:
            continue
        known_word = word in postings
        if known_word and (not loose or len(word) < MIN_TYPO_WORD - 1 or (
                len(word) < MIN_TYPO_WORD and len(postings[word]) * 20 > len(shard.texts))):
            options[word] = [word]
            continue
        found: dict[str, None] = {word: None} if known_word else {}
        if len(word) >= shortest:
            variants = _deletes(word)
            for variant in variants:
                known = deletes.get(variant)
                if known is not None:
                    found.update(dict.fromkeys((known,) if isinstance(known, str) else known))
            if len(found) <= known_word and len(word) >= 6:  # two typos in one long word
                for variant in {v for d in variants for v in _deletes(d)}:
                    known = deletes.get(variant)
                    if known is not None:
                        found.update(dict.fromkeys((known,) if isinstance(known, str) else known))
        if word == last and len(word) >= 3 and not known_word:
            at = bisect_left(vocabulary, word)
            for other in vocabulary[at : at + PREFIX_WORDS]:
                if not other.startswith(word):
                    break
                found[other] = None
        options[word] = [w for w in found if w in postings]
    return options


def _phrase_matches(shard: _Shard, words: list[str], options: dict[str, list[str]],
                    anchor: str, most: int) -> list[int]:
    """Documents of the anchor word (the rarest) holding the query word for word, each
    word spelled as itself or one of its stand-ins. The last word may be unfinished, and
    `in` finds it as the start of a longer word too."""
    if not all(options[w] for w in words):
        return []
    spellings = [options[w] for w in words]
    last = words[-1]
    if last not in options[last]:  # an unfinished word: its start, or a misspelt word
        spellings[-1] = [last, *(w for w in options[last] if not w.startswith(last))]
    postings, texts = shard.postings, shard.texts
    docs: list[int] = []
    for word in options[anchor]:  # the word itself first, if it is one
        docs.extend(postings[word][:most])
    if len(words) == 1:  # the documents of its word (or stand-ins) are the phrase's
        return list(dict.fromkeys(docs[:most]))
    if len(options[anchor]) > 1:
        docs.sort()
        del docs[most:]
    # The longest run of words spelled one way only must be there as it is: a cheap `in`
    # that leaves few documents for the phrase itself.
    runs, run = [], []
    for spelled in spellings:
        if len(spelled) == 1:
            run.append(spelled[0])
        else:
            runs.append(" ".join(run))
            run = []
    runs.append(" ".join(run))
    must = max(runs, key=len)
    if len(must) >= 4 and len(runs) > 1:
        docs = [s for s in docs if must in texts[s]]
    count = 1
    for spelled in spellings:
        count *= len(spelled)
    if count <= MAX_PHRASES:
        found: set[int] = set()
        for phrase in map(" ".join, product(*spellings)):
            found.update(s for s in docs if phrase in texts[s])
        return sorted(found)
    pattern = re.compile(" ".join(
        "(?:" + "|".join(map(re.escape, spelled)) + ")" for spelled in spellings))
    search = pattern.search
    return [s for s in docs if search(texts[s])]


def _top_counted(shard: _Shard, groups: list[Sequence[int]], budget: int, rerank: int
                 ) -> list[int]:
    """The documents found in most of the smallest groups (ascending by size)."""
    if not groups:
        return []
    if len(groups[0]) > budget:
        # Only common tokens: some documents holding all of them, as far as that narrows
        # (membership by bisecting, so a huge posting is never walked).
        found = list(groups[0][: rerank * 8])
        for group in groups[1:4]:
            size = len(group)
            narrowed = [s for s in found if (at := bisect_left(group, s)) < size
                        and group[at] == s]
            if narrowed:
                found = narrowed
            if len(found) <= rerank:
                break
        return _alive(shard, found, rerank)
    # Rare tokens first: they say most about which documents match; common ones
    # (beyond the budget) would only add to every document's count.
    counts: Counter[int] = Counter()
    total = 0
    for group in groups:
        if total + len(group) > budget:
            break
        counts.update(group)
        total += len(group)
    if len(counts) <= rerank:
        return _alive(shard, list(counts), rerank)
    # The documents with the highest counts, without sorting them all: find the count
    # that lets enough through, then one pass at C speed.
    histogram = sorted(Counter(counts.values()).items(), reverse=True)
    enough, threshold = 0, 1
    for threshold, how_many in histogram:  # noqa: B007
        enough += how_many
        if enough >= rerank:
            break
    # (compress/map keep the pass over every counted document in C)
    top = list(compress(counts, map(threshold.__le__, counts.values())))
    if len(top) > rerank:
        above = [slot for slot in top if counts[slot] > threshold]
        top = above + [slot for slot in top if counts[slot] == threshold][: rerank - len(above)]
    return _alive(shard, top, rerank)


def _alive(shard: _Shard, slots: Iterable[int], most: int) -> list[int]:
    slot_ref = shard.slot_ref
    return [s for s in slots if slot_ref[s] is not None][:most]


def name_index(**kwargs: Any) -> FuzzyIndex:
    """Names and aliases: WRatio copes with typos, partial names and word order."""
    return FuzzyIndex(fuzz.WRatio, _name_adjust, **kwargs)


def text_index(**kwargs: Any) -> FuzzyIndex:
    """Statement text: partial_ratio finds a fragment anywhere in a statement; candidates
    come from word postings, typo-tolerant through the vocabulary."""
    return FuzzyIndex(fuzz.partial_ratio, _fragment_adjust, tokens="words", **kwargs)
