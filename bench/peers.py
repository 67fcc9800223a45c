"""Off-the-shelf engines beside ours, on the same strings (issue 13), each when installed.

- `fts5`: symspellpy word correction (when installed) + SQLite FTS5 (in the standard
  library): names by OR of their corrected words, fragments by the corrected phrase (then
  by all its words, then any), top 200 re-ranked with rapidfuzz (WRatio / partial_ratio).
- `tantivy`: tantivy fuzzy terms (one edit, two for words of 6+ letters, transpositions one)
  OR-ed, top 100 re-ranked with rapidfuzz.

Every peer answers `top(kind, text) -> index into the strings of that kind | None`, so the
bench maps its answer to an entry as it does the naive scan's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Protocol

from rapidfuzz import fuzz, process

RERANK_FTS = 200
RERANK_TANTIVY = 100


class Peer(Protocol):
    name: str

    def top(self, kind: str, text: str) -> int | None: ...


def _rerank(kind: str, norm: str, texts: Sequence[str], found: Sequence[int]) -> int | None:
    if not found:
        return None
    scorer = fuzz.partial_ratio if kind == "statement" else fuzz.WRatio
    best = process.extractOne(norm, [texts[i] for i in found], scorer=scorer, processor=None)
    return found[best[2]] if best else None


class Fts5Peer:
    """symspellpy + FTS5 + rapidfuzz (without symspellpy: FTS5 on the words as typed)."""

    def __init__(self, choices: dict[str, list[str]]) -> None:
        self.texts = choices
        self.db = sqlite3.connect(":memory:")
        self.spell: Any = None
        try:
            from symspellpy import SymSpell
        except ImportError:
            self.name = "FTS5 + rapidfuzz (symspellpy not installed)"
        else:
            self.name = "symspellpy + FTS5 + rapidfuzz"
            self.spell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        counts: dict[str, int] = {}
        for kind, texts in choices.items():
            self.db.execute(f"CREATE VIRTUAL TABLE {kind} USING fts5(text)")
            self.db.executemany(f"INSERT INTO {kind}(rowid, text) VALUES (?, ?)",
                                enumerate(texts))
            for text in texts:
                for word in text.split():
                    counts[word] = counts.get(word, 0) + 1
        if self.spell is not None:
            for word, count in counts.items():
                self.spell.create_dictionary_entry(word, count)

    def _correct(self, words: list[str]) -> list[str]:
        if self.spell is None:
            return words
        from symspellpy import Verbosity
        out = []
        for word in words:
            found = self.spell.lookup(word, Verbosity.TOP, max_edit_distance=2 if len(word) > 5
                                      else 1, include_unknown=True)
            out.append(found[0].term if found else word)
        return out

    def top(self, kind: str, norm: str) -> int | None:
        words = [w for w in self._correct(norm.split()) if w.isalnum()]
        if not words:
            return None
        quoted = [f'"{w}"' for w in words]
        tries = ([f'"{" ".join(words)}"', " AND ".join(quoted), " OR ".join(quoted)]
                 if kind == "statement" else [" OR ".join(quoted)])
        for match in tries:
            rows = self.db.execute(f"SELECT rowid FROM {kind} WHERE {kind} MATCH ? ORDER BY rank "
                                   f"LIMIT {RERANK_FTS}", (match,)).fetchall()
            if rows:
                return _rerank(kind, norm, self.texts[kind], [r[0] for r in rows])
        return None


class TantivyPeer:
    name = "tantivy fuzzy terms + rapidfuzz"

    def __init__(self, choices: dict[str, list[str]]) -> None:
        import tantivy

        self.tantivy = tantivy
        self.texts = choices
        self.indexes: dict[str, Any] = {}
        for kind, texts in choices.items():
            builder = tantivy.SchemaBuilder()
            builder.add_text_field("text", stored=False)
            builder.add_unsigned_field("slot", stored=True)
            schema = builder.build()
            index = tantivy.Index(schema)  # in memory
            writer = index.writer(heap_size=200_000_000, num_threads=1)
            for slot, text in enumerate(texts):
                writer.add_document(tantivy.Document(text=text, slot=slot))
            writer.commit()
            writer.wait_merging_threads()
            index.reload()
            self.indexes[kind] = (schema, index.searcher())

    def top(self, kind: str, norm: str) -> int | None:
        tantivy = self.tantivy
        schema, searcher = self.indexes[kind]
        terms = [(tantivy.Occur.Should, tantivy.Query.fuzzy_term_query(
            schema, "text", w, distance=2 if len(w) >= 6 else 1, transposition_cost_one=True))
                 for w in norm.split()[:8]]
        if not terms:
            return None
        hits = searcher.search(tantivy.Query.boolean_query(terms), RERANK_TANTIVY).hits
        slots = [searcher.doc(address)["slot"][0] for _, address in hits]
        return _rerank(kind, norm, self.texts[kind], slots)


def build_peers(choices: dict[str, list[str]]) -> tuple[list[Peer], list[str]]:
    """The peers that can run here, and a line for each that cannot (not installed)."""
    peers: list[Peer] = [Fts5Peer(choices)]
    notes = []
    if peers[0].name.startswith("FTS5 + rapidfuzz ("):
        notes.append("symspellpy is not installed (pip install -e '.[bench]'): FTS5 alone")
    try:
        peers.append(TantivyPeer(choices))
    except ImportError:
        notes.append("tantivy is not installed (pip install -e '.[bench]'): skipped")
    return peers, notes
