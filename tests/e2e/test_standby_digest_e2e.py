"""A digest due while the serving process is dead is posted once, by the standby that takes
over. Both processes run through `clock_harness.py` (see there) and read one clock file."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.clock_harness import OFFSET_FILE_VARIABLE, TICK_LOG
from tests.e2e.conftest import BotProcess, shut_down, stop_clean, wait_until
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.test_digest_e2e import DIGEST_CHANNEL, digest_messages, digest_rows, slash

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

HARNESS = (str(Path(__file__).with_name("clock_harness.py")),)
ZONE = "America/Chicago"
START = datetime(2031, 3, 12, 10, 0, tzinfo=ZoneInfo(ZONE))


def set_clock(offset_file: Path, now: datetime) -> None:
    offset_file.write_text(f"{now.astimezone(UTC).timestamp() - time.time():.3f}\n")


async def test_a_digest_due_during_the_takeover_is_posted_once(tmp_path: Path) -> None:
    clock = tmp_path / "clock-offset"
    set_clock(clock, START)
    server = FakeDiscord()
    await server.start()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    env = {OFFSET_FILE_VARIABLE: str(clock), "SHARD_LEASE_SECONDS": "3"}
    first = BotProcess(server, tmp_path / "a", env, HARNESS)
    second = BotProcess(server, tmp_path / "b", {**env, "DATABASE_PATH": str(first.database)},
                        HARNESS)
    second.database = first.database
    try:
        await first.start()
        await slash(server, "digest channel", {"channel": DIGEST_CHANNEL})
        await slash(server, "digest timezone", {"zone": ZONE})
        await slash(server, "digest time", {"at": "10:30"})
        await slash(server, "digest on")
        identified = server.gateway.identify_count
        await second.launch()
        await wait_until(lambda: "waiting as a standby" in second.log(), 20, "a standby", second)
        await first.kill()
        set_clock(clock, START + timedelta(minutes=31))  # due while nobody serves the shard
        await wait_until(lambda: server.gateway.identify_count > identified
                         and server.gateway.connected.is_set(), 60, "the takeover", second)
        await wait_until(lambda: digest_messages(server), 10, "the digest", second)
        ticks = second.log().count(TICK_LOG)
        await wait_until(lambda: second.log().count(TICK_LOG) >= ticks + 3, 10, "ticks", second)
        assert len(digest_messages(server)) == 1
        assert digest_rows(second) == [(START.date().isoformat(), "schedule", "sent")]
        await stop_clean(second)
        assert server.violations == []
    finally:
        await shut_down(server, first, second)
