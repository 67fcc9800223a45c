"""The lookup cog's callbacks, with spec'd mocks of Discord and a real seeded store."""

from __future__ import annotations

import discord
import pytest

from bot.core.bootstrap import Core
from bot.discord_app.cogs.lookup import LookupCog
from bot.discord_app.views import Paginator, PickView
from tests.discord_app.helpers import make_bot, make_ctx, make_guild, make_interaction, sent_embed


@pytest.fixture
def cog(core: Core) -> LookupCog:
    return LookupCog(make_bot(core))


async def test_city_answers_with_the_card(cog: LookupCog) -> None:
    ctx = make_ctx(cog.bot, guild=make_guild())
    await cog.city.callback(cog, ctx, name="Seatle")
    embed = sent_embed(ctx)
    assert embed.title == "Seattle, Washington"
    assert "Ed Murray" in "".join(f.value for f in embed.fields)
    kwargs = ctx.send.call_args.kwargs
    assert kwargs["allowed_mentions"].to_dict() == discord.AllowedMentions.none().to_dict()
    assert kwargs["ephemeral"] is False


async def test_quote_by_fragment(cog: LookupCog) -> None:
    ctx = make_ctx(cog.bot)
    await cog.quote.callback(cog, ctx, query="not our job")
    embed = sent_embed(ctx)
    assert embed.title == "Charlie Beck"
    assert "That is not our job" in embed.description


async def test_a_miss_is_private_and_says_how_to_list(cog: LookupCog) -> None:
    ctx = make_ctx(cog.bot, interaction=True)
    await cog.city.callback(cog, ctx, name="Atlantis")
    assert ctx.send.call_args.kwargs["ephemeral"] is True
    assert "!cities" in sent_embed(ctx).description


async def test_near_miss_offers_a_picker(cog: LookupCog) -> None:
    ctx = make_ctx(cog.bot)
    await cog.city.callback(cog, ctx, name="Seattel Port")  # not sure: a picker
    view = ctx.send.call_args.kwargs["view"]
    assert isinstance(view, PickView)
    assert [o.label for o in view.options] == ["Seattle"]
    interaction = make_interaction(user=ctx.author)
    await view.pick(interaction, 0)
    edited = interaction.response.edit_message.call_args.kwargs["embed"]
    assert edited.title == "Seattle, Washington"


async def test_only_the_asker_may_pick(cog: LookupCog) -> None:
    ctx = make_ctx(cog.bot)
    await cog.city.callback(cog, ctx, name="Seattel Port")  # not sure: a picker
    view = ctx.send.call_args.kwargs["view"]
    stranger = make_interaction()
    stranger.user.id = ctx.author.id + 1
    assert await view.interaction_check(stranger) is False
    assert stranger.response.send_message.call_args.kwargs["ephemeral"] is True


async def test_long_answers_are_paged(cog: LookupCog) -> None:
    ctx = make_ctx(cog.bot)
    await cog.quote.callback(cog, ctx, query="de blasio")  # 6 statements + title
    await cog.help.callback(cog, ctx)
    ctx2 = make_ctx(cog.bot)
    await cog.officials.callback(cog, ctx2)
    assert sent_embed(ctx2).title == "Officials"


async def test_paginator_moves_between_pages() -> None:
    embeds = [discord.Embed(title=f"page {i}") for i in range(3)]
    view = Paginator(embeds, owner_id=1)
    assert view.previous.disabled and not view.next.disabled
    interaction = make_interaction()
    await view.next.callback(interaction)
    assert view.page == 1
    assert interaction.response.edit_message.call_args.kwargs["embed"].title == "page 1"
    await view.next.callback(interaction)
    assert view.next.disabled
    await view.previous.callback(interaction)
    assert view.page == 1


async def test_autocomplete_is_fuzzy_and_within_limits(cog: LookupCog) -> None:
    interaction = make_interaction(guild=make_guild())
    choices = await cog.city.app_command._params["name"].autocomplete(cog, interaction, "sea")
    assert choices[0].name == "Seattle"
    choices = await cog.quote.app_command._params["query"].autocomplete(cog, interaction,
                                                                         "not our")
    assert 0 < len(choices) <= 25
    assert all(len(c.name) <= 100 and len(c.value) <= 100 for c in choices)
    assert any("not our job" in c.value for c in choices)
    everything = await cog.city.app_command._params["name"].autocomplete(cog, interaction, "")
    assert len(everything) == 7


async def test_a_busy_store_gets_try_again(cog: LookupCog) -> None:
    from discord.ext import commands

    from bot.core.errors import StoreBusy

    ctx = make_ctx(cog.bot, interaction=True)
    error = commands.CommandInvokeError(StoreBusy("database is locked"))
    await cog.bot.on_command_error(ctx, error)
    assert "try again" in sent_embed(ctx).description
    assert ctx.send.call_args.kwargs["ephemeral"] is True


async def test_an_unexpected_error_is_logged_not_shown(cog: LookupCog, caplog) -> None:
    from discord.ext import commands

    ctx = make_ctx(cog.bot)
    await cog.bot.on_command_error(ctx, commands.CommandInvokeError(KeyError("secret detail")))
    assert "secret detail" not in sent_embed(ctx).description
    assert "went wrong" in sent_embed(ctx).description
    assert any("failed" in r.message for r in caplog.records)


@pytest.mark.parametrize("busy", ["StoreBusy", "StoreWritesStopped"])
async def test_a_busy_store_under_a_slash_command_is_no_traceback(
    cog: LookupCog, caplog: pytest.LogCaptureFixture, busy: str
) -> None:
    """A hybrid command used as `/`: discord.py wraps the error twice (HybridCommandError of
    app_commands.CommandInvokeError); the member still gets the store's own sentence and the
    log a warning, not an ERROR traceback (issue 16, item 3)."""
    from unittest.mock import MagicMock

    from discord import app_commands
    from discord.ext import commands

    from bot.core import errors

    exc = getattr(errors, busy)("database is locked")
    ctx = make_ctx(cog.bot, interaction=True)
    wrapped = app_commands.CommandInvokeError(MagicMock(), exc)
    await cog.bot.on_command_error(ctx, commands.HybridCommandError(wrapped))
    assert sent_embed(ctx).description == exc.message
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
