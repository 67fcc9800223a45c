"""Moderation in the console, as the README says: its user is the owner, everywhere."""

from __future__ import annotations

import re

from bot.console.session import ConsoleSession
from bot.core.bootstrap import Core

SUGGESTION = "suggest statement speaker: Rahm Emanuel text: Chicago stays open to everyone"


async def test_suggest_review_and_approve_without_a_server(core: Core) -> None:
    session = ConsoleSession(core)
    assert "No suggestion waits" in (await session.reply("review") or "")
    suggested = await session.reply(SUGGESTION) or ""
    number = re.search(r"Suggestion #(\d+) is waiting", suggested)
    assert number, suggested
    queue = await session.reply("review") or ""
    assert "Chicago stays open to everyone" in queue and "buttons" not in queue
    assert f"approve {number.group(1)}" in suggested
    approved = await session.reply(f"approve {number.group(1)}") or ""
    assert "Approved suggestion" in approved
    assert "Chicago stays open to everyone" in (await session.reply(
        "quote stays open to everyone") or "")


async def test_reject_in_a_servers_console(core: Core) -> None:
    session = ConsoleSession(core, guild_id=4242)
    suggested = await session.reply(SUGGESTION) or ""
    number = re.search(r"#(\d+)", suggested)
    assert number, suggested
    assert "Chicago stays open" in (await session.reply("review") or "")
    assert "Rejected suggestion" in (await session.reply(f"reject {number.group(1)}") or "")
    assert "No suggestion waits" in (await session.reply("review") or "")
    assert "Chicago stays open" not in (await ConsoleSession(core).reply("review") or "")
