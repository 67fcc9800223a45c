"""Writing a whole dataset (the bundled article, or an import) in one transaction."""

from __future__ import annotations

from bot.core.dataset import Dataset
from bot.core.store.base import Connection, insert_id
from bot.core.store.name_keys import NameKeys
from bot.core.text import normalize


class DatasetWrites(NameKeys):
    async def insert_dataset(self, dataset: Dataset, guild_id: int = 0) -> int:
        """Insert every row of `dataset` into `guild_id`'s scope; returns the source id."""
        async with self.transaction() as db:
            return await self._insert_dataset(db, dataset, guild_id)

    async def _insert_dataset(
        self, db: Connection, dataset: Dataset, guild_id: int
    ) -> int:
        src = dataset.source
        source_id = await insert_id(db,
            "INSERT INTO sources (key, title, outlet, published, published_text, url, body)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (src.key, src.title, src.outlet, src.published, src.published_text, src.url,
             src.body),
        )
        city_ids: dict[str, int] = {}
        for c in dataset.cities:
            city_ids[c.key] = await insert_id(db,
                "INSERT INTO cities (guild_id, key, name, name_key, state, stance, source_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild_id, c.key, c.name, normalize(c.name), c.state, c.stance, source_id),
            )
            await db.executemany(
                "INSERT INTO city_facts (city_id, position, text) VALUES (?, ?, ?)",
                [(city_ids[c.key], i, fact) for i, fact in enumerate(c.facts)],
            )
            await self._insert_aliases(db, "city", city_ids[c.key], c.aliases)
        official_ids: dict[str, int] = {}
        for o in dataset.officials:
            official_ids[o.key] = await insert_id(db,
                "INSERT INTO officials (guild_id, key, name, name_key, role, city_id, source_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (guild_id, o.key, o.name, normalize(o.name), o.role, city_ids.get(o.city or ""),
                 source_id),
            )
            await self._insert_aliases(db, "official", official_ids[o.key], o.aliases)
        await db.executemany(
            "INSERT INTO statements (guild_id, key, official_id, city_id, kind, text,"
            " said_where, said_when, said_on, source_id, source_url)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (guild_id, s.key, official_ids[s.speaker], city_ids.get(s.city or ""), s.kind,
                 s.text, s.where, s.when, s.date, source_id, s.url)
                for s in dataset.statements
            ],
        )
        return source_id
