"""The real `citybot run` when its database file is deleted under it (issue 16, item 1)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.conftest import BotProcess
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.helpers import ask, only_embed

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = "Every ferry on the lake will carry the ordinance in nine languages"


async def test_a_deleted_database_confirms_no_write(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    bot = BotProcess(fake_discord, tmp_path)
    await bot.start()
    try:
        bot.database.unlink()  # `rm citybot.db` while the bot runs
        reply = await ask(fake_discord, f"!add statement speaker: Rahm Emanuel text: {TEXT}",
                          user_id=fx.MODERATOR_ID)
        description = only_embed(reply)["description"]
        assert "removed or replaced" in description and "nothing was changed" in description
        assert "Added" not in description
        quote = only_embed(await ask(fake_discord, "!quote ferry on the lake ordinance"))
        assert TEXT not in str(quote)  # not in the index either
        assert only_embed(await ask(fake_discord, "!city Seatle"))["title"].startswith("Seattle")
    finally:
        status = await bot.stop(signal.SIGINT)
    log = bot.log()
    assert status == 0
    errors = [line for line in log.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "removed or replaced under the bot" in errors[0], log[-2000:]
    assert "Traceback" not in log
