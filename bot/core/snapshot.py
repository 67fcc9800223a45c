"""The in-memory index saved beside the database, so a big store starts in seconds.

Building the index reads and normalises every entry (a minute at a million statements); a
snapshot is that index as it was at one position of the change log, and the change feed
brings it up to date at start: the store stays the truth, the snapshot is only a cache of
it. A snapshot is used only when everything it was built from is still what it was:

- this code (the matcher's and normaliser's source, Python's Unicode tables), the same
  partition of servers, and the same database: the change log's row at the snapshot's
  position is still there, unchanged (a restored backup or another database has another
  row there, or none; a log trimmed past it makes the feed rebuild anyway);
- a whole file: written to a temporary file, flushed and renamed over the old one.

Anything else (missing, damaged, from another version, unreadable) is one warning line and
the index is built from the store as without a snapshot. Reading it unpickles only the
index's own classes and arrays: a file that names anything else is refused, not run.

Writing pickles the index in a forked child (POSIX), so the process goes on answering
while a big index is written; the child holds the index as it was at the fork.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib
import logging
import os
import pickle
import signal
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

from bot.core.catalog import Catalog

log = logging.getLogger(__name__)

FORMAT = 1
# Smaller indexes build from the store in well under a second: not worth a file.
WORTH_SAVING_FROM = 20_000  # entries
_MAGIC = b"citybot-index\n"
# Besides the index's own classes: arrays, and plain containers pickle names by reference.
_ALLOWED_FUNCTIONS = {("array", "_array_reconstructor"), ("array", "array"),
                      ("builtins", "bytearray"), ("builtins", "range"), ("builtins", "set"),
                      ("builtins", "frozenset")}
_INDEX_MODULES = ("bot.core.catalog", "bot.core.matching")
# What the index's shape and contents depend on: a change to any of these makes old
# snapshots stale.
_SOURCES = ("catalog.py", "snapshot.py", "text.py", "matching")


class SnapshotUnusable(Exception):
    """Why a snapshot file cannot be used (one line)."""


@dataclass(frozen=True, slots=True)
class Header:
    format: int
    code: str  # `code_version()` of the process that wrote it
    partition: str  # `Partition.describe()`
    position: int  # the change log's row the index includes everything up to
    marker: tuple[Any, ...] | None  # that row as the store had it (`Store.change_marker`)
    dropped: tuple[int, ...]  # servers left before the save: their entries are not in it
    entries: int


@cache
def code_version() -> str:
    digest = hashlib.sha256()
    digest.update(f"{FORMAT} {sys.version_info[:2]} {unicodedata.unidata_version}".encode())
    core = Path(__file__).parent
    for name in _SOURCES:
        path = core / name
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(source.name.encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def entries_of(catalog: Catalog) -> int:
    return sum(map(len, catalog.indexes.values()))


# ---- reading ----------------------------------------------------------------------------

class _IndexUnpickler(pickle.Unpickler):
    """Makes only the index's own classes (and arrays): a pickle is a program, and a file
    beside the database is not trusted to run one."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_FUNCTIONS:
            return super().find_class(module, name)
        if module.startswith(_INDEX_MODULES) and not name.startswith("__"):
            found = getattr(importlib.import_module(module), name, None)
            # Defined there, not merely imported there (the catalog module imports Store).
            if isinstance(found, type) and found.__module__.startswith(_INDEX_MODULES):
                return found
        raise pickle.UnpicklingError(f"it names {module}.{name}, which is not part of an index")


def read_header(file: IO[bytes]) -> Header:
    if file.read(len(_MAGIC)) != _MAGIC:
        raise SnapshotUnusable("it is not a citybot index snapshot")
    raw = _IndexUnpickler(file).load()
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise SnapshotUnusable("it was written in another format")
    try:
        header = Header(**raw)
    except TypeError as exc:
        raise SnapshotUnusable("its header cannot be read") from exc
    if header.code != code_version():
        raise SnapshotUnusable("it was written by another version of citybot")
    return header


def read(path: Path, partition: str) -> tuple[Header, Catalog]:
    """The header and the index; `SnapshotUnusable` (one line) for any file that is not a
    whole snapshot of this version and partition."""
    try:
        with path.open("rb") as file:
            header = read_header(file)
            if header.partition != partition:
                raise SnapshotUnusable(f"it holds {header.partition}, not {partition}")
            catalog = _IndexUnpickler(file).load()
    except SnapshotUnusable:
        raise
    except FileNotFoundError as exc:
        raise SnapshotUnusable("there is none yet") from exc
    except OSError as exc:
        raise SnapshotUnusable(f"it cannot be read ({exc.strerror or exc})") from exc
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, ImportError, MemoryError) as exc:
        raise SnapshotUnusable(f"it is damaged or incomplete ({exc or type(exc).__name__})"
                               ) from exc
    if not isinstance(catalog, Catalog):
        raise SnapshotUnusable("it holds no index")
    return header, catalog


# ---- writing ----------------------------------------------------------------------------

def write(path: Path, header: Header, catalog: Catalog) -> None:
    """Write atomically: a reader sees the old snapshot or the new one, never half of one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as file:
            file.write(_MAGIC)
            pickle.dump(asdict(header), file, protocol=5)
            pickle.dump(catalog, file, protocol=5)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    with contextlib.suppress(OSError):  # the rename itself durable too
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


class Snapshots:
    """Where this process's snapshot lives, and its writer: at most one at a time."""

    def __init__(self, path: Path, partition: str) -> None:
        self.path = path
        self.partition = partition
        self.saved_position: int | None = None  # of the last snapshot read or written
        self._writing: asyncio.Future[int] | None = None
        self.written = 0  # snapshots written (for tests and the log)

    def restore(self) -> tuple[Header, Catalog] | None:
        try:
            header, catalog = read(self.path, self.partition)
        except SnapshotUnusable as exc:
            if self.path.exists() or "none yet" not in str(exc):
                log.warning("index snapshot %s not used: %s; building the index from the "
                            "store", self.path, exc)
            return None
        return header, catalog

    def is_current(self, position: int) -> bool:
        return self.saved_position == position

    def save(self, catalog: Catalog, position: int, marker: tuple[Any, ...] | None,
             dropped: Iterable[int]) -> None:
        """Start writing the index as it is now (unless a write is already under way)."""
        if self._writing is not None and not self._writing.done():
            return
        header = Header(FORMAT, code_version(), self.partition, position, marker,
                        tuple(sorted(dropped)), entries_of(catalog))
        loop = asyncio.get_running_loop()
        self._writing = loop.create_future() if hasattr(os, "fork") else None
        if self._writing is None:  # no fork: write here (the loop waits meanwhile)
            self._write_or_warn(header, catalog)
            return
        pid = _fork(lambda: write(self.path, header, catalog))
        waiting = loop.run_in_executor(None, _exit_status, pid)
        writing = self._writing

        def done(finished: asyncio.Future[int]) -> None:
            status = finished.result() if not finished.cancelled() else 1
            if status == 0:
                self.saved_position = position
                self.written += 1
                log.info("index snapshot written: %s (%d entries, change %d)", self.path,
                         header.entries, position)
            else:
                log.warning("index snapshot %s could not be written (see the warning "
                            "above); the next start builds the index from the store",
                            self.path)
            writing.set_result(status)

        waiting.add_done_callback(done)

    def _write_or_warn(self, header: Header, catalog: Catalog) -> None:
        try:
            write(self.path, header, catalog)
        except OSError as exc:
            log.warning("index snapshot %s could not be written (%s)", self.path,
                        exc.strerror or exc)
            return
        self.saved_position = header.position
        self.written += 1

    async def wait(self) -> None:
        """Until the write under way (if any) is finished."""
        if self._writing is not None:
            await asyncio.shield(self._writing)


def _fork(work: Callable[[], None]) -> int:
    pid = os.fork()
    if pid:
        return pid
    # The child: only `work`, then out, without running the parent's cleanup (its event
    # loop, its database connections, its atexit handlers are the parent's).
    status = 1
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        with contextlib.suppress(ValueError, OSError):
            signal.set_wakeup_fd(-1)
        work()
        status = 0
    except OSError as exc:
        with contextlib.suppress(Exception):
            log.warning("index snapshot could not be written (%s)", exc.strerror or exc)
    except BaseException:
        with contextlib.suppress(Exception):
            log.exception("index snapshot could not be written")
    finally:
        os._exit(status)


def _exit_status(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)
