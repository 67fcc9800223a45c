"""SIGTERM with commands under way: each is answered (or never started), then exit 0.

A moderator's adds and members' lookups are posted as fast as the test Discord takes them,
and the bot is told to stop in the middle. Every statement it committed got its answer (no
change saved without a reply), every answer it gave is a real one, nothing in its log says
something went wrong, and a command sent after the signal is not taken.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.conftest import BotProcess, bad_log_lines, shut_down
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord import fixtures as fx

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

ADDS = 30
LOOKUPS = 100
MARK = "shutdown probe"
POOL = ["amber", "basalt", "cobalt", "dune", "ember", "fjord", "glacier", "heron", "iris",
        "juniper", "kelp", "lagoon", "marble", "nectar", "opal", "prairie", "quartz", "russet",
        "sierra", "tundra", "umber", "violet", "willow", "yarrow", "zephyr", "canyon", "delta"]


def added_texts(database: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        return {row[0] for row in db.execute(
            "SELECT text FROM statements WHERE text LIKE ?", (f"{MARK}%",))}


async def test_sigterm_answers_what_is_under_way_and_exits_cleanly(tmp_path: Path) -> None:
    server = FakeDiscord()
    await server.start()
    bot = BotProcess(server, tmp_path)
    try:
        await bot.start()
        channel = fx.GENERAL_CHANNEL_ID
        rng = random.Random(5)
        sends = []
        for n in range(ADDS):
            text = f"{MARK} {n} " + " ".join(rng.sample(POOL, 8))
            sends.append(server.send_message(
                channel, fx.MODERATOR_ID, f"!add statement speaker: Rahm Emanuel text: {text}"))
            sends += [server.send_message(channel, fx.MEMBER_ID, "!city seattle")
                      for _ in range(LOOKUPS // ADDS)]
        half = len(sends) // 2
        await asyncio.gather(*sends[:half])
        assert bot.process is not None
        bot.process.send_signal(signal.SIGTERM)
        await asyncio.gather(*sends[half:])
        status = await asyncio.wait_for(bot.process.wait(), 15)  # no second signal
        assert status == 0, bot.log()[-3000:]
        assert bad_log_lines(bot.log()) == [], bot.log()[-3000:]

        committed = added_texts(bot.database)
        answered = {m.embeds[0].get("title", "") + m.embeds[0].get("description", "")
                    for m in server.bot_messages if m.embeds}
        for text in committed:  # no change saved without its reply
            assert any(text[:40] in a for a in answered), text
        odd = [m.embeds[0] for m in server.bot_messages if m.embeds
               and not m.embeds[0].get("title", "").startswith(("Seattle", "Added statement"))]
        assert odd == [], odd
        assert server.violations == []
    finally:
        await shut_down(server, bot)


# `python -m bot` whose pickers and pagers time out after 1.5 s instead of 300 s.
SHORT_VIEWS_ENTRY = (
    "-c",
    "import sys, bot.discord_app.views as views\n"
    "views.OwnedView.__init__.__defaults__ = (1.5,)\n"
    "from bot.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n",
)
PICKERS = ["!quote police", "!city city", "!quote city", "!quote immigrants"]  # "which one?"


@pytest.mark.parametrize("after", [0.0, 0.8])
async def test_sigterm_while_pickers_time_out_is_clean(tmp_path: Path, after: float) -> None:
    """Each picker tidies its message when it times out (buttons off); those that time out
    while the bot is stopping find its connection closed, and must say nothing (found by
    bench/bench_memory.py: "Task exception was never retrieved … Session is closed")."""
    server = FakeDiscord()
    await server.start()
    bot = BotProcess(server, tmp_path, entry=SHORT_VIEWS_ENTRY)
    try:
        await bot.start()
        rng = random.Random(5)
        for _ in range(300):
            await server.send_message(fx.GENERAL_CHANNEL_ID, fx.MEMBER_ID, rng.choice(PICKERS))
            await asyncio.sleep(0.005)
        await asyncio.sleep(after)  # the first pickers time out about now
        assert await bot.stop(signal.SIGTERM) == 0
        assert sum(bool(m.components) for m in server.bot_messages) > 100
        assert bad_log_lines(bot.log()) == [], bot.log()[-3000:]
    finally:
        await shut_down(server, bot)
