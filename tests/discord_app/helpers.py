"""spec'd mocks of discord.py objects (a typo in a test raises instead of passing silently)."""

from __future__ import annotations

from unittest.mock import AsyncMock, MagicMock

import discord
from discord.ext import commands

from bot.core.bootstrap import Core
from bot.discord_app.app import CityBot
from bot.settings import Settings

GUILD_ID = 111
OTHER_GUILD_ID = 222
MEMBER_ID = 1001
MODERATOR_ID = 1002
OWNER_ID = 9999


def make_bot(core: Core, **settings: object) -> CityBot:
    """A CityBot around an open core, never logged in."""
    return CityBot(Settings(owner_ids=frozenset({OWNER_ID}), **settings), core=core)  # type: ignore[arg-type]


def make_guild(guild_id: int = GUILD_ID) -> MagicMock:
    guild = MagicMock(spec_set=discord.Guild)
    guild.id = guild_id
    guild.name = f"guild {guild_id}"
    return guild


def make_member(user_id: int = MEMBER_ID, permissions: discord.Permissions | None = None,
                roles: list[int] | None = None) -> MagicMock:
    member = MagicMock(spec_set=discord.Member)
    member.id = user_id
    member.bot = False
    member.mention = f"<@{user_id}>"
    member.display_name = f"member{user_id}"
    member.guild_permissions = permissions or discord.Permissions.none()
    member.roles = [MagicMock(spec_set=discord.Role, id=r) for r in roles or []]
    return member


def make_ctx(bot: CityBot, *, guild: MagicMock | None = None, author: MagicMock | None = None,
             permissions: discord.Permissions | None = None,
             interaction: bool = False) -> MagicMock:
    """A Context for calling a command's callback directly; `ctx.send` is an AsyncMock."""
    ctx = MagicMock(spec=commands.Context)
    ctx.bot = bot
    ctx.guild = guild
    ctx.author = author or make_member()
    ctx.message = MagicMock(spec=discord.Message)
    ctx.command = None
    ctx.permissions = permissions or discord.Permissions.none()
    ctx.interaction = make_interaction(guild=guild, user=ctx.author) if interaction else None
    ctx.send = AsyncMock(return_value=MagicMock(spec=discord.Message))
    return ctx


def make_interaction(*, guild: MagicMock | None = None, user: MagicMock | None = None,
                     permissions: discord.Permissions | None = None) -> MagicMock:
    interaction = MagicMock(spec=discord.Interaction)
    interaction.guild = guild
    interaction.guild_id = guild.id if guild is not None else None
    interaction.user = user or make_member()
    interaction.permissions = permissions or discord.Permissions.none()
    interaction.response = MagicMock(spec=discord.InteractionResponse)
    answered: list[str] = []  # what the initial response was, once there is one

    def respond(kind: str) -> AsyncMock:
        return AsyncMock(side_effect=lambda *_, **__: answered.append(kind))

    interaction.response.send_message = respond("message")
    interaction.response.edit_message = respond("edit")
    interaction.response.send_modal = respond("modal")
    interaction.response.defer = respond("defer")
    interaction.response.is_done = MagicMock(side_effect=lambda: bool(answered))
    interaction.followup = MagicMock(spec=discord.Webhook)
    interaction.followup.send = AsyncMock()
    interaction.edit_original_response = AsyncMock()
    return interaction


def sent_embed(ctx: MagicMock) -> discord.Embed:
    """The embed of the last ctx.send call."""
    return ctx.send.call_args.kwargs["embed"]


def make_text_channel(channel_id: int, guild: MagicMock | None = None,
                      *, bot_permissions: discord.Permissions | None = None) -> MagicMock:
    """A text channel whose `send` is an AsyncMock returning a message with an id."""
    channel = MagicMock(spec_set=discord.TextChannel)
    channel.id = channel_id
    channel.name = f"channel-{channel_id}"
    channel.mention = f"<#{channel_id}>"
    channel.guild = guild
    message = MagicMock(spec_set=discord.Message)
    message.id = channel_id * 1000 + 1
    channel.send = AsyncMock(return_value=message)
    allowed = bot_permissions if bot_permissions is not None else discord.Permissions(
        view_channel=True, send_messages=True, embed_links=True)
    channel.permissions_for = MagicMock(return_value=allowed)
    return channel


def http_error(kind: type[discord.HTTPException], status: int, text: str) -> discord.HTTPException:
    """A NotFound, Forbidden or HTTPException as discord.py raises it from a response."""
    response = MagicMock(status=status, reason=text)
    return kind(response, {"code": 0, "message": text})


# ---- moderation -------------------------------------------------------------------------

MOD_ROLE_ID = 4242


async def run_checks(command: commands.Command, ctx: MagicMock) -> str | None:  # type: ignore[type-arg]
    """None when every check of `command` passes for `ctx`, else the refusal's words."""
    for check in command.checks:
        try:
            if not await discord.utils.maybe_coroutine(check, ctx):
                return "check failed"
        except commands.CheckFailure as exc:
            return str(exc)
    return None


def make_flags(cls: type[commands.FlagConverter], **values: object) -> commands.FlagConverter:
    """A flags object as a hybrid command builds it: defaults, then the given values."""
    flags = cls.__new__(cls)
    for flag in cls.get_flags().values():
        default = flag.default
        setattr(flags, flag.attribute, None if callable(default) or default is discord.utils.MISSING
                else default)
    for name, value in values.items():
        setattr(flags, name, value)
    return flags
