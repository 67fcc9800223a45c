"""The digest cog: its loop body and commands, with spec'd mocks and an injected clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from unittest.mock import AsyncMock, MagicMock

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext import commands

from bot.core.bootstrap import Core
from bot.core.digest import compose
from bot.core.models import Counts, Statement
from bot.discord_app.app import EXTENSIONS, CityBot
from bot.discord_app.cogs.digest import DigestCog
from bot.discord_app.render import EMBED_TOTAL, render_embeds
from bot.settings import Settings
from tests.discord_app.helpers import (
    GUILD_ID,
    OTHER_GUILD_ID,
    http_error,
    make_bot,
    make_ctx,
    make_guild,
    make_text_channel,
    sent_embed,
)

CHANNEL_ID = 7001
OTHER_CHANNEL_ID = 7002
THIRD_GUILD_ID = 333
THIRD_CHANNEL_ID = 7003
ADMIN = discord.Permissions(manage_guild=True)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(core: Core) -> Clock:
    clock = Clock(datetime(2024, 3, 9, 12, 0, tzinfo=UTC))
    core.digest.clock = clock
    return clock


@pytest.fixture
def channels() -> dict[int, MagicMock]:
    return {
        CHANNEL_ID: make_text_channel(CHANNEL_ID, make_guild(GUILD_ID)),
        OTHER_CHANNEL_ID: make_text_channel(OTHER_CHANNEL_ID, make_guild(OTHER_GUILD_ID)),
        THIRD_CHANNEL_ID: make_text_channel(THIRD_CHANNEL_ID, make_guild(THIRD_GUILD_ID)),
    }


@pytest.fixture
def cog(core: Core, clock: Clock, channels: dict[int, MagicMock],
        monkeypatch: pytest.MonkeyPatch) -> DigestCog:
    cog = DigestCog(make_bot(core))
    monkeypatch.setattr(cog.bot, "get_channel", channels.get)
    monkeypatch.setattr(cog.bot, "fetch_channel", AsyncMock(
        side_effect=http_error(discord.NotFound, 404, "Unknown Channel")))
    return cog


def admin_ctx(cog: DigestCog, guild_id: int = GUILD_ID, **kwargs: object) -> MagicMock:
    return make_ctx(cog.bot, guild=make_guild(guild_id), permissions=ADMIN, **kwargs)  # type: ignore[arg-type]


async def set_up(cog: DigestCog, guild_id: int, channel: MagicMock, at: str = "08:30",
                 zone: str = "America/Chicago") -> None:
    ctx = admin_ctx(cog, guild_id)
    await cog.digest_channel.callback(cog, ctx, channel=channel)
    await cog.digest_timezone.callback(cog, ctx, zone=zone)
    await cog.digest_time.callback(cog, ctx, at=at)
    await cog.digest_on.callback(cog, ctx)


def no_mentions(call: object) -> bool:
    mentions = call.kwargs["allowed_mentions"]  # type: ignore[attr-defined]
    return mentions.to_dict() == discord.AllowedMentions.none().to_dict()


async def test_the_loop_posts_once_at_the_local_time(
    cog: DigestCog, clock: Clock, channels: dict[int, MagicMock]
) -> None:
    channel = channels[CHANNEL_ID]
    await set_up(cog, GUILD_ID, channel)  # 08:30 Chicago; the 10th is spring-forward day
    clock.now = datetime(2024, 3, 10, 13, 29, 30, tzinfo=UTC)
    await cog.loop.coro(cog)
    channel.send.assert_not_awaited()
    clock.now = datetime(2024, 3, 10, 13, 30, tzinfo=UTC)  # 08:30 CDT
    await cog.loop.coro(cog)
    await cog.loop.coro(cog)  # a second tick in the same minute
    clock.now += timedelta(seconds=40)
    await cog.loop.coro(cog)
    assert channel.send.await_count == 1
    call = channel.send.await_args
    assert no_mentions(call)
    embed = call.kwargs["embed"]
    assert embed.title == "Daily digest — Sunday 10 March 2024"
    assert len(embed) <= EMBED_TOTAL
    clock.now += timedelta(days=1)
    await cog.loop.coro(cog)
    assert channel.send.await_count == 2


async def test_one_servers_failure_does_not_stop_the_others(
    cog: DigestCog, clock: Clock, channels: dict[int, MagicMock], core: Core
) -> None:
    gone = make_text_channel(CHANNEL_ID, make_guild(GUILD_ID))
    gone.send.side_effect = http_error(discord.NotFound, 404, "Unknown Channel")
    channels[CHANNEL_ID] = gone
    channels[OTHER_CHANNEL_ID].send.side_effect = http_error(
        discord.Forbidden, 403, "Missing Permissions")
    await set_up(cog, GUILD_ID, gone, zone="UTC", at="13:00")
    await set_up(cog, OTHER_GUILD_ID, channels[OTHER_CHANNEL_ID], zone="UTC", at="13:00")
    await set_up(cog, THIRD_GUILD_ID, channels[THIRD_CHANNEL_ID], zone="UTC", at="13:00")
    clock.now = datetime(2024, 3, 9, 13, 0, tzinfo=UTC)
    await cog.loop.coro(cog)
    assert channels[THIRD_CHANNEL_ID].send.await_count == 1
    await cog.loop.coro(cog)  # failures are not retried every tick (never two posts)
    assert gone.send.await_count == channels[OTHER_CHANNEL_ID].send.await_count == 1

    ctx = admin_ctx(cog, GUILD_ID)
    await cog.digest.callback(cog, ctx)
    status = sent_embed(ctx)
    fields = {f.name: f.value for f in status.fields}
    assert "no longer exists" in fields["Last error"]
    assert ctx.send.call_args.kwargs["ephemeral"] is True
    ctx = admin_ctx(cog, OTHER_GUILD_ID)
    await cog.digest.callback(cog, ctx)
    assert "Missing permission" in {f.name: f.value for f in sent_embed(ctx).fields}["Last error"]


async def test_a_deleted_channel_the_bot_cannot_fetch(
    cog: DigestCog, clock: Clock, channels: dict[int, MagicMock], core: Core
) -> None:
    await set_up(cog, GUILD_ID, channels[CHANNEL_ID], zone="UTC", at="13:00")
    del channels[CHANNEL_ID]  # not in the cache; fetch_channel answers 404
    clock.now = datetime(2024, 3, 9, 13, 0, tzinfo=UTC)
    await cog.loop.coro(cog)
    settings = await core.store.digest_settings(GUILD_ID)
    assert settings is not None and "no longer exists" in (settings.last_error or "")


async def test_an_unexpected_error_is_logged_and_the_loop_goes_on(
    cog: DigestCog, clock: Clock, channels: dict[int, MagicMock], monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_up(cog, GUILD_ID, channels[CHANNEL_ID], zone="UTC", at="13:00")
    await set_up(cog, OTHER_GUILD_ID, channels[OTHER_CHANNEL_ID], zone="UTC", at="13:00")
    channels[CHANNEL_ID].send.side_effect = RuntimeError("boom")
    clock.now = datetime(2024, 3, 9, 13, 0, tzinfo=UTC)
    await cog.loop.coro(cog)
    assert channels[OTHER_CHANNEL_ID].send.await_count == 1
    monkeypatch.setattr(cog.bot.core.digest, "due", AsyncMock(side_effect=RuntimeError("db")))
    await cog.loop.coro(cog)  # does not raise: the loop keeps running


async def test_before_loop_waits_until_ready(cog: DigestCog,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    ready = AsyncMock()
    monkeypatch.setattr(cog.bot, "wait_until_ready", ready)
    await cog.before_loop()
    ready.assert_awaited_once()
    assert "bot.discord_app.cogs.digest" in EXTENSIONS


async def test_digest_now_posts_and_counts_as_todays(
    cog: DigestCog, clock: Clock, channels: dict[int, MagicMock]
) -> None:
    channel = channels[CHANNEL_ID]
    await set_up(cog, GUILD_ID, channel, zone="UTC", at="13:00")
    ctx = admin_ctx(cog)
    await cog.digest_now.callback(cog, ctx)
    assert channel.send.await_count == 1 and no_mentions(channel.send.await_args)
    assert "Posted today's digest" in sent_embed(ctx).description
    clock.now = datetime(2024, 3, 9, 13, 0, tzinfo=UTC)
    await cog.loop.coro(cog)
    ctx = admin_ctx(cog)
    await cog.digest_now.callback(cog, ctx)
    assert channel.send.await_count == 1
    assert "already went out" in sent_embed(ctx).description
    assert ctx.send.call_args.kwargs["ephemeral"] is True


async def test_digest_now_without_a_channel(cog: DigestCog) -> None:
    ctx = admin_ctx(cog)
    await cog.digest_now.callback(cog, ctx)
    assert "No digest channel" in sent_embed(ctx).description


async def test_preview_is_only_for_the_asker(cog: DigestCog,
                                             channels: dict[int, MagicMock]) -> None:
    ctx = admin_ctx(cog, interaction=True)
    await cog.digest_preview.callback(cog, ctx)
    kwargs = ctx.send.call_args.kwargs
    assert kwargs["ephemeral"] is True and no_mentions(ctx.send.call_args)
    assert kwargs["embed"].title.startswith("Daily digest — Saturday 9 March 2024")
    channels[CHANNEL_ID].send.assert_not_awaited()
    # `!digest preview` cannot be ephemeral: it goes to the asker's DMs.
    ctx = admin_ctx(cog)
    ctx.author.send = AsyncMock()
    await cog.digest_preview.callback(cog, ctx)
    assert ctx.author.send.await_args.kwargs["embed"].title.startswith("Daily digest")
    assert "DM" in ctx.send.call_args.args[0]


async def test_settings_answers(cog: DigestCog, channels: dict[int, MagicMock],
                                core: Core) -> None:
    ctx = admin_ctx(cog)
    await cog.digest_timezone.callback(cog, ctx, zone="America/Chicgo")
    embed = sent_embed(ctx)
    assert "`America/Chicago`" in embed.description and embed.title == "Sorry"
    assert await core.store.digest_settings(GUILD_ID) is None
    await cog.digest_time.callback(cog, ctx, at="8h61")
    assert "not a time of day" in sent_embed(ctx).description
    mute = make_text_channel(CHANNEL_ID, make_guild(GUILD_ID),
                             bot_permissions=discord.Permissions(view_channel=True))
    await cog.digest_channel.callback(cog, ctx, channel=mute)
    assert "Warning: the bot lacks" in sent_embed(ctx).description
    await cog.digest_on.callback(cog, ctx)
    await cog.digest_off.callback(cog, ctx)
    settings = await core.store.digest_settings(GUILD_ID)
    assert settings is not None and settings.channel_id == CHANNEL_ID and not settings.enabled


async def test_time_zone_autocomplete_is_within_limits(cog: DigestCog) -> None:
    choices = await cog.digest_timezone_zone(MagicMock(spec=discord.Interaction), "chica")
    assert [c.value for c in choices] == ["America/Chicago"]
    many = await cog.digest_timezone_zone(MagicMock(spec=discord.Interaction), "america")
    assert len(many) == 25


@pytest.mark.parametrize("command", ["digest", "digest_channel", "digest_time",
                                     "digest_timezone", "digest_on", "digest_off",
                                     "digest_preview", "digest_now"])
async def test_every_digest_command_needs_manage_server(cog: DigestCog, command: str) -> None:
    cmd = getattr(cog, command)
    member = make_ctx(cog.bot, guild=make_guild(), permissions=discord.Permissions(
        send_messages=True, manage_messages=True))
    with pytest.raises(commands.CheckFailure, match="Manage Server permission"):
        await cmd.can_run(member)
    assert await cmd.can_run(admin_ctx(cog)) is True
    with pytest.raises(commands.NoPrivateMessage):
        await cmd.can_run(make_ctx(cog.bot, guild=None, permissions=ADMIN))


async def test_a_member_is_refused_clearly_and_nothing_is_stored(
    cog: DigestCog, core: Core
) -> None:
    ctx = make_ctx(cog.bot, guild=make_guild(), interaction=True)
    ctx.interaction.client = cog.bot  # the slash path: the same check, run by the app command
    ctx.interaction._baton = ctx
    try:
        if await cog.digest_time.can_run(ctx):
            await cog.digest_time.callback(cog, ctx, at="08:30")
    except commands.CheckFailure as error:
        await cog.bot.on_command_error(ctx, error)
    assert "You need the Manage Server permission" in sent_embed(ctx).description
    assert ctx.send.call_args.kwargs["ephemeral"] is True
    assert await core.store.digest_settings(GUILD_ID) is None


def test_the_largest_digest_is_one_embed_within_every_limit() -> None:
    statement = Statement(
        id=1, guild_id=0, key="k", official_id=1, speaker="S" * 100, city_id=None,
        city_name=None, kind="quote", text="word " * 200, said_where="w" * 200,
        said_when="x" * 100, said_on="2016-11-16", source_id=None, source_url=None, version=1,
        created_at="",
    )
    from bot.core.digest import NewEntries

    new = NewEntries(statements=(statement,) * 60)
    answer = compose(date(2024, 9, 25), statement, Counts(999, 999, 9999, 999), new)
    embeds = render_embeds(answer)
    assert len(embeds) == 1 and len(embeds[0]) <= EMBED_TOTAL


# ---- through discord.py's real `!` command processing (dpytest) ------------------------------


@pytest.fixture
async def live_bot(core: Core) -> AsyncIterator[CityBot]:
    bot = CityBot(Settings(), core=core, intents=discord.Intents.all())
    bot.sync_commands = AsyncMock()  # type: ignore[method-assign]
    await bot._async_setup_hook()
    await bot.setup_hook()  # loads the digest cog, which starts its loop
    dpytest.configure(bot)
    yield bot
    await bot.remove_cog("Digest")  # stops the loop before the store closes
    await dpytest.empty_queue()
    bot._core = None


async def test_prefix_settings_need_manage_server(live_bot: CityBot, core: Core) -> None:
    config = dpytest.get_config()
    guild, member = config.guilds[0], config.members[0]
    assert live_bot.get_cog("Digest").loop.is_running()  # type: ignore[union-attr]
    with pytest.raises(commands.CheckFailure):
        await dpytest.message("!digest time 08:30")
    assert "Manage Server" in dpytest.get_message().embeds[0].description
    assert await core.store.digest_settings(guild.id) is None

    role = dpytest.backend.make_role("admins", guild,
                                     permissions=discord.Permissions(manage_guild=True).value)
    await dpytest.add_role(member, role)
    await dpytest.message("!digest time 08:30")
    assert "08:30" in dpytest.get_message().embeds[0].description
    await dpytest.message("!digest timezone europe/london")
    await dpytest.message("!digest status")  # no such subcommand: the group shows the status
    dpytest.get_message()
    fields = {f.name: f.value for f in dpytest.get_message().embeds[0].fields}
    assert fields["Time zone"] == "Europe/London" and fields["Time"] == "08:30"
    settings = await core.store.digest_settings(guild.id)
    assert settings is not None and settings.timezone == "Europe/London"
