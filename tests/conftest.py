"""Shared fixtures: a real SQLite file in a temporary folder, seeded from data/; and, where a
test directory asks for both backends (tests/core/conftest.py), a real PostgreSQL database."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.bootstrap import Core, start_core
from bot.core.store import Store
from tests.e2e.fake_discord import FakeDiscord


@pytest.fixture(autouse=True)
def _collected_again() -> Iterator[None]:
    """`start_core` sets what exists once it is ready apart from the cycle collector
    (`gc.freeze`) for the life of the process; a test's process goes on to other tests."""
    yield
    gc.unfreeze()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "citybot.db"


@pytest.fixture
def database(db_path: Path) -> Path | str:
    """Where the store lives: the SQLite file here; tests/core/ runs on PostgreSQL as well."""
    return db_path


@pytest.fixture
async def store(database: Path | str) -> AsyncIterator[Store]:
    """An empty, migrated store."""
    store = await Store.open(database)
    yield store
    await store.close()


@pytest.fixture
async def core(database: Path | str) -> AsyncIterator[Core]:
    """The seeded store with its index, as every adapter gets it."""
    core = await start_core(database)
    yield core
    await core.close()


def _in_thread(work: Any) -> Any:
    """Run a coroutine function to completion on a loop of its own (a sync fixture must not
    touch the test's event loop)."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = asyncio.run(work())
        except BaseException as exc:  # handed to the caller
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A PostgreSQL server for the session (CITYBOT_TEST_DATABASE_URL, or one started here in
    a temporary folder); the PostgreSQL tests are skipped, with the reason, when neither can be."""
    given = os.environ.get("CITYBOT_TEST_DATABASE_URL")
    if given:
        yield given
        return
    from tests.postgres_server import PostgresServer, PostgresUnavailable

    try:
        server = PostgresServer.start()
    except PostgresUnavailable as exc:
        if os.environ.get("CITYBOT_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here but cannot start: {exc}")
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    try:
        yield server.url()
    finally:
        server.stop()


def _admin(url: str, *statements: str) -> None:
    import asyncpg

    async def work() -> None:
        admin = await asyncpg.connect(url)
        try:
            for statement in statements:
                await admin.execute(statement)
        finally:
            await admin.close()

    _in_thread(work)


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped after it."""
    name = f"citybot_test_{uuid.uuid4().hex[:12]}"
    _admin(postgres_admin_url, f'CREATE DATABASE "{name}"')
    base, _, _ = postgres_admin_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        _admin(postgres_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    """The Discord-protocol test server on 127.0.0.1, for one test (see tests/e2e/)."""
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


def pytest_report_header(config: pytest.Config) -> str:
    """One line saying whether the PostgreSQL half of the suite can run here."""
    if os.environ.get("CITYBOT_TEST_DATABASE_URL"):
        return "PostgreSQL: the server at CITYBOT_TEST_DATABASE_URL"
    from tests.postgres_server import PostgresUnavailable, can_start

    try:
        return f"PostgreSQL: a throwaway server from {can_start()}"
    except PostgresUnavailable as exc:
        return f"PostgreSQL: tests skipped ({exc})"
