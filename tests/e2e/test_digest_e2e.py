"""The daily digest, end to end: configure it, move the clock, see exactly one post.

The bot is the real process started through ``clock_harness.py`` (see there): the digest's
clock is the real one plus an offset this module writes to a file, and the digest loop ticks
every half second (and logs each tick, so the tests can wait for ticks instead of guessing).
Everything else — settings commands, claims in SQLite, posting through REST, restarts and
gateway reconnects — is the real bot against the fake Discord.

The tests follow each other and share the bot and its database (module scope): configure,
post once, restart, reconnect, next day. ``e2e_clean`` checks every one for protocol
violations and errors in the bot's log.
"""

from __future__ import annotations

import contextlib
import re
import signal
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.clock_harness import OFFSET_FILE_VARIABLE, TICK_LOG
from tests.e2e.conftest import BotProcess, wait_until
from tests.e2e.fake_discord import FakeDiscord, SentMessage
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.helpers import slash_answer

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("e2e_clean")]

OFFSET_FILE = "clock-offset"  # relative to the bot's working directory (its workdir)
BOT_ENTRY = (str(Path(__file__).with_name("clock_harness.py")),)
BOT_ENV = {OFFSET_FILE_VARIABLE: OFFSET_FILE}

TIMEOUT = 5.0
NO_PINGS = {"parse": []}
ERROR_COLOUR = 0xE74C3C  # discord.Colour.red(), what render.py gives error answers
ZONE = "America/Chicago"
DIGEST_CHANNEL = fx.MOD_CHANNEL_ID  # commands are typed in #general, the digest goes here
# The shifted clock starts at 10:00 on a plain June Wednesday in Chicago (no daylight saving
# change near it); the digest is set for 10:30 that day.
START = datetime(2030, 6, 12, 10, 0, tzinfo=ZoneInfo(ZONE))
POST_TIME = "10:30"
FIRST_DAY = START.date()
SECOND_DAY = FIRST_DAY + timedelta(days=1)


# ---- the clock and what the bot did ---------------------------------------------------------


def set_clock(bot: BotProcess, now: datetime) -> None:
    """Make the bot's digest clock read ``now`` (and run on from there with real time)."""
    offset = now.astimezone(UTC).timestamp() - time.time()
    (bot.workdir / OFFSET_FILE).write_text(f"{offset:.3f}\n")


def tick_count(bot: BotProcess) -> int:
    return bot.log().count(TICK_LOG)


async def ticks(bot: BotProcess, count: int = 3) -> None:
    """Wait for ``count`` more complete digest loop ticks (each checked every due server)."""
    target = tick_count(bot) + count
    await wait_until(lambda: tick_count(bot) >= target, TIMEOUT, f"{count} digest ticks", bot)


def digest_messages(server: FakeDiscord) -> list[SentMessage]:
    return [
        m for m in server.bot_messages
        if m.channel_id == DIGEST_CHANNEL and m.source == "channel"
        and any((e.get("title") or "").startswith("Daily digest") for e in m.embeds)
    ]


def digest_rows(bot: BotProcess) -> list[tuple[str, str, str]]:
    """(local_date, trigger, status) of every digest claim, read from the SQLite file."""
    uri = f"file:{bot.database}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        return db.execute(
            "SELECT local_date, trigger, status FROM digest_posts WHERE guild_id = ? ORDER BY id",
            (fx.GUILD_ID,),
        ).fetchall()


def posted_lines(bot: BotProcess) -> list[str]:
    return re.findall(r"digest: posted guild \d+'s digest for \S+", bot.log())


def only_embed(message: SentMessage | dict[str, Any]) -> dict[str, Any]:
    embeds = message.embeds if isinstance(message, SentMessage) else message["embeds"]
    assert len(embeds) == 1, embeds
    return embeds[0]


def embed_size(embed: dict[str, Any]) -> int:
    """The characters Discord counts against its 6,000 per message."""
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields") or [])
    return size + len((embed.get("footer") or {}).get("text") or "")


async def slash(
    server: FakeDiscord, name: str, options: dict[str, Any] | None = None,
    user_id: int = fx.ADMIN_ID,
) -> dict[str, Any]:
    """Run a slash command; returns the embed of its (ephemeral) answer."""
    record = await server.invoke_slash(name, options, user_id=user_id)
    answer, shown = await slash_answer(record)
    assert shown.ephemeral, shown
    assert answer.data["allowed_mentions"] == NO_PINGS
    return only_embed(answer.data)


async def ask(server: FakeDiscord, text: str, user_id: int = fx.ADMIN_ID) -> dict[str, Any]:
    """Post a `!` command in #general; returns the embed of the bot's answer."""
    earlier = {id(sent) for sent in server.bot_messages}
    await server.send_message(fx.GENERAL_CHANNEL_ID, user_id, text)
    reply = await server.wait_for_bot_message(
        fx.GENERAL_CHANNEL_ID, TIMEOUT,
        lambda sent: id(sent) not in earlier and sent.source == "channel",
    )
    assert reply.allowed_mentions == NO_PINGS
    return only_embed(reply)


def field(embed: dict[str, Any], name: str) -> str:
    return next(f["value"] for f in embed["fields"] if f["name"] == name)


def check_digest(message: SentMessage, day: Any) -> None:
    """One embed within Discord's limits, for ``day``, that can ping no one."""
    embed = only_embed(message)
    assert embed["title"] == f"Daily digest — {day:%A} {day.day} {day:%B %Y}"
    assert embed["description"].startswith("Statement of the day:")
    assert field(embed, "Counts").startswith(tuple("0123456789"))
    assert len(embed["title"]) <= 256 and len(embed["description"]) <= 4096
    assert len(embed["fields"]) <= 25 and embed_size(embed) <= 6000
    assert message.allowed_mentions == NO_PINGS
    assert message.content == ""  # nothing outside the embed, so nothing to ping with


# ---- the tests, in order ------------------------------------------------------------------


async def test_admin_configures_the_digest(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    set_clock(bot_process, START)

    # A plain member may not touch it (Manage Server); nothing is saved.
    refused = await slash(fake_discord, "digest on", user_id=fx.MEMBER_ID)
    assert refused["color"] == ERROR_COLOUR
    assert "You need the Manage Server permission" in refused["description"]

    # The admin (Manage Server, not the bot's owner), with both command forms.
    answer = await slash(fake_discord, "digest channel", {"channel": DIGEST_CHANNEL})
    assert f"<#{DIGEST_CHANNEL}>" in answer["description"]
    answer = await slash(fake_discord, "digest timezone", {"zone": ZONE})
    assert f"The digest follows {ZONE} time (now 10:00 there)" in answer["description"]
    answer = await ask(fake_discord, f"!digest time {POST_TIME}")
    assert answer["description"].startswith("The digest goes out at 10:30 America/Chicago.")
    answer = await ask(fake_discord, "!digest on")
    assert answer["description"].startswith("The daily digest is on.")

    status = await slash(fake_discord, "digest status")
    assert status["description"] == f"On: every day at {POST_TIME} {ZONE}."
    assert field(status, "Channel") == f"<#{DIGEST_CHANNEL}>"
    # Next post: today 10:30 CDT, half an hour ahead of the (shifted) clock.
    assert field(status, "Next post").startswith("Wed 12 Jun 2030, 10:30 CDT (in ")
    assert field(status, "Last post") == "never"

    await ticks(bot_process)  # the loop runs, and it is not time yet
    assert digest_messages(fake_discord) == [] and digest_rows(bot_process) == []


async def test_moving_the_clock_past_the_time_posts_exactly_once(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    set_clock(bot_process, START + timedelta(minutes=31))
    await wait_until(lambda: digest_messages(fake_discord), TIMEOUT, "the digest", bot_process)
    await ticks(bot_process)  # later ticks find the day claimed
    [message] = digest_messages(fake_discord)
    check_digest(message, FIRST_DAY)
    assert digest_rows(bot_process) == [(FIRST_DAY.isoformat(), "schedule", "sent")]

    status = await slash(fake_discord, "digest status")
    assert field(status, "Last post").startswith("Wed 12 Jun 2030, 10:3")
    assert field(status, "Next post").startswith("Thu 13 Jun 2030, 10:30 CDT")
    assert field(status, "Last error") == "none"


async def test_a_restart_on_the_same_database_posts_nothing_more(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    assert await bot_process.stop(signal.SIGINT) == 0
    await bot_process.start()  # same database, same clock offset file, still 10:31 or so
    await ticks(bot_process)
    assert len(digest_messages(fake_discord)) == 1
    assert digest_rows(bot_process) == [(FIRST_DAY.isoformat(), "schedule", "sent")]


async def test_gateway_drop_and_reconnect_post_nothing_more(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    """Issue 7: after the gateway goes away (a dropped socket, an op 7 RECONNECT) and the bot
    resumes, the digest is still posted once."""
    gateway = fake_discord.gateway
    resumed = gateway.resume_count
    await fake_discord.drop_connection()
    await wait_until(lambda: gateway.resume_count > resumed and gateway.connected.is_set(),
                     TIMEOUT, "the bot to resume after a dropped connection", bot_process)
    await ticks(bot_process)

    resumed = gateway.resume_count
    await fake_discord.send_reconnect()
    await wait_until(lambda: gateway.resume_count > resumed and gateway.connected.is_set(),
                     TIMEOUT, "the bot to resume after op 7", bot_process)
    await ticks(bot_process)

    assert len(digest_messages(fake_discord)) == 1
    assert digest_rows(bot_process) == [(FIRST_DAY.isoformat(), "schedule", "sent")]


async def test_the_next_day_posts_exactly_one_more(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    set_clock(bot_process, START + timedelta(days=1, minutes=31))
    await wait_until(lambda: len(digest_messages(fake_discord)) >= 2, TIMEOUT,
                     "the next day's digest", bot_process)
    await ticks(bot_process)
    first, second = digest_messages(fake_discord)
    check_digest(second, SECOND_DAY)
    assert only_embed(first)["title"] != only_embed(second)["title"]
    assert digest_rows(bot_process) == [
        (FIRST_DAY.isoformat(), "schedule", "sent"),
        (SECOND_DAY.isoformat(), "schedule", "sent"),
    ]

    # A clock that jumps back to the first day, after its time, claims nothing again.
    set_clock(bot_process, START + timedelta(minutes=45))
    await ticks(bot_process)
    assert len(digest_messages(fake_discord)) == 2 and len(digest_rows(bot_process)) == 2
    assert posted_lines(bot_process) == [
        f"digest: posted guild {fx.GUILD_ID}'s digest for {FIRST_DAY.isoformat()}",
        f"digest: posted guild {fx.GUILD_ID}'s digest for {SECOND_DAY.isoformat()}",
    ]
