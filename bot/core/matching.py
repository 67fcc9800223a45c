"""The in-memory fuzzy index: trigram postings find candidates, rapidfuzz ranks them.

Scanning every string with rapidfuzz on every keystroke does not scale (see
shared/design/matching-performance.md), so each kind of entry has a `FuzzyIndex`:
small corpora are ranked whole; large ones first collect the documents that share the
query's rarest trigrams, then rank only those. Entries are added, replaced and removed
in place, so a moderator's change is visible to the next lookup without a rebuild.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterable
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
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class FuzzyIndex:
    """Documents (normalised strings) of one kind of entry; several per entry (aliases)."""

    def __init__(
        self,
        scorer: Scorer,
        adjust: Adjust,
        *,
        full_scan_below: int = 2_000,
        posting_budget: int = 6_000,
        rerank: int = 200,
    ) -> None:
        self._scorer = scorer
        self._adjust = adjust
        self._full_scan_below = full_scan_below
        self._posting_budget = posting_budget
        self._rerank = rerank
        self._texts: list[str] = []
        self._slot_ref: list[EntryRef | None] = []
        self._slot_scope: list[int] = []
        self._slots_of: dict[EntryRef, list[int]] = {}
        self._labels: dict[EntryRef, str] = {}
        self._display: list[str] = []
        self._postings: dict[str, array] = {}
        self._dead = 0

    def __len__(self) -> int:
        return len(self._slots_of)

    def __contains__(self, ref: EntryRef) -> bool:
        return ref in self._slots_of

    def refs(self, scopes: Iterable[int]) -> list[EntryRef]:
        allowed = set(scopes)
        return [
            ref for ref, slots in self._slots_of.items() if self._slot_scope[slots[0]] in allowed
        ]

    def label(self, ref: EntryRef) -> str:
        return self._labels[ref]

    def put(self, ref: EntryRef, label: str, texts: Iterable[str], scope: int = GLOBAL) -> None:
        """Add an entry under the strings that find it, or replace what was indexed for it."""
        self.remove(ref)
        slots: list[int] = []
        seen: set[str] = set()
        for text in texts:
            norm = normalize(text)
            if not norm or norm in seen:
                continue
            seen.add(norm)
            slot = len(self._texts)
            self._texts.append(norm)
            self._display.append(text)
            self._slot_ref.append(ref)
            self._slot_scope.append(scope)
            for gram in _trigrams(norm):
                self._postings.setdefault(gram, array("I")).append(slot)
            slots.append(slot)
        if slots:
            self._slots_of[ref] = slots
            self._labels[ref] = label

    def remove(self, ref: EntryRef) -> None:
        slots = self._slots_of.pop(ref, None)
        self._labels.pop(ref, None)
        if not slots:
            return
        for slot in slots:  # postings keep the slot; dead slots are skipped when ranking
            self._slot_ref[slot] = None
            self._texts[slot] = ""
        self._dead += len(slots)
        if self._dead > 1_000 and self._dead > len(self._texts) // 4:
            self._compact()

    def _compact(self) -> None:
        entries = [
            (ref, self._labels[ref], [self._display[s] for s in slots], self._slot_scope[slots[0]])
            for ref, slots in self._slots_of.items()
        ]
        self.__init__(  # type: ignore[misc]
            self._scorer,
            self._adjust,
            full_scan_below=self._full_scan_below,
            posting_budget=self._posting_budget,
            rerank=self._rerank,
        )
        for ref, label, texts, scope in entries:
            self.put(ref, label, texts, scope)

    def _candidates(self, query: str) -> Iterable[int]:
        if len(self._texts) - self._dead <= self._full_scan_below:
            return range(len(self._texts))
        lists = sorted(
            (posting for gram in _trigrams(query) if (posting := self._postings.get(gram))),
            key=len,
        )
        counts: Counter[int] = Counter()
        total = 0
        for i, posting in enumerate(lists):
            # Rare trigrams first: they say most about which documents match. Stop once the
            # budget is spent, but always use a few so that one typo cannot hide the answer.
            if i >= 3 and total + len(posting) > self._posting_budget:
                break
            counts.update(posting)
            total += len(posting)
        return [slot for slot, _ in counts.most_common(self._rerank * 2)]

    def search(self, query: str, scopes: Iterable[int] = (GLOBAL,), limit: int = 10) -> list[Hit]:
        """Best hits first, one per entry. Never raises on any string."""
        norm = normalize_query(query) if isinstance(query, str) else ""
        if not norm:
            return []
        allowed = set(scopes)
        slots = [
            s
            for s in self._candidates(norm)
            if self._slot_ref[s] is not None and self._slot_scope[s] in allowed
        ][: max(self._rerank, self._full_scan_below)]
        if not slots:
            return []
        texts = [self._texts[s] for s in slots]
        ranked = process.extract(
            norm, texts, scorer=self._scorer, processor=None, limit=max(limit * 4, 20)
        )
        best: dict[EntryRef, Hit] = {}
        for _text, score, pos in ranked:
            slot = slots[pos]
            ref = self._slot_ref[slot]
            assert ref is not None
            score = self._adjust(norm, self._texts[slot], float(score))
            if ref not in best or score > best[ref].score:
                best[ref] = Hit(ref, score, self._labels[ref], self._display[slot])
        hits = sorted(best.values(), key=lambda h: (-h.score, len(h.matched), h.label))
        return hits[:limit]

def name_index(**kwargs: int) -> FuzzyIndex:
    """Names and aliases: WRatio copes with typos, partial names and word order."""
    return FuzzyIndex(fuzz.WRatio, _name_adjust, **kwargs)


def text_index(**kwargs: int) -> FuzzyIndex:
    """Statement text: partial_ratio finds a fragment anywhere in a statement."""
    return FuzzyIndex(fuzz.partial_ratio, _fragment_adjust, **kwargs)
