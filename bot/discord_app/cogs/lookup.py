"""Lookup commands, each both `!name` and `/name`, with fuzzy autocomplete."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.matching import EntryKind
from bot.core.service import Lookup
from bot.discord_app.render import CHOICES
from bot.discord_app.respond import guild_id_of, reply

if TYPE_CHECKING:
    from bot.discord_app.app import CityBot


def lookup_cooldown(ctx: commands.Context[CityBot]) -> commands.Cooldown | None:
    """Per-member rate for lookups, from settings; 0 turns it off. The owner is never slowed."""
    settings = ctx.bot.settings
    if settings.lookup_cooldown_rate <= 0 or ctx.author.id in settings.owner_ids:
        return None
    return commands.Cooldown(settings.lookup_cooldown_rate, settings.lookup_cooldown_per)


cooldown = commands.dynamic_cooldown(lookup_cooldown, commands.BucketType.member)


class LookupCog(commands.Cog, name="Lookup"):
    def __init__(self, bot: CityBot) -> None:
        self.bot = bot

    @property
    def lookup(self) -> Lookup:
        return self.bot.core.lookup

    def _choices(
        self, kind: EntryKind | None, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=c.name, value=c.value)
            for c in self.lookup.complete(kind, current, guild_id_of(interaction), CHOICES)
        ]

    @commands.hybrid_command(name="city", description="A city's stance, officials and statements")
    @app_commands.describe(name="City name, nickname or abbreviation (typos are fine)")
    @cooldown
    async def city(self, ctx: commands.Context[CityBot], *, name: str) -> None:
        await reply(ctx, await self.lookup.city(name, guild_id_of(ctx)))

    @city.autocomplete("name")
    async def city_name(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return self._choices("city", interaction, current)

    @commands.hybrid_command(name="official", description="A mayor's or police chief's card")
    @app_commands.describe(name="Full name, last name or nickname")
    @cooldown
    async def official(self, ctx: commands.Context[CityBot], *, name: str) -> None:
        await reply(ctx, await self.lookup.official(name, guild_id_of(ctx)))

    @official.autocomplete("name")
    async def official_name(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return self._choices("official", interaction, current)

    @commands.hybrid_command(name="quote", description="Statements by a speaker, or the source "
                             "of some words")
    @app_commands.describe(query="A speaker's name, or a few words of what was said")
    @cooldown
    async def quote(self, ctx: commands.Context[CityBot], *, query: str) -> None:
        await reply(ctx, await self.lookup.quote(query, guild_id_of(ctx)))

    @quote.autocomplete("query")
    async def quote_query(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return self._choices(None, interaction, current)

    @commands.hybrid_command(name="search", description="Search cities, officials and statements")
    @app_commands.describe(text="Any words: a name, a place, part of a quote")
    @cooldown
    async def search(self, ctx: commands.Context[CityBot], *, text: str) -> None:
        await reply(ctx, await self.lookup.search(text, guild_id_of(ctx)))

    @commands.hybrid_command(name="cities", description="Every city in the article")
    @cooldown
    async def cities(self, ctx: commands.Context[CityBot]) -> None:
        await reply(ctx, await self.lookup.cities(guild_id_of(ctx)))

    @commands.hybrid_command(name="officials", description="Every official in the article")
    @cooldown
    async def officials(self, ctx: commands.Context[CityBot]) -> None:
        await reply(ctx, await self.lookup.officials(guild_id_of(ctx)))

    @commands.hybrid_command(name="random", description="One statement at random")
    @cooldown
    async def random(self, ctx: commands.Context[CityBot]) -> None:
        await reply(ctx, await self.lookup.random(guild_id_of(ctx)))

    @commands.hybrid_command(name="about", description="The source article and the entry counts")
    @cooldown
    async def about(self, ctx: commands.Context[CityBot]) -> None:
        await reply(ctx, await self.lookup.about(guild_id_of(ctx)))

    @commands.hybrid_command(name="help", description="Every command with an example")
    async def help(self, ctx: commands.Context[CityBot]) -> None:
        await reply(ctx, self.lookup.help())


async def setup(bot: CityBot) -> None:
    await bot.add_cog(LookupCog(bot))
