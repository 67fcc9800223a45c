"""Shared fixtures: a real SQLite file in a temporary folder, seeded from data/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.bootstrap import Core, start_core
from bot.core.store import Store
from tests.e2e.fake_discord import FakeDiscord


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "citybot.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    """An empty, migrated store."""
    store = await Store.open(db_path)
    yield store
    await store.close()


@pytest.fixture
async def core(db_path: Path) -> AsyncIterator[Core]:
    """The seeded store with its index, as every adapter gets it."""
    core = await start_core(db_path)
    yield core
    await core.close()


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    """The Discord-protocol test server on 127.0.0.1, for one test (see tests/e2e/)."""
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()
