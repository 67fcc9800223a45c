"""Self-tests: a real discord.py client, in this event loop, against the fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
from discord import app_commands
from discord.ext import commands

from bot.discord_app.endpoints import apply_endpoints
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.fake_discord.records import LOADING
from tests.e2e.fake_discord.validation import check_choices, check_message

TIMEOUT = 5.0


class PressView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.pressed_by: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    @discord.ui.select(custom_id="pick", options=[discord.SelectOption(label=x) for x in "ab"])
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message(f"picked {select.values[0]}", ephemeral=True)

    @discord.ui.button(label="Press", custom_id="press")
    async def press(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="pressed", view=None)
        self.pressed_by.set_result(interaction.user.id)


class Feedback(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput = discord.ui.TextInput(label="Text", custom_id="text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"got {self.text.value}", ephemeral=True)


def make_bot() -> commands.Bot:
    intents = discord.Intents.default()
    intents.message_content = True
    intents.members = True  # otherwise discord.py caches no members from GUILD_CREATE
    bot = commands.Bot(
        command_prefix="!",
        intents=intents,
        help_command=None,
        allowed_mentions=discord.AllowedMentions.none(),
        guild_ready_timeout=0.1,  # on_ready waits this long after the last GUILD_CREATE
    )
    bot.views: list[PressView] = []  # type: ignore[attr-defined]

    @bot.command()
    async def ping(ctx: commands.Context) -> None:
        await ctx.reply(embed=discord.Embed(title="pong", description="latency ok"))

    @app_commands.command(description="Echo text back")
    async def echo(interaction: discord.Interaction, text: str) -> None:
        view = PressView()
        bot.views.append(view)  # type: ignore[attr-defined]
        await interaction.response.send_message(text, view=view)

    @echo.autocomplete("text")
    async def echo_text(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=f"{current}{i}", value=f"{current}{i}") for i in range(30)
        ][:25]

    @app_commands.command(description="Greet a member after thinking")
    async def greet(interaction: discord.Interaction, who: discord.Member) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content=f"hi {who.display_name}")
        await interaction.followup.send("done", ephemeral=True)

    @app_commands.command(description="Think, then answer twice")
    async def ponder(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        await interaction.followup.send("filled in", ephemeral=False)  # the defer's flags win
        await interaction.followup.send("for everyone", ephemeral=False)

    @app_commands.command(description="Open the feedback form")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    for command in (echo, greet, ponder, feedback):
        bot.tree.add_command(command)
    return bot


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def bot(server: FakeDiscord, caplog: pytest.LogCaptureFixture) -> AsyncIterator[commands.Bot]:
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    apply_endpoints(server.api_base, server.gateway_url)
    client = make_bot()
    task: asyncio.Task[None] | None = None
    try:
        await client.login("fake-token")
        task = asyncio.create_task(client.connect())
        await server.wait_ready(TIMEOUT)
        await asyncio.wait_for(client.wait_until_ready(), TIMEOUT)
        yield client
    finally:
        await client.close()
        if task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, TIMEOUT)
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
    # discord.py logs (rather than raises) payloads it cannot parse; those are fake-server bugs.
    errors = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("discord") and r.levelno >= logging.ERROR
    ]
    assert errors == []


async def test_ready_with_guild(bot: commands.Bot, server: FakeDiscord) -> None:
    assert bot.user is not None and bot.user.id == fx.BOT_USER_ID
    guild = bot.get_guild(fx.GUILD_ID)
    assert guild is not None and guild.chunked
    assert {c.name for c in guild.text_channels} == {"general", "moderators"}
    moderator = guild.get_member(fx.MODERATOR_ID)
    assert moderator is not None and moderator.guild_permissions.manage_messages
    member = guild.get_member(fx.MEMBER_ID)
    assert member is not None and not member.guild_permissions.manage_messages
    assert guild.owner_id == fx.OWNER_ID
    assert server.violations == []


async def test_sync_registers_commands(bot: commands.Bot, server: FakeDiscord) -> None:
    synced = await bot.tree.sync()
    names = ["echo", "greet", "ponder", "feedback"]
    assert [c.name for c in synced] == names
    assert [c["name"] for c in server.registered_commands[None]] == names
    guild = discord.Object(fx.GUILD_ID)
    bot.tree.copy_global_to(guild=guild)
    await bot.tree.sync(guild=guild)
    assert server.find_command("echo")["guild_id"] == str(fx.GUILD_ID)  # type: ignore[index]
    assert server.violations == []


async def test_prefix_command_replies_with_embed(bot: commands.Bot, server: FakeDiscord) -> None:
    sent_id = await server.send_message(fx.GENERAL_CHANNEL_ID, fx.MEMBER_ID, "!ping")
    reply = await server.wait_for_bot_message(fx.GENERAL_CHANNEL_ID, TIMEOUT)
    assert reply.embeds[0]["title"] == "pong"
    assert reply.message_reference is not None
    assert int(reply.message_reference["message_id"]) == sent_id
    assert reply.allowed_mentions == {"parse": []}
    assert server.violations == []


async def test_slash_command_button_and_autocomplete(
    bot: commands.Bot, server: FakeDiscord
) -> None:
    await bot.tree.sync()
    record = await server.invoke_slash("echo", {"text": "hello"}, user_id=fx.MODERATOR_ID)
    first = await record.first_response(TIMEOUT)
    assert first.type == 4 and first.data["content"] == "hello"
    assert record.response_time is not None and record.response_time < 3.0
    assert record.original is not None and record.original.components

    pick = await server.click(record.original.id, "pick", values=["b"])
    assert (await pick.first_response(TIMEOUT)).data["content"] == "picked b"
    assert pick.original is not None and pick.original.ephemeral

    click = await server.click(record.original.id, "press", user_id=fx.MEMBER_ID)
    assert await asyncio.wait_for(bot.views[0].pressed_by, TIMEOUT) == fx.MEMBER_ID  # type: ignore[attr-defined]
    update = await click.first_response(TIMEOUT)
    assert update.type == 7 and record.original.content == "pressed"
    assert record.original.components == []

    choices = await server.autocomplete("echo", {"text": "ab"}, focused="text", timeout=TIMEOUT)
    assert 0 < len(choices) <= 25 and all(c["name"].startswith("ab") for c in choices)
    assert server.violations == []


async def test_defer_followup_modal_and_dm(bot: commands.Bot, server: FakeDiscord) -> None:
    await bot.tree.sync()
    record = await server.invoke_slash("greet", {"who": fx.MODERATOR_ID})
    await record.wait_for(lambda r: r.kind == "followup", TIMEOUT)
    assert [(r.kind, r.type) for r in record.responses] == [
        ("callback", 5),
        ("edit_original", None),
        ("followup", None),
    ]
    assert record.original is not None and record.original.content == "hi Moderator"
    assert record.original.ephemeral and record.responses[2].message is not None
    assert record.responses[2].message.ephemeral

    # The first follow-up after a defer fills in the "thinking" message, as the defer said.
    record = await server.invoke_slash("ponder")
    await record.wait_for(lambda r: r.kind == "followup" and r.message is not record.original,
                          TIMEOUT)
    filled, public = (r.message for r in record.responses[1:])
    assert filled is record.original and filled is not None
    assert filled.content == "filled in" and filled.ephemeral and not filled.flags & LOADING
    assert public is not None and public.content == "for everyone" and not public.ephemeral

    opened = await server.invoke_slash("feedback", guild=False)
    assert (await opened.first_response(TIMEOUT)).type == 9
    submitted = await server.submit_modal(opened, {"text": "nice"})
    assert (await submitted.first_response(TIMEOUT)).data["content"] == "got nice"
    assert server.violations == []


async def test_oversized_embed_is_rejected(bot: commands.Bot, server: FakeDiscord) -> None:
    channel = bot.get_channel(fx.GENERAL_CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send(embed=discord.Embed(title="t", description="x" * 4097))
    assert caught.value.code == 50035 and caught.value.status == 400
    assert any("embeds[0].description has 4097" in v for v in server.violations)


async def test_rate_limit_is_retried(bot: commands.Bot, server: FakeDiscord) -> None:
    server.rate_limit_next(r"^POST /channels/\d+/messages$", retry_after=0.2)
    channel = bot.get_channel(fx.GENERAL_CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    await asyncio.wait_for(channel.send("after the limit"), TIMEOUT)
    assert server.requests.count(f"POST /channels/{fx.GENERAL_CHANNEL_ID}/messages") == 2
    assert server.violations == []


async def test_drop_and_reconnect_resume(bot: commands.Bot, server: FakeDiscord) -> None:
    await server.drop_connection()
    await server.wait_ready(TIMEOUT)
    await server.send_reconnect()
    await server.wait_ready(TIMEOUT)
    assert server.gateway.resume_count == 2 and server.gateway.identify_count == 1
    await server.send_message(fx.GENERAL_CHANNEL_ID, fx.MEMBER_ID, "!ping")
    assert (await server.wait_for_bot_message(fx.GENERAL_CHANNEL_ID, TIMEOUT)).embeds
    assert server.violations == []


async def test_protocol_errors_without_bot(server: FakeDiscord) -> None:
    """Things discord.py never does on its own, sent by hand."""
    server.deadline = 0.2
    async with aiohttp.ClientSession() as http:
        on_time = await server.invoke_slash("missing", {"n": 1})
        url = f"{server.api_base}/interactions/{on_time.id}/{on_time.token}/callback"
        body = {"type": 4, "data": {"content": "hi", "allowed_mentions": {"parse": []}}}
        async with http.post(url, json=body) as first:
            assert first.status == 204  # no ?with_response
        async with http.post(url, json=body) as second:
            assert second.status == 400 and (await second.json())["code"] == 40060

        late = await server.invoke_slash("missing", {})
        await asyncio.sleep(0.3)
        url = f"{server.api_base}/interactions/{late.id}/{late.token}/callback"
        async with http.post(url, json={"type": 5}) as response:
            assert response.status == 404 and (await response.json())["code"] == 10062

        headers = {"Authorization": "Bot fake-token"}
        async with http.get(f"{server.api_base}/users/@me", headers=headers) as response:
            assert response.headers["Content-Type"] == "application/json"
        async with http.get(f"{server.api_base}/nonsense", headers=headers) as response:
            assert response.status == 404
        url = f"{server.api_base}/channels/{fx.GENERAL_CHANNEL_ID}/messages"
        async with http.post(url, json={"content": "hi"}, headers=headers) as response:
            assert response.status == 400 and (await response.json())["code"] == 50035
    assert len(server.violations) == 4
    assert "second initial response" in server.violations[0]
    assert "initial response after" in server.violations[1]
    assert server.violations[2] == "GET /nonsense: unknown route"
    assert "allowed_mentions missing" in server.violations[3]


def test_validator_flags_handcrafted_payloads() -> None:
    assert check_message({"content": "hi"}, creates=True) == [
        "allowed_mentions missing (message could ping @everyone/roles/users)"
    ]
    pinging = {
        "content": "@everyone",
        "allowed_mentions": {"parse": ["everyone", "users"], "roles": ["1"]},
    }
    assert len(check_message(pinging, creates=True)) == 2
    assert check_message({"content": "x"}, creates=False) == []  # edits never ping
    big = {
        "content": "x" * 2001,
        "allowed_mentions": {"parse": []},
        "embeds": [{"title": "t" * 257, "fields": [{"name": "n", "value": "v" * 1025}]}] * 11,
        "components": [
            {"type": 1, "components": [{"type": 2, "custom_id": str(i)} for i in range(6)]}
        ]
        * 6,
    }
    problems = " | ".join(check_message(big, creates=True))
    for expected in (
        "content has 2001",
        "11 embeds",
        "title has 257",
        "value has 1025",
        "embeds total",
        "6 action rows",
        "has 6 buttons",
    ):
        assert expected in problems
    assert check_choices([{"name": "a", "value": "a"}] * 26) == ["26 autocomplete choices (max 25)"]
    assert check_choices([{"name": "n" * 101, "value": "v"}])
