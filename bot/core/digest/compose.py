"""Rotation through the statements, and the words of a digest and its status."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.answers import counts_line, entry_footer
from bot.core.digest.model import LINE_CHARS, NEW_LINES, DigestPost, DigestSettings, NewEntries
from bot.core.digest.schedule import next_due
from bot.core.models import Answer, Counts, Field, Source, Statement

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
    lines += [f"Statement by {s.speaker}: {s.quoted}" for s in new.statements]
    return [_line(f"• {line}") for line in lines]


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def compose(
    day: date, statement: Statement | None, counts: Counts, new: NewEntries | None,
    *, private: bool = False, source: Source | None = None,
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
    fields.append(Field("Counts", counts_line(counts)))
    # Whose the statement of the day is: the article's (its source line), the owner's or
    # this server's; `source` is the article's, given when the statement is from it.
    footer = ("" if statement is None else
              entry_footer("statement", statement.id, source, statement.guild_id))
    return Answer(kind="card", title=f"Daily digest — {long_date(day)}", description=description,
                  fields=tuple(fields), footer=footer, private=private)


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
    sending: DigestPost | None = None,
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
    if sending is not None:
        last_text += (f"; the digest for {sending.local_date:%a} {sending.local_date.day} "
                      f"{sending.local_date:%b} is being posted (claimed "
                      f"{_when(sending.claimed_at, zone)})")
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
