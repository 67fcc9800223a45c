"""Two `citybot run` processes on one database: one serves, the other waits as a standby.

With one token Discord would deliver every event to both sessions, so the second process must
not connect while the first holds the lease; when the first dies (SIGKILL) the standby takes
over within the lease's expiry and answers, each command exactly once. A write made by
another process meanwhile (`citybot import`) is in the standby's index when it takes over.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    REPO_ROOT,
    BotProcess,
    bad_log_lines,
    shut_down,
    stop_clean,
    wait_until,
)
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.helpers import ask, only_embed

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

LEASE = "3"  # seconds: a standby takes over within about that
QUIET = 1.0  # how long a second answer is waited for (there must be none)


async def answers_to(server: FakeDiscord, text: str) -> list[str]:
    """Post `text`; the titles of every bot message in the channel after it, the first one
    awaited, then a moment for a duplicate to arrive."""
    first = await ask(server, text)
    before = len(server.bot_messages)
    await asyncio.sleep(QUIET)
    later = [m for m in server.bot_messages[before:] if m.channel_id == first.channel_id]
    return [only_embed(m)["title"] for m in (first, *later)]


async def import_city(database: Path, workdir: Path, name: str) -> None:
    data = {"source": {"key": "standby-test", "title": "Standby test", "outlet": "tests",
                       "date": "2024-01-01"},
            "cities": [{"key": "gotham", "name": name, "state": "New Jersey"}],
            "people": [], "statements": []}
    file = workdir / "import.json"
    file.write_text(json.dumps(data))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--env-file", str(workdir / "empty.env"), "--database",
        str(database), "import", str(file), "--guild", str(fx.GUILD_ID),
        cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()


async def test_a_standby_waits_then_takes_over_a_killed_process(tmp_path: Path) -> None:
    server = FakeDiscord()
    await server.start()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = BotProcess(server, tmp_path / "a", {"SHARD_LEASE_SECONDS": LEASE})
    second = BotProcess(server, tmp_path / "b", {"SHARD_LEASE_SECONDS": LEASE,
                                                 "DATABASE_PATH": str(tmp_path / "a" /
                                                                      "citybot.db")})
    try:
        await first.start()
        identified = server.gateway.identify_count
        await second.launch()
        await wait_until(lambda: "waiting as a standby" in second.log(), 20,
                         "the second process to say it is a standby", second)
        assert server.gateway.identify_count == identified  # it did not connect
        assert await answers_to(server, "!city Seattle") == ["Seattle, Washington"]

        await import_city(first.database, tmp_path / "a", "Gotham")  # a third process writes
        await first.kill()
        loop = asyncio.get_running_loop()
        killed = loop.time()
        await wait_until(lambda: server.gateway.identify_count > identified
                         and server.gateway.connected.is_set(), 60,
                         "the standby to take over", second)
        took = loop.time() - killed
        assert took < 60, took
        assert await answers_to(server, "!city Seattle") == ["Seattle, Washington"]
        assert await answers_to(server, "!city gotham") == ["Gotham, New Jersey"]
        assert "took over" in second.log()
        await stop_clean(second)
        assert server.violations == []
    finally:
        await shut_down(server, first, second)


async def test_a_clean_stop_hands_over_at_once(tmp_path: Path) -> None:
    server = FakeDiscord()
    await server.start()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    slow = {"SHARD_LEASE_SECONDS": "60"}  # only a release can make the hand-over quick
    first = BotProcess(server, tmp_path / "a", slow)
    second = BotProcess(server, tmp_path / "b", {**slow, "DATABASE_PATH": str(first.database)})
    try:
        await first.start()
        identified = server.gateway.identify_count
        await second.launch()
        await wait_until(lambda: "waiting as a standby" in second.log(), 20, "a standby", second)
        assert await first.stop() == 0  # SIGINT: the lease is given back
        await wait_until(lambda: server.gateway.identify_count > identified
                         and server.gateway.connected.is_set(), 20, "the hand-over", second)
        assert await answers_to(server, "!city philly") == ["Philadelphia, Pennsylvania"]
        await stop_clean(second)
        assert bad_log_lines(first.log()) == [], first.log()[-3000:]
    finally:
        await shut_down(server, first, second)
