"""Settings, loaded once by an entry point and passed in; nothing here runs at import."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from dotenv import dotenv_values

if TYPE_CHECKING:
    from bot.core.store.location import Database


class SettingsError(ValueError):
    """A setting has a value the bot cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    discord_token: str | None = field(default=None, repr=False)  # never printed or logged
    command_prefix: str = "!"
    database_path: Path = Path("citybot.db")
    # PostgreSQL instead of the SQLite file when set (it may hold a password: never shown).
    database_url: str | None = field(default=None, repr=False)
    database_pool_size: int = 5
    database_connect_seconds: float = 30.0
    # INDEX_SNAPSHOT: where the index snapshot is kept; "" (off) for none; None: beside the
    # SQLite file (none for PostgreSQL).
    index_snapshot: str | None = None
    dev_guild_id: int | None = None
    log_level: str = "INFO"
    owner_ids: frozenset[int] = frozenset()
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    lookup_cooldown_rate: int = 5
    lookup_cooldown_per: float = 10.0
    # Seconds without any gateway message (events or heartbeat ACKs) before discord.py drops
    # the connection as dead and resumes on a new one; discord.py's own default.
    heartbeat_timeout: float = 60.0
    # Discord shards: how many the bot has in all (None: unsharded) and which this process
    # runs (None: all of them).
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    # A shard's lease expires this long after its holder's last heartbeat (renewed every
    # third of it): how soon a standby takes over from a process that died.
    shard_lease_seconds: float = 30.0
    # How long `citybot run` keeps trying to reach Discord (its API, then its gateway) at
    # start, with back-off, before it gives up with one line (exit status 1).
    discord_connect_seconds: float = 60.0

    def database(self) -> Database:
        """The store to open: PostgreSQL when DATABASE_URL is set, else the SQLite file."""
        from bot.core.store.location import Database

        return Database(self.database_url or self.database_path, self.database_pool_size,
                        self.database_connect_seconds, self.index_snapshot)


def _index_snapshot(raw: str | None) -> str | None:
    if raw is None:
        return None
    if raw.lower() in {"off", "none", "no", "false", "0"}:
        return ""
    if "://" in raw:
        raise SettingsError("INDEX_SNAPSHOT is a file's path (or off), not a URL")
    return str(Path(raw).expanduser())


def _pool_size(raw: str | None) -> int:
    size = _int_or_none("DATABASE_POOL_SIZE", raw)
    if size is None:
        return 5
    if not 1 <= size <= 100:
        raise SettingsError(f"DATABASE_POOL_SIZE must be 1 to 100 connections, got {size}")
    return size


def _database_path(raw: str | None) -> Path:
    if raw and "://" in raw:  # a URL here would become folders named after it
        raise SettingsError("DATABASE_PATH is a file's path; a postgresql:// URL goes in "
                            "DATABASE_URL")
    return Path(raw or "citybot.db")


def _database_url(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    if not raw.strip().startswith(("postgresql://", "postgres://")):
        raise SettingsError("DATABASE_URL must be a postgresql://user:password@host:port/db "
                            "URL (leave it unset for the SQLite file at DATABASE_PATH)")
    try:
        urlsplit(raw.strip()).port  # noqa: B018 (reading it checks it)
    except ValueError:
        raise SettingsError("DATABASE_URL cannot be read as a URL (check its host and port; "
                            "a password with @ : / must be percent-encoded)") from None
    return raw.strip()


def _int_or_none(name: str, raw: str | None) -> int | None:
    if raw is None or not raw.strip():
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


def _positive_seconds(name: str, raw: str | None, default: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise SettingsError(f"{name} must be a number of seconds above 0, got {raw!r}")
    return value


def _token(raw: str | None) -> str | None:
    """DISCORD_TOKEN, refused if it holds a line break or another control character (a token
    pasted with its line end inside quotes): HTTP headers cannot carry one."""
    if raw is not None and any(ord(c) < 32 or ord(c) == 127 for c in raw):
        raise SettingsError("DISCORD_TOKEN contains a line break or another control character: "
                            "paste the token again, on one line")
    return raw


def _shards(count_raw: str | None, ids_raw: str | None
            ) -> tuple[int | None, tuple[int, ...] | None]:
    """SHARD_COUNT and SHARD_IDS ("0-1", "0,2", "3"): checked together."""
    count = _int_or_none("SHARD_COUNT", count_raw)
    if count is None:
        if ids_raw:
            raise SettingsError("SHARD_IDS needs SHARD_COUNT (the number of shards in all)")
        return None, None
    if count < 1:
        raise SettingsError(f"SHARD_COUNT must be 1 or more, got {count_raw!r}")
    if not ids_raw:
        return count, None
    ids: set[int] = set()
    for part in ids_raw.replace(" ", "").split(","):
        low, dash, high = part.partition("-")
        try:
            first, last = int(low), int(high) if dash else int(low)
        except ValueError:
            raise SettingsError("SHARD_IDS must be shard numbers and ranges like 0-1,4, "
                                f"got {ids_raw!r}") from None
        if first > last or first < 0 or last >= count:
            raise SettingsError(f"SHARD_IDS {part!r} is not within 0-{count - 1} "
                                f"(SHARD_COUNT={count})")
        ids.update(range(first, last + 1))
    return count, tuple(sorted(ids))


def settings_from_mapping(values: Mapping[str, str | None]) -> Settings:
    """Build Settings from a flat mapping (the merged .env file and environment)."""

    def get(name: str) -> str | None:
        value = values.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    owners = get("OWNER_IDS") or ""
    try:
        owner_ids = frozenset(int(part) for part in owners.replace(",", " ").split())
    except ValueError:
        raise SettingsError(f"OWNER_IDS must be numbers separated by commas: {owners!r}") from None
    level = (get("LOG_LEVEL") or "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL: {level!r}")
    rate = _int_or_none("LOOKUP_COOLDOWN_RATE", get("LOOKUP_COOLDOWN_RATE"))
    if rate is not None and rate < 0:
        raise SettingsError(f"LOOKUP_COOLDOWN_RATE must be 0 (off) or more, got {rate}")
    # Checked even when the rate is 0: a value that makes no sense is refused, not ignored.
    per_value = _positive_seconds("LOOKUP_COOLDOWN_SECONDS", get("LOOKUP_COOLDOWN_SECONDS"), 10.0)
    shard_count, shard_ids = _shards(get("SHARD_COUNT"), get("SHARD_IDS"))
    return Settings(
        discord_token=_token(get("DISCORD_TOKEN")),
        command_prefix=get("COMMAND_PREFIX") or "!",
        database_path=_database_path(get("DATABASE_PATH")),
        database_url=_database_url(get("DATABASE_URL")),
        database_pool_size=_pool_size(get("DATABASE_POOL_SIZE")),
        database_connect_seconds=_positive_seconds("DATABASE_CONNECT_SECONDS",
                                                   get("DATABASE_CONNECT_SECONDS"), 30.0),
        index_snapshot=_index_snapshot(get("INDEX_SNAPSHOT")),
        dev_guild_id=_int_or_none("DEV_GUILD_ID", get("DEV_GUILD_ID")),
        log_level=level,
        owner_ids=owner_ids,
        discord_api_base=get("DISCORD_API_BASE"),
        discord_gateway_url=get("DISCORD_GATEWAY_URL"),
        lookup_cooldown_rate=5 if rate is None else rate,
        lookup_cooldown_per=per_value,
        heartbeat_timeout=_positive_seconds("DISCORD_HEARTBEAT_TIMEOUT",
                                            get("DISCORD_HEARTBEAT_TIMEOUT"), 60.0),
        shard_count=shard_count,
        shard_ids=shard_ids,
        shard_lease_seconds=_positive_seconds("SHARD_LEASE_SECONDS",
                                              get("SHARD_LEASE_SECONDS"), 30.0),
        discord_connect_seconds=_positive_seconds("DISCORD_CONNECT_SECONDS",
                                                  get("DISCORD_CONNECT_SECONDS"), 60.0),
    )


def load_settings(env_file: str | os.PathLike[str] | None = ".env") -> Settings:
    """Read `env_file` (if it exists), then let real environment variables override it."""
    values: dict[str, str | None] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update(dotenv_values(env_file))
    values.update(os.environ)
    return settings_from_mapping(values)
