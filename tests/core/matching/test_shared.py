"""SharedTextIndex: entries under texts many of them share (where and when a statement was said)."""

from __future__ import annotations

import pickle
import tracemalloc

from bot.core.matching import EntryRef
from bot.core.matching.ids import IdMap
from bot.core.matching.shared import SharedTextIndex


def _ref(id_: int) -> EntryRef:
    return EntryRef("statement", id_)


def _ids(hits: list) -> list[int]:
    """The entries found (search's floor: a small index ranks every text)."""
    return [hit.ref.id for hit in hits if hit.score >= 80]


def test_entries_are_found_by_their_texts_first_put_first() -> None:
    index = SharedTextIndex()
    for id_ in (7, 3, 9):
        index.put(_ref(id_), "", ("in a statement", "Monday"))
    index.put(_ref(4), "", ("at a press conference", "Wednesday night"))
    assert _ids(index.search("monday")) == [7, 3, 9]
    hit = index.search("press conference")[0]
    assert hit.ref == _ref(4) and hit.matched == "at a press conference" and hit.label == ""
    assert _ids(index.search("statement", limit=2)) == [7, 3]
    assert len(index) == 4 and _ref(3) in index and _ref(5) not in index
    assert index.label(_ref(3)) == ""


def test_one_hit_per_entry_under_its_best_text() -> None:
    index = SharedTextIndex()
    index.put(_ref(1), "", ("Monday night", "Monday"))
    index.put(_ref(2), "", ("Monday",))
    hits = index.search("monday night")
    assert [h.ref.id for h in hits] == [1, 2] and hits[0].matched == "Monday night"
    assert hits[0].score > hits[1].score


def test_replace_and_remove_in_place() -> None:
    index = SharedTextIndex()
    index.put(_ref(1), "", ("on TV", "Monday"))
    index.put(_ref(2), "", ("on TV", "Tuesday"))
    index.put(_ref(1), "", ("on Twitter", "Tuesday"))  # replaced
    assert _ids(index.search("on tv")) == [2]
    assert _ids(index.search("twitter")) == [1]
    assert _ids(index.search("monday")) == []  # nobody left under it
    assert _ids(index.search("tuesday")) == [2, 1]
    index.remove(_ref(2))
    index.remove(_ref(2))  # twice: harmless
    assert _ids(index.search("tuesday")) == [1] and _ids(index.search("on tv")) == []
    index.put(_ref(2), "", ("on TV",))  # back again, under a text it had
    assert _ids(index.search("on tv")) == [2] and len(index) == 2
    index.put(_ref(3), "", ("", "  "))  # nothing to find it by: not held
    assert _ref(3) not in index


def test_many_removals_are_cleaned_and_order_kept() -> None:
    index = SharedTextIndex()
    for id_ in range(5_000):
        index.put(_ref(id_), "", ("in a statement",))
    for id_ in range(0, 4_990):
        index.remove(_ref(id_))
    index.put(_ref(3), "", ("in a statement",))
    assert _ids(index.search("in a statement", limit=20)) == [*range(4_990, 5_000), 3]
    index.compact()
    assert _ids(index.search("in a statement", limit=20)) == [*range(4_990, 5_000), 3]


def test_scopes_are_apart_and_dropped_whole() -> None:
    index = SharedTextIndex()
    index.put(_ref(1), "", ("on TV",), 0)
    index.put(_ref(2), "", ("on TV",), 5)
    index.put(_ref(3), "", ("on radio",), 5)
    assert _ids(index.search("on tv", (0,))) == [1]
    assert _ids(index.search("on tv", (0, 5))) == [1, 2]
    assert index.scopes() == {0, 5}
    assert index.drop_scope(5) == 2 and index.drop_scope(5) == 0
    assert _ids(index.search("on tv", (0, 5))) == [1] and _ref(3) not in index
    index.put(_ref(3), "", ("on radio",), 5)  # the server served again
    assert _ids(index.search("radio", (5,))) == [3] and index.scopes() == {0, 5}


def test_many_entries_and_deferred_postings() -> None:
    index = SharedTextIndex()
    index.defer_postings()
    places = [f"at the meeting of committee number {n}" for n in range(400)]
    for id_ in range(2_000):
        index.put(_ref(id_), "", (places[id_ % 400], "Monday"))
    index.warm()
    assert _ids(index.search("committee number 123"))[:5] == [123, 523, 923, 1323, 1723]
    assert index.search("comittee number 123")[0].ref == _ref(123)  # a typo


def test_it_pickles_and_answers_the_same() -> None:
    index = SharedTextIndex()
    for id_ in range(300):
        index.put(_ref(id_ * 3), "", (f"place {id_ % 7}", "Friday"))
    copy = pickle.loads(pickle.dumps(index))
    assert copy.search("place 3") == index.search("place 3") and len(copy) == 300


def test_an_entry_costs_bytes_not_objects() -> None:
    """A million statements said in a few places: a few bytes each, not a slot, dict entries
    and an EntryRef per entry and text (about 180 bytes each in a FuzzyIndex)."""
    refs = [_ref(id_) for id_ in range(20_000)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = SharedTextIndex()
    for at, ref in enumerate(refs):
        index.put(ref, "", (("in a statement", "on TV")[at % 2], ("Monday", "Friday")[at % 3 > 0]))
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert used / len(refs) < 40, used / len(refs)
    assert len(index.search("monday", limit=50)) == 50


def test_id_map_dense_and_sparse() -> None:
    ids = IdMap()
    for id_ in (5, 1, 10**15, 70_000, 3):
        ids.set(id_, id_ % 1000)
    assert [ids.get(i) for i in (5, 1, 10**15, 70_000, 3, 4, 10**16)] == [5, 1, 0, 0, 3, -1, -1]
    assert len(ids) == 5 and sorted(ids) == [1, 3, 5, 70_000, 10**15]
    assert ids.pop(70_000) == 0 and ids.pop(70_000) == -1 and len(ids) == 4
    ids.set(5, 9)
    assert ids.get(5) == 9 and len(ids) == 4
