"""PostgreSQL through asyncpg, behind the small part of aiosqlite's interface the store uses
(`execute` → a cursor with `fetchone/fetchall/fetchmany/rowcount`, `executemany`), so each
rule of the store is written once for both databases.

- A pool (`DATABASE_POOL_SIZE`) serves reads, each on whichever connection is free; a write
  transaction holds one connection from BEGIN to COMMIT.
- One writer at a time, as with SQLite: every write transaction starts with
  `LOCK TABLE changes IN EXCLUSIVE MODE` (plain reads are not blocked). The store's rules
  (uniqueness checked before an insert, the digest's compare-and-set, a role re-checked inside
  the write) were written for serial writers and stay true; and the change log's ids are
  handed out in commit order, which is what lets a follower read "everything after my
  position". A lock held for longer than `LOCK_TIMEOUT` is "busy, try again", as SQLite's.
- The change feed's wake-up is LISTEN on a connection of its own, outside the pool; a lost
  connection is re-made and counted as a change, so the follower re-reads the log (what was
  notified meanwhile is gone; the log is not).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from bot.core.errors import StoreBusy, StoreUnusable
from bot.core.store.dialect import returns_rows, to_postgres
from bot.core.store.location import redacted

try:
    import asyncpg
except ImportError:  # the optional extra: citybot[postgres]
    asyncpg = None

log = logging.getLogger(__name__)

LOCK_TIMEOUT = "5s"  # as SQLite's busy_timeout: a writer waits this long, then "busy"
CHANNEL = "citybot_changes"
MIGRATION_LOCK = 7_345_021  # pg_advisory_xact_lock key: one process migrates at a time


def driver_errors() -> tuple[type[BaseException], ...]:
    return () if asyncpg is None else (asyncpg.PostgresError, asyncpg.InterfaceError)


def integrity_errors() -> tuple[type[BaseException], ...]:
    return () if asyncpg is None else (asyncpg.IntegrityConstraintViolationError,)


def is_transient(exc: BaseException) -> bool:
    """A PostgreSQL error that says "not now" rather than "never": a lock waited on too long,
    a deadlock, a serialisation failure, a full disk, a connection that dropped (the pool
    makes a new one). Only the driver's own errors: an OSError may come from anywhere."""
    if asyncpg is None:
        return False
    if isinstance(exc, asyncpg.PostgresConnectionError | asyncpg.CannotConnectNowError):
        return True
    state = getattr(exc, "sqlstate", "") or ""
    # 55P03 lock_not_available, 40001 serialization, 40P01 deadlock, 53xxx out of resources,
    # 57014 query_canceled, 57P01/57P02 admin shutdown, 08xxx connection
    return state in {"55P03", "40001", "40P01", "57014", "57P01", "57P02", "57P03"} \
        or state.startswith(("53", "08"))


def _lost_connection(exc: BaseException) -> bool:
    """Raised by a driver call: the socket went away, or the connection was left unusable."""
    return asyncpg is not None and isinstance(
        exc, OSError | asyncpg.InterfaceError | asyncpg.InternalClientError)


@contextlib.contextmanager
def _busy_when_transient() -> Iterator[None]:
    """Around driver calls only: their "not now" errors become StoreBusy."""
    try:
        yield
    except BaseException as exc:
        if is_transient(exc) or _lost_connection(exc):
            raise StoreBusy(str(exc) or type(exc).__name__) from exc
        raise


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class PgCursor:
    """The rows of one statement, read like an aiosqlite cursor."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self._at = 0
        self.rowcount = rowcount
        self.row_factory: object = "record"  # None: plain tuples, as aiosqlite's

    def _shape(self, rows: Sequence[Any]) -> list[Any]:
        return [tuple(r) for r in rows] if self.row_factory is None else list(rows)

    async def fetchone(self) -> Any:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._shape(self._rows[self._at - 1:self._at])[0]

    async def fetchmany(self, size: int) -> list[Any]:
        part = self._rows[self._at:self._at + size]
        self._at += len(part)
        return self._shape(part)

    async def fetchall(self) -> list[Any]:
        part = self._rows[self._at:]
        self._at = len(self._rows)
        return self._shape(part)


class _Pending:
    """`await conn.execute(…)` and `async with conn.execute(…) as cursor`, as in aiosqlite."""

    def __init__(self, coro: Any) -> None:
        self._coro = coro

    def __await__(self) -> Any:
        return self._coro.__await__()

    async def __aenter__(self) -> PgCursor:
        return await self._coro

    async def __aexit__(self, *exc: object) -> None:
        return None


# The connection of the write transaction this task has open, if any: a read through the
# store's pool from inside it goes to that connection, as on SQLite's single connection (it
# sees the transaction's own writes, and cannot wait for a second pooled connection).
_open_transaction: ContextVar[tuple[Any, Any] | None] = ContextVar("citybot_pg_transaction",
                                                                   default=None)


def _open_on(pool: Any) -> Any:
    """The connection of this task's open transaction on `pool`, if any (only that pool's:
    another store, the reader, keeps reading committed data through its own pool)."""
    open_here = _open_transaction.get()
    return open_here[1] if open_here is not None and open_here[0] is pool else None


class PgConnection:
    """Statements on a pool (each on a free connection) or on one connection (a transaction)."""

    def __init__(self, executor: Any, *, in_transaction: bool = False) -> None:
        self._pool_executor = executor
        self.in_transaction = in_transaction

    @property
    def _executor(self) -> Any:
        open_here = _open_on(self._pool_executor)
        return self._pool_executor if open_here is None else open_here

    def execute(self, sql: str, params: Iterable[Any] = ()) -> _Pending:
        return _Pending(self._run(sql, tuple(params)))

    async def _run(self, sql: str, params: tuple[Any, ...]) -> PgCursor:
        query = to_postgres(sql)
        try:
            with _busy_when_transient():
                if returns_rows(sql):
                    rows = await self._executor.fetch(query, *params)
                    return PgCursor(list(rows), len(rows))
                status = await self._executor.execute(query, *params)
        except asyncpg.PostgresError as exc:
            exc.add_note(f"in: {query}")  # which statement, for whoever reads the log
            raise
        last = status.rsplit(" ", 1)[-1] if status else ""
        return PgCursor([], int(last) if last.isdigit() else -1)

    async def execute_fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        cursor = await self._run(sql, tuple(params))
        return await cursor.fetchall()

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(r) for r in rows]
        if rows:
            with _busy_when_transient():
                await self._executor.executemany(to_postgres(sql), rows)


async def open_pool(url: str, *, size: int, connect_seconds: float) -> Any:
    """A pool on `url`; an unreachable server is retried for `connect_seconds`. Every failure
    is one `StoreUnusable` line (the password never appears in it)."""
    shown = redacted(url)
    if asyncpg is None:
        raise StoreUnusable(shown, "PostgreSQL needs the asyncpg driver: "
                                   "pip install 'citybot[postgres]'")
    deadline = time.monotonic() + connect_seconds
    delay = 0.5
    while True:
        try:
            return await asyncpg.create_pool(url, min_size=1, max_size=max(1, size),
                                             command_timeout=60, timeout=10)
        except asyncpg.InvalidPasswordError as exc:
            raise StoreUnusable(shown, f"the server refused the login ({exc})") from exc
        except asyncpg.InvalidAuthorizationSpecificationError as exc:
            raise StoreUnusable(shown, f"the server refused the login ({exc})") from exc
        except asyncpg.InvalidCatalogNameError as exc:
            name = urlsplit(url).path.lstrip("/") or "?"
            raise StoreUnusable(shown, f"database \"{name}\" does not exist "
                                       f"(create it: createdb {name})") from exc
        except (TimeoutError, OSError, asyncpg.CannotConnectNowError,
                asyncpg.TooManyConnectionsError, asyncpg.PostgresConnectionError) as exc:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StoreUnusable(shown, f"the PostgreSQL server cannot be reached "
                                           f"({exc or type(exc).__name__}; tried for "
                                           f"{connect_seconds:.0f} s)") from exc
            if delay == 0.5:  # one line for the wait, not one per try
                log.warning("%s: PostgreSQL not reachable yet (%s); retrying for up to %.0f s",
                            shown, exc, connect_seconds)
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, 5.0)
        except (ValueError, OverflowError) as exc:  # a URL asyncpg cannot read
            raise StoreUnusable(shown, f"not a PostgreSQL URL asyncpg understands ({exc})"
                                ) from exc


class PostgresEngine:
    """The PostgreSQL side of the store: pool, transactions, migrations, the wake-up."""

    dialect = "postgres"

    def __init__(self, pool: Any, url: str) -> None:
        self.pool = pool
        self.url = url
        self.location = redacted(url)
        self.db = PgConnection(pool)
        self._listener: Any = None
        self._wakeups = 0
        self.lock_timeout = LOCK_TIMEOUT

    @classmethod
    async def open(cls, url: str, *, pool_size: int, connect_seconds: float,
                   migrations: Sequence[tuple[int, str, str]] | None) -> PostgresEngine:
        pool = await open_pool(url, size=pool_size, connect_seconds=connect_seconds)
        engine = cls(pool, url)
        try:
            if migrations is not None:
                await engine.migrate(migrations)
        except BaseException as exc:
            await pool.close()
            if isinstance(exc, StoreUnusable) or not isinstance(exc, Exception):
                raise
            # e.g. the user may not create tables (PostgreSQL 15: CREATE on schema public),
            # the server is busy, or a lock is held: one line, not a traceback.
            raise StoreUnusable(engine.location, f"it cannot be prepared ({_one_line(exc)})"
                                ) from exc
        return engine

    async def close(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
            self._listener = None
        await self.pool.close()

    # ---- schema -------------------------------------------------------------------------

    async def schema_version(self) -> int:
        exists = await self.pool.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if not exists:
            return 0
        return int(await self.pool.fetchval("SELECT coalesce(max(number), 0)"
                                            " FROM schema_migrations"))

    async def migrate(self, migrations: Sequence[tuple[int, str, str]]) -> int:
        """Apply the migrations this database has not seen, in one transaction, one process
        at a time; refuse a database made by a newer citybot, or by something else."""
        known = len(migrations)
        with _busy_when_transient():
            async with self.pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (number BIGINT PRIMARY KEY,"
                    " name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
                current = int(await conn.fetchval(
                    "SELECT coalesce(max(number), 0) FROM schema_migrations"))
                pending = [m for m in migrations if m[0] > current]
                if pending and await conn.fetchval("SELECT to_regclass('changes') IS NOT NULL"):
                    # a migration's writes take their turn like any other writer's
                    await conn.execute(f"SET LOCAL lock_timeout = '{self.lock_timeout}'")
                    await conn.execute("LOCK TABLE changes IN EXCLUSIVE MODE")
                if current > known:
                    raise StoreUnusable(self.location, f"this database was made by a newer "
                                        f"citybot: schema {current}, this one knows {known}")
                if current == 0:
                    others = await conn.fetchval(
                        "SELECT count(*) FROM information_schema.tables WHERE table_schema ="
                        " current_schema() AND table_name <> 'schema_migrations'")
                    if others:
                        raise StoreUnusable(self.location, f"it has {others} table(s) but no "
                                            "citybot schema: it was not made by citybot")
                for number, name, sql in migrations:
                    if number > current:
                        await conn.execute(sql)
                        await conn.execute("INSERT INTO schema_migrations (number, name)"
                                           " VALUES ($1, $2)", number, name)
                        current = number
        return current

    # ---- transactions ---------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:
        # Only the driver's own failures here are "busy"; what the body raises is its own
        # (its statements are classified by PgConnection).
        with _busy_when_transient():
            conn = await self.pool.acquire()
        try:
            transaction = conn.transaction()
            try:
                with _busy_when_transient():
                    await transaction.start()
                    # One round trip (no parameters: the simple protocol takes both).
                    await conn.execute(f"SET LOCAL lock_timeout = '{self.lock_timeout}';"
                                       " LOCK TABLE changes IN EXCLUSIVE MODE")
                token = _open_transaction.set((self.pool, conn))
                try:
                    yield PgConnection(conn, in_transaction=True)
                finally:
                    _open_transaction.reset(token)
            except BaseException as exc:
                if isinstance(exc, StoreBusy):
                    conn.terminate()  # perhaps broken: the pool makes a new one, not reuse it
                else:
                    with contextlib.suppress(Exception):
                        await transaction.rollback()
                raise
            try:
                with _busy_when_transient():
                    await transaction.commit()
            except StoreBusy:
                conn.terminate()
                raise
        finally:
            with contextlib.suppress(Exception):
                await self.pool.release(conn)

    @asynccontextmanager
    async def committed(self) -> AsyncIterator[None]:
        yield  # a pooled read never sees another connection's open transaction

    async def batches(self, sql: str, params: Sequence[Any], size: int
                      ) -> AsyncIterator[list[tuple[Any, ...]]]:
        """A big read (start-up's every entry) through a server-side cursor, a batch at a
        time: a million statements are never all in this process's memory at once. Inside
        this task's open transaction (a write, or `snapshot()`) it reads on that connection,
        so it sees what that transaction sees."""
        if (open_here := _open_on(self.pool)) is not None:
            async for rows in self._fetch_batches(open_here, sql, params, size):
                yield rows
            return
        with _busy_when_transient():
            conn = await self.pool.acquire()
        try:
            with _busy_when_transient():
                async with conn.transaction(readonly=True):
                    async for rows in self._fetch_batches(conn, sql, params, size):
                        yield rows
        finally:
            await self.pool.release(conn)

    @staticmethod
    async def _fetch_batches(conn: Any, sql: str, params: Sequence[Any], size: int
                             ) -> AsyncIterator[list[tuple[Any, ...]]]:
        with _busy_when_transient():
            cursor = await conn.cursor(to_postgres(sql), *params)
            while rows := await cursor.fetch(size):
                yield [tuple(row) for row in rows]

    async def identity(self) -> tuple[int, ...]:
        """The database's oid: one dropped and made again is another database."""
        with _busy_when_transient():
            oid = await self.pool.fetchval(
                "SELECT oid::bigint FROM pg_database WHERE datname = current_database()")
        return (int(oid),)

    # ---- the change feed's wake-up --------------------------------------------------------

    async def data_version(self) -> int:
        """A number that changes when a transaction that wrote the change log commits
        (NOTIFY), or when the listening connection had to be re-made."""
        if self._listener is None or self._listener.is_closed():
            try:
                with _busy_when_transient():
                    self._listener = await asyncpg.connect(self.url, timeout=10)
                    await self._listener.add_listener(CHANNEL, self._notified)
            except BaseException:
                self._listener = None
                raise
            self._wakeups += 1  # whatever was notified while we were away is gone: re-read
        return self._wakeups

    def _notified(self, *_: object) -> None:
        self._wakeups += 1

    # ---- checks ---------------------------------------------------------------------------

    async def fingerprint(self) -> str:
        digest = hashlib.sha256()
        tables = await self.pool.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema ="
            " current_schema() AND table_name NOT IN ('schema_migrations', 'shard_leases')"
            " ORDER BY table_name")  # leases are heartbeats, not content
        for (table,) in tables:
            digest.update(table.encode())
            for row in await self.pool.fetch(f'SELECT * FROM "{table}" t ORDER BY t::text'):
                digest.update(repr(tuple(row)).encode())
        return digest.hexdigest()

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        """Reads in this block (this task's) see one committed state: a read-only
        REPEATABLE READ transaction on one connection."""
        with _busy_when_transient():
            conn = await self.pool.acquire()
        try:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                token = _open_transaction.set((self.pool, conn))
                try:
                    yield
                finally:
                    _open_transaction.reset(token)
        finally:
            await self.pool.release(conn)

    async def after_bulk_copy(self, db: PgConnection, tables: Sequence[str]) -> None:
        for table in tables:
            has_identity = await db.execute_fetchall(
                "SELECT pg_get_serial_sequence(?, 'id') IS NOT NULL FROM information_schema"
                ".columns WHERE table_schema = current_schema() AND table_name = ?"
                " AND column_name = 'id'", (table, table))
            if has_identity and has_identity[0][0]:
                await db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                                 f" (SELECT max(id) FROM {table}))")

    async def integrity_check(self) -> str:
        await self.pool.fetchval("SELECT 1")
        return "ok"
