"""The in-memory indexes, kept in step with the store: names of cities and officials and the
statements' texts (what lookups match), and what else a member sees of an entry (cities'
stances and key facts, where and when a statement was said), which search reads too."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any, Literal

from bot.core.matching import EntryKind, EntryRef, FuzzyIndex, name_index, text_index
from bot.core.matching.shared import SharedTextIndex
from bot.core.models import City, Official, Statement
from bot.core.partition import Partition
from bot.core.store import Store

Described = Literal["stance", "key fact", "said"]


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
        # Searched only: each entry under its texts of that field, with no label of its own.
        self.described: dict[Described, FuzzyIndex | SharedTextIndex] = {
            "stance": text_index(), "key fact": text_index(),
            "said": SharedTextIndex(),  # the same few places and days, mostly
        }

    def all_indexes(self) -> list[FuzzyIndex | SharedTextIndex]:
        return [*self.indexes.values(), *self.described.values()]

    async def load(self, store: Store, serves: Callable[[int], bool] | None = None,
                   partition: Partition | None = None) -> None:
        """Index every live entry of every scope this process serves (`serves(guild_id)`;
        all of them by default), once at start-up. The store reads only the rows of
        `partition`'s shards (and the global ones), if given: a process of one shard in
        four reads a quarter of the rows.

        Reads slim tuples in batches (`Store.index_rows`) rather than whole entries, so
        start-up builds no dataclasses and holds one batch of rows at a time.
        """
        self.position = await store.change_position()
        for index in self.all_indexes():
            index.defer_postings()  # built once each, by `warm` below
        kinds: tuple[EntryKind, ...] = ("city", "official")
        for kind in kinds:
            index = self.indexes[kind]
            pending: list[tuple] = []  # the last entry of a batch may go on in the next one
            async for rows in store.index_rows(kind, partition=partition):
                rows = pending + rows
                last = rows[-1][0]
                cut = len(rows)
                while cut and rows[cut - 1][0] == last:
                    cut -= 1
                pending = rows[cut:]
                self._put_names(index, kind, _served(rows[:cut], serves))
            self._put_names(index, kind, _served(pending, serves))
        async for rows in store.index_rows("statement", partition=partition):
            self._put_statements(_served(rows, serves))
        await self._load_described(store, serves, partition)
        for index in self.all_indexes():
            index.warm()

    def apply(self, kind: EntryKind, ids: Collection[int], rows: list[tuple[Any, ...]],
              described: Sequence[tuple[Any, ...]] = ()) -> None:
        """Make the indexes hold exactly `rows` (slim rows as `Store.index_rows` gives them)
        and `described` (as `Store.described_rows`), already filtered to what this process
        serves, for the entries `ids`: those with rows are put, the others (removed, or of
        a server not served) taken out."""
        present = {row[0] for row in rows}
        for entry_id in ids:
            if entry_id not in present:
                self.remove(EntryRef(kind, entry_id))
        if kind == "statement":
            self._put_statements(rows)
            self._put_said(described)
        else:
            self._put_names(self.indexes[kind], kind, rows)
            if kind == "city":
                self._put_cities_described(described)

    async def load_scope(self, store: Store, guild_id: int) -> None:
        """Index one server's entries (a server this process starts serving)."""
        for kind in ("city", "official", "statement"):
            rows = await store.scope_index_rows(kind, guild_id)
            described: list[tuple[Any, ...]] = []
            if kind != "official":
                async for batch in store.described_rows(kind, guild_id=guild_id):
                    described += batch
            self.apply(kind, (), rows, described)

    def drop_scope(self, guild_id: int) -> int:
        """Forget one server's entries (a server this process stops serving)."""
        dropped = sum(index.drop_scope(guild_id) for index in self.indexes.values())
        for index in self.described.values():
            index.drop_scope(guild_id)
        return dropped

    def _put_statements(self, rows: Iterable[tuple[Any, ...]]) -> None:
        statements = self.indexes["statement"]
        for id_, guild_id, speaker, text in rows:
            statements.put(EntryRef("statement", id_), speaker, (text,), guild_id)

    def _put_said(self, rows: Iterable[tuple[Any, ...]]) -> None:
        said = self.described["said"]
        for id_, guild_id, where, when in rows:
            said.put(EntryRef("statement", id_), "", (where, when), guild_id)

    async def _load_described(self, store: Store, serves: Callable[[int], bool] | None,
                              partition: Partition | None) -> None:
        async for rows in store.described_rows("statement", partition=partition):
            self._put_said(_served(rows, serves))
        pending: list[tuple] = []  # a city's facts may go on in the next batch
        async for rows in store.described_rows("city", partition=partition):
            rows = pending + rows
            cut = len(rows)
            while cut and rows[cut - 1][0] == rows[-1][0]:
                cut -= 1
            pending = rows[cut:]
            self._put_cities_described(_served(rows[:cut], serves))
        self._put_cities_described(_served(pending, serves))

    def _put_cities_described(self, rows: Sequence[tuple]) -> None:
        # One row per fact (id, guild_id, stance, fact), ordered by id.
        for (id_, guild_id, stance), group in groupby(rows, itemgetter(0, 1, 2)):
            ref = EntryRef("city", id_)
            self.described["stance"].put(ref, "", (stance,), guild_id)
            self.described["key fact"].put(ref, "", [r[3] for r in group if r[3]], guild_id)

    @staticmethod
    def _put_names(index: FuzzyIndex, kind: EntryKind, rows: Iterable[tuple]) -> None:
        # One row per alias (id, guild_id, name, alias), ordered by id.
        for (id_, guild_id, name), group in groupby(rows, itemgetter(0, 1, 2)):
            aliases = [row[3] for row in group if row[3] is not None]
            index.put(EntryRef(kind, id_), name, [name, *aliases], guild_id)

    def put_city(self, city: City) -> None:
        self.indexes["city"].put(city.ref, city.name, [city.name, *city.aliases], city.guild_id)
        self.described["stance"].put(city.ref, "", (city.stance,), city.guild_id)
        self.described["key fact"].put(city.ref, "", city.facts, city.guild_id)

    def put_official(self, official: Official) -> None:
        self.indexes["official"].put(
            official.ref, official.name, [official.name, *official.aliases], official.guild_id
        )

    def put_statement(self, statement: Statement) -> None:
        self.indexes["statement"].put(statement.ref, statement.speaker, [statement.text],
                                      statement.guild_id)
        self.described["said"].put(statement.ref, "", (statement.said_where,
                                                       statement.said_when), statement.guild_id)

    def remove(self, ref: EntryRef) -> None:
        self.indexes[ref.kind].remove(ref)
        for index in self.described.values():
            index.remove(ref)


def _served(rows: list[tuple[Any, ...]], serves: Callable[[int], bool] | None
            ) -> list[tuple[Any, ...]]:
    """The rows (guild_id second) of the scopes served; all of them when unsharded."""
    if serves is None:
        return rows
    return [row for row in rows if serves(row[1])]
