"""Settings, loaded once by an entry point and passed in; nothing here runs at import."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values


class SettingsError(ValueError):
    """A setting has a value the bot cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    discord_token: str | None = field(default=None, repr=False)  # never printed or logged
    command_prefix: str = "!"
    database_path: Path = Path("citybot.db")
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
    return Settings(
        discord_token=get("DISCORD_TOKEN"),
        command_prefix=get("COMMAND_PREFIX") or "!",
        database_path=Path(get("DATABASE_PATH") or "citybot.db"),
        dev_guild_id=_int_or_none("DEV_GUILD_ID", get("DEV_GUILD_ID")),
        log_level=level,
        owner_ids=owner_ids,
        discord_api_base=get("DISCORD_API_BASE"),
        discord_gateway_url=get("DISCORD_GATEWAY_URL"),
        lookup_cooldown_rate=5 if rate is None else rate,
        lookup_cooldown_per=per_value,
        heartbeat_timeout=_positive_seconds("DISCORD_HEARTBEAT_TIMEOUT",
                                            get("DISCORD_HEARTBEAT_TIMEOUT"), 60.0),
    )


def load_settings(env_file: str | os.PathLike[str] | None = ".env") -> Settings:
    """Read `env_file` (if it exists), then let real environment variables override it."""
    values: dict[str, str | None] = {}
    if env_file is not None and Path(env_file).is_file():
        values.update(dotenv_values(env_file))
    values.update(os.environ)
    return settings_from_mapping(values)
