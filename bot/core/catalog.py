"""The three in-memory indexes (cities, officials, statements), kept in step with the store."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from itertools import groupby
from operator import itemgetter
from typing import Any

from bot.core.matching import EntryKind, EntryRef, FuzzyIndex, name_index, text_index
from bot.core.models import City, Official, Statement
from bot.core.store import Store


class Catalog:
    def __init__(self) -> None:
        self.indexes: dict[EntryKind, FuzzyIndex] = {
            "city": name_index(),
            "official": name_index(),
            # A statement is labelled "speaker: text"; the index holds the text once.
            "statement": text_index(label_joins_text=True),
        }
        # The change log's newest row when loading began: every later change is applied on
        # top by the change feed (one committed meanwhile is applied again, harmlessly).
        self.position = 0

    async def load(self, store: Store, serves: Callable[[int], bool] | None = None) -> None:
        """Index every live entry of every scope this process serves (`serves(guild_id)`;
        all of them by default), once at start-up.

        Reads slim tuples in batches (`Store.index_rows`) rather than whole entries, so
        start-up builds no dataclasses and holds one batch of rows at a time.
        """
        self.position = await store.change_position()
        kinds: tuple[EntryKind, ...] = ("city", "official")
        for kind in kinds:
            index = self.indexes[kind]
            pending: list[tuple] = []  # the last entry of a batch may go on in the next one
            async for rows in store.index_rows(kind):
                rows = pending + rows
                last = rows[-1][0]
                cut = len(rows)
                while cut and rows[cut - 1][0] == last:
                    cut -= 1
                pending = rows[cut:]
                self._put_names(index, kind, _served(rows[:cut], serves))
            self._put_names(index, kind, _served(pending, serves))
        async for rows in store.index_rows("statement"):
            self._put_statements(_served(rows, serves))
        for index in self.indexes.values():
            index.warm()

    def apply(self, kind: EntryKind, ids: Collection[int], rows: list[tuple[Any, ...]]) -> None:
        """Make the index hold exactly `rows` (slim rows as `Store.index_rows` gives them,
        already filtered to what this process serves) for the entries `ids`: those with
        rows are put, the others (removed, or of a server not served) taken out."""
        if kind == "statement":
            self._put_statements(rows)
        else:
            self._put_names(self.indexes[kind], kind, rows)
        present = {row[0] for row in rows}
        for entry_id in ids:
            if entry_id not in present:
                self.indexes[kind].remove(EntryRef(kind, entry_id))

    async def load_scope(self, store: Store, guild_id: int) -> None:
        """Index one server's entries (a server this process starts serving)."""
        for kind in ("city", "official", "statement"):
            rows = await store.scope_index_rows(kind, guild_id)
            self.apply(kind, (), rows)

    def drop_scope(self, guild_id: int) -> int:
        """Forget one server's entries (a server this process stops serving)."""
        return sum(index.drop_scope(guild_id) for index in self.indexes.values())

    def _put_statements(self, rows: Iterable[tuple[Any, ...]]) -> None:
        statements = self.indexes["statement"]
        for id_, guild_id, speaker, text in rows:
            statements.put(EntryRef("statement", id_), speaker, (text,), guild_id)

    @staticmethod
    def _put_names(index: FuzzyIndex, kind: EntryKind, rows: Iterable[tuple]) -> None:
        # One row per alias (id, guild_id, name, alias), ordered by id.
        for (id_, guild_id, name), group in groupby(rows, itemgetter(0, 1, 2)):
            aliases = [row[3] for row in group if row[3] is not None]
            index.put(EntryRef(kind, id_), name, [name, *aliases], guild_id)

    def put_city(self, city: City) -> None:
        self.indexes["city"].put(city.ref, city.name, [city.name, *city.aliases], city.guild_id)

    def put_official(self, official: Official) -> None:
        self.indexes["official"].put(
            official.ref, official.name, [official.name, *official.aliases], official.guild_id
        )

    def put_statement(self, statement: Statement) -> None:
        self.indexes["statement"].put(statement.ref, statement.speaker, [statement.text],
                                      statement.guild_id)

    def remove(self, ref: EntryRef) -> None:
        self.indexes[ref.kind].remove(ref)


def _served(rows: list[tuple[Any, ...]], serves: Callable[[int], bool] | None
            ) -> list[tuple[Any, ...]]:
    """The rows (guild_id second) of the scopes served; all of them when unsharded."""
    if serves is None:
        return rows
    return [row for row in rows if serves(row[1])]
