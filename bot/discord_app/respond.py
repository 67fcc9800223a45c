"""Sends an `Answer` as a reply: embeds, a pager or a picker, never a ping."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.core import answers
from bot.core.errors import StoreBusy
from bot.core.matching import EntryRef
from bot.core.models import Answer
from bot.core.store import is_transient
from bot.discord_app.render import render_embeds
from bot.discord_app.views import Paginator, PickView, Show

if TYPE_CHECKING:
    from bot.discord_app.app import CityBot

log = logging.getLogger(__name__)

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


async def acknowledge(ctx: commands.Context[CityBot], *, private: bool = True) -> None:
    """Acknowledge a `/` command before it waits on the store: a write may wait out SQLite's
    busy timeout (5 s) while Discord wants an answer within 3 s. The answer then fills in
    Discord's "thinking…" message, seen by the member only (`private`) or by everyone: Discord
    fixes that here, whatever the answer says. A `!` command needs none (discord.py's
    `ctx.defer` does nothing for it)."""
    if ctx.interaction is not None and not ctx.interaction.response.is_done():
        await ctx.defer(ephemeral=private)


def busy_sentence(error: BaseException) -> str | None:
    """The store's own words when `error` is a busy or full store (an expected condition,
    logged as a warning), else None."""
    if isinstance(error, StoreBusy):
        return error.message
    return StoreBusy.message if is_transient(error) else None


async def answer_privately(interaction: discord.Interaction, embed: discord.Embed) -> None:
    """An error's answer to a button, form or slash command, whether or not it was
    acknowledged already; quietly nothing if Discord no longer takes it."""
    with contextlib.suppress(discord.HTTPException, discord.InteractionResponded):
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True,
                                                    allowed_mentions=NO_PINGS)


async def answer_error(interaction: discord.Interaction, error: BaseException,
                       what: str) -> None:
    """A button's or a form's failure: a busy store's sentence with a warning, anything else
    logged with its traceback and "something went wrong"; nothing was saved either way."""
    words = busy_sentence(error)
    if words is not None:
        log.warning("store busy during %s: %s", what, error)
    else:
        log.error("%s failed", what, exc_info=error)
        words = "Something went wrong on our side; nothing was saved. Please try again."
    await answer_privately(interaction, render_embeds(answers.error(words))[0])
