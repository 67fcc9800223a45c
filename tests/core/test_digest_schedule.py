"""The digest's schedule, inputs and rotation: pure functions with an injected clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.digest import (
    DigestInputError,
    DigestSettings,
    due_date,
    find_timezone,
    next_due,
    next_statement,
    parse_time,
    scheduled_at,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def daily(zone: str, at: str, **extra: object) -> DigestSettings:
    return DigestSettings(guild_id=1, channel_id=10, post_time=time.fromisoformat(at),
                          timezone=zone, enabled=True, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(("zone", "at", "instant"), [
    ("America/Chicago", "08:30", utc(2024, 6, 12, 13, 30)),   # CDT, UTC-5
    ("America/Chicago", "08:30", utc(2024, 1, 12, 14, 30)),   # CST, UTC-6
    ("Europe/London", "08:30", utc(2024, 6, 12, 7, 30)),      # BST
    ("Asia/Kolkata", "08:30", utc(2024, 6, 12, 3, 0)),        # +05:30
    ("Asia/Tokyo", "08:30", utc(2024, 6, 11, 23, 30)),        # the day before in UTC
    ("Australia/Sydney", "08:30", utc(2024, 6, 11, 22, 30)),  # AEST
    ("UTC", "00:00", utc(2024, 6, 12, 0, 0)),
])
def test_due_from_the_chosen_local_time(zone: str, at: str, instant: datetime) -> None:
    local_day = instant.astimezone(ZoneInfo(zone)).date()
    settings = daily(zone, at, last_posted_date=local_day - timedelta(days=1))
    assert due_date(settings, instant - timedelta(seconds=1)) is None
    assert due_date(settings, instant) == local_day
    assert due_date(settings, instant + timedelta(hours=3)) == local_day
    posted = replace(settings, last_posted_date=local_day)
    assert due_date(posted, instant + timedelta(minutes=1)) is None
    assert next_due(posted, instant) == scheduled_at(local_day + timedelta(days=1),
                                                     settings.post_time, ZoneInfo(zone))


def test_a_late_time_belongs_to_the_local_date_not_the_utc_one() -> None:
    settings = daily("America/Chicago", "23:30")
    now = utc(2024, 6, 13, 4, 31)  # 23:31 on the 12th in Chicago
    assert due_date(settings, now) == date(2024, 6, 12)


def test_off_or_without_channel_is_never_due() -> None:
    now = utc(2024, 6, 12, 20)
    assert due_date(replace(daily("UTC", "08:00"), enabled=False), now) is None
    assert due_date(replace(daily("UTC", "08:00"), channel_id=None), now) is None
    assert next_due(replace(daily("UTC", "08:00"), enabled=False), now) is None


def test_catch_up_the_same_day_but_never_a_missed_day() -> None:
    settings = daily("Europe/London", "08:30", last_posted_date=date(2024, 6, 10))
    # Offline on the 11th from 08:00 to 23:00 local: back the same day, it posts once.
    assert due_date(settings, utc(2024, 6, 11, 22, 0)) == date(2024, 6, 11)
    # Offline through the whole of the 11th: the 11th is skipped, the 12th is on time.
    assert due_date(settings, utc(2024, 6, 12, 6, 0)) is None  # 07:00 BST on the 12th
    assert next_due(settings, utc(2024, 6, 12, 6, 0)) == utc(2024, 6, 12, 7, 30)
    assert due_date(settings, utc(2024, 6, 12, 7, 30)) == date(2024, 6, 12)


def test_a_clock_that_jumps_back_never_reposts_an_earlier_date() -> None:
    settings = daily("UTC", "08:00", last_posted_date=date(2024, 6, 12))
    assert due_date(settings, utc(2024, 6, 11, 9, 0)) is None
    assert due_date(settings, utc(2024, 6, 12, 23, 0)) is None
    assert due_date(settings, utc(2024, 6, 13, 8, 0)) == date(2024, 6, 13)


def test_settings_changed_after_todays_time_start_tomorrow() -> None:
    armed = utc(2024, 6, 12, 15, 0)
    settings = daily("UTC", "08:30", armed_at=armed)
    assert due_date(settings, utc(2024, 6, 12, 15, 1)) is None
    assert next_due(settings, utc(2024, 6, 12, 15, 1)) == utc(2024, 6, 13, 8, 30)
    assert due_date(settings, utc(2024, 6, 13, 8, 30)) == date(2024, 6, 13)
    early = daily("UTC", "08:30", armed_at=utc(2024, 6, 12, 7, 0))
    assert due_date(early, utc(2024, 6, 12, 8, 30)) == date(2024, 6, 12)


@pytest.mark.parametrize(("zone", "day", "at", "expected"), [
    # Spring forward: the chosen time does not exist; the first instant after the gap.
    ("America/Chicago", date(2024, 3, 10), "02:30", utc(2024, 3, 10, 8, 0)),   # 03:00 CDT
    ("Europe/London", date(2024, 3, 31), "01:30", utc(2024, 3, 31, 1, 0)),     # 02:00 BST
    ("Australia/Sydney", date(2024, 10, 6), "02:30", utc(2024, 10, 5, 16, 0)),  # 03:00 AEDT
    # Autumn: the chosen time happens twice; the first occurrence.
    ("America/Chicago", date(2024, 11, 3), "01:30", utc(2024, 11, 3, 6, 30)),  # CDT
    ("Europe/London", date(2024, 10, 27), "01:30", utc(2024, 10, 27, 0, 30)),  # BST
    ("Australia/Sydney", date(2024, 4, 7), "02:30", utc(2024, 4, 6, 15, 30)),  # AEDT
    # Either side of a change, the wall-clock time stays put.
    ("America/Chicago", date(2024, 3, 9), "08:30", utc(2024, 3, 9, 14, 30)),
    ("America/Chicago", date(2024, 3, 10), "08:30", utc(2024, 3, 10, 13, 30)),
    ("Europe/London", date(2024, 10, 27), "08:30", utc(2024, 10, 27, 8, 30)),
    ("Australia/Sydney", date(2024, 10, 6), "08:30", utc(2024, 10, 5, 21, 30)),
])
def test_daylight_saving(zone: str, day: date, at: str, expected: datetime) -> None:
    assert scheduled_at(day, time.fromisoformat(at), ZoneInfo(zone)) == expected


@pytest.mark.parametrize(("zone", "at", "start"), [
    ("America/Chicago", "02:30", utc(2024, 3, 9, 0)),
    ("America/Chicago", "01:30", utc(2024, 11, 2, 0)),
    ("Europe/London", "01:30", utc(2024, 3, 30, 0)),
    ("Europe/London", "01:30", utc(2024, 10, 26, 0)),
    ("Australia/Sydney", "02:30", utc(2024, 10, 4, 0)),
    ("Australia/Sydney", "02:30", utc(2024, 4, 5, 0)),
    ("Europe/London", "08:30", utc(2024, 10, 26, 0)),
])
def test_ticks_across_a_change_post_exactly_once_a_local_day(
    zone: str, at: str, start: datetime
) -> None:
    """A tick every 30 s for three days around a change: one post a local day, none lost."""
    settings = daily(zone, at, armed_at=start)  # set up at `start`: no catch-up at once
    posts: list[tuple[date, datetime]] = []
    now = start
    while now < start + timedelta(days=3):
        day = due_date(settings, now)
        if day is not None:
            posts.append((day, now))
            settings = replace(settings, last_posted_date=day)
        now += timedelta(seconds=30)
    days = [day for day, _ in posts]
    assert len(days) == len(set(days)) == 3
    for day, when in posts:
        assert when == scheduled_at(day, settings.post_time, ZoneInfo(zone))


@pytest.mark.parametrize(("text", "expected"), [
    ("08:30", time(8, 30)), ("8:30", time(8, 30)), ("23:59", time(23, 59)),
    ("00:00", time(0, 0)), ("8:30pm", time(20, 30)), ("12am", time(0, 0)),
    ("12:15 PM", time(12, 15)), ("7 am", time(7, 0)),
])
def test_times_people_type(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "8", "08:61", "noon", "13pm", "", "8:3"])
def test_times_that_are_refused(text: str) -> None:
    with pytest.raises(DigestInputError, match=r"not a time of day|1 to 12"):
        parse_time(text)


def test_time_zones_exact_any_case_and_with_spaces() -> None:
    assert find_timezone("America/Chicago") == "America/Chicago"
    assert find_timezone("america/new york") == "America/New_York"
    assert find_timezone("UTC") == "UTC"


@pytest.mark.parametrize(("typed", "closest"), [
    ("America/Chicgo", "America/Chicago"), ("Europe/Londn", "Europe/London"),
    ("sydney", "Australia/Sydney"), ("chicago", "America/Chicago"),
])
def test_a_wrong_zone_gets_the_closest_names(typed: str, closest: str) -> None:
    with pytest.raises(DigestInputError) as raised:
        find_timezone(typed)
    message = str(raised.value)
    assert "is not a time zone" in message
    assert message.index(f"`{closest}`") == message.index("`")  # the first suggestion


def test_rotation_shows_every_statement_once_a_round() -> None:
    candidates = list(range(1, 12))
    shown: set[int] = set()
    round_, previous = 1, None
    seen_rounds: list[list[int]] = [[], []]
    for _ in range(2 * len(candidates)):
        statement, new_round = next_statement(candidates, shown, 7, round_, previous)
        assert statement is not None and statement != previous
        if new_round != round_:
            assert sorted(seen_rounds[0]) == candidates  # a round ends only when complete
            shown, round_ = set(), new_round
        shown.add(statement)
        seen_rounds[round_ - 1].append(statement)
        previous = statement
    assert sorted(seen_rounds[1]) == candidates
    assert next_statement([], set(), 7, 1) == (None, 1)
    # The order is fixed per server and round (a restart changes nothing) …
    assert next_statement(candidates, set(), 7, 1) == next_statement(candidates, set(), 7, 1)
    # … and differs between servers.
    firsts = {next_statement(candidates, set(), guild, 1)[0] for guild in range(1, 30)}
    assert len(firsts) > 1
