"""The three in-memory indexes (cities, officials, statements), kept in step with the store."""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter

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

    async def load(self, store: Store) -> None:
        """Index every live entry of every scope (called once at start-up).

        Reads slim tuples in batches (`Store.index_rows`) rather than whole entries, so
        start-up builds no dataclasses and holds one batch of rows at a time.
        """
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
                self._put_names(index, kind, rows[:cut])
            self._put_names(index, kind, pending)
        statements = self.indexes["statement"]
        async for rows in store.index_rows("statement"):
            for id_, guild_id, speaker, text in rows:
                statements.put(EntryRef("statement", id_), speaker, (text,), guild_id)
        for index in self.indexes.values():
            index.warm()

    @staticmethod
    def _put_names(index: FuzzyIndex, kind: EntryKind, rows: list[tuple]) -> None:
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
