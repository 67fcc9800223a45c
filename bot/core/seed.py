"""Loads the bundled dataset into a new store, once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.core.dataset import load_dataset
from bot.core.store import Store


async def ensure_seeded(store: Store, path: Path | None = None) -> bool:
    """Load data/article.json unless its source is already there; True if it loaded."""
    dataset = load_dataset(path)
    if await store.has_source(dataset.source.key):
        return False
    try:
        await store.insert_dataset(dataset)
    except sqlite3.IntegrityError:  # another process seeded it between our check and write
        if await store.has_source(dataset.source.key):
            return False
        raise
    return True
