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

from bot.core.digest.compose import (
    compose,
    long_date,
    new_entry_lines,
    next_statement,
    rotation_order,
    status_answer,
)
from bot.core.digest.model import (
    DEFAULT_TIME,
    LINE_CHARS,
    NEW_LINES,
    Clock,
    DigestInputError,
    DigestPost,
    DigestSettings,
    EntryIds,
    NewEntries,
    Trigger,
    Watermarks,
    digest_nonce,
    utc_now,
)
from bot.core.digest.schedule import (
    due_date,
    find_timezone,
    local_today,
    next_due,
    parse_time,
    scheduled_at,
    suggest_zones,
    zone_names,
)
from bot.core.digest.service import DigestService

__all__ = [
    "DEFAULT_TIME",
    "LINE_CHARS",
    "NEW_LINES",
    "Clock",
    "DigestInputError",
    "DigestPost",
    "DigestService",
    "DigestSettings",
    "EntryIds",
    "NewEntries",
    "Trigger",
    "Watermarks",
    "compose",
    "digest_nonce",
    "due_date",
    "find_timezone",
    "local_today",
    "long_date",
    "new_entry_lines",
    "next_due",
    "next_statement",
    "parse_time",
    "rotation_order",
    "scheduled_at",
    "status_answer",
    "suggest_zones",
    "utc_now",
    "zone_names",
]
