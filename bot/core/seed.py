"""Loads the bundled dataset into a new store, once."""

from __future__ import annotations

from pathlib import Path

from bot.core.dataset import load_dataset
from bot.core.store import INTEGRITY_ERRORS, Store


async def ensure_seeded(store: Store, path: Path | None = None) -> bool:
    """Load data/article.json unless its source is already there; True if it loaded."""
    dataset = load_dataset(path)
    if await store.has_source(dataset.source.key):
        return False
    try:
        await store.insert_dataset(dataset)
    except INTEGRITY_ERRORS:  # another process seeded it between our check and write
        if await store.has_source(dataset.source.key):
            return False
        raise
    return True
