"""The digest's plain data, its clock and its settings errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.models import City, Official, Statement

Clock = Callable[[], datetime]
Trigger = Literal["schedule", "manual"]

NEW_LINES = 15  # entries listed under "new since the last digest"; the rest are counted
LINE_CHARS = 150
DEFAULT_TIME = time(9, 0)


def utc_now() -> datetime:
    return datetime.now(UTC)


class DigestInputError(ValueError):
    """A setting the member typed cannot be used; the message says why and what would work."""


# ---- plain data ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Watermarks:
    """The highest city, official and statement ids a digest has covered."""

    city: int = 0
    official: int = 0
    statement: int = 0


@dataclass(frozen=True, slots=True)
class DigestSettings:
    guild_id: int
    channel_id: int | None = None
    post_time: time = DEFAULT_TIME
    timezone: str = "UTC"
    enabled: bool = False
    armed_at: datetime | None = None
    last_posted_date: date | None = None
    rotation_round: int = 1
    seen: Watermarks = field(default_factory=Watermarks)
    last_error: str | None = None
    last_error_at: datetime | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class DigestPost:
    """One claimed day: what it holds (statement, entry window) and how sending went."""

    id: int
    guild_id: int
    local_date: date
    trigger: Trigger
    status: Literal["sending", "sent", "failed"]
    claimed_at: datetime
    statement_id: int | None
    rotation_round: int
    since: Watermarks
    until: Watermarks
    channel_id: int | None = None
    message_id: int | None = None
    sent_at: datetime | None = None
    error: str | None = None


def digest_nonce(post: DigestPost) -> str:
    """The message nonce of a server's digest for a date (Discord allows 25 characters): sent
    with `enforce_nonce`, a second send of the same post returns the message the first one
    created instead of posting another (within Discord's few minutes)."""
    return f"dg{post.guild_id:x}{post.local_date:%y%m%d}"[:25]


@dataclass(frozen=True, slots=True)
class NewEntries:
    cities: tuple[City, ...] = ()
    officials: tuple[Official, ...] = ()
    statements: tuple[Statement, ...] = ()

    def __len__(self) -> int:
        return len(self.cities) + len(self.officials) + len(self.statements)


@dataclass(frozen=True, slots=True)
class EntryIds:
    """Ids of a server's own live entries inside a digest's window."""

    city_ids: tuple[int, ...] = ()
    official_ids: tuple[int, ...] = ()
    statement_ids: tuple[int, ...] = ()
