"""The moderation cog: the permission matrix of every command that changes something, the
confirm button, autocomplete that checks, suggestions with persistent review buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

from bot.core.bootstrap import Core, start_core
from bot.core.moderation import Actor
from bot.discord_app.cogs.moderation import ModerationCog, ReviewButton
from bot.discord_app.cogs.moderation.flags import (
    CityFlags,
    EditCityFlags,
    EditOfficialFlags,
    EditStatementFlags,
    OfficialFlags,
    StatementFlags,
)
from bot.discord_app.cogs.moderation.views import ConfirmRemove
from tests.core.test_moderation import dump
from tests.discord_app.helpers import (
    GUILD_ID,
    MEMBER_ID,
    MOD_ROLE_ID,
    MODERATOR_ID,
    OTHER_GUILD_ID,
    OWNER_ID,
    make_bot,
    make_ctx,
    make_flags,
    make_guild,
    make_interaction,
    make_member,
    make_text_channel,
    run_checks,
    sent_embed,
)

MANAGE = discord.Permissions(manage_messages=True)


@dataclass
class Setup:
    city: int
    official: int
    statement: int
    removed: int


@pytest.fixture
async def ready(core: Core) -> Setup:
    """This server's own entries, made from the console, and a moderator role."""
    console = Actor.console(GUILD_ID)
    m = core.moderation
    city = await m.add(console, "city", {"name": "Springfield", "aliases": "Springy"})
    official = await m.add(console, "official", {"name": "Jane Doe", "city": "Springfield"})
    statement = await m.add(console, "statement", {"speaker": "Jane Doe",
                                                   "text": "Springfield welcomes everyone"})
    gone = await m.add(console, "statement", {"speaker": "Jane Doe", "text": "An old remark"})
    await m.remove(console, gone.ref, gone.version)
    await m.set_mod_role(console, MOD_ROLE_ID, True)
    return Setup(city.ref.id, official.ref.id, statement.ref.id, gone.ref.id)


@pytest.fixture
def cog(core: Core) -> ModerationCog:
    return ModerationCog(make_bot(core))


# Who asks: (guild, member, channel permissions).
ACTORS: dict[str, Callable[[], tuple[Any, Any, discord.Permissions]]] = {
    "member": lambda: (make_guild(), make_member(MEMBER_ID), discord.Permissions.none()),
    "moderator by permission": lambda: (make_guild(), make_member(MODERATOR_ID), MANAGE),
    "moderator by role": lambda: (make_guild(), make_member(1003, roles=[MOD_ROLE_ID]),
                                  discord.Permissions.none()),
    "owner": lambda: (make_guild(), make_member(OWNER_ID), discord.Permissions.none()),
    "role holder in another server": lambda: (make_guild(OTHER_GUILD_ID),
                                              make_member(1003, roles=[MOD_ROLE_ID]),
                                              discord.Permissions.none()),
    "moderator of another server": lambda: (make_guild(OTHER_GUILD_ID),
                                            make_member(2002), MANAGE),
    "member in DMs": lambda: (None, make_member(MEMBER_ID), discord.Permissions.none()),
    "moderator in DMs": lambda: (None, make_member(MODERATOR_ID), MANAGE),
}
ALLOWED = {"moderator by permission", "moderator by role", "owner"}
REFUSED_BY_CHECK = {"member", "role holder in another server", "member in DMs",
                    "moderator in DMs"}

Call = Callable[[ModerationCog, Any, Setup], Awaitable[None]]


async def _remove(cog: ModerationCog, ctx: Any, s: Setup) -> None:
    await cog.remove.callback(cog, ctx, "statement", entry=str(s.statement))
    view = ctx.send.call_args.kwargs.get("view")
    if isinstance(view, ConfirmRemove):
        await view.confirm.callback(make_interaction(user=ctx.author))


COMMANDS: dict[str, tuple[str, Call]] = {
    "add city": ("add_city", lambda c, ctx, s: c.add_city.callback(
        c, ctx, flags=make_flags(CityFlags, name="Shelbyville"))),
    "add official": ("add_official", lambda c, ctx, s: c.add_official.callback(
        c, ctx, flags=make_flags(OfficialFlags, name="John Roe", role="Mayor"))),
    "add statement": ("add_statement", lambda c, ctx, s: c.add_statement.callback(
        c, ctx, flags=make_flags(StatementFlags, speaker="Rahm Emanuel",
                                 text="Something entirely new about Chicago"))),
    "edit city": ("edit_city", lambda c, ctx, s: c.edit_city.callback(
        c, ctx, str(s.city), flags=make_flags(EditCityFlags, state="Oregon"))),
    "edit official": ("edit_official", lambda c, ctx, s: c.edit_official.callback(
        c, ctx, str(s.official), flags=make_flags(EditOfficialFlags, role="Governor"))),
    "edit statement": ("edit_statement", lambda c, ctx, s: c.edit_statement.callback(
        c, ctx, str(s.statement), flags=make_flags(EditStatementFlags, where="on TV"))),
    "remove": ("remove", _remove),
    "restore": ("restore", lambda c, ctx, s: c.restore.callback(
        c, ctx, "statement", entry=str(s.removed))),
    "alias add": ("alias_add", lambda c, ctx, s: c.alias_add.callback(
        c, ctx, "city", str(s.city), name="Shelby")),
    "alias remove": ("alias_remove", lambda c, ctx, s: c.alias_remove.callback(
        c, ctx, "city", str(s.city), name="Springy")),
}


@pytest.mark.parametrize("who", list(ACTORS))
@pytest.mark.parametrize("what", list(COMMANDS))
async def test_permission_matrix(cog: ModerationCog, ready: Setup, who: str,
                                 what: str) -> None:
    guild, member, permissions = ACTORS[who]()
    ctx = make_ctx(cog.bot, guild=guild, author=member, permissions=permissions,
                   interaction=True)
    attribute, call = COMMANDS[what]
    command = getattr(cog, attribute)
    before = await dump(cog.bot.core.store)
    refusal = await run_checks(command, ctx)
    if who in REFUSED_BY_CHECK:
        assert refusal is not None
        assert "You need the Manage Messages" in refusal or "not in DMs" in refusal
        assert await dump(cog.bot.core.store) == before
        return
    assert refusal is None
    await call(cog, ctx, ready)
    after = await dump(cog.bot.core.store)
    if who in ALLOWED:
        assert after != before, sent_embed(ctx).description
        assert len(after["audit_log"]) > len(before["audit_log"])
    elif what.startswith("add "):  # another server's moderator adds to their own server
        new = set(after["audit_log"]) - set(before["audit_log"])
        assert [row[1] for row in new] == [OTHER_GUILD_ID]
    else:  # this server's entries are out of their reach
        assert after == before
        embed = ctx.send.call_args.kwargs["embed"]
        assert ctx.send.call_args.kwargs["ephemeral"] is True
        assert "Nothing was changed" in embed.title


async def test_the_owner_in_dms_edits_global_entries(cog: ModerationCog) -> None:
    ctx = make_ctx(cog.bot, guild=None, author=make_member(OWNER_ID))
    assert await run_checks(cog.edit_city, ctx) is None
    await cog.edit_city.callback(cog, ctx, "Seattle", flags=make_flags(EditCityFlags,
                                                                        state="WA"))
    assert (await cog.bot.core.lookup.city("Seattle", None)).title == "Seattle, WA"


async def test_a_moderator_cannot_edit_global_entries(cog: ModerationCog) -> None:
    ctx = make_ctx(cog.bot, guild=make_guild(), author=make_member(MODERATOR_ID),
                   permissions=MANAGE, interaction=True)
    before = await dump(cog.bot.core.store)
    await cog.edit_city.callback(cog, ctx, "Seattle", flags=make_flags(EditCityFlags,
                                                                        state="WA"))
    assert "only the bot's owner" in sent_embed(ctx).description
    assert await dump(cog.bot.core.store) == before


async def test_undo_for_moderators_only(cog: ModerationCog) -> None:
    mod = make_ctx(cog.bot, guild=make_guild(), author=make_member(MODERATOR_ID),
                   permissions=MANAGE)
    await cog.add_city.callback(cog, mod, flags=make_flags(CityFlags, name="Shelbyville"))
    member = make_ctx(cog.bot, guild=make_guild(), author=make_member(MEMBER_ID))
    assert await run_checks(cog.undo, member) is not None
    assert await run_checks(cog.undo, mod) is None
    await cog.undo.callback(cog, mod)
    assert sent_embed(mod).title.startswith("Undone")
    assert (await cog.bot.core.lookup.city("Shelbyville", GUILD_ID)).kind != "card"


@pytest.mark.parametrize(
    ("permissions", "owner", "guild", "allowed"),
    [
        (discord.Permissions.none(), False, True, False),
        (MANAGE, False, True, False),
        (discord.Permissions(manage_guild=True), False, True, True),
        (discord.Permissions.none(), True, True, True),
        (discord.Permissions(manage_guild=True), False, False, False),
    ],
)
async def test_modrole_is_for_server_admins(cog: ModerationCog, permissions: discord.Permissions,
                                            owner: bool, guild: bool, allowed: bool) -> None:
    ctx = make_ctx(cog.bot, guild=make_guild() if guild else None,
                   author=make_member(OWNER_ID if owner else MEMBER_ID),
                   permissions=permissions)
    before = await dump(cog.bot.core.store)
    refusal = await run_checks(cog.modrole_add, ctx)
    assert (refusal is None) is allowed
    if not allowed:
        assert await dump(cog.bot.core.store) == before
        return
    role = MagicMock(spec_set=discord.Role, id=77, mention="<@&77>")
    await cog.modrole_add.callback(cog, ctx, role)
    assert cog.moderation.has_mod_role(GUILD_ID, [77])
    assert "<@&77> now moderates" in sent_embed(ctx).description
    await cog.modrole_remove.callback(cog, ctx, role)
    assert not cog.moderation.has_mod_role(GUILD_ID, [77])


async def test_a_refused_check_answers_briefly_and_privately(cog: ModerationCog) -> None:
    from discord.ext import commands

    ctx = make_ctx(cog.bot, guild=make_guild(), interaction=True)
    refusal = await run_checks(cog.add_city, ctx)
    await cog.bot.on_command_error(ctx, commands.CheckFailure(refusal))
    assert ctx.send.call_args.kwargs["ephemeral"] is True
    assert sent_embed(ctx).description.startswith("You need the Manage Messages")


async def test_remove_asks_first_and_only_the_asker_confirms(cog: ModerationCog,
                                                             ready: Setup) -> None:
    ctx = make_ctx(cog.bot, guild=make_guild(), author=make_member(MODERATOR_ID),
                   permissions=MANAGE, interaction=True)
    before = await dump(cog.bot.core.store)
    await cog.remove.callback(cog, ctx, "statement", entry=str(ready.statement))
    view = ctx.send.call_args.kwargs["view"]
    assert isinstance(view, ConfirmRemove)
    assert await dump(cog.bot.core.store) == before  # nothing until confirmed
    stranger = make_interaction(user=make_member(MEMBER_ID))
    assert await view.interaction_check(stranger) is False
    cancel = make_interaction(user=ctx.author)
    await view.cancel.callback(cancel)
    assert await dump(cog.bot.core.store) == before
    await cog.remove.callback(cog, ctx, "statement", entry=str(ready.statement))
    view = ctx.send.call_args.kwargs["view"]
    click = make_interaction(user=ctx.author)
    await view.confirm.callback(click)
    click.response.defer.assert_awaited_once()  # acknowledged before the store is asked
    assert click.edit_original_response.call_args.kwargs["embed"].title.startswith("Removed")
    hits = cog.bot.core.lookup.hits("statement", "springfield welcomes everyone", GUILD_ID)
    assert not hits or hits[0].ref.id != ready.statement


async def test_autocomplete_of_moderator_commands_checks_too(cog: ModerationCog,
                                                             ready: Setup) -> None:
    entry = cog.edit_statement.app_command._params["entry"]
    member = make_interaction(guild=make_guild(), user=make_member(MEMBER_ID))
    member.client = cog.bot
    assert await entry.autocomplete(cog, member, "") == []
    speaker = cog.add_statement.app_command._params["speaker"]
    assert await speaker.autocomplete(cog, member, "jane") == []
    mod = make_interaction(guild=make_guild(), user=make_member(MODERATOR_ID),
                           permissions=MANAGE)
    mod.client = cog.bot
    choices = await entry.autocomplete(cog, mod, "welcomes")
    assert choices and choices[0].value == str(ready.statement)
    assert all(len(c.name) <= 100 and len(c.value) <= 100 for c in choices)
    # Only entries they may change: none of the bundled article's.
    assert all(int(c.value) >= ready.city for c in await entry.autocomplete(cog, mod, ""))
    assert (await speaker.autocomplete(cog, mod, "jane"))[0].name == "Jane Doe"
    by_role = make_interaction(guild=make_guild(), user=make_member(1003, roles=[MOD_ROLE_ID]))
    by_role.client = cog.bot
    assert await entry.autocomplete(cog, by_role, "welcomes")
    suggest = cog.suggest_statement.app_command._params["speaker"]
    assert (await suggest.autocomplete(cog, member, "jane"))[0].name == "Jane Doe"


async def test_slash_add_statement_without_text_opens_the_form(cog: ModerationCog) -> None:
    from bot.discord_app.cogs.moderation.views import StatementForm

    ctx = make_ctx(cog.bot, guild=make_guild(), author=make_member(MODERATOR_ID),
                   permissions=MANAGE, interaction=True)
    ctx.interaction.response.send_modal = AsyncMock()
    await cog.add_statement.callback(cog, ctx, flags=make_flags(
        StatementFlags, speaker="Rahm Emanuel", where="on TV"))
    form = ctx.interaction.response.send_modal.call_args.args[0]
    assert isinstance(form, StatementForm)
    assert form.where.default == "on TV"
    form.text._value = "A long statement typed into the form, about Chicago"
    submit = make_interaction(guild=make_guild(), user=ctx.author)
    await form.on_submit(submit)
    submit.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    embed = submit.followup.send.call_args.kwargs["embed"]
    assert embed.title.startswith("Added statement")
    allowed = submit.followup.send.call_args.kwargs["allowed_mentions"]
    assert allowed.to_dict() == discord.AllowedMentions.none().to_dict()


# ---- suggestions and review ---------------------------------------------------------------

async def _suggest(cog: ModerationCog) -> Any:
    ctx = make_ctx(cog.bot, guild=make_guild(), author=make_member(MEMBER_ID))
    ctx.channel = make_text_channel(555, ctx.guild)
    ctx.message.id = 777
    assert await run_checks(cog.suggest_statement, ctx) is None
    await cog.suggest_statement.callback(cog, ctx, flags=make_flags(
        StatementFlags, speaker="Bill de Blasio", text="New York stays a city for everyone"))
    assert sent_embed(ctx).title.startswith("Suggestion #")
    return ctx


async def test_suggest_review_approve_tells_the_proposer_by_reply(cog: ModerationCog) -> None:
    await _suggest(cog)
    mod = make_ctx(cog.bot, guild=make_guild(), author=make_member(MODERATOR_ID),
                   permissions=MANAGE)
    await cog.review.callback(cog, mod)
    view = mod.send.call_args.kwargs["view"]
    ids = [item.custom_id for item in view.children]
    assert ids == ["citybot:review:approve:1", "citybot:review:reject:1"]
    assert view.timeout is None and view.is_persistent()
    channel = make_text_channel(555, make_guild())
    partial = channel.get_partial_message.return_value
    partial.reply = AsyncMock()
    cog.bot.get_channel = MagicMock(return_value=channel)  # type: ignore[method-assign]
    click = make_interaction(guild=make_guild(), user=mod.author, permissions=MANAGE)
    click.client = cog.bot
    button = view.children[0]
    assert await button.interaction_check(click) is True
    await button.callback(click)
    channel.get_partial_message.assert_called_with(777)
    kwargs = partial.reply.call_args.kwargs
    assert kwargs["mention_author"] is False
    assert kwargs["allowed_mentions"].to_dict() == discord.AllowedMentions.none().to_dict()
    assert "was approved" in partial.reply.call_args.args[0]
    hits = cog.bot.core.lookup.hits("statement", "new york stays a city for everyone", GUILD_ID)
    assert hits[0].score >= 90


async def test_a_member_cannot_press_review_buttons(cog: ModerationCog) -> None:
    await _suggest(cog)
    before = await dump(cog.bot.core.store)
    button = ReviewButton(1, True)
    click = make_interaction(guild=make_guild(), user=make_member(MEMBER_ID))
    click.client = cog.bot
    assert await button.interaction_check(click) is False
    assert click.response.send_message.call_args.kwargs["ephemeral"] is True
    assert await dump(cog.bot.core.store) == before


async def test_review_buttons_work_after_a_restart(db_path: Path) -> None:
    core = await start_core(db_path)
    bot = make_bot(core)
    await bot.load_extension("bot.discord_app.cogs.moderation")
    cog = bot.get_cog("Moderation")
    assert isinstance(cog, ModerationCog)
    await _suggest(cog)
    await bot.close()  # closes the core too
    core = await start_core(db_path)
    bot = make_bot(core)
    await bot.load_extension("bot.discord_app.cogs.moderation")  # as setup_hook does
    try:
        registered = bot._connection._view_store._dynamic_items
        custom_id = "citybot:review:reject:1"
        # What discord.py does with a click: find the item class whose template matches.
        [(template, button_class)] = [(t, c) for t, c in registered.items()
                                      if t.fullmatch(custom_id)]
        assert button_class.__name__ == "ReviewButton"
        match = template.fullmatch(custom_id)
        click = make_interaction(guild=make_guild(), user=make_member(OWNER_ID))
        click.client = bot
        item = discord.ui.Button(custom_id=custom_id)
        button = await button_class.from_custom_id(click, item, match)
        bot.get_channel = MagicMock(return_value=None)  # type: ignore[method-assign]
        bot.fetch_channel = AsyncMock(side_effect=discord.NotFound(  # type: ignore[method-assign]
            MagicMock(status=404, reason="gone"), "gone"))
        await button.callback(click)
        suggestion = await core.store.suggestion(1)
        assert suggestion is not None and suggestion.status == "rejected"
        assert click.followup.send.call_args.kwargs["embed"].title == "Rejected suggestion #1"
    finally:
        await bot.close()


async def test_export_sends_a_file_for_moderators(cog: ModerationCog, ready: Setup) -> None:
    import json

    from bot.core.dataset import parse_dataset

    ctx = make_ctx(cog.bot, guild=make_guild(), author=make_member(MODERATOR_ID),
                   permissions=MANAGE, interaction=True)
    assert await run_checks(cog.export, ctx) is None
    await cog.export.callback(cog, ctx)
    file = ctx.send.call_args.kwargs["file"]
    data = json.loads(file.fp.read())
    assert [c["name"] for c in data["cities"]] == ["Springfield"]
    parse_dataset(data)
    await cog.export.callback(cog, ctx, "global")
    assert "only the bot's owner" in sent_embed(ctx).description
    member = make_ctx(cog.bot, guild=make_guild(), author=make_member(MEMBER_ID))
    assert await run_checks(cog.export, member) is not None


@pytest.mark.parametrize(
    ("typed", "title", "saved"),
    [
        ("!alias add city Springfield Cap City", "Alias saved", "Cap City"),
        ('!alias add city "Springfield" Shelby', "Alias saved", "Shelby"),
        ("!alias add city Springfield name: Shelby Ville", "Alias saved", "Shelby Ville"),
        ("!alias add city Spring field Shelby", "Nothing was changed", None),
    ],
)
async def test_prefix_alias_is_cut_by_the_core_never_guessed(
        cog: ModerationCog, ready: Setup, typed: str, title: str, saved: str | None) -> None:
    """discord.py alone splits at the first space (entry "Springfield", name "Cap City" by
    luck; entry "Spring", name "field Shelby" by guess): the typed line goes to the core."""
    ctx = make_ctx(cog.bot, guild=make_guild(), author=make_member(MODERATOR_ID),
                   permissions=MANAGE)
    ctx.prefix = "!"
    ctx.message.content = typed
    words = typed.split()
    before = await dump(cog.bot.core.store)
    await cog.alias_add.callback(cog, ctx, "city", words[3], name=" ".join(words[4:]))
    embed = sent_embed(ctx)
    assert embed.title == title, embed.description
    city = (await cog.bot.core.store.cities((GUILD_ID,), ids=[ready.city]))[0]
    if saved is None:
        assert await dump(cog.bot.core.store) == before
        assert "name:" in (embed.description or "")
    else:
        assert saved in city.aliases
