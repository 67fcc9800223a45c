"""The daily digest: its settings commands (Manage Server) and the one loop that posts it.

The loop ticks every 30 seconds for every server. The core decides what is due and claims
the day in the database before anything is sent, so a restart, a reconnect, a clock that
jumps or two ticks close together can never post one server's digest twice for a date.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.core import answers
from bot.core.digest import DigestPost, DigestService, Trigger, digest_nonce, zone_names
from bot.core.models import Answer
from bot.discord_app.checks import hybrid_permissions_check
from bot.discord_app.render import CHOICE_TEXT, CHOICES, render_embeds
from bot.discord_app.respond import NO_PINGS, acknowledge

if TYPE_CHECKING:
    from datetime import date

    from bot.discord_app.app import CityBot

log = logging.getLogger(__name__)

TICK_SECONDS = 30
INTERRUPTED = ("The bot stopped while posting this digest and it was not found in the "
               "channel afterwards; it is not posted late.")


class ChannelGone(Exception):
    """The digest channel cannot be used (deleted, hidden from the bot, or not a text channel)."""


def channel_label(channel_id: int) -> str:
    return f"<#{channel_id}>"


def describe_failure(exc: BaseException) -> str:
    """What went wrong, in words an admin can act on (shown by `digest status`)."""
    if isinstance(exc, ChannelGone | discord.NotFound):
        return ("The digest channel no longer exists or the bot cannot see it: pick another "
                "with `digest channel`.")
    if isinstance(exc, discord.Forbidden):
        return ("Missing permission in the digest channel: the bot needs View Channel, "
                "Send Messages and Embed Links there.")
    if isinstance(exc, discord.HTTPException):
        return f"Discord refused the post (HTTP {exc.status}): {exc.text[:200] or 'no reason'}."
    return f"Unexpected error while posting: {type(exc).__name__}."


class DigestCog(commands.Cog, name="Digest"):
    def __init__(self, bot: CityBot) -> None:
        self.bot = bot
        self._sending: set[int] = set()  # ids of the posts this process is sending now
        self._idle = asyncio.Event()  # set while nothing is being sent
        self._idle.set()

    @property
    def digests(self) -> DigestService:
        return self.bot.core.digest

    async def cog_load(self) -> None:
        zone_names()  # read the zone list now, so autocomplete answers from memory
        self.loop.start()

    async def cog_unload(self) -> None:
        self.loop.cancel()

    # ---- the schedule -------------------------------------------------------------------------

    @tasks.loop(seconds=TICK_SECONDS)
    async def loop(self) -> None:
        """Post every due digest; one server's failure never stops the others or the loop."""
        if not self.bot.accepting:
            return  # stopping: the next process to serve these servers posts
        try:
            await self.finish_unfinished()
            due = await self.digests.due()
        except Exception:
            log.exception("digest: could not read the schedule")
            return
        for settings, day in due:
            try:
                await self.post(settings.guild_id, day, "schedule")
            except Exception:
                log.exception("digest: guild %s failed", settings.guild_id)

    @loop.before_loop
    async def before_loop(self) -> None:
        await self.bot.wait_until_ready()

    async def post(self, guild_id: int, day: date, trigger: Trigger) -> DigestPost | str | None:
        """Claim `day`, then send. None: the day was already taken; str: why sending failed."""
        post = await self.digests.claim(guild_id, day, trigger)
        if post is None:
            return None
        return await self.send(post)

    async def finish_unfinished(self) -> None:
        """Posts a stopped process left "being sent" (a crash, a kill, a takeover): if the
        message is in the channel, record it; otherwise send today's again with the same
        nonce (Discord returns the first message if it did arrive), and record an earlier
        day's as not posted (a digest is never posted late)."""
        for post, today in await self.digests.unfinished():
            if post.id in self._sending:
                continue
            try:
                found = await self._already_posted(post)
            except Exception as exc:  # cannot read the channel: try again next tick
                log.warning("digest: guild %s, %s: cannot check the channel: %s",
                            post.guild_id, post.local_date, describe_failure(exc))
                continue
            if found is not None:
                await self.digests.sent(post, found.channel.id, found.id)
                log.info("digest: guild %s's digest for %s had gone out; recorded",
                         post.guild_id, post.local_date)
            elif today:
                log.info("digest: finishing guild %s's digest for %s", post.guild_id,
                         post.local_date)
                await self.send(post)
            else:
                await self.digests.failed(post, INTERRUPTED)

    async def _already_posted(self, post: DigestPost) -> discord.Message | None:
        """The bot's message for this digest in its channel, if one is there."""
        if post.channel_id is None:
            return None
        channel = await self._channel(post.channel_id)
        if not isinstance(channel, discord.abc.Messageable) or self.bot.user is None:
            return None
        title = (await self.digests.answer_for(post)).title
        async for message in channel.history(limit=50):
            if message.author.id == self.bot.user.id and any(
                    e.title == title for e in message.embeds):
                return message
        return None

    async def drain(self, timeout: float) -> None:  # noqa: ASYNC109
        """Wait (at most `timeout`) until no digest is being sent: a shutdown records it."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)

    async def send(self, post: DigestPost) -> DigestPost | str:
        self._sending.add(post.id)
        self._idle.clear()
        try:
            return await self._send(post)
        finally:
            self._sending.discard(post.id)
            if not self._sending:
                self._idle.set()

    async def _send(self, post: DigestPost) -> DigestPost | str:
        try:
            if post.channel_id is None:
                raise ChannelGone
            channel = await self._channel(post.channel_id)
            answer = await self.digests.answer_for(post)
            # The nonce makes a second send of this post (after a crash) return the first
            # message instead of posting again.
            message = await channel.send(embed=render_embeds(answer)[0],
                                         allowed_mentions=NO_PINGS, nonce=digest_nonce(post))
        except Exception as exc:
            reason = describe_failure(exc)
            log.warning("digest: guild %s, %s: %s", post.guild_id, post.local_date, reason,
                        exc_info=not isinstance(exc, discord.HTTPException | ChannelGone))
            await self.digests.failed(post, reason)
            return reason
        await self.digests.sent(post, post.channel_id, message.id)
        log.info("digest: posted guild %s's digest for %s", post.guild_id, post.local_date)
        return post

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            channel = await self.bot.fetch_channel(channel_id)  # NotFound / Forbidden
        if not isinstance(channel, discord.abc.Messageable):
            raise ChannelGone
        return channel

    # ---- commands -----------------------------------------------------------------------------

    async def _reply(self, ctx: commands.Context[CityBot], answer: Answer) -> None:
        await ctx.send(embed=render_embeds(answer)[0], ephemeral=True,
                       allowed_mentions=NO_PINGS)

    @staticmethod
    async def _server(ctx: commands.Context[CityBot]) -> int:
        """The server's id, once a `/` command is acknowledged: every digest command reads or
        writes the store, and its answer is the asker's only anyway."""
        assert ctx.guild is not None  # the permission check refuses DMs
        await acknowledge(ctx)
        return ctx.guild.id

    @commands.hybrid_group(name="digest", fallback="status", invoke_without_command=True,
                           description="The daily digest: channel, time, status")
    @hybrid_permissions_check(manage_guild=True)
    async def digest(self, ctx: commands.Context[CityBot]) -> None:
        """Channel, time, zone, the next and the last post, the last error."""
        await self._reply(ctx, await self.digests.status(await self._server(ctx), channel_label))

    @digest.command(name="channel", description="The channel the daily digest is posted in")
    @app_commands.describe(channel="A text channel the bot can post in")
    @hybrid_permissions_check(manage_guild=True)
    async def digest_channel(self, ctx: commands.Context[CityBot],
                             channel: discord.TextChannel) -> None:
        answer = await self.digests.set_channel(await self._server(ctx), channel.id, channel_label)
        me = ctx.guild.me if ctx.guild is not None else None
        if me is not None:
            allowed = channel.permissions_for(me)
            if not (allowed.view_channel and allowed.send_messages and allowed.embed_links):
                warning = (f"Warning: the bot lacks View Channel, Send Messages or Embed Links "
                           f"in {channel.mention}; the post will fail until it has them.")
                answer = replace(answer, description=f"{answer.description}\n{warning}")
        await self._reply(ctx, answer)

    @digest.command(name="time", description="The local time of day the digest goes out")
    @app_commands.describe(at="24-hour HH:MM, for example 08:30")
    @hybrid_permissions_check(manage_guild=True)
    async def digest_time(self, ctx: commands.Context[CityBot], at: str) -> None:
        await self._reply(ctx, await self.digests.set_time(await self._server(ctx), at,
                                                           channel_label))

    @digest.command(name="timezone", description="The server's time zone, e.g. America/Chicago")
    @app_commands.describe(zone="An IANA time zone name, e.g. Europe/London")
    @hybrid_permissions_check(manage_guild=True)
    async def digest_timezone(self, ctx: commands.Context[CityBot], *, zone: str) -> None:
        await self._reply(ctx, await self.digests.set_timezone(await self._server(ctx), zone,
                                                               channel_label))

    @digest_timezone.autocomplete("zone")
    async def digest_timezone_zone(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """From memory (the zone list is cached); choices are only hints, re-validated."""
        key = current.strip().replace(" ", "_").casefold()
        names = [n for k, n in zone_names().items() if key in k] if key else []
        return [app_commands.Choice(name=n[:CHOICE_TEXT], value=n[:CHOICE_TEXT])
                for n in names[:CHOICES]]

    @digest.command(name="on", description="Post the digest every day")
    @hybrid_permissions_check(manage_guild=True)
    async def digest_on(self, ctx: commands.Context[CityBot]) -> None:
        await self._reply(ctx, await self.digests.set_enabled(await self._server(ctx), True,
                                                              channel_label))

    @digest.command(name="off", description="Stop the daily digest")
    @hybrid_permissions_check(manage_guild=True)
    async def digest_off(self, ctx: commands.Context[CityBot]) -> None:
        await self._reply(ctx, await self.digests.set_enabled(await self._server(ctx), False,
                                                              channel_label))

    @digest.command(name="preview", description="Today's digest, shown only to you")
    @hybrid_permissions_check(manage_guild=True)
    async def digest_preview(self, ctx: commands.Context[CityBot]) -> None:
        embed = render_embeds(await self.digests.preview(await self._server(ctx)))[0]
        if ctx.interaction is not None:
            await ctx.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        # A `!` command has no ephemeral reply: the preview goes to the asker's DMs.
        try:
            await ctx.author.send(embed=embed, allowed_mentions=NO_PINGS)
        except discord.HTTPException:
            await self._reply(ctx, answers.error(
                "I could not send you a DM with the preview: allow DMs from this server, "
                "or use `/digest preview`, which only you can see."))
            return
        await ctx.send("Sent you the preview in a DM.", allowed_mentions=NO_PINGS)

    @digest.command(name="now", description="Post today's digest now (it counts as today's)")
    @hybrid_permissions_check(manage_guild=True)
    async def digest_now(self, ctx: commands.Context[CityBot]) -> None:
        guild_id = await self._server(ctx)
        settings = await self.digests.settings(guild_id)
        if settings.channel_id is None:
            await self._reply(ctx, answers.error(
                "No digest channel yet: pick one with `digest channel #channel`."))
            return
        post, day = await self.digests.claim_today(guild_id)
        if post is None:
            await self._reply(ctx, answers.error(
                f"Today's digest ({day.isoformat()}) already went out or is being posted: "
                "one a day. `digest preview` shows it."))
            return
        outcome = await self.send(post)
        if isinstance(outcome, str):
            await self._reply(ctx, answers.error(f"The digest could not be posted. {outcome}"))
            return
        await self._reply(ctx, Answer(
            kind="card", title="Daily digest",
            description=f"Posted today's digest in {channel_label(settings.channel_id)}; "
            "the schedule will not post another today.", private=True))


async def setup(bot: CityBot) -> None:
    await bot.add_cog(DigestCog(bot))
