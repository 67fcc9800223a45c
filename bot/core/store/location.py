"""Which database a process uses: a SQLite file's path, or a PostgreSQL URL, and the options
that go with it. Settings build one; the store opens it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_postgres(location: str | Path) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


def is_url(location: str | Path) -> bool:
    """Anything spelled scheme://…: never to be taken for a file's path."""
    return bool(_SCHEME.match(str(location)))


def database_secrets(url: str | None) -> list[str]:
    """The password of a PostgreSQL URL, as written and decoded (for the log's redaction)."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        found = [parts.password or "", *(v for k, v in parse_qsl(parts.query) if k == "password")]
    except ValueError:
        return []
    return [s for secret in found if secret for s in {secret, unquote(secret)}]


def without_password(url: str) -> str:
    """The URL with no password in it (to hand to a tool that gets it another way)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    if len(netloc) == 2:
        netloc[0] = netloc[0].split(":", 1)[0]
    query = "&".join(f"{k}={v}" for k, v in parse_qsl(parts.query) if k != "password")
    return parts._replace(netloc="@".join(netloc), query=query).geturl()


def redacted(url: str) -> str:
    """The URL as far as it can be shown: user, host, port and database, never a password."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"{url.split('://', 1)[0]}://… (a URL that cannot be read)"
    user = f"{parts.username}{':***' if parts.password else ''}@" if parts.username else ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


@dataclass(frozen=True, slots=True)
class Database:
    location: str | Path = field(repr=False)  # a URL may hold a password
    pool_size: int = 5            # PostgreSQL: connections this process keeps at most
    connect_seconds: float = 30.0  # PostgreSQL: how long an unreachable server is retried
    # The in-memory index's snapshot (bot/core/snapshot.py): "" for none; None for the
    # default, beside a SQLite file (PostgreSQL has no such place: none unless set).
    index_snapshot: str | None = None

    @classmethod
    def of(cls, value: Database | str | Path) -> Database:
        return value if isinstance(value, Database) else cls(value)

    def snapshot_path(self, partition_tag: str = "") -> Path | None:
        """Where this process's index snapshot is kept; one file per set of shards."""
        if self.index_snapshot == "":
            return None
        if self.index_snapshot is not None:
            base = Path(self.index_snapshot)
        elif is_postgres(self.location) or str(self.location) == ":memory:":
            return None
        else:
            base = Path(f"{self.location}.index")
        return base.with_name(f"{base.name}.{partition_tag}") if partition_tag else base

    def __str__(self) -> str:
        return redacted(str(self.location)) if is_postgres(self.location) \
            else str(self.location)
