"""Permission checks that hold for `!` and `/` alike (real checks, not only client hints).

`app_commands.default_permissions` only tells Discord's client whom to show a slash command
to; a server admin can change it, and it does nothing for `!` commands. So every guarded
command also carries a `commands.check`, which hybrid commands run for both forms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.moderation import Actor

if TYPE_CHECKING:
    from bot.discord_app.app import CityBot

T = TypeVar("T")


# discord.py's attribute names where Discord's own client calls the permission otherwise.
_SHOWN_AS = {"manage_guild": "Manage Server"}


def permission_names(permissions: dict[str, bool]) -> str:
    return ", ".join(
        _SHOWN_AS.get(name, name.replace("_", " ").title()) for name in permissions
    )


async def is_owner(ctx: commands.Context[CityBot]) -> bool:
    return await ctx.bot.is_owner(ctx.author)


def missing_permissions(ctx: commands.Context[CityBot], permissions: dict[str, bool]) -> list[str]:
    """The named permissions the author lacks in this channel (works for `!` and `/`)."""
    resolved: discord.Permissions = ctx.permissions
    return [name for name, value in permissions.items() if getattr(resolved, name) != value]


def hybrid_permissions_check(**permissions: bool) -> Callable[[T], T]:
    """Server-only command for members with `permissions` (or the bot's owner)."""

    async def predicate(ctx: commands.Context[CityBot]) -> bool:
        if ctx.guild is None:
            raise commands.NoPrivateMessage("This command works in a server, not in DMs.")
        if await is_owner(ctx):
            return True
        missing = missing_permissions(ctx, permissions)
        if missing:
            raise commands.CheckFailure(
                f"You need the {permission_names(dict.fromkeys(missing, True))} permission "
                "to do that."
            )
        return True

    def decorator(func: Any) -> Any:
        commands.check(predicate)(func)
        app_commands.default_permissions(**permissions)(func)
        return func

    return decorator


# ---- moderators -------------------------------------------------------------------------
# A moderator has Manage Messages in the channel, or one of the roles a server admin set with
# `/modrole add` (kept in memory by the core), or is the bot's owner (moderator everywhere).

MODERATOR_NEEDED = "You need the Manage Messages permission or a moderator role to do that."


def _role_ids(user: discord.abc.User) -> list[int]:
    return [role.id for role in getattr(user, "roles", None) or []]


async def moderator_status(
    bot: CityBot, user: discord.abc.User, guild: discord.Guild | None,
    permissions: discord.Permissions,
) -> tuple[bool, bool]:
    """(is owner, is moderator here) for a member; one rule for commands, buttons, autocomplete."""
    owner, moderator, _ = await moderator_standing(bot, user, guild, permissions)
    return owner, moderator


async def moderator_standing(
    bot: CityBot, user: discord.abc.User, guild: discord.Guild | None,
    permissions: discord.Permissions,
) -> tuple[bool, bool, tuple[int, ...]]:
    """As `moderator_status`, and the member's role ids when only a moderator role makes
    them one (the core re-checks those against the store in each write)."""
    if await bot.is_owner(user):
        return True, True, ()
    if guild is None:
        return False, False, ()
    if permissions.manage_messages:
        return False, True, ()
    roles = _role_ids(user)
    by_role = bot.core.moderation.has_mod_role(guild.id, roles)
    return False, by_role, tuple(roles) if by_role else ()


async def member_actor(
    bot: CityBot, user: discord.abc.User, guild: discord.Guild | None,
    permissions: discord.Permissions,
) -> Actor:
    """The core's `Actor` for a member, from a command's or an interaction's context."""
    owner, moderator, through = await moderator_standing(bot, user, guild, permissions)
    return Actor(user.id, guild.id if guild is not None else None, owner=owner,
                 moderator=moderator, through_roles=through)


async def interaction_moderator(interaction: discord.Interaction) -> tuple[bool, bool]:
    bot: CityBot = interaction.client  # type: ignore[assignment]
    return await moderator_status(bot, interaction.user, interaction.guild,
                                  interaction.permissions)


async def interaction_actor(interaction: discord.Interaction) -> Actor:
    bot: CityBot = interaction.client  # type: ignore[assignment]
    return await member_actor(bot, interaction.user, interaction.guild, interaction.permissions)


def is_moderator() -> Callable[[T], T]:
    """Moderator-only for `!` and `/` alike; the slash form is also hidden from others."""

    async def predicate(ctx: commands.Context[CityBot]) -> bool:
        owner, moderator = await moderator_status(ctx.bot, ctx.author, ctx.guild,
                                                  ctx.permissions)
        if owner or moderator:
            return True
        if ctx.guild is None:
            raise commands.NoPrivateMessage("This command works in a server, not in DMs.")
        raise commands.CheckFailure(MODERATOR_NEEDED)

    def decorator(func: Any) -> Any:
        commands.check(predicate)(func)
        app_commands.default_permissions(manage_messages=True)(func)
        return func

    return decorator


def in_server() -> Callable[[T], T]:
    """Any member, but in a server (suggestions belong to one)."""

    async def predicate(ctx: commands.Context[CityBot]) -> bool:
        if ctx.guild is None:
            raise commands.NoPrivateMessage("This command works in a server, not in DMs.")
        return True

    return commands.check(predicate)
