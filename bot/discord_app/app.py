"""The Discord bot: opens the core, loads the cogs, syncs slash commands, answers errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import answers
from bot.core.bootstrap import Core, start_core
from bot.core.commands import COMMANDS_BY_NAME
from bot.core.partition import Partition
from bot.discord_app.render import render_embeds
from bot.discord_app.respond import answer_privately, busy_sentence
from bot.settings import Settings

log = logging.getLogger(__name__)

DRAIN_SECONDS = 10.0  # a shutdown waits this long for commands and a digest under way
STOPPING = "The bot is restarting right now; nothing was changed. Please try again in a minute."
EXTENSIONS = ("bot.discord_app.cogs.lookup", "bot.discord_app.cogs.digest",
              "bot.discord_app.cogs.moderation")


class CityTree(app_commands.CommandTree["CityBot"]):
    """Errors of plain slash commands (hybrid ones go to `on_command_error`) get an answer too,
    so a member never sees "The application did not respond"."""

    async def _call(self, interaction: discord.Interaction[CityBot]) -> None:
        # discord.py's one entry point for every slash command and autocomplete: counted, so
        # that a shutdown answers those under way before it closes anything.
        bot = interaction.client
        if not bot.accepting:
            await bot.refuse_while_stopping(interaction)
            return
        async with bot.working():
            await super()._call(interaction)

    async def on_error(
        self, interaction: discord.Interaction[CityBot], error: app_commands.AppCommandError
    ) -> None:
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        busy = busy_sentence(cause)
        if isinstance(error, app_commands.CheckFailure):
            message = str(error) or "You can't use that command here."
        elif busy is not None:
            log.warning("store busy during %s: %s", interaction.command, cause)
            message = busy
        else:
            log.error("slash command %s failed", interaction.command, exc_info=error)
            message = "Something went wrong on our side; it has been logged. Please try again."
        await answer_privately(interaction, render_embeds(answers.error(message))[0])


class CityBot(commands.Bot):
    def __init__(
        self, settings: Settings, core: Core | None = None, intents: discord.Intents | None = None,
        **options: Any,
    ) -> None:
        if intents is None:
            intents = discord.Intents.default()
            intents.message_content = True  # `!` commands read message text (privileged intent)
        super().__init__(
            command_prefix=commands.when_mentioned_or(settings.command_prefix),
            intents=intents,
            # The default for every message and interaction reply: stored or typed text
            # can never ping @everyone, a role or a member.
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=CityTree,
            owner_ids=set(settings.owner_ids) or None,
            heartbeat_timeout=settings.heartbeat_timeout,
            **options,
        )
        self.settings = settings
        self._core = core
        self._owns_core = core is None  # a core handed in is closed by whoever opened it
        self.partition = Partition.of(settings.shard_count, settings.shard_ids)
        self._cooldown_noticed: dict[int, float] = {}
        self.accepting = True  # False once stopping: new commands are not taken
        self.sync_on_start = True  # False for a retry after the commands were synced
        self.commands_synced = False
        self._in_flight = 0
        self._quiet = asyncio.Event()  # set while no command is under way
        self._quiet.set()

    @property
    def core(self) -> Core:
        if self._core is None:
            raise RuntimeError("the core is opened in setup_hook")
        return self._core

    async def setup_hook(self) -> None:
        if self._core is None:
            self._core = await start_core(self.settings.database(),
                                          self.settings.command_prefix, self.partition,
                                          long_running=True)
        self._core.follow()  # other processes' writes reach this one's index
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if 0 not in self.partition.shards:  # one process syncs for all: shard 0's
            log.info("application commands are synced by the process that runs shard 0")
        elif self.sync_on_start:
            await self.sync_commands()

    async def sync_commands(self) -> None:
        """A development server gets the commands at once; otherwise sync globally."""
        if self.settings.dev_guild_id:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            try:
                synced = await self.tree.sync(guild=guild)
            except discord.Forbidden as exc:  # the bot is not in that server (or lacks scope)
                log.warning("DEV_GUILD_ID %s: Discord refused the slash commands there (%s "
                            "%s): check that the bot is in that server, invited with the "
                            "applications.commands scope; going on without them",
                            guild.id, exc.status, exc.text or "Forbidden")
                return
            log.info("synced %d slash commands to guild %s", len(synced), guild.id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d slash commands globally", len(synced))
        self.commands_synced = True

    async def on_ready(self) -> None:
        log.info("ready as %s in %d server(s), %s", self.user, len(self.guilds),
                 self.partition.describe())

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.core.feed.serve_guild(guild.id)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.core.feed.drop_guild(guild.id)

    @contextlib.asynccontextmanager
    async def working(self) -> AsyncIterator[None]:
        """Counts a command under way."""
        self._in_flight += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._quiet.set()

    async def process_commands(self, message: discord.Message, /) -> None:
        if not self.accepting:
            return  # stopping: a `!` command posted now is answered by the next start
        async with self.working():
            await super().process_commands(message)

    async def refuse_while_stopping(self, interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.autocomplete:
            with contextlib.suppress(discord.HTTPException):
                await interaction.response.autocomplete([])
            return
        embed = render_embeds(answers.error(STOPPING))[0]
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.send_message(embed=embed, ephemeral=True)

    async def close(self) -> None:
        """Stop taking commands, let those under way answer and a digest being posted be
        recorded (at most DRAIN_SECONDS), then close the connections and the store."""
        if self.accepting and not self.is_closed():
            self.accepting = False
            loop = asyncio.get_running_loop()
            deadline = loop.time() + DRAIN_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._quiet.wait(), DRAIN_SECONDS)
            if self._in_flight:
                log.warning("stopping with %d command(s) still under way", self._in_flight)
            digest = self.get_cog("Digest")
            if digest is not None:
                await digest.drain(max(deadline - loop.time(), 0.0))  # type: ignore[attr-defined]
        await super().close()
        if self._core is not None and self._owns_core:
            await self._core.close()
            self._core = None

    async def on_command_error(  # type: ignore[override]
        self, ctx: commands.Context[CityBot], error: commands.CommandError
    ) -> None:
        """Short, friendly answers to anything a member can get wrong; logs the rest."""
        if isinstance(error, commands.HybridCommandError):
            error = error.original  # type: ignore[assignment]
        # `!`: commands.CommandInvokeError; `/` on a hybrid command: app_commands' own
        cause = (error.original if isinstance(error, commands.CommandInvokeError
                                              | app_commands.CommandInvokeError) else error)
        if isinstance(error, commands.CommandNotFound):
            return  # other bots share the prefix; staying quiet is polite
        if isinstance(error, commands.CommandOnCooldown):
            if not self._should_notice_cooldown(ctx, error.retry_after):
                return
            message = f"Slow down a little: try again in {error.retry_after:.0f} s."
        elif isinstance(error, commands.MissingRequiredArgument | commands.TooManyArguments):
            spec = COMMANDS_BY_NAME.get(ctx.command.name if ctx.command else "")
            prefix = self.settings.command_prefix
            message = (f"Usage: `{spec.usage(prefix)}`, for example "
                       f"`{spec.example_call(prefix)}`." if spec else str(error))
        elif isinstance(error, commands.CheckFailure | commands.UserInputError):
            message = str(error) or "You can't use that command here."
        elif (busy := busy_sentence(cause)) is not None:
            log.warning("store busy during %s: %s", ctx.command, cause)
            message = busy
        else:
            log.error("command %s failed", ctx.command, exc_info=error)
            message = "Something went wrong on our side; it has been logged. Please try again."
        try:
            await ctx.send(embed=render_embeds(answers.error(message))[0], ephemeral=True)
        except discord.HTTPException:
            log.warning("could not send an error message in %s", ctx.channel)

    def _should_notice_cooldown(self, ctx: commands.Context[CityBot], retry_after: float) -> bool:
        """One notice per cooldown window for `!`; a slash command always needs an answer."""
        if ctx.interaction is not None:
            return True
        now = time.monotonic()
        if self._cooldown_noticed.get(ctx.author.id, 0.0) > now:
            return False
        if len(self._cooldown_noticed) > 10_000:  # forget windows that are over
            self._cooldown_noticed = {k: t for k, t in self._cooldown_noticed.items() if t > now}
        self._cooldown_noticed[ctx.author.id] = now + retry_after
        return True


class ShardedCityBot(CityBot, commands.AutoShardedBot):
    """The same bot on `SHARD_IDS` of `SHARD_COUNT` shards, in one process (discord.py runs
    them on one connection each and routes every event to the same handlers)."""

    def __init__(self, settings: Settings, core: Core | None = None,
                 intents: discord.Intents | None = None) -> None:
        assert settings.shard_count is not None
        partition = Partition.of(settings.shard_count, settings.shard_ids)
        super().__init__(settings, core, intents, shard_count=settings.shard_count,
                         shard_ids=list(partition.shards))


def make_bot(settings: Settings, core: Core | None = None) -> CityBot:
    """The sharded bot when SHARD_COUNT is set, else the plain one (as before sharding)."""
    if settings.shard_count is not None:
        return ShardedCityBot(settings, core)
    return CityBot(settings, core)
