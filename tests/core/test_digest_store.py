"""The digest in the store: settings, the once-a-day claim, restarts, rotation, new entries."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.console.render import render_text
from bot.core.bootstrap import Core, start_core
from bot.core.dataset import parse_dataset
from bot.core.digest import DigestService
from bot.core.store import Store

GUILD = 111
OTHER = 222
CHANNEL = 5000


class Clock:
    """A clock the test moves by hand (no sleeping)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def label(channel_id: int) -> str:
    return f"#{channel_id}"


def server_dataset(key: str, n: int = 2) -> object:
    return parse_dataset({
        "source": {"key": key, "title": f"{key} notes", "outlet": "Server", "date": "2024-06-01"},
        "cities": [{"key": f"{key}-town", "name": f"{key.title()}ville", "state": "Ohio"}],
        "people": [{"key": f"{key}-mayor", "name": f"Mayor {key.title()}", "role": "Mayor",
                    "city": f"{key}-town"}],
        "statements": [{"key": f"{key}-s{i}", "speaker": f"{key}-mayor", "city": f"{key}-town",
                        "kind": "quote", "text": f"{key} said thing number {i}"}
                       for i in range(n)],
    })


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2024, 6, 12, 6, 0, tzinfo=UTC))


@pytest.fixture
def digests(core: Core, clock: Clock) -> DigestService:
    core.digest.clock = clock
    return core.digest


async def configure(digests: DigestService, guild: int = GUILD, at: str = "08:30",
                    zone: str = "Europe/London") -> None:
    await digests.set_channel(guild, CHANNEL, label)
    await digests.set_timezone(guild, zone, label)
    await digests.set_time(guild, at, label)
    await digests.set_enabled(guild, True, label)


async def tick(digests: DigestService) -> list[int]:
    """What the cog's loop does, minus Discord: claim every due day and mark it sent."""
    posted = []
    for settings, day in await digests.due():
        post = await digests.claim(settings.guild_id, day, "schedule")
        if post is not None:
            await digests.sent(post, CHANNEL, 900 + post.id)
            posted.append(settings.guild_id)
    return posted


async def test_settings_are_stored_per_server_and_survive_a_restart(
    digests: DigestService, database: Path | str
) -> None:
    await configure(digests, at="07:15", zone="America/Chicago")
    reopened = await Store.open(database)
    try:
        settings = await reopened.digest_settings(GUILD)
        assert settings is not None
        assert (settings.channel_id, f"{settings.post_time:%H:%M}", settings.timezone,
                settings.enabled) == (CHANNEL, "07:15", "America/Chicago", True)
        assert await reopened.digest_settings(OTHER) is None
    finally:
        await reopened.close()


async def test_bad_input_stores_nothing(digests: DigestService, core: Core) -> None:
    answer = await digests.set_timezone(GUILD, "Europe/Londn", label)
    assert answer.kind == "error" and "`Europe/London`" in answer.description
    answer = await digests.set_time(GUILD, "25:00", label)
    assert answer.kind == "error"
    assert await core.store.digest_settings(GUILD) is None


async def test_posted_once_at_the_time_even_with_two_ticks_in_a_minute(
    digests: DigestService, clock: Clock
) -> None:
    await configure(digests)  # 08:30 London = 07:30 UTC in June
    clock.now = datetime(2024, 6, 12, 7, 29, 59, tzinfo=UTC)
    assert await tick(digests) == []
    clock.now += timedelta(seconds=1)
    assert await tick(digests) == [GUILD]
    clock.now += timedelta(seconds=30)
    assert await tick(digests) == []
    # A stale "due" list (read before the other tick claimed) still cannot claim again.
    assert await digests.claim(GUILD, date(2024, 6, 12), "schedule") is None
    clock.now += timedelta(days=1)
    assert await tick(digests) == [GUILD]


async def test_restart_before_the_post(core: Core, clock: Clock, database: Path | str) -> None:
    core.digest.clock = clock
    await configure(core.digest)
    await core.close()
    clock.now = datetime(2024, 6, 12, 7, 45, tzinfo=UTC)  # back after 08:30 local
    again = await start_core(database)
    again.digest.clock = clock
    try:
        assert await tick(again.digest) == [GUILD]  # caught up, once
        assert await tick(again.digest) == []
    finally:
        await again.close()
    core.store = await Store.open(database)  # the fixture closes it again


async def test_restart_after_the_post(core: Core, clock: Clock, database: Path | str) -> None:
    core.digest.clock = clock
    await configure(core.digest)
    clock.now = datetime(2024, 6, 12, 7, 30, tzinfo=UTC)
    assert await tick(core.digest) == [GUILD]
    await core.close()
    for minutes in (1, 60, 600):  # restarts and reconnects later the same day
        again = await start_core(database)
        again.digest.clock = Clock(clock.now + timedelta(minutes=minutes))
        try:
            assert await tick(again.digest) == []
        finally:
            await again.close()
    core.store = await Store.open(database)


async def test_a_day_missed_entirely_is_skipped(digests: DigestService, clock: Clock) -> None:
    await configure(digests)
    clock.now = datetime(2024, 6, 12, 7, 30, tzinfo=UTC)
    assert await tick(digests) == [GUILD]
    clock.now = datetime(2024, 6, 14, 6, 0, tzinfo=UTC)  # down for all of the 13th
    assert await tick(digests) == []
    clock.now = datetime(2024, 6, 14, 7, 30, tzinfo=UTC)
    assert await tick(digests) == [GUILD]
    posts = await digests.store.digest_posts(GUILD)
    assert [p.local_date for p in posts] == [date(2024, 6, 12), date(2024, 6, 14)]


async def test_concurrent_claims_from_two_processes(
    digests: DigestService, clock: Clock, database: Path | str
) -> None:
    await configure(digests)
    clock.now = datetime(2024, 6, 12, 8, 0, tzinfo=UTC)
    other = await Store.open(database)
    try:
        day = date(2024, 6, 12)
        results = await asyncio.gather(
            digests.store.claim_digest(GUILD, day, clock.now, "schedule"),
            other.claim_digest(GUILD, day, clock.now, "schedule"),
            digests.store.claim_digest(GUILD, day, clock.now, "schedule"),
            other.claim_digest(GUILD, day, clock.now, "manual"),
        )
    finally:
        await other.close()
    assert sum(r is not None for r in results) == 1
    assert len(await digests.store.digest_posts(GUILD)) == 1


async def test_a_failed_send_keeps_the_day_but_gives_the_content_back(
    digests: DigestService, clock: Clock, core: Core
) -> None:
    await configure(digests)
    await core.store.insert_dataset(server_dataset("own"), guild_id=GUILD)
    clock.now = datetime(2024, 6, 12, 7, 30, tzinfo=UTC)
    [(_settings, day)] = await digests.due()
    post = await digests.claim(GUILD, day, "schedule")
    assert post is not None
    await digests.failed(post, "The digest channel no longer exists.")
    assert await digests.due() == []  # never retried by the schedule: no risk of two
    status = render_text(await digests.status(GUILD, label))
    assert "The digest channel no longer exists." in status
    assert "Last post:\n  never" in status
    # `digest now` may post the day after a failure, with the same statement and entries.
    retry, _ = await digests.claim_today(GUILD)
    assert retry is not None
    assert retry.statement_id == post.statement_id and retry.since == post.since
    await digests.sent(retry, CHANNEL, 42)
    assert "Last error:\n  none" in render_text(await digests.status(GUILD, label))
    assert (await digests.claim_today(GUILD))[0] is None  # one a day once it went out


async def test_digest_now_counts_as_todays(digests: DigestService, clock: Clock) -> None:
    await configure(digests)
    clock.now = datetime(2024, 6, 12, 6, 0, tzinfo=UTC)
    post, day = await digests.claim_today(GUILD)
    assert post is not None and day == date(2024, 6, 12)
    await digests.sent(post, CHANNEL, 1)
    clock.now = datetime(2024, 6, 12, 7, 30, tzinfo=UTC)
    assert await tick(digests) == []
    clock.now += timedelta(days=1)
    assert await tick(digests) == [GUILD]


async def test_rotation_has_no_repeat_until_a_round_is_complete(
    digests: DigestService, clock: Clock, core: Core
) -> None:
    await core.store.insert_dataset(server_dataset("own", n=3), guild_id=GUILD)
    await core.store.insert_dataset(server_dataset("elsewhere", n=2), guild_id=OTHER)
    await configure(digests, at="00:00", zone="UTC")
    clock.now = datetime(2024, 6, 13, 0, 0, tzinfo=UTC)
    pool = {s.id for s in await core.store.statements((0, GUILD))}
    shown = []
    for _ in range(len(pool) + 3):
        assert await tick(digests) == [GUILD]
        shown.append((await digests.store.digest_posts(GUILD))[-1].statement_id)
        clock.now += timedelta(days=1)
    first_round = shown[: len(pool)]
    assert set(first_round) == pool and len(set(first_round)) == len(pool)
    assert len(set(shown[len(pool):])) == 3  # the second round starts without repeats
    assert shown[len(pool)] != shown[len(pool) - 1]
    # The rotation is stored: a new store object on the file carries on from where it was.
    settings = await digests.store.digest_settings(GUILD)
    assert settings is not None and settings.rotation_round == 2


async def test_new_entries_are_the_servers_own_since_the_last_digest(
    digests: DigestService, clock: Clock, core: Core
) -> None:
    await configure(digests)
    await core.store.insert_dataset(server_dataset("first"), guild_id=GUILD)
    await core.store.insert_dataset(server_dataset("foreign"), guild_id=OTHER)
    preview = render_text(await digests.preview(GUILD))
    assert "City: Firstville, Ohio" in preview and "Official: Mayor First" in preview
    assert "first said thing number 1" in preview and "Foreign" not in preview
    clock.now = datetime(2024, 6, 12, 7, 30, tzinfo=UTC)
    assert await tick(digests) == [GUILD]
    await core.store.insert_dataset(server_dataset("second", n=1), guild_id=GUILD)
    # Today's preview is the digest that went out; tomorrow's has only what came after it.
    today = render_text(await digests.preview(GUILD))
    assert "Firstville" in today and "Secondville" not in today
    clock.now += timedelta(days=1)
    post, _ = await digests.claim_today(GUILD)
    assert post is not None
    tomorrow = render_text(await digests.answer_for(post))
    assert "Secondville" in tomorrow and "Firstville" not in tomorrow
    assert "second said thing number 0" in tomorrow
    article = await core.store.counts((0,))  # the bundled entries, and the server's 2, 2, 3
    assert (f"Counts:\n  {article.cities + 2} cities, {article.officials + 2} officials, "
            f"{article.statements + 3} statements") in tomorrow


async def test_preview_changes_nothing(digests: DigestService, core: Core) -> None:
    await configure(digests)
    first = await digests.preview(GUILD)
    assert first.private and first.title.startswith("Daily digest — Wednesday 12 June 2024")
    assert await digests.preview(GUILD) == first
    assert await core.store.digest_posts(GUILD) == []
    console = await digests.preview(None)  # `citybot digest --preview` without a server
    assert "New in this server" not in render_text(console)


def test_command_line_preview_prints_the_same_digest(
    database: Path | str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    env = tmp_path / "none.env"
    assert main(["--env-file", str(env), "--database", str(database), "digest", "--preview",
                 "--guild", str(GUILD)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Daily digest — ") and "Statement of the day:" in out
    assert "New in this server since the last digest:" in out and "Counts:" in out
    assert main(["--env-file", str(env), "--database", str(database), "digest",
                 "--preview"]) == 0
    assert "New in this server" not in capsys.readouterr().out
