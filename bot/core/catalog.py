"""The three in-memory indexes (cities, officials, statements), kept in step with the store."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.matching import GLOBAL, EntryKind, EntryRef, FuzzyIndex, name_index, text_index
from bot.core.models import City, Official, Statement
from bot.core.store import Store


def scopes_for(guild_id: int | None) -> tuple[int, ...]:
    """A server sees the global entries and its own; a DM or the console only the global ones."""
    return (GLOBAL,) if not guild_id else (GLOBAL, guild_id)


class Catalog:
    def __init__(self) -> None:
        self.indexes: dict[EntryKind, FuzzyIndex] = {
            "city": name_index(),
            "official": name_index(),
            "statement": text_index(),
        }

    async def load(self, store: Store) -> None:
        """Index every live entry of every scope (called once at start-up)."""
        every_scope = await store.scopes()
        for city in await store.cities(every_scope):
            self.put_city(city)
        for official in await store.officials(every_scope):
            self.put_official(official)
        for statement in await store.statements(every_scope):
            self.put_statement(statement)

    def put_city(self, city: City) -> None:
        self.indexes["city"].put(city.ref, city.name, [city.name, *city.aliases], city.guild_id)

    def put_official(self, official: Official) -> None:
        self.indexes["official"].put(
            official.ref, official.name, [official.name, *official.aliases], official.guild_id
        )

    def put_statement(self, statement: Statement) -> None:
        label = f"{statement.speaker}: {statement.text}"
        self.indexes["statement"].put(statement.ref, label, [statement.text], statement.guild_id)

    def remove(self, ref: EntryRef) -> None:
        self.indexes[ref.kind].remove(ref)

    def refs(self, kind: EntryKind, scopes: Iterable[int]) -> list[EntryRef]:
        return self.indexes[kind].refs(scopes)
