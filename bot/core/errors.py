"""Errors the core raises for adapters to turn into words."""

from __future__ import annotations

import sqlite3


class StoreBusy(RuntimeError):
    """The database is locked by another writer, or the disk is full: nothing was written,
    and the same request may succeed a moment later."""

    message = "The database is busy or out of space right now; nothing was changed. " \
              "Please try again in a moment."


def is_transient(error: BaseException) -> bool:
    """SQLite errors that say "not now" rather than "never"."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    text = str(error).lower()
    return any(word in text for word in ("locked", "busy", "full", "disk i/o"))
