"""Reads of cities, officials and statements, always limited to the scopes asked for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

from bot.core.matching import GLOBAL
from bot.core.models import City, Counts, Official, Source, Statement
from bot.core.partition import Partition
from bot.core.store.base import Row, StoreBase, placeholders

_STATEMENT_SELECT = """
    SELECT s.*, o.name AS speaker, c.name AS city_name
    FROM statements s
    JOIN officials o ON o.id = s.official_id
    LEFT JOIN cities c ON c.id = s.city_id
"""


def _where(scopes: Sequence[int], table: str, filters: dict[str, Any]) -> tuple[str, list[Any]]:
    clauses = [f"{table}.deleted_at IS NULL", f"{table}.guild_id IN ({placeholders(scopes)})"]
    params: list[Any] = list(scopes)
    for column, value in filters.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            values = list(value)
            clauses.append(f"{table}.{column} IN ({placeholders(values) or 'NULL'})")
            params.extend(values)
        else:
            clauses.append(f"{table}.{column} = ?")
            params.append(value)
    return " AND ".join(clauses), params


class EntryReads(StoreBase):
    async def sources(self) -> list[Source]:
        rows = await self._rows(
            "SELECT id, key, title, outlet, published, published_text, url FROM sources ORDER BY id"
        )
        return [Source(**dict(row)) for row in rows]

    async def scopes(self) -> tuple[int, ...]:
        """Every scope that holds an entry: 0 (global) and each server's id."""
        # Each table's distinct guild_ids by hopping along its (guild_id, key) index: one
        # seek per scope, instead of reading every row.
        hops = ", ".join(
            f"{name}(g) AS (SELECT min(guild_id) FROM {table} UNION ALL SELECT"
            f" (SELECT min(guild_id) FROM {table} WHERE guild_id > g) FROM {name}"
            " WHERE g IS NOT NULL)"
            for name, table in (("c", "cities"), ("o", "officials"), ("s", "statements"))
        )
        rows = await self._rows(
            f"WITH RECURSIVE {hops} SELECT g FROM c WHERE g IS NOT NULL"
            " UNION SELECT g FROM o WHERE g IS NOT NULL"
            " UNION SELECT g FROM s WHERE g IS NOT NULL UNION SELECT 0"
        )
        return tuple(sorted(row[0] for row in rows))

    async def has_source(self, key: str) -> bool:
        return bool(await self._scalar("SELECT 1 FROM sources WHERE key = ?", (key,)))

    async def cities(
        self, scopes: Sequence[int], *, ids: Sequence[int] | None = None
    ) -> list[City]:
        where, params = _where(scopes, "cities", {"id": ids})
        rows = await self._rows(f"SELECT * FROM cities WHERE {where} ORDER BY name", params)
        if not rows:
            return []
        facts: dict[int, list[str]] = defaultdict(list)
        for row in await self._rows(
            "SELECT f.city_id, f.text FROM city_facts f JOIN cities ON cities.id = f.city_id"
            f" WHERE {where} ORDER BY f.city_id, f.position",
            params,
        ):
            facts[row["city_id"]].append(row["text"])
        aliases = await self._aliases("city_id", "cities", where, params)
        return [
            City(
                id=row["id"], guild_id=row["guild_id"], key=row["key"], name=row["name"],
                state=row["state"], stance=row["stance"], facts=tuple(facts[row["id"]]),
                aliases=tuple(aliases[row["id"]]), source_id=row["source_id"],
                version=row["version"],
            )
            for row in rows
        ]

    async def officials(
        self,
        scopes: Sequence[int],
        *,
        ids: Sequence[int] | None = None,
        city_id: int | None = None,
    ) -> list[Official]:
        where, params = _where(scopes, "o", {"id": ids, "city_id": city_id})
        rows = await self._rows(
            "SELECT o.*, c.name AS city_name FROM officials o"
            f" LEFT JOIN cities c ON c.id = o.city_id WHERE {where} ORDER BY o.name",
            params,
        )
        if not rows:
            return []
        aliases = await self._aliases("official_id", "officials o", where, params)
        return [
            Official(
                id=row["id"], guild_id=row["guild_id"], key=row["key"], name=row["name"],
                role=row["role"], city_id=row["city_id"], city_name=row["city_name"],
                aliases=tuple(aliases[row["id"]]), source_id=row["source_id"],
                version=row["version"],
            )
            for row in rows
        ]

    async def statements(
        self,
        scopes: Sequence[int],
        *,
        ids: Sequence[int] | None = None,
        official_id: int | None = None,
        city_id: int | None = None,
    ) -> list[Statement]:
        where, params = _where(
            scopes, "s", {"id": ids, "official_id": official_id, "city_id": city_id}
        )
        rows = await self._rows(
            f"{_STATEMENT_SELECT} WHERE {where} ORDER BY s.said_on IS NULL, s.said_on, s.id",
            params,
        )
        return [_statement(row) for row in rows]

    async def index_rows(
        self, kind: Literal["city", "official", "statement"], batch: int = 10_000, *,
        partition: Partition | None = None,
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Every live entry of every scope (or of those `partition` serves), slim, in
        batches, for building the in-memory index at start-up: plain tuples ordered by id,
        no dataclasses. Cities and officials come as (id, guild_id, name, alias), one row
        per alias (alias None when there is none); statements as (id, guild_id, speaker,
        text)."""
        where, params = served_where("e", partition)
        async for rows in self._engine.batches(slim_select(kind, where), params, batch):
            yield rows

    async def described_rows(
        self, kind: Literal["city", "statement"], batch: int = 10_000, *,
        ids: Sequence[int] | None = None, guild_id: int | None = None,
        partition: Partition | None = None,
    ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """What search reads beside names and statement texts, for the in-memory index at
        start-up (or of some entries, or of one scope, for the change feed), in batches
        ordered by id: cities as (id, guild_id, stance, fact), one row per fact (fact None
        when there is none), in the facts' order; statements as (id, guild_id, said_where,
        said_when)."""
        table = "s" if kind == "statement" else "c"
        where, params = "", list(ids or ())
        if ids is not None:
            where = f" AND {table}.id IN ({placeholders(params) or 'NULL'})"
        if guild_id is not None:
            where += f" AND {table}.guild_id = ?"
            params.append(guild_id)
        served, served_params = served_where(table, partition)
        where += f" AND {served}"
        params += served_params
        if kind == "statement":
            sql = ("SELECT s.id, s.guild_id, s.said_where, s.said_when FROM statements s"
                   f" WHERE s.deleted_at IS NULL{where} ORDER BY s.id")
        else:
            sql = ("SELECT c.id, c.guild_id, c.stance, f.text FROM cities c"
                   " LEFT JOIN city_facts f ON f.city_id = c.id"
                   f" WHERE c.deleted_at IS NULL{where} ORDER BY c.id, f.position")
        async for rows in self._engine.batches(sql, params, batch):
            yield rows

    async def random_statement(self, scopes: Sequence[int]) -> Statement | None:
        where, params = _where(scopes, "s", {})
        rows = await self._rows(f"{_STATEMENT_SELECT} WHERE {where} ORDER BY random() LIMIT 1",
                                params)
        return _statement(rows[0]) if rows else None

    async def counts(self, scopes: Sequence[int]) -> Counts:
        values = []
        for table in ("cities", "officials", "statements"):
            where, params = _where(scopes, table, {})
            values.append(int(await self._scalar(f"SELECT count(*) FROM {table} WHERE {where}",
                                                 params)))
        where, params = _where(scopes, "statements", {"kind": "quote"})
        quotes = int(await self._scalar(f"SELECT count(*) FROM statements WHERE {where}", params))
        return Counts(cities=values[0], officials=values[1], statements=values[2], quotes=quotes)

    async def _aliases(
        self, column: str, owners: str, where: str, params: list[Any]
    ) -> dict[int, list[str]]:
        # Joined with the owners' own filter, so that loading everything needs no huge IN list.
        alias_of = owners.split()[-1]
        found: dict[int, list[str]] = defaultdict(list)
        for row in await self._rows(
            f"SELECT a.{column} AS owner, a.alias FROM aliases a"
            f" JOIN {owners} ON {alias_of}.id = a.{column} WHERE {where} ORDER BY a.id",
            params,
        ):
            found[row["owner"]].append(row["alias"])
        return found


def served_where(table: str, partition: Partition | None) -> tuple[str, list[Any]]:
    """A condition on `table`'s rows: those of the global scope or of a server `partition`
    serves (`Partition.shard_rule`), so that a process of some shards reads only their rows
    at start-up, not every row to drop most of them. TRUE when it serves every server."""
    rule = None if partition is None else partition.shard_rule()
    if rule is None:
        return "TRUE", []
    divisor, count, shards = rule
    return (f"({table}.guild_id = ? OR ({table}.guild_id / ?) % ? IN ({placeholders(shards)}))",
            [GLOBAL, divisor, count, *shards])


def slim_select(kind: str, where: str) -> str:
    """The slim rows of `index_rows` (live entries only) that satisfy `where` (on `e`)."""
    if kind == "statement":
        return ("SELECT e.id, e.guild_id, o.name, e.text FROM statements e"
                " JOIN officials o ON o.id = e.official_id"
                f" WHERE e.deleted_at IS NULL AND {where} ORDER BY e.id")
    table, column = ("cities", "city_id") if kind == "city" else ("officials", "official_id")
    return (f"SELECT e.id, e.guild_id, e.name, a.alias FROM {table} e"
            f" LEFT JOIN aliases a ON a.{column} = e.id"
            f" WHERE e.deleted_at IS NULL AND {where} ORDER BY e.id, a.id")


def _statement(row: Row) -> Statement:
    return Statement(
        id=row["id"], guild_id=row["guild_id"], key=row["key"], official_id=row["official_id"],
        speaker=row["speaker"], city_id=row["city_id"], city_name=row["city_name"],
        kind=row["kind"], text=row["text"], said_where=row["said_where"],
        said_when=row["said_when"], said_on=row["said_on"], source_id=row["source_id"],
        source_url=row["source_url"], version=row["version"], created_at=row["created_at"],
    )
