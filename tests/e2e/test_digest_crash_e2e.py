"""A digest interrupted while it is being sent is finished once, never twice, never lost.

The bot runs through `clock_harness.py`; the test Discord holds the digest's POST, so the
process can be killed (or stopped) while Discord is still taking it. Then the request either
went through (Discord created the message, the bot never heard back) or was lost. A bot that
starts again on the same database finds the post left "being sent" and finishes it: it
records the message already in the channel, or sends again with the same nonce.
"""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.clock_harness import OFFSET_FILE_VARIABLE, TICK_LOG
from tests.e2e.conftest import BotProcess, shut_down, stop_clean, wait_until
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord.server import Hold
from tests.e2e.test_digest_e2e import DIGEST_CHANNEL, digest_messages, digest_rows, field, slash

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

HARNESS = (str(Path(__file__).with_name("clock_harness.py")),)
ZONE = "America/Chicago"
START = datetime(2031, 5, 14, 10, 0, tzinfo=ZoneInfo(ZONE))
POST = rf"POST /channels/{DIGEST_CHANNEL}/messages"


def set_clock(offset_file: Path, now: datetime) -> None:
    offset_file.write_text(f"{now.astimezone(UTC).timestamp() - time.time():.3f}\n")


async def configured_bot(server: FakeDiscord, tmp_path: Path) -> tuple[BotProcess, Path]:
    clock = tmp_path / "clock-offset"
    set_clock(clock, START)
    bot = BotProcess(server, tmp_path, {OFFSET_FILE_VARIABLE: str(clock)}, HARNESS)
    await bot.start()
    for name, options in (("digest channel", {"channel": DIGEST_CHANNEL}),
                          ("digest timezone", {"zone": ZONE}), ("digest time", {"at": "10:30"}),
                          ("digest on", None)):
        await slash(server, name, options)
    return bot, clock


async def digest_held(server: FakeDiscord, bot: BotProcess, clock: Path) -> Hold:
    """Make the digest due and keep its POST waiting at the test Discord."""
    hold = server.hold_next(POST)
    set_clock(clock, START + timedelta(minutes=31))
    await wait_until(hold.arrived.is_set, 10, "the digest's POST", bot)
    return hold


async def ticks(bot: BotProcess, count: int = 3) -> None:
    target = bot.log().count(TICK_LOG) + count
    await wait_until(lambda: bot.log().count(TICK_LOG) >= target, 10, "digest ticks", bot)


@pytest.mark.parametrize("lost", [False, True], ids=["went-through", "lost"])
async def test_a_kill_while_the_digest_is_sent_is_finished_once_after_restart(
        tmp_path: Path, lost: bool) -> None:
    server = FakeDiscord()
    await server.start()
    bot, clock = await configured_bot(server, tmp_path)
    try:
        hold = await digest_held(server, bot, clock)
        await bot.kill()
        hold.release(lost=lost)
        if not lost:  # Discord finishes creating the message the bot never heard back about
            await wait_until(lambda: digest_messages(server), 5, "the message to be created")
        assert digest_rows(bot) == [(START.date().isoformat(), "schedule", "sending")]
        assert len(digest_messages(server)) == (0 if lost else 1)

        await bot.start()
        await wait_until(lambda: digest_messages(server), 10, "the digest", bot)
        await ticks(bot)
        assert len(digest_messages(server)) == 1  # never two
        assert digest_rows(bot) == [(START.date().isoformat(), "schedule", "sent")]
        status = await slash(server, "digest status")
        assert field(status, "Last post").startswith("Wed 14 May 2031, 10:3")
        await stop_clean(bot)
    finally:
        await shut_down(server, bot)


async def test_a_stop_while_the_digest_is_sent_waits_for_it(tmp_path: Path) -> None:
    server = FakeDiscord()
    await server.start()
    bot, clock = await configured_bot(server, tmp_path)
    try:
        hold = await digest_held(server, bot, clock)
        assert bot.process is not None
        bot.process.send_signal(signal.SIGINT)
        await asyncio.sleep(0.3)  # the bot is stopping, with its digest still in Discord's hands
        hold.release()
        assert await asyncio.wait_for(bot.process.wait(), 15) == 0  # no second signal
        assert len(digest_messages(server)) == 1
        assert digest_rows(bot) == [(START.date().isoformat(), "schedule", "sent")]
    finally:
        await shut_down(server, bot)
