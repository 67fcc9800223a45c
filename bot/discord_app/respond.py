"""Sends an `Answer` as a reply: embeds, a pager or a picker, never a ping."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.core.matching import EntryRef
from bot.core.models import Answer
from bot.discord_app.render import render_embeds
from bot.discord_app.views import Paginator, PickView, Show

if TYPE_CHECKING:
    from bot.discord_app.app import CityBot

# Every message passes this, though the client's default is the same: stored and typed text
# must never ping, whatever a future default says.
NO_PINGS = discord.AllowedMentions.none()


def guild_id_of(ctx: commands.Context[CityBot] | discord.Interaction) -> int | None:
    return ctx.guild.id if ctx.guild is not None else None


async def reply(ctx: commands.Context[CityBot], answer: Answer) -> None:
    """Send `answer`; picking one of its options shows that entry as this server sees it."""
    guild_id = guild_id_of(ctx)

    async def show(ref: EntryRef) -> Answer:
        return await ctx.bot.core.lookup.show(ref, guild_id)

    await send_answer(ctx, answer, show)


async def send_answer(ctx: commands.Context[CityBot], answer: Answer, show: Show) -> None:
    embeds = render_embeds(answer)
    view: Paginator | PickView | None = None
    if answer.options:
        view = PickView(answer.options, show, ctx.author.id)
    elif len(embeds) > 1:
        view = Paginator(embeds, ctx.author.id)
    message = await ctx.send(
        embed=embeds[0],
        view=view or discord.utils.MISSING,
        ephemeral=answer.private,
        allowed_mentions=NO_PINGS,
    )
    if view is not None:
        view.message = message
