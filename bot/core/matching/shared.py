"""An index of entries under texts that many of them share: where and when a statement was
said ("in a statement", "Monday").

A `FuzzyIndex` holds a slot, a dict entry and an `EntryRef` per entry and text: about
180 MB for a million statements said in a handful of places and days. Here each distinct
text is one document of an inner `FuzzyIndex` (ranked as any other), and lists the ids of
the entries put under it in an `array('q')`; an entry costs one packed int (its texts'
numbers) in an array indexed by id, and about 8 bytes per text.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from typing import Any

from bot.core.matching.ids import ABSENT as _ABSENT
from bot.core.matching.ids import IdMap
from bot.core.matching.index import FuzzyIndex, text_index
from bot.core.matching.model import GLOBAL, EntryKind, EntryRef, Hit
from bot.core.matching.normalizing import fast_normalize

_BITS = 31  # two text numbers fit one int64 (each stored plus one, 0 for none)
_MASK = (1 << _BITS) - 1
_STALE_MOST = 1_000  # ids of removed entries a text keeps before it is cleaned


def _pack(numbers: list[int]) -> int | tuple[int, ...]:
    if len(numbers) <= 2:
        return sum((n + 1) << (_BITS * i) for i, n in enumerate(numbers))
    return tuple(numbers)


class SharedTextIndex:
    """`FuzzyIndex`'s methods and answers for entries whose texts repeat across entries:
    one hit per entry, best first, labelled "" (they are found by these texts and named by
    another index); among entries under one text, the first put come first."""

    def __init__(self, **kwargs: Any) -> None:
        self._texts: FuzzyIndex = text_index(**kwargs)  # its refs' ids are text numbers
        # (kind, scope, text as given) -> its number; -1 for a text that normalises to ""
        self._numbers: dict[tuple[str, int, str], int] = {}
        self._keys: list[tuple[str, int, str]] = []  # by number
        self._norms: list[str] = []
        self._members: list[array] = []  # ids put under the text (some since removed)
        self._live = array("q")  # how many of them are still there
        self._by_scope: dict[int, list[int]] = {}  # scope -> its text numbers
        self._entries: dict[str, IdMap] = {}  # kind -> id -> packed text numbers
        self._many: dict[tuple[str, int], tuple[int, ...]] = {}  # entries of 3+ texts

    def __len__(self) -> int:
        return sum(map(len, self._entries.values()))

    def __contains__(self, ref: EntryRef) -> bool:
        ids = self._entries.get(ref.kind)
        return ids is not None and ids.get(ref.id) >= 0

    def _numbers_of(self, kind: str, id_: int) -> tuple[int, ...]:
        ids = self._entries.get(kind)
        packed = _ABSENT if ids is None else ids.get(id_)
        if packed < 0:
            return ()
        if packed == _MASK + 1 and (kind, id_) in self._many:  # never a real pair: see put
            return self._many[(kind, id_)]
        first, second = (packed & _MASK) - 1, (packed >> _BITS) - 1
        return (first,) if second < 0 else (first, second)

    def label(self, ref: EntryRef) -> str:
        if ref not in self:
            raise KeyError(ref)
        return ""

    def first_entries(self, scopes: Iterable[int], limit: int) -> list[tuple[str, EntryRef]]:
        found: dict[EntryRef, None] = {}
        for scope in dict.fromkeys(scopes):
            for number in self._by_scope.get(scope, ()):
                kind = self._keys[number][0]
                found.update(dict.fromkeys(EntryRef(kind, id_)  # type: ignore[arg-type]
                                           for id_ in self._live_members(number)))
        return [("", ref) for ref in sorted(found)[:limit]]

    def first_labels(self, scopes: Iterable[int], limit: int) -> list[str]:
        return [label for label, _ in self.first_entries(scopes, limit)]

    def defer_postings(self) -> None:
        self._texts.defer_postings()

    def warm(self) -> None:
        self._texts.warm()

    def scopes(self) -> set[int]:
        return {scope for scope, numbers in self._by_scope.items()
                if any(self._live[n] for n in numbers)}

    # ---- changes ----------------------------------------------------------------------------

    def put(self, ref: EntryRef, label: str, texts: Iterable[str], scope: int = GLOBAL) -> None:
        """Add an entry under its texts, or replace what was indexed for it (`label` is not
        kept: such entries are named by another index)."""
        self.remove(ref)
        kind, numbers, seen = ref.kind, [], set()
        for text in texts:
            key = (kind, scope, text)
            number = self._numbers.get(key)
            if number is None:
                number = self._new_text(key)
            if number < 0 or self._norms[number] in seen:
                continue
            seen.add(self._norms[number])
            numbers.append(number)
        if not numbers:
            return
        for number in numbers:
            if not self._live[number]:  # indexed again after its last entry went
                self._texts.put(EntryRef(kind, number), "", (self._keys[number][2],), scope)
            self._live[number] += 1
            self._members[number].append(ref.id)
        ids = self._entries.get(kind)
        if ids is None:
            ids = self._entries[kind] = IdMap()
        packed = _pack(numbers)
        if isinstance(packed, tuple):  # rare: stands in the array as an impossible pair
            self._many[(kind, ref.id)] = packed
            ids.set(ref.id, _MASK + 1)
        else:
            ids.set(ref.id, packed)

    def _new_text(self, key: tuple[str, int, str]) -> int:
        norm = fast_normalize(key[2])
        if not norm:
            self._numbers[key] = _ABSENT
            return _ABSENT
        number = self._numbers[key] = len(self._keys)
        self._keys.append(key)
        self._norms.append(norm)
        self._members.append(array("q"))
        self._live.append(0)
        self._by_scope.setdefault(key[1], []).append(number)
        return number

    def remove(self, ref: EntryRef) -> None:
        numbers = self._numbers_of(ref.kind, ref.id)
        if not numbers:
            return
        self._entries[ref.kind].pop(ref.id)
        self._many.pop((ref.kind, ref.id), None)
        for number in numbers:  # its id stays in the text's members until cleaned
            self._live[number] -= 1
            members = self._members[number]
            if not self._live[number]:
                self._texts.remove(EntryRef(ref.kind, number))
                self._members[number] = array("q")
            elif len(members) - self._live[number] > max(_STALE_MOST, self._live[number]):
                self._clean(number)

    def _clean(self, number: int) -> None:
        self._members[number] = array("q", dict.fromkeys(self._live_members(number)))

    def _live_members(self, number: int) -> Iterator[int]:
        """The ids of the entries under the text now (once each, as first put)."""
        kind, numbers_of, seen = self._keys[number][0], self._numbers_of, set()
        for id_ in self._members[number]:
            if id_ not in seen and number in numbers_of(kind, id_):
                seen.add(id_)
                yield id_

    def drop_scope(self, scope: int) -> int:
        dropped = 0
        for number in self._by_scope.pop(scope, ()):  # an entry's texts are all its scope's
            kind = self._keys[number][0]
            for id_ in list(self._live_members(number)):
                self._entries[kind].pop(id_)
                self._many.pop((kind, id_), None)
                dropped += 1
            del self._numbers[self._keys[number]]
            self._members[number] = array("q")
            self._live[number] = 0
        self._texts.drop_scope(scope)
        return dropped

    def compact(self) -> None:
        for number in range(len(self._members)):
            if len(self._members[number]) > self._live[number]:
                self._clean(number)
        self._texts.compact()

    # ---- search -----------------------------------------------------------------------------

    def search(self, query: str, scopes: Iterable[int] = (GLOBAL,), limit: int = 10, *,
               quick: bool = False, words_only: bool = False) -> list[Hit]:
        """The entries under the texts that match best, best text first; each text's
        entries in the order they were put."""
        found: dict[EntryRef, Hit] = {}
        for text in self._texts.search(query, scopes, limit, quick=quick, words_only=words_only):
            kind: EntryKind = text.ref.kind
            for id_ in self._live_members(text.ref.id):
                if len(found) >= limit:
                    return list(found.values())
                ref = EntryRef(kind, id_)
                if ref not in found:  # under a better text already
                    found[ref] = Hit(ref, text.score, "", text.matched)
        return list(found.values())
