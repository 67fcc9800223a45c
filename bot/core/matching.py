"""The in-memory fuzzy index: postings find candidates, rapidfuzz ranks them.

Scanning every string with rapidfuzz on every keystroke does not scale (see
shared/design/matching-performance.md and bench/), so each kind of entry has a
`FuzzyIndex`, split into one shard per scope (guild). A shard of at most
`full_scan_below` documents is ranked whole. A bigger one first picks candidates:

- names: trigram postings (`array('I')` of ascending slots), so typos, "deblasio" for
  "de blasio" and partial names share most trigrams with what they mean;
- statements: word postings, typo-tolerant through the vocabulary (symmetric deletes:
  a word one edit away, or two for long words, stands in for a misspelt one) and
  completing the word being typed (a sorted vocabulary);

counting the query's tokens rarest first within `posting_budget` postings (common
tokens only break ties, by bisecting their postings), then ranks at most `rerank`
candidates with the scorer (WRatio for names, partial_ratio for fragments) on strings
normalised once at build time. Entries are added, replaced and removed in place, so a
moderator's change is visible to the next lookup without a rebuild; removed slots stay
in the postings until a compaction (one pass in C over the postings) drops them.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from bot.core.text import normalize, normalize_query

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
    return score


def _trigrams(norm: str) -> set[str]:
    padded = f" {norm} "
    return set(map("".join, zip(padded, padded[1:], padded[2:], strict=False)))


def _deletes(word: str) -> set[str]:
    """The word and every string one deletion away (symmetric-delete typo matching)."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


MIN_TYPO_WORD = 4  # shorter words are matched exactly (a typo'd "of" is just noise)
PREFIX_WORDS = 40  # at most this many vocabulary words complete a word being typed


class _Shard:
    """The documents of one scope: slots, postings and, for words, the vocabulary."""

    __slots__ = ("dead", "deletes", "display", "postings", "refs", "slot_ref", "texts",
                 "vocabulary")

    def __init__(self) -> None:
        self.texts: list[str] = []  # normalised; "" once removed
        self.display: list[str] = []
        self.slot_ref: list[EntryRef | None] = []
        self.refs: dict[EntryRef, list[int]] = {}
        self.postings: dict[str, array] = {}  # trigram or word -> ascending slots
        self.deletes: dict[str, str | list[str]] = {}  # words only: delete-variant -> words
        self.vocabulary: list[str] = []  # words only: sorted, for words being typed
        self.dead = 0

    def live(self) -> int:
        return len(self.texts) - self.dead


class FuzzyIndex:
    """Documents (normalised strings) of one kind of entry; several per entry (aliases).

    Each scope (guild) has its own shard, so an entry is only ever ranked for the scopes
    that may see it, and a big server cannot crowd the global entries out of the candidates.
    """

    def __init__(
        self,
        scorer: Scorer,
        adjust: Adjust,
        *,
        tokens: Literal["trigrams", "words"] = "trigrams",
        full_scan_below: int = 250,
        posting_budget: int = 6_000,
        rerank: int = 200,
    ) -> None:
        self._scorer = scorer
        self._adjust = adjust
        self._words = tokens == "words"
        self._full_scan_below = full_scan_below
        self._posting_budget = posting_budget
        self._rerank = rerank
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
        return self._labels[ref]

    # ---- changes, in place ----------------------------------------------------------------

    def put(self, ref: EntryRef, label: str, texts: Iterable[str], scope: int = GLOBAL) -> None:
        """Add an entry under the strings that find it, or replace what was indexed for it."""
        self.remove(ref)
        shard = self._shards.get(scope)
        if shard is None:
            shard = self._shards[scope] = _Shard()
        slots: list[int] = []
        seen: set[str] = set()
        postings = shard.postings
        for text in texts:
            norm = normalize(text)
            if not norm or norm in seen:
                continue
            seen.add(norm)
            slot = len(shard.texts)
            shard.texts.append(norm)
            shard.display.append(text)
            shard.slot_ref.append(ref)
            for token in set(norm.split()) if self._words else _trigrams(norm):
                posting = postings.get(token)
                if posting is None:
                    posting = postings[token] = array("I")
                    if self._words:
                        self._learn(shard, token)
                posting.append(slot)
            slots.append(slot)
        if slots:
            shard.refs[ref] = slots
            self._scope_of[ref] = scope
            self._labels[ref] = label

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
        scope = self._scope_of.pop(ref, None)
        self._labels.pop(ref, None)
        if scope is None:
            return
        shard = self._shards[scope]
        slots = shard.refs.pop(ref)
        for slot in slots:  # postings keep the slot until compaction; search skips it
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

    def search(self, query: str, scopes: Iterable[int] = (GLOBAL,), limit: int = 10) -> list[Hit]:
        """Best hits first, one per entry. Never raises on any string."""
        norm = normalize_query(query) if isinstance(query, str) else ""
        if not norm:
            return []
        best: dict[EntryRef, Hit] = {}
        for scope in dict.fromkeys(scopes):
            shard = self._shards.get(scope)
            if shard is not None and shard.refs:
                self._rank(shard, norm, limit, best)
        hits = sorted(best.values(), key=lambda h: (-h.score, len(h.matched), h.label))
        return hits[:limit]

    def _rank(self, shard: _Shard, norm: str, limit: int, best: dict[EntryRef, Hit]) -> None:
        if shard.live() <= self._full_scan_below:
            slots: Sequence[int] = range(len(shard.texts))
            texts = shard.texts
        else:
            slots = self._candidates(shard, norm)
            texts = [shard.texts[s] for s in slots]
        if not slots:
            return
        ranked = process.extract(
            norm, texts, scorer=self._scorer, processor=None, limit=max(limit * 4, 20)
        )
        slot_ref, labels, display = shard.slot_ref, self._labels, shard.display
        for text, score, pos in ranked:
            slot = slots[pos]
            ref = slot_ref[slot]
            if ref is None:
                continue
            score = self._adjust(norm, text, float(score))
            if ref not in best or score > best[ref].score:
                best[ref] = Hit(ref, score, labels[ref], display[slot])

    def _candidates(self, shard: _Shard, norm: str) -> list[int]:
        groups = (self._word_groups(shard, norm, self._posting_budget) if self._words
                  else self._gram_groups(shard, norm))
        if not groups:
            return []
        groups.sort(key=len)
        rerank, budget = self._rerank, self._posting_budget
        if len(groups[0]) > budget:
            # Only common tokens: documents holding all of them, as far as that narrows.
            found = set(groups[0])
            for group in groups[1:4]:
                narrowed = found.intersection(group)
                if narrowed:
                    found = narrowed
                if len(found) <= rerank:
                    break
            return _alive(shard, sorted(found)[: rerank * 2], rerank)
        # Rare tokens first: they say most about which documents match; common ones
        # (beyond the budget) would only add to every document's count.
        counts: Counter[int] = Counter()
        total = 0
        used = 0
        for group in groups:
            if total + len(group) > budget:
                break
            counts.update(group)
            total += len(group)
            used += 1
        if len(counts) <= rerank:
            return _alive(shard, list(counts), rerank)
        # The documents with the highest counts, without sorting them all: find the count
        # that lets enough through, then one pass in C-speed comprehension.
        histogram = sorted(Counter(counts.values()).items(), reverse=True)
        enough, threshold = 0, 1
        for threshold, how_many in histogram:  # noqa: B007
            enough += how_many
            if enough >= rerank:
                break
        top = [slot for slot, n in counts.items() if n > threshold]
        tied = [slot for slot, n in counts.items() if n == threshold]
        if len(top) + len(tied) > rerank * 2 and used < len(groups):
            # Too many ties: the common tokens left out of the count break them.
            tied = tied[: rerank * 4]
            score = dict.fromkeys(tied, 0)
            for group in groups[used : used + 3]:
                size = len(group)
                for slot in tied:
                    at = bisect_left(group, slot)
                    if at < size and group[at] == slot:
                        score[slot] += 1
            tied.sort(key=score.__getitem__, reverse=True)
        top += tied[: rerank * 2 - len(top)]
        return _alive(shard, top, rerank * 2)

    @staticmethod
    def _gram_groups(shard: _Shard, norm: str) -> list[Sequence[int]]:
        postings = shard.postings
        return [p for gram in _trigrams(norm) if (p := postings.get(gram))]

    @staticmethod
    def _word_groups(shard: _Shard, norm: str, budget: int) -> list[Sequence[int]]:
        """Per query word, the documents holding it, a word one typo away, or (for the
        word being typed) a word it begins."""
        postings, deletes, vocabulary = shard.postings, shard.deletes, shard.vocabulary
        words = norm.split()
        groups: list[Sequence[int]] = []
        for i, word in enumerate(dict.fromkeys(words)):
            found: set[str] = set()
            if word in postings:
                found.add(word)
            elif len(word) >= MIN_TYPO_WORD:
                variants = _deletes(word)
                for variant in variants:
                    known = deletes.get(variant)
                    if known is not None:
                        found.update((known,) if isinstance(known, str) else known)
                if not found and len(word) >= 6:  # two typos in one long word
                    for variant in {v for d in variants for v in _deletes(d)}:
                        known = deletes.get(variant)
                        if known is not None:
                            found.update((known,) if isinstance(known, str) else known)
            if i == len(words) - 1 and len(word) >= 3 and not found:
                at = bisect_left(vocabulary, word)
                for other in vocabulary[at : at + PREFIX_WORDS]:
                    if not other.startswith(word):
                        break
                    found.add(other)
            lists = [p for w in found if (p := postings.get(w))]
            if len(lists) == 1:
                groups.append(lists[0])
            elif lists and sum(map(len, lists)) <= budget:
                groups.append(sorted(set().union(*lists)))
            elif lists:  # too common to count anyway: its most frequent word stands for it
                groups.append(max(lists, key=len))
        return groups


def _alive(shard: _Shard, slots: list[int], most: int) -> list[int]:
    slot_ref = shard.slot_ref
    return [s for s in slots if slot_ref[s] is not None][:most]


def name_index(**kwargs: int) -> FuzzyIndex:
    """Names and aliases: WRatio copes with typos, partial names and word order."""
    return FuzzyIndex(fuzz.WRatio, _name_adjust, **kwargs)


def text_index(**kwargs: int) -> FuzzyIndex:
    """Statement text: partial_ratio finds a fragment anywhere in a statement; candidates
    come from word postings, typo-tolerant through the vocabulary."""
    return FuzzyIndex(fuzz.partial_ratio, _fragment_adjust, tokens="words", **kwargs)
