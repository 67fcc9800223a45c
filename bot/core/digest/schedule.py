"""When a digest is due (pure functions of settings and a clock reading), and
the times and zones admins type."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from rapidfuzz import fuzz, process

from bot.core.digest.model import DigestInputError, DigestSettings

# ---- schedule --------------------------------------------------------------------------------


def scheduled_at(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `zone`.

    A wall time inside a spring-forward gap does not exist: it gives the first instant after
    the gap. A repeated autumn wall time gives its first occurrence (fold=0).
    """
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return first.astimezone(UTC)
    # In a gap fold=0 reads the wall time with the offset before the change (the later
    # instant) and fold=1 with the offset after (the earlier one); the change lies between.
    lo = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    hi = first.astimezone(UTC)
    if lo > hi:
        lo, hi = hi, lo
    after = hi.astimezone(zone).utcoffset()
    low, high = 0, int((hi - lo).total_seconds())
    while low < high:  # the first second whose offset is the new one
        middle = (low + high) // 2
        if (lo + timedelta(seconds=middle)).astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle + 1
    return lo + timedelta(seconds=low)


def local_today(settings: DigestSettings, now: datetime) -> date:
    return now.astimezone(settings.zone).date()


def _counts_for(settings: DigestSettings, at: datetime) -> bool:
    return settings.armed_at is None or at >= settings.armed_at


def due_date(settings: DigestSettings, now: datetime) -> date | None:
    """The local date whose digest is due at `now`, or None (only today can ever be due)."""
    if not settings.enabled or settings.channel_id is None:
        return None
    today = local_today(settings, now)
    if settings.last_posted_date is not None and settings.last_posted_date >= today:
        return None
    at = scheduled_at(today, settings.post_time, settings.zone)
    if now < at or not _counts_for(settings, at):
        return None
    return today


def next_due(settings: DigestSettings, now: datetime) -> datetime | None:
    """When the next digest goes out (UTC; <= now means "due now"), or None if never."""
    if not settings.enabled or settings.channel_id is None:
        return None
    today = local_today(settings, now)
    day = today
    if settings.last_posted_date is not None and settings.last_posted_date >= day:
        day = settings.last_posted_date + timedelta(days=1)
    for _ in range(3):
        at = scheduled_at(day, settings.post_time, settings.zone)
        if _counts_for(settings, at) and (at > now or day == today):
            return at
        day += timedelta(days=1)
    return None


# ---- what the admin types ------------------------------------------------------------------

_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*([ap])?\.?m?\.?$", re.IGNORECASE)


def parse_time(text: str) -> time:
    """"08:30", "8:30", "20:15", "8:30pm", "8pm" -> a wall-clock time."""
    match = _TIME.match(text.strip())
    if match is None or (match.group(2) is None and match.group(3) is None):
        raise DigestInputError(f"“{text[:40]}” is not a time of day: use 24-hour HH:MM, "
                               "for example `08:30` or `17:45`.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    half = (match.group(3) or "").lower()
    if half and not 1 <= hour <= 12:
        raise DigestInputError(f"“{text[:40]}”: with am/pm the hour is 1 to 12.")
    if half:
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59:
        raise DigestInputError(f"“{text[:40]}” is not a time of day: hours 00–23, "
                               "minutes 00–59, for example `08:30`.")
    return time(hour, minute)


@cache
def zone_names() -> dict[str, str]:
    """Every IANA zone name (from tzdata when the system has none), keyed case-folded."""
    return {name.casefold(): name for name in sorted(available_timezones())
            if name not in {"Factory", "localtime", "posixrules"}}


def _zone_key(text: str) -> str:
    return re.sub(r"\s+", "_", text.strip()).casefold()


def suggest_zones(text: str, limit: int = 5) -> list[str]:
    names = zone_names()
    found = process.extract(_zone_key(text), list(names), scorer=fuzz.WRatio, limit=limit)
    return [names[key] for key, _score, _index in found]


def find_timezone(text: str) -> str:
    """The IANA name `text` stands for (any case, spaces for underscores), or the closest."""
    name = zone_names().get(_zone_key(text))
    if name is not None:
        return name
    close = ", ".join(f"`{n}`" for n in suggest_zones(text))
    raise DigestInputError(f"“{text[:60]}” is not a time zone. Closest: {close}. "
                           "Use an IANA name such as `America/Chicago` or `Europe/London`.")
