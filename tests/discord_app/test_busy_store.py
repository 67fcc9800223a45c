"""A `/` command that waits on a busy store is acknowledged first (issue 16, item 3).

A second connection holds SQLite's write lock (BEGIN IMMEDIATE) on the real file while a
command runs; the store's busy timeout is shortened to keep the test fast. Every command
that writes (or reads behind a write) must defer before the store is asked, and the busy
store then surfaces as StoreBusy, which `on_command_error` answers with the store's sentence.
The end-to-end proof, with Discord's 3 s, is tests/e2e/test_store_busy_e2e.py.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.ext import commands

from bot.core.bootstrap import Core
from bot.core.errors import StoreBusy
from bot.core.moderation import Actor
from bot.discord_app.cogs.digest import DigestCog
from bot.discord_app.cogs.moderation import ModerationCog
from bot.discord_app.cogs.moderation.flags import (
    CityFlags,
    EditCityFlags,
    EditStatementFlags,
    StatementFlags,
)
from tests.discord_app.helpers import (
    GUILD_ID,
    MODERATOR_ID,
    make_bot,
    make_ctx,
    make_flags,
    make_guild,
    make_member,
    make_text_channel,
    sent_embed,
)

MANAGE = discord.Permissions(manage_messages=True, manage_guild=True)
Call = Callable[[ModerationCog, DigestCog, Any], Awaitable[None]]


@pytest.fixture
async def locked(core: Core, db_path: Path) -> AsyncIterator[None]:
    """This server's own city and statement, then another process's writer in the middle of
    a transaction."""
    console = Actor.console(GUILD_ID)
    await core.moderation.add(console, "city", {"name": "Springfield"})
    await core.moderation.add(console, "statement", {**STATEMENT, "text": FORM_TEXT})
    await core.store._db.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


FORM_TEXT = "Springfield's ferries carry every book of the library"
STATEMENT = {"speaker": "Rahm Emanuel", "text": "The lake will carry every ferry for free"}
COMMANDS: dict[str, Call] = {
    "add statement": lambda m, d, ctx: m.add_statement.callback(
        m, ctx, flags=make_flags(StatementFlags, **STATEMENT)),
    "add city": lambda m, d, ctx: m.add_city.callback(
        m, ctx, flags=make_flags(CityFlags, name="Shelbyville")),
    "edit city": lambda m, d, ctx: m.edit_city.callback(
        m, ctx, "Springfield", flags=make_flags(EditCityFlags, stance="Welcoming")),
    "alias add": lambda m, d, ctx: m.alias_add.callback(
        m, ctx, "city", "Springfield", name="Springy"),
    "suggest statement": lambda m, d, ctx: m.suggest_statement.callback(
        m, ctx, flags=make_flags(StatementFlags, **STATEMENT)),
    "digest time": lambda m, d, ctx: d.digest_time.callback(d, ctx, "08:30"),
    "digest on": lambda m, d, ctx: d.digest_on.callback(d, ctx),
    "digest channel": lambda m, d, ctx: d.digest_channel.callback(
        d, ctx, make_text_channel(7001, ctx.guild)),
}


@pytest.mark.parametrize("name", COMMANDS)
async def test_a_slash_write_on_a_busy_store_is_acknowledged_first(
    core: Core, locked: None, name: str
) -> None:
    bot = make_bot(core)
    moderation, digest = ModerationCog(bot), DigestCog(bot)
    ctx = make_ctx(bot, guild=make_guild(), author=make_member(MODERATOR_ID),
                   permissions=MANAGE, interaction=True)
    order: list[str] = []
    ctx.defer.side_effect = lambda **_: order.append("defer")
    with pytest.raises(StoreBusy) as busy:
        await COMMANDS[name](moderation, digest, ctx)
    order.append("busy")
    assert order == ["defer", "busy"]  # acknowledged before the store was asked
    await bot.on_command_error(ctx, commands.CommandInvokeError(busy.value))
    assert sent_embed(ctx).description == StoreBusy.message



async def test_the_edit_form_gives_up_a_read_stuck_behind_a_waiting_write(
    core: Core, locked: None
) -> None:
    """`/edit statement` without fields answers with a form, which must be Discord's first
    answer and so cannot wait behind a deferral. While another write of this process waits
    out the busy timeout on the one connection, the form's read waits too: it is given up in
    time, and the member gets the store's sentence instead of "did not respond"."""
    await core.store._db.execute("PRAGMA busy_timeout = 4000")
    waiting = asyncio.ensure_future(
        core.moderation.add(Actor.console(GUILD_ID), "city", {"name": "Ogdenville"}))
    await asyncio.sleep(0.2)  # its BEGIN IMMEDIATE now holds the connection's thread
    bot = make_bot(core)
    cog = ModerationCog(bot)
    ctx = make_ctx(bot, guild=make_guild(), author=make_member(MODERATOR_ID),
                   permissions=MANAGE, interaction=True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await cog.edit_statement.callback(cog, ctx, FORM_TEXT, flags=make_flags(EditStatementFlags))
    assert loop.time() - started < 2.9  # Discord's 3 s
    ctx.interaction.response.send_modal.assert_not_called()
    assert sent_embed(ctx).description == StoreBusy.message
    with pytest.raises(StoreBusy):
        await waiting
