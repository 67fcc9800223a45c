"""Hostile input through the Discord layer: every lookup command and autocomplete, and a
moderator's add: one answer within Discord's limits, never a ping, never a traceback."""

from __future__ import annotations

import discord
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.bootstrap import Core
from bot.discord_app.cogs.lookup import LookupCog
from bot.discord_app.cogs.moderation import ModerationCog
from bot.discord_app.cogs.moderation.flags import StatementFlags
from tests.discord_app.helpers import (
    make_bot,
    make_ctx,
    make_flags,
    make_guild,
    make_interaction,
    make_member,
)
from tests.discord_app.test_render import assert_within_limits

HOSTILE = [
    "", "   ", "x" * 10_000, "word " * 2_000, "\u200b\u200f\u202e", "e\u0301" * 300,
    "🙂" * 500, "\x00\x07\x1b[2J", "```\n@everyone\n```", "**__~~||x||~~__**", "@everyone",
    "@here", "<@&123456789012345678>", "<@123456789012345678>",
    "'; DROP TABLE statements; --", "%", "_", '"', "*", "NEAR(a b, 2)",
]
LOOKUPS = [("city", "name"), ("official", "name"), ("quote", "query"), ("search", "text")]


def _check_sent(ctx) -> None:
    assert ctx.send.await_count == 1
    kwargs = ctx.send.call_args.kwargs
    assert_within_limits(kwargs["embed"])
    mentions = kwargs.get("allowed_mentions") or ctx.bot.allowed_mentions
    assert mentions.to_dict() == {"parse": []}
    view = kwargs.get("view")
    if isinstance(view, discord.ui.View):
        assert len(view.children) <= 25


@pytest.fixture
def lookup(core: Core) -> LookupCog:
    return LookupCog(make_bot(core))


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize(("command", "option"), LOOKUPS)
async def test_lookup_commands(lookup: LookupCog, command: str, option: str, text: str) -> None:
    before = await lookup.bot.core.store.fingerprint()
    ctx = make_ctx(lookup.bot, guild=make_guild(), interaction=True)
    cmd = getattr(lookup, command)
    await cmd.callback(lookup, ctx, **{option: text})
    _check_sent(ctx)
    autocomplete = cmd.app_command._params[option].autocomplete
    choices = [] if autocomplete is None else await autocomplete(  # /search has none
        lookup, make_interaction(guild=make_guild()), text)
    assert len(choices) <= 25
    assert all(0 < len(c.name) <= 100 and 0 < len(str(c.value)) <= 100 for c in choices)
    assert await lookup.bot.core.store.fingerprint() == before


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=3_000),
       command=st.sampled_from(LOOKUPS))
async def test_generated_lookup_input(lookup: LookupCog, text: str,
                                      command: tuple[str, str]) -> None:
    ctx = make_ctx(lookup.bot, guild=make_guild())
    name, option = command
    await getattr(lookup, name).callback(lookup, ctx, **{option: text})
    _check_sent(ctx)


@pytest.mark.parametrize("text", HOSTILE)
async def test_moderator_add_statement(core: Core, text: str) -> None:
    cog = ModerationCog(make_bot(core))
    moderator = make_member(permissions=discord.Permissions(manage_messages=True))
    ctx = make_ctx(cog.bot, guild=make_guild(), author=moderator,
                   permissions=discord.Permissions(manage_messages=True))
    before = await core.store.fingerprint()
    flags = make_flags(StatementFlags, speaker=text or "Ed Murray", text=text, date=text,
                       url=text, kind=text or None)
    await cog.add_statement.callback(cog, ctx, flags=flags)
    _check_sent(ctx)
    assert "Added" not in (ctx.send.call_args.kwargs["embed"].title or "")
    assert await core.store.fingerprint() == before  # every one of these is refused
