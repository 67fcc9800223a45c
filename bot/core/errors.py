"""Errors the core raises for adapters to turn into words."""

from __future__ import annotations


class StoreBusy(RuntimeError):
    """The database is locked by another writer, or the disk is full: nothing was written,
    and the same request may succeed a moment later."""

    message = "The database is busy or out of space right now; nothing was changed. " \
              "Please try again in a moment."


class StoreWritesStopped(StoreBusy):
    """The database file was deleted or replaced under the running bot: a write committed to
    the file it still has open would be lost at the next start, so none is confirmed until a
    restart. A StoreBusy, so every path that answers StoreBusy answers this, with `message`."""

    message = "The database file was removed or replaced while the bot was running, so " \
              "nothing was changed; changes are refused until the bot is restarted " \
              "(lookups still work)."


class StoreUnusable(RuntimeError):
    """The database at `path` cannot be used as it is (not a database, damaged, read-only,
    made by a newer citybot …): raised by `Store.open` before anything is written to it, so
    the file is left exactly as it was. `str()` is one line naming the path and the problem."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

