"""The console's `digest`: today's preview for the console's server, nothing posted or claimed."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.console.render import render_text
from bot.console.session import ConsoleSession
from bot.core.bootstrap import Core

GUILD = 4242
OTHER = 5151
CHANNEL = 777


def label(channel_id: int) -> str:
    return f"#{channel_id}"


def digest_rows(db_path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the digest tables, read from the file by a second connection."""
    with contextlib.closing(sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro",
                                            uri=True)) as db:
        return {table: db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in ("digest_settings", "digest_posts", "digest_shown")}


@pytest.fixture
def fixed_clock(core: Core) -> datetime:
    now = datetime(2024, 6, 12, 10, 0, tzinfo=UTC)  # a Wednesday
    core.digest.clock = lambda: now
    return now


async def test_digest_shows_the_servers_preview_with_its_own_new_entries(
    core: Core, fixed_clock: datetime
) -> None:
    ours = ConsoleSession(core, guild_id=GUILD)
    added = await ours.reply("add city name: Consoleton state: Ohio")
    assert added is not None and "Consoleton" in added
    theirs = ConsoleSession(core, guild_id=OTHER)
    await theirs.reply("add city name: Elsewhereburg state: Utah")

    text = await ours.reply("digest")

    assert text == render_text(await core.digest.preview(GUILD))
    assert text.startswith("Daily digest — Wednesday 12 June 2024\n")
    assert "Statement of the day:" in text
    assert "New in this server since the last digest:\n  • City: Consoleton, Ohio" in text
    assert "Elsewhereburg" not in text  # another server's entry
    assert "8 cities" in text  # the article's seven and this server's one
    assert await ours.reply("!digest preview") == text
    assert await ours.reply("/digest") == text


async def test_digest_without_a_server_is_the_global_preview(
    core: Core, fixed_clock: datetime
) -> None:
    await ConsoleSession(core, guild_id=GUILD).reply("add city name: Consoleton state: Ohio")
    text = await ConsoleSession(core).reply("digest")
    assert text == render_text(await core.digest.preview(None))
    assert text is not None and text.startswith("Daily digest — Wednesday 12 June 2024")
    assert "New in this server" not in text
    assert "Consoleton" not in text and "7 cities" in text


async def test_digest_posts_nothing_and_claims_no_day(
    core: Core, fixed_clock: datetime, db_path: Path
) -> None:
    # A server whose digest is due right now: a claim would be possible, the console makes none.
    for step in (core.digest.set_channel(GUILD, CHANNEL, label),
                 core.digest.set_time(GUILD, "00:00", label),
                 core.digest.set_enabled(GUILD, True, label)):
        await step
    core.digest.clock = lambda: datetime(2024, 6, 13, 10, 0, tzinfo=UTC)  # the next day
    assert [s.guild_id for s, _ in await core.digest.due()] == [GUILD]
    before = digest_rows(db_path)

    session = ConsoleSession(core, guild_id=GUILD)
    first = await session.reply("digest")
    for line in ("digest now", "digest on", "digest channel #news", "digest time 08:00"):
        refused = await session.reply(line)
        assert refused is not None and "only previews" in refused
    assert await session.reply("digest") == first

    assert digest_rows(db_path) == before
    assert before["digest_posts"] == [] and before["digest_shown"] == []
    assert [s.guild_id for s, _ in await core.digest.due()] == [GUILD]  # still due, unclaimed


async def test_console_help_lists_digest_but_discord_help_does_not(core: Core) -> None:
    text = await ConsoleSession(core).reply("help")
    assert text is not None and "!digest:\n  Today's daily digest" in text
    assert "!city <name>" in text and "!help" in text  # the shared commands are all still there
    shared = core.lookup.help()  # what Discord's `help` shows
    assert [f.name for f in shared.fields] == [
        "!city <name>", "!official <name>", "!quote <speaker or words>", "!search <text>",
        "!cities", "!officials", "!random", "!about", "!help"]
    assert "digest" not in render_text(shared)


def test_console_process_previews_the_digest(tmp_path: Path) -> None:
    from tests.console.test_console import _citybot

    done = _citybot("console", "--guild", str(GUILD), tmp_path=tmp_path,
                    stdin="add city name: Consoleton state: Ohio\ndigest\nhelp\n")
    assert done.returncode == 0, done.stderr
    assert "Daily digest — " in done.stdout and "Statement of the day:" in done.stdout
    assert "• City: Consoleton, Ohio" in done.stdout
    assert "!digest:" in done.stdout
    assert digest_rows(tmp_path / "c.db")["digest_posts"] == []
    assert "Traceback" not in done.stderr

