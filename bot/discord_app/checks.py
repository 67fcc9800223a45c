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

if TYPE_CHECKING:
    from bot.discord_app.app import CityBot

T = TypeVar("T")


def permission_names(permissions: dict[str, bool]) -> str:
    return ", ".join(name.replace("_", " ").title() for name in permissions)


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
