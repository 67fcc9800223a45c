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
import gc
import hashlib
import importlib
import importlib.metadata
import logging
import os
import pickle
import signal
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

from bot.core.catalog import Catalog

log = logging.getLogger(__name__)

FORMAT = 2
_DIGEST_SIZE = 32  # sha256 of the index's bytes, after them
# Smaller indexes build from the store in well under a second: not worth a file.
WORTH_SAVING_FROM = 20_000  # entries
_MAGIC = b"citybot-index\n"
# Besides the index's own classes, all a snapshot names: how arrays are pickled.
_ALLOWED_FUNCTIONS = {("array", "_array_reconstructor"), ("array", "array")}
_INDEX_MODULES = ("bot.core.catalog", "bot.core.matching")
# What the index's shape and contents depend on: a change to any of these makes old
# snapshots stale.
_SOURCES = ("catalog.py", "snapshot.py", "text.py", "feed.py", "matching", "store/entries.py",
            "store/changes.py", "migrations")


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
    # The newest row when it was saved: the index may hold changes up to it (entries are
    # re-read after their row), so a store that has not got that far (a backup copied over
    # the file, a replica behind) cannot bring it back to its own state.
    ahead: int = 0
    ahead_marker: tuple[Any, ...] | None = None


@cache
def code_version() -> str:
    digest = hashlib.sha256()
    digest.update(f"{FORMAT} {sys.version_info[:2]} {unicodedata.unidata_version}".encode())
    core = Path(__file__).parent
    found = 0
    for name in _SOURCES:
        path = core / name
        for source in sorted(path.rglob("*.*")) if path.is_dir() else [path]:
            if source.suffix in (".py", ".sql") and source.is_file():
                digest.update(source.name.encode())
                digest.update(source.read_bytes())
                found += 1
    if not found:  # installed without its sources: the package's version, at least
        with contextlib.suppress(Exception):
            digest.update(importlib.metadata.version("citybot").encode())
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
    if not (isinstance(header.position, int) and isinstance(header.ahead, int)
            and isinstance(header.entries, int) and isinstance(header.dropped, tuple)
            and all(isinstance(g, int) for g in header.dropped)):
        raise SnapshotUnusable("its header cannot be read")
    if header.code != code_version():
        raise SnapshotUnusable("it was written by another version of citybot")
    return header


def read(path: Path, partition: str) -> tuple[Header, Callable[[], Catalog]]:
    """The header, and what reads the index after it (once the header is found good: a big
    index is not read for nothing); `SnapshotUnusable` (one line) for any file that is not a
    whole snapshot of this version and partition."""
    with _unusable_when_bad():
        file = path.open("rb")
    try:
        with _unusable_when_bad():
            header = read_header(file)
        if header.partition != partition:
            raise SnapshotUnusable(f"it holds {header.partition}, not {partition}")
    except BaseException:
        file.close()
        raise

    def catalog() -> Catalog:
        try:
            with _unusable_when_bad():
                hashing = _Hashing(file)
                found = _IndexUnpickler(hashing).load()
                if file.read(_DIGEST_SIZE) != hashing.digest.digest():
                    raise SnapshotUnusable("it is damaged (its checksum does not match)")
        finally:
            file.close()
        if not isinstance(found, Catalog) or entries_of(found) != header.entries:
            raise SnapshotUnusable("it holds no index, or not the one its header describes")
        return found

    return header, catalog


class _Hashing:
    """A file that hashes what passes through it (the index's bytes, as pickle reads or
    writes them, in frames of 64 KB or more)."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.file.write(data)

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.digest.update(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        size = self.file.readinto(buffer)  # type: ignore[attr-defined]
        self.digest.update(memoryview(buffer)[:size])
        return size

    def readline(self) -> bytes:
        data = self.file.readline()
        self.digest.update(data)
        return data


@contextlib.contextmanager
def _unusable_when_bad() -> Iterator[None]:
    try:
        yield
    except SnapshotUnusable:
        raise
    except FileNotFoundError as exc:
        raise SnapshotUnusable("there is none yet") from exc
    except OSError as exc:
        raise SnapshotUnusable(f"it cannot be read ({exc.strerror or exc})") from exc
    except Exception as exc:  # whatever a damaged pickle makes the unpickler raise
        raise SnapshotUnusable(f"it is damaged or incomplete ({exc or type(exc).__name__})"
                               ) from exc


# ---- writing ----------------------------------------------------------------------------

def _temporary(path: Path, pid: int) -> Path:
    return path.with_name(f".{path.name}.{pid}.tmp")


def write(path: Path, header: Header, catalog: Catalog) -> None:
    """Write atomically: a reader sees the old snapshot or the new one, never half of one.
    Readable by its owner only (it holds what the database holds)."""
    temporary = _temporary(path, os.getpid())
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(_MAGIC)
            pickle.dump(asdict(header), file, protocol=5)
            hashing = _Hashing(file)
            pickle.dump(catalog, hashing, protocol=5)
            file.write(hashing.digest.digest())  # a damaged byte is found, not believed
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


def remove_leftovers(path: Path) -> None:
    """Temporary files of writers that were killed (their process is gone)."""
    with contextlib.suppress(OSError):
        for leftover in path.parent.glob(f".{path.name}.*.tmp"):
            pid = leftover.name[len(path.name) + 2:-len(".tmp")]
            if pid.isdigit() and not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    leftover.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class Snapshots:
    """Where this process's snapshot lives, and its writer: at most one at a time."""

    def __init__(self, path: Path, partition: str) -> None:
        self.path = path
        self.partition = partition
        self.saved_position: int | None = None  # of the last snapshot read or written
        self._writing: asyncio.Future[None] | None = None
        self.written = 0  # snapshots written (for tests and the log)

    def restore(self) -> tuple[Header, Callable[[], Catalog]] | None:
        """The header and the index's reader, or None (said in one warning line)."""
        remove_leftovers(self.path)
        try:
            return read(self.path, self.partition)
        except SnapshotUnusable as exc:
            self.unusable(str(exc))
            return None

    def unusable(self, why: str) -> None:
        if self.path.exists() or "none yet" not in why:
            log.warning("index snapshot %s not used: %s; building the index from the store",
                        self.path, why)

    def is_current(self, position: int) -> bool:
        return self.saved_position == position

    def save(self, catalog: Catalog, *, position: int, marker: tuple[Any, ...],
             ahead: int, ahead_marker: tuple[Any, ...], dropped: Iterable[int]) -> None:
        """Start writing the index as it is now (unless a write is already under way):
        complete up to `position`, holding nothing past `ahead` (see `Header`)."""
        if self._writing is not None and not self._writing.done():
            return
        header = Header(FORMAT, code_version(), self.partition, position, marker,
                        tuple(sorted(dropped)), entries_of(catalog), ahead, ahead_marker)
        if not hasattr(os, "fork"):  # no fork: written here (the loop waits meanwhile)
            self._finished(header, self._write_here(header, catalog))
            return
        loop = asyncio.get_running_loop()
        writing = self._writing = loop.create_future()
        try:
            pid, reasons = _fork(lambda: write(self.path, header, catalog))
        except OSError as exc:  # no memory or processes left for a child: not this time
            self._finished(header, f"no child process to write it ({exc.strerror or exc})")
            writing.set_result(None)
            return

        def done(finished: asyncio.Future[str | None]) -> None:
            try:
                why = "it was stopped" if finished.cancelled() else finished.result()
                if why is not None:
                    with contextlib.suppress(OSError):
                        _temporary(self.path, pid).unlink()
                self._finished(header, why)
            finally:
                writing.set_result(None)

        loop.run_in_executor(None, _outcome, pid, reasons).add_done_callback(done)

    def _write_here(self, header: Header, catalog: Catalog) -> str | None:
        try:
            write(self.path, header, catalog)
        except OSError as exc:
            return exc.strerror or str(exc)
        return None

    def _finished(self, header: Header, why: str | None) -> None:
        if why is not None:
            log.warning("index snapshot %s could not be written (%s); the next start reads "
                        "the previous one or builds the index from the store", self.path, why)
            return
        self.saved_position = header.position
        self.written += 1
        log.info("index snapshot written: %s (%d entries, change %d)", self.path,
                 header.entries, header.position)

    async def wait(self) -> None:
        """Until the write under way (if any) is finished."""
        if self._writing is not None:
            await asyncio.shield(self._writing)


def _fork(work: Callable[[], None]) -> tuple[int, int]:
    """Run `work` in a child; its pid, and a pipe on which it says why it failed."""
    reasons, say = os.pipe()
    gc.freeze()  # the child's collector then leaves the index's pages alone (copy on write)
    try:
        pid = os.fork()
    except BaseException:
        gc.unfreeze()
        os.close(reasons)
        os.close(say)
        raise
    if pid:
        gc.unfreeze()
        os.close(say)
        return pid, reasons
    # The child: only `work`, then out, without running the parent's cleanup (its event
    # loop, its database connections, its atexit handlers are the parent's); no output of
    # its own (the parent says how it went), and Ctrl-C at the terminal is the parent's.
    status, why = 1, "it stopped on an unexpected error"
    try:
        gc.disable()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with contextlib.suppress(ValueError, OSError):
            signal.set_wakeup_fd(-1)
        null = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):
            os.dup2(null, stream)
        work()
        status = 0
    except OSError as exc:
        why = exc.strerror or str(exc)
    except BaseException as exc:
        why = f"{type(exc).__name__}: {exc}"
    finally:
        if status:
            with contextlib.suppress(Exception):
                os.write(say, why.encode()[:500])
        os._exit(status)


def _outcome(pid: int, reasons: int) -> str | None:
    """Wait for the child: None when it wrote the snapshot, else why not."""
    try:
        with os.fdopen(reasons, "rb") as pipe:
            why = pipe.read().decode(errors="replace").strip()
        _, status, usage = os.wait4(pid, 0)
        code = os.waitstatus_to_exitcode(status)
    except ChildProcessError:  # reaped by someone else: the file tells
        return None
    if code == 0:
        # What the fork cost in memory (its pages shared with the parent's count too).
        log.info("index snapshot writer: %.1f s of CPU, peak resident %d MB",
                 usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024)
        return None
    return why or (f"the writer was stopped by signal {-code}" if code < 0
                   else f"the writer exited with status {code}")
