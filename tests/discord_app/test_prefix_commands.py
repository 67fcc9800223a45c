"""`!` commands through discord.py's real command processing (dpytest)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from unittest.mock import AsyncMock

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext import commands

from bot.core.bootstrap import Core
from bot.discord_app.app import CityBot
from bot.settings import Settings


@pytest.fixture
async def bot(core: Core) -> AsyncIterator[CityBot]:
    # dpytest builds its members from the user cache, which needs the members intent.
    bot = CityBot(Settings(lookup_cooldown_rate=2, lookup_cooldown_per=60.0), core=core,
                  intents=discord.Intents.all())
    bot.sync_commands = AsyncMock()  # type: ignore[method-assign]  # no Discord to sync with
    await bot._async_setup_hook()
    await bot.setup_hook()
    dpytest.configure(bot)
    yield bot
    await dpytest.empty_queue()
    bot._core = None  # the `core` fixture closes the store


def _embed() -> discord.Embed:
    message = dpytest.get_message()
    assert message.embeds, message.content
    return message.embeds[0]


async def test_city_with_a_typo(bot: CityBot) -> None:
    await dpytest.message("!city Seatle")
    assert _embed().title == "Seattle, Washington"


async def test_quote_fragment_and_speaker(bot: CityBot) -> None:
    await dpytest.message("!quote not our job")
    assert _embed().title == "Charlie Beck"
    await dpytest.message("!quote emanuel")
    assert _embed().title == "Statements of Rahm Emanuel"


# dpytest re-raises the error after our on_command_error has answered it.

async def test_missing_argument_gets_usage(bot: CityBot) -> None:
    with pytest.raises(commands.MissingRequiredArgument):
        await dpytest.message("!city")
    assert "!city <name>" in _embed().description


async def test_unknown_command_is_ignored(bot: CityBot) -> None:
    with pytest.raises(commands.CommandNotFound):
        await dpytest.message("!nosuchcommand")
    assert dpytest.verify().message().nothing()


async def test_cooldown_gives_one_notice_not_a_flood(bot: CityBot) -> None:
    for _ in range(2):
        await dpytest.message("!cities")
        assert _embed().title == "Cities"
    with pytest.raises(commands.CommandOnCooldown):
        await dpytest.message("!cities")
    assert "Slow down" in _embed().description
    for _ in range(3):
        with pytest.raises(commands.CommandOnCooldown):
            await dpytest.message("!cities")
    assert dpytest.verify().message().nothing()


async def test_mentions_in_the_query_ping_no_one(bot: CityBot) -> None:
    await dpytest.message("!city @everyone <@&123> Atlantis")
    message = dpytest.get_message()
    assert message.embeds and "@everyone" in message.embeds[0].description


def test_the_client_default_pings_no_one(core: Core) -> None:
    mentions = CityBot(Settings(), core=core).allowed_mentions
    assert mentions is not None
    assert mentions.to_dict() == {"parse": []}  # no @everyone, no roles, no users
