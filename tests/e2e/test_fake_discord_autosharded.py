"""Self-tests: real discord.py ``AutoShardedBot``s, in this event loop, against a sharded fake
Discord, each running a range of shards as the sharded citybot's processes will."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import discord
import discord.gateway
import discord.http
import pytest
from discord import app_commands
from discord.ext import commands

from bot.discord_app.endpoints import apply_endpoints
from tests.e2e.fake_discord import FakeDiscord, SentMessage
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.helpers import start_sharded

TIMEOUT = 5.0
SHARDS = 4
Launch = Callable[[str, list[int]], Awaitable["ShardBot"]]


class ShardBot(commands.AutoShardedBot):
    """Answers ``!ping`` and ``/where`` with its name and the shard that carried the event."""

    def __init__(self, label: str, shard_ids: list[int], shard_count: int = SHARDS) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        intents.members = True
        super().__init__(
            command_prefix="!",
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.1,
            shard_ids=shard_ids,
            shard_count=shard_count,
        )
        self.label = label

        @self.command()
        async def ping(ctx: commands.Context) -> None:
            shard = "dm" if ctx.guild is None else ctx.guild.shard_id
            await ctx.reply(f"pong {self.label} shard {shard}")

        @app_commands.command(description="Which process answers")
        async def where(interaction: discord.Interaction) -> None:
            guild = interaction.guild
            shard = "dm" if guild is None else guild.shard_id
            await interaction.response.send_message(f"here {self.label} shard {shard}")

        self.tree.add_command(where)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s pause between shards: one fake server has no identify rate limit."""


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    fake, _ = await start_sharded(SHARDS)
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    apply_endpoints(fake.api_base, fake.gateway_url)
    yield fake
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
    await fake.stop()


@pytest.fixture
async def launch(
    server: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Launch]:
    """Starts a bot for some shards and waits until it is ready; all are closed afterwards."""
    running: list[tuple[ShardBot, asyncio.Task[None]]] = []

    async def start(label: str, shard_ids: list[int]) -> ShardBot:
        bot = ShardBot(label, shard_ids)
        await bot.login("fake-token")
        running.append((bot, asyncio.create_task(bot.connect())))
        await server.wait_shards_ready(shard_ids, TIMEOUT)
        await asyncio.wait_for(bot.wait_until_ready(), TIMEOUT)
        return bot

    try:
        yield start
    finally:
        for bot, task in running:
            await bot.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, TIMEOUT)
    errors = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("discord") and r.levelno >= logging.ERROR
    ]
    assert errors == []


def town(server: FakeDiscord, shard: int) -> fx.Guild:
    return next(g for g in server.guilds.values()
                if g.id != fx.GUILD_ID and server.shard_of(g.id) == shard)


async def pongs(server: FakeDiscord, channel_id: int, count: int) -> list[str]:
    """The next ``count`` ``!ping`` answers in the channel, sorted."""
    def is_pong(sent: SentMessage) -> bool:
        return sent.content.startswith("pong")

    answers = [await server.wait_for_bot_message(channel_id, TIMEOUT, is_pong)
               for _ in range(count)]
    return sorted(a.content for a in answers)


async def test_each_process_gets_only_its_shards_guilds(
    server: FakeDiscord, launch: Launch
) -> None:
    # Striped, so that a DM routed to any shard but 0 would reach the other process.
    first, second = await launch("A", [0, 2]), await launch("B", [1, 3])
    assert server.connected_shards() == {0: 1, 1: 1, 2: 1, 3: 1}
    assert server.gateway.identify_counts == {0: 1, 1: 1, 2: 1, 3: 1}
    for bot, shards in ((first, {0, 2}), (second, {1, 3})):
        expected = {g.id for g in server.guilds.values() if server.shard_of(g.id) in shards}
        assert {g.id for g in bot.guilds} == expected
        assert all(g.shard_id == server.shard_of(g.id) for g in bot.guilds)
        assert all(g.chunked and g.get_member(fx.MODERATOR_ID) for g in bot.guilds)
    assert second.get_guild(fx.GUILD_ID) is not None  # the main guild is on shard 3
    moderator = second.get_guild(town(server, 1).id).get_member(fx.MODERATOR_ID)  # type: ignore[union-attr]
    assert moderator is not None and moderator.guild_permissions.manage_messages
    assert server.violations == []


async def test_the_process_of_the_shard_answers(server: FakeDiscord, launch: Launch) -> None:
    await launch("A", [0, 2])
    await launch("B", [1, 3])
    for shard in range(SHARDS):
        channel = town(server, shard).general_channel_id
        await server.send_message(channel, fx.MEMBER_ID, "!ping")
        label = "AB"[shard % 2]
        assert await pongs(server, channel, 1) == [f"pong {label} shard {shard}"]
        record = await server.invoke_slash("where", guild=town(server, shard))
        response = await record.first_response(TIMEOUT)
        assert response.data["content"] == f"here {label} shard {shard}"
    # DMs belong to shard 0, run by A.
    dm = server.dm_channel(fx.MEMBER_ID)
    await server.send_message(dm, fx.MEMBER_ID, "!ping")
    assert await pongs(server, dm, 1) == ["pong A shard dm"]
    record = await server.invoke_slash("where", guild=False)
    assert (await record.first_response(TIMEOUT)).data["content"] == "here A shard dm"
    # Every reply is in: had a shard's event also reached the other process, its extra
    # reply would be among these.
    await server.sync_with_bot(TIMEOUT)
    assert len([m for m in server.bot_messages if m.source == "channel"]) == SHARDS + 1
    assert server.violations == []


async def test_a_shard_run_twice_answers_twice(server: FakeDiscord, launch: Launch) -> None:
    await launch("A", [0, 1])
    duplicate = await launch("C", [1])
    assert server.connected_shards() == {0: 1, 1: 2}
    channel = town(server, 1).general_channel_id
    await server.send_message(channel, fx.MEMBER_ID, "!ping")
    assert await pongs(server, channel, 2) == ["pong A shard 1", "pong C shard 1"]
    await duplicate.close()  # discord.py closes with 1000: that session is over
    await server.wait_connected_shards({0: 1, 1: 1}, TIMEOUT)
    assert len(server.gateway.sessions_of(1)) == 1


async def test_a_dropped_shard_resumes(server: FakeDiscord, launch: Launch) -> None:
    await launch("A", [0, 1])
    await server.drop_connection(shard=1)
    await server.wait_shards_ready({0, 1}, TIMEOUT)
    assert server.gateway.resume_counts == {1: 1} and server.gateway.identify_counts[1] == 1
    channel = town(server, 1).general_channel_id
    await server.send_message(channel, fx.MEMBER_ID, "!ping")
    assert await pongs(server, channel, 1) == ["pong A shard 1"]


async def test_too_few_shards_is_refused_with_4011(server: FakeDiscord) -> None:
    bot = ShardBot("X", [0], shard_count=2)
    await bot.login("fake-token")
    try:
        with pytest.raises(discord.ConnectionClosed) as closed:
            await asyncio.wait_for(bot.connect(), TIMEOUT)
    finally:
        await bot.close()
    assert closed.value.code == 4011
    assert server.gateway.sessions == {}
