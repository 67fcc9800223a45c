"""The real `citybot run` on PostgreSQL: the server drops every connection of the bot while it
runs (a failover, a restarted server, an idle-connection reaper). The command in flight gets
"busy, nothing changed" or goes through, never a traceback; the bot reconnects by itself,
and the change feed's listener too: an import from another process is seen afterwards."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import pytest

from bot.core.errors import StoreBusy
from tests.e2e.conftest import BotProcess
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.helpers import ask, import_city_elsewhere, only_embed
from tests.postgres_server import drop_connections

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = "every ferry on the lake will carry the ordinance in nine languages"


async def test_dropped_connections_are_busy_at_worst_and_the_bot_reconnects(
        fake_discord: FakeDiscord, tmp_path: Path, postgres_url: str) -> None:
    bot = BotProcess(fake_discord, tmp_path, {"DATABASE_URL": postgres_url})
    await bot.start()
    try:
        assert only_embed(await ask(fake_discord, "!city Seatle"))["title"].startswith("Seattle")
        assert await drop_connections(postgres_url) >= 2  # the pool's and the listener's
        reply = only_embed(await ask(
            fake_discord, f"!add statement speaker: Rahm Emanuel text: {TEXT}",
            user_id=fx.MODERATOR_ID))
        if not reply["title"].startswith("Added"):
            assert reply["description"] == StoreBusy.message
            reply = only_embed(await ask(
                fake_discord, f"!add statement speaker: Rahm Emanuel text: {TEXT}",
                user_id=fx.MODERATOR_ID))
        assert reply["title"].startswith("Added"), reply
        quote = only_embed(await ask(fake_discord, "!quote ferry on the lake ordinance"))
        assert "nine languages" in json.dumps(quote)

        # Another process writes; the bot's re-made listener hears it.
        await import_city_elsewhere(bot.env_file, postgres_url, fx.GUILD_ID, tmp_path)
        loop = asyncio.get_running_loop()
        started = loop.time()
        while "Gotham" not in only_embed(await ask(fake_discord, "!city gotham"))["title"]:
            assert loop.time() - started < 3, "the import was never seen"
    finally:
        status = await bot.stop(signal.SIGINT)
    log = bot.log()
    assert status == 0, log[-2000:]
    assert "Traceback" not in log, log[-3000:]
    assert not (tmp_path / "citybot.db").exists()  # DATABASE_URL: no SQLite file beside it
