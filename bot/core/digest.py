"""The daily digest: when it is due, what it says, and the use cases behind its commands.

The schedule and the composition are pure functions of their arguments (the clock is passed
in), so they are tested with plain dates and zones. `DigestService` ties them to the store;
adapters (the Discord cog, the command line) only render and send what it returns.

Scheduling rules, in one place:
- A server's digest for local date D is due from the wall-clock time it chose on D, in its
  zone, until the end of D; the day is claimed in the store before anything is sent (a
  compare-and-set that only moves forward), so it is posted at most once.
- Catch-up: coming back later the same local day still posts; a day missed entirely is
  skipped (only today is ever considered).
- A time skipped by a spring-forward change posts at the first instant after the gap; a time
  repeated by an autumn change counts from its first occurrence (and the claim makes it once).
- Changing the time, the zone or switching the digest on "arms" it: a scheduled time earlier
  than that moment is not due, so setting 08:30 at 15:00 posts tomorrow, not at once.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, available_timezones

from rapidfuzz import fuzz, process

from bot.core import answers
from bot.core.matching import GLOBAL
from bot.core.models import Answer, City, Counts, Field, Official, Statement

if TYPE_CHECKING:
    from bot.core.store import Store

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


# ---- rotation --------------------------------------------------------------------------------


def rotation_order(statement_ids: Sequence[int], guild_id: int, round_: int) -> list[int]:
    """A fixed shuffle per server and round, so a restart does not change what comes next."""
    order = sorted(set(statement_ids))
    random.Random(f"{guild_id}:{round_}").shuffle(order)
    return order


def next_statement(
    candidates: Sequence[int], shown: set[int], guild_id: int, round_: int,
    previous: int | None = None,
) -> tuple[int | None, int]:
    """(statement of the day, round): none repeats until every candidate had its day."""
    if not candidates:
        return None, round_
    left = [i for i in rotation_order(candidates, guild_id, round_) if i not in shown]
    if not left:
        round_ += 1
        left = rotation_order(candidates, guild_id, round_)
        if len(left) > 1 and left[0] == previous:  # no same statement two days running
            left.append(left.pop(0))
    return left[0], round_


# ---- composition -----------------------------------------------------------------------------


def _line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 1] + "…"


def new_entry_lines(new: NewEntries) -> list[str]:
    lines = [f"City: {c.label}" for c in new.cities]
    lines += [f"Official: {o.name}" + (f" — {o.title}" if o.title else "") for o in new.officials]
    lines += [f"Statement: {s.speaker}: {s.quoted}" for s in new.statements]
    return [_line(f"• {line}") for line in lines]


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def compose(
    day: date, statement: Statement | None, counts: Counts, new: NewEntries | None,
    *, private: bool = False,
) -> Answer:
    """The digest: statement of the day, what the server added since the last one, counts.

    Bounded so it is always one embed: the statement (at most ~1,400 characters with its
    attribution), at most NEW_LINES lines of LINE_CHARS, and a counts line.
    """
    if statement is None:
        description = "There are no statements yet."
    else:
        description = f"Statement of the day:\n{statement.quoted}\n— {statement.attribution}"
    fields = []
    if new is not None:
        lines = new_entry_lines(new)
        shown = lines[:NEW_LINES]
        if len(lines) > NEW_LINES:
            shown.append(f"… and {len(lines) - NEW_LINES} more.")
        fields.append(Field("New in this server since the last digest",
                            "\n".join(shown) or "Nothing new since the last digest."))
    fields.append(Field("Counts", f"{counts.cities} cities, {counts.officials} officials, "
                        f"{counts.statements} statements ({counts.quotes} direct quotes, "
                        f"{counts.statements - counts.quotes} paraphrases)"))
    return Answer(kind="card", title=f"Daily digest — {long_date(day)}", description=description,
                  fields=tuple(fields), private=private)


def _when(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {local.tzname()}"


def _in(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    return f"in {hours} h {minutes:02d} min" if hours else f"in {minutes} min"


def status_answer(
    settings: DigestSettings, now: datetime, last_sent: DigestPost | None,
    channel_label: Callable[[int], str], prefix: str = "!",
) -> Answer:
    zone = settings.zone
    channel = (channel_label(settings.channel_id) if settings.channel_id is not None
               else f"not set — `{prefix}digest channel #channel`")
    upcoming = next_due(settings, now)
    if upcoming is None:
        why = ("it is off" if not settings.enabled else "no channel is set"
               if settings.channel_id is None else "none scheduled in the next days")
        next_text = f"none: {why}"
    elif upcoming <= now:
        next_text = "due now (it goes out within a minute)"
    else:
        next_text = f"{_when(upcoming, zone)} ({_in(upcoming - now)})"
    last_text = "never"
    if last_sent is not None and last_sent.sent_at is not None:
        last_text = f"{_when(last_sent.sent_at, zone)}"
        if last_sent.channel_id is not None:
            last_text += f" in {channel_label(last_sent.channel_id)}"
    error = "none"
    if settings.last_error:
        error = settings.last_error
        if settings.last_error_at is not None:
            error += f" ({_when(settings.last_error_at, zone)})"
    return Answer(
        kind="card", title="Daily digest",
        description=("On" if settings.enabled else "Off") + f": every day at "
        f"{settings.post_time:%H:%M} {settings.timezone}.",
        fields=(
            Field("Channel", channel),
            Field("Time", f"{settings.post_time:%H:%M}", inline=True),
            Field("Time zone", settings.timezone, inline=True),
            Field("Next post", next_text),
            Field("Last post", last_text),
            Field("Last error", error),
        ),
        private=True,
    )


def _scopes(guild_id: int | None) -> tuple[int, ...]:
    return (GLOBAL,) if not guild_id else (GLOBAL, guild_id)


# ---- the use cases ---------------------------------------------------------------------------


class DigestService:
    """Settings, claims and composition for every server; `clock` is injected for tests."""

    def __init__(self, store: Store, clock: Clock = utc_now, prefix: str = "!") -> None:
        self.store = store
        self.clock = clock
        self.prefix = prefix

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    async def settings(self, guild_id: int) -> DigestSettings:
        return await self.store.digest_settings(guild_id) or DigestSettings(guild_id)

    # settings ---------------------------------------------------------------------------------

    async def _save(self, guild_id: int, *, arm: bool, **changes: object) -> DigestSettings:
        now = self.now()
        if arm:
            changes["armed_at"] = now
        return await self.store.save_digest_settings(guild_id, now, **changes)

    def _saved(self, text: str, settings: DigestSettings, channel_label: Callable[[int], str],
               ) -> Answer:
        answer = status_answer(settings, self.now(), None, channel_label, self.prefix)
        return replace(answer, description=f"{text}\n{answer.description}",
                       fields=tuple(f for f in answer.fields
                                    if f.name in {"Channel", "Next post"}))

    async def set_channel(self, guild_id: int, channel_id: int,
                          channel_label: Callable[[int], str]) -> Answer:
        settings = await self._save(guild_id, arm=False, channel_id=channel_id)
        return self._saved(f"The digest goes to {channel_label(channel_id)}.", settings,
                           channel_label)

    async def set_time(self, guild_id: int, text: str,
                       channel_label: Callable[[int], str]) -> Answer:
        try:
            at = parse_time(text)
        except DigestInputError as exc:
            return answers.error(str(exc))
        settings = await self._save(guild_id, arm=True, post_time=at)
        return self._saved(f"The digest goes out at {at:%H:%M} {settings.timezone}.", settings,
                           channel_label)

    async def set_timezone(self, guild_id: int, text: str,
                           channel_label: Callable[[int], str]) -> Answer:
        try:
            name = find_timezone(text)
        except DigestInputError as exc:
            return answers.error(str(exc))
        settings = await self._save(guild_id, arm=True, timezone=name)
        return self._saved(f"The digest follows {name} time "
                           f"(now {self.now().astimezone(ZoneInfo(name)):%H:%M} there).",
                           settings, channel_label)

    async def set_enabled(self, guild_id: int, on: bool,
                          channel_label: Callable[[int], str]) -> Answer:
        settings = await self._save(guild_id, arm=on, enabled=on)
        text = "The daily digest is on." if on else "The daily digest is off."
        if on and settings.channel_id is None:
            text += f" Pick its channel with `{self.prefix}digest channel #channel`."
        return self._saved(text, settings, channel_label)

    async def status(self, guild_id: int, channel_label: Callable[[int], str]) -> Answer:
        settings = await self.settings(guild_id)
        last = await self.store.last_sent_digest(guild_id)
        return status_answer(settings, self.now(), last, channel_label, self.prefix)

    # posting ----------------------------------------------------------------------------------

    async def due(self) -> list[tuple[DigestSettings, date]]:
        """Every server whose digest is due now, with the local date it is due for."""
        now = self.now()
        found = []
        for settings in await self.store.enabled_digests():
            day = due_date(settings, now)
            if day is not None:
                found.append((settings, day))
        return found

    async def claim(self, guild_id: int, day: date, trigger: Trigger) -> DigestPost | None:
        """Claim `day` for `guild_id` (None if it is taken): call before sending anything."""
        return await self.store.claim_digest(guild_id, day, self.now(), trigger)

    async def claim_today(self, guild_id: int) -> tuple[DigestPost | None, date]:
        """`digest now`: today's digest in the server's zone, unless it already went out."""
        settings = await self.settings(guild_id)
        day = local_today(settings, self.now())
        return await self.claim(guild_id, day, "manual"), day

    async def sent(self, post: DigestPost, channel_id: int, message_id: int) -> None:
        await self.store.finish_digest(post, self.now(), channel_id=channel_id,
                                       message_id=message_id)

    async def failed(self, post: DigestPost, error: str) -> None:
        """Record the error; the day stays claimed, the statement and new entries go back."""
        await self.store.finish_digest(post, self.now(), error=error)

    # content ----------------------------------------------------------------------------------

    async def answer_for(self, post: DigestPost, *, private: bool = False) -> Answer:
        """The digest of a claimed day, from what the claim recorded."""
        return await self._compose(post.guild_id, post.local_date, post.statement_id,
                                   post.since, post.until, private=private)

    async def preview(self, guild_id: int | None) -> Answer:
        """Today's digest: the one that went out today, or the one that would go out now."""
        settings = await self.settings(guild_id or GLOBAL)
        today = local_today(settings, self.now())
        if guild_id:
            post = await self.store.digest_post_for(guild_id, today)
            if post is not None:
                return await self.answer_for(post, private=True)
        candidates, shown, previous = await self.store.digest_rotation(
            guild_id or GLOBAL, _scopes(guild_id), settings.rotation_round)
        statement_id, _ = next_statement(candidates, shown, guild_id or GLOBAL,
                                         settings.rotation_round, previous)
        until = await self.store.digest_watermarks() if guild_id else None
        return await self._compose(guild_id, today, statement_id, settings.seen, until,
                                   private=True)

    async def _compose(
        self, guild_id: int | None, day: date, statement_id: int | None, since: Watermarks,
        until: Watermarks | None, *, private: bool,
    ) -> Answer:
        scopes = _scopes(guild_id)
        statement = None
        if statement_id is not None:
            found = await self.store.statements(scopes, ids=[statement_id])
            statement = found[0] if found else None
        new = None
        if guild_id and until is not None:
            ids = await self.store.new_digest_entries(guild_id, since, until)
            new = NewEntries(
                cities=tuple(await self.store.cities((guild_id,), ids=ids.city_ids)),
                officials=tuple(await self.store.officials((guild_id,), ids=ids.official_ids)),
                statements=tuple(await self.store.statements((guild_id,),
                                                             ids=ids.statement_ids)),
            )
        counts = await self.store.counts(scopes)
        return compose(day, statement, counts, new, private=private)
