"""Which database a process uses: a SQLite file's path, or a PostgreSQL URL, and the options
that go with it. Settings build one; the store opens it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit


def is_postgres(location: str | Path) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


@dataclass(frozen=True, slots=True)
class Database:
    location: str | Path = field(repr=False)  # a URL may hold a password
    pool_size: int = 5            # PostgreSQL: connections this process keeps at most
    connect_seconds: float = 30.0  # PostgreSQL: how long an unreachable server is retried

    @classmethod
    def of(cls, value: Database | str | Path) -> Database:
        return value if isinstance(value, Database) else cls(value)

    def __str__(self) -> str:
        return redacted(str(self.location)) if is_postgres(self.location) \
            else str(self.location)
