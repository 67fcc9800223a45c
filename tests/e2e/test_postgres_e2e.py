"""The real `citybot run` on PostgreSQL: the server drops every connection of the bot while it
runs (a failover, a restarted server, an idle-connection reaper). The command in flight gets
"busy, nothing changed" or goes through, never a traceback; the bot reconnects by itself,
and the change feed's listener too: an import from another process is seen afterwards."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from bot.core.errors import StoreBusy
from tests.e2e.conftest import REPO_ROOT, BotProcess
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.helpers import ask, only_embed

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = "every ferry on the lake will carry the ordinance in nine languages"


async def _drop_connections(url: str) -> int:
    admin = await asyncpg.connect(url)
    try:
        rows = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1"
            " AND pid <> pg_backend_pid()", urlsplit(url).path.lstrip("/"))
        return len(rows)
    finally:
        await admin.close()


async def test_dropped_connections_are_busy_at_worst_and_the_bot_reconnects(
        fake_discord: FakeDiscord, tmp_path: Path, postgres_url: str) -> None:
    bot = BotProcess(fake_discord, tmp_path, {"DATABASE_URL": postgres_url})
    await bot.start()
    try:
        assert only_embed(await ask(fake_discord, "!city Seatle"))["title"].startswith("Seattle")
        assert await _drop_connections(postgres_url) >= 2  # the pool's and the listener's
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
        data = {"source": {"key": "pg-e2e", "title": "PostgreSQL e2e", "outlet": "tests",
                           "date": "2024-01-01"},
                "cities": [{"key": "gotham", "name": "Gotham", "state": "New Jersey"}],
                "people": [], "statements": []}
        file = tmp_path / "import.json"
        file.write_text(json.dumps(data))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--env-file", str(bot.env_file), "--database",
            postgres_url, "import", str(file), "--guild", str(fx.GUILD_ID), cwd=REPO_ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await process.communicate()
        assert process.returncode == 0, output.decode()
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
