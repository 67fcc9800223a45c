"""`/edit statement <entry>` without fields: a form prefilled with the statement as it is, saved
through the core's edit with the version read when the form opened."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

from bot.core.bootstrap import Core
from bot.core.moderation import Actor
from bot.core.validation import LIMITS
from bot.discord_app.cogs.moderation import ModerationCog
from bot.discord_app.cogs.moderation.flags import EditStatementFlags
from bot.discord_app.cogs.moderation.views import EditStatementForm
from tests.core.test_moderation import dump
from tests.discord_app.helpers import (
    GUILD_ID,
    MEMBER_ID,
    MOD_ROLE_ID,
    MODERATOR_ID,
    make_bot,
    make_ctx,
    make_flags,
    make_guild,
    make_interaction,
    make_member,
    run_checks,
)

MANAGE = discord.Permissions(manage_messages=True)
NONE = discord.AllowedMentions.none().to_dict()
TEXT = "Springfield welcomes everyone who wants to live here"
CURRENT = {"text": TEXT, "where": "told the Springfield Shopper", "when": "on Monday",
           "date": "2016-11-14", "url": "https://example.com/springfield"}


@dataclass
class Entry:
    id: int
    version: int


@pytest.fixture
async def statement(core: Core) -> Entry:
    console = Actor.console(GUILD_ID)
    m = core.moderation
    await m.add(console, "city", {"name": "Springfield"})
    await m.add(console, "official", {"name": "Jane Doe", "city": "Springfield"})
    added = await m.add(console, "statement", {"speaker": "Jane Doe", **CURRENT})
    assert added.ref is not None and added.version is not None, added.answer.description
    await m.set_mod_role(console, MOD_ROLE_ID, True)
    return Entry(added.ref.id, added.version)


@pytest.fixture
def cog(core: Core) -> ModerationCog:
    return ModerationCog(make_bot(core))


def moderator_ctx(cog: ModerationCog, *, interaction: bool = True,
                  member: Any = None, permissions: discord.Permissions = MANAGE) -> Any:
    ctx = make_ctx(cog.bot, guild=make_guild(), author=member or make_member(MODERATOR_ID),
                   permissions=permissions, interaction=interaction)
    if interaction:
        ctx.interaction.response.send_modal = AsyncMock()
    return ctx


async def open_form(cog: ModerationCog, ctx: Any, entry: str) -> EditStatementForm:
    assert await run_checks(cog.edit_statement, ctx) is None
    await cog.edit_statement.callback(cog, ctx, entry, flags=make_flags(EditStatementFlags))
    ctx.interaction.response.send_modal.assert_awaited_once()
    ctx.send.assert_not_called()
    form = ctx.interaction.response.send_modal.call_args.args[0]
    assert isinstance(form, EditStatementForm)
    return form


def submitter(cog: ModerationCog, user: Any, permissions: discord.Permissions = MANAGE) -> Any:
    interaction = make_interaction(guild=make_guild(), user=user, permissions=permissions)
    interaction.client = cog.bot
    return interaction


def inputs(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The text inputs of a modal payload, in order (each in its own action row)."""
    return [child for row in payload["components"] for child in row["components"]]


async def submit(form: EditStatementForm, interaction: Any, **typed: str) -> None:
    """What discord.py does when Discord delivers the submission: every input comes back
    with what is in it (the prefilled value unless the moderator typed over it)."""
    components = [{"type": 1, "components": [
        {"type": 4, "custom_id": item.custom_id,
         "value": typed.get(name, item.default or "")}]}
        for name, item in form.inputs().items()]
    await form._scheduled_task(interaction, components, {})  # refresh, check, submit, errors


def answer_call(interaction: Any) -> Any:
    """The call that answered: the follow-up filling in the acknowledgement of a saving form,
    or the initial message of one that refused at once."""
    if interaction.followup.send.called:
        interaction.response.defer.assert_awaited_once()  # acknowledged first
        return interaction.followup.send.call_args
    return interaction.response.send_message.call_args


def answer_of(interaction: Any) -> discord.Embed:
    kwargs = answer_call(interaction).kwargs
    assert kwargs["allowed_mentions"].to_dict() == NONE
    return kwargs["embed"]


def answered_privately(interaction: Any) -> bool:
    """Discord shows an acknowledged answer as the acknowledgement said."""
    if interaction.followup.send.called:
        return interaction.response.defer.call_args.kwargs["ephemeral"] is True
    return interaction.response.send_message.call_args.kwargs["ephemeral"] is True


async def test_slash_edit_without_fields_opens_a_prefilled_form(
        cog: ModerationCog, statement: Entry) -> None:
    before = await dump(cog.bot.core.store)
    form = await open_form(cog, moderator_ctx(cog), f"#{statement.id}")
    payload = form.to_dict()
    assert payload["title"] == f"Edit statement #{statement.id}"
    fields = inputs(payload)
    assert [f["value"] for f in fields] == list(CURRENT.values())
    assert [f["custom_id"] for f in fields] == [i.custom_id for i in form.inputs().values()]
    assert fields[0]["style"] == discord.TextStyle.paragraph.value
    assert fields[0]["required"] is True
    assert [f["required"] for f in fields[1:]] == [False] * 4
    assert form.version == statement.version
    assert await dump(cog.bot.core.store) == before  # opening changes nothing


async def test_the_form_respects_discords_and_the_cores_limits(cog: ModerationCog) -> None:
    too_long = {"id": 7, "version": 3, "text": "t" * 5000, "said_where": "w" * 300,
                "said_when": "n" * 150, "said_on": "2016-11-14",
                "source_url": "https://" + "u" * 600}
    form = EditStatementForm(too_long, AsyncMock())
    payload = form.to_dict()
    assert 1 <= len(payload["title"]) <= 45
    fields = inputs(payload)
    assert len(fields) <= 5
    assert all(1 <= len(f["label"]) <= 45 for f in fields)
    limits = [LIMITS["text"], LIMITS["where"], LIMITS["when"], len("2016-11-14"), LIMITS["url"]]
    assert [f["max_length"] for f in fields] == limits
    assert [len(f["value"]) for f in fields] == limits  # clipped to what may be typed
    assert all(f["max_length"] <= 4000 for f in fields)  # Discord's own ceiling
    huge = EditStatementForm({"id": 10**17, "version": 1, "text": "x"}, AsyncMock())
    assert len(huge.to_dict()["title"]) <= 45
    assert [f.get("value") for f in inputs(huge.to_dict())] == ["x", None, None, None, None]


async def test_submitting_changes_saves_them_with_one_audit_row(
        cog: ModerationCog, statement: Entry) -> None:
    ctx = moderator_ctx(cog)
    form = await open_form(cog, ctx, str(statement.id))
    before = await dump(cog.bot.core.store)
    new_text = "Springfield welcomes every family that wants to make a home here"
    interaction = submitter(cog, ctx.author)
    await submit(form, interaction, text=new_text, where="on WBEZ", url="")
    embed = answer_of(interaction)
    assert embed.title.startswith(f"Saved statement #{statement.id}"), embed.description
    snap = await cog.bot.core.store.entry("statement", statement.id)
    assert snap is not None
    assert (snap["text"], snap["said_where"], snap["source_url"]) == (new_text, "on WBEZ", None)
    assert (snap["said_when"], snap["said_on"]) == (CURRENT["when"], CURRENT["date"])  # untouched
    assert snap["version"] == statement.version + 1
    hits = cog.bot.core.lookup.hits("statement", "every family that wants to make a home",
                                    GUILD_ID)
    assert hits and hits[0].ref.id == statement.id  # lookups see the new words at once
    after = await dump(cog.bot.core.store)
    new_rows = sorted(set(after["audit_log"]) - set(before["audit_log"]))
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1
    [row] = new_rows
    assert (row[1], row[2], row[3], row[4], row[5]) == (GUILD_ID, MODERATOR_ID, "edit",
                                                        "statement", statement.id)
    assert json.loads(row[7])["said_where"] == "on WBEZ"


async def test_submitting_the_form_unchanged_changes_nothing(
        cog: ModerationCog, statement: Entry) -> None:
    ctx = moderator_ctx(cog)
    form = await open_form(cog, ctx, str(statement.id))
    before = await dump(cog.bot.core.store)
    interaction = submitter(cog, ctx.author)
    await submit(form, interaction)
    embed = answer_of(interaction)
    assert embed.title == "Nothing was changed" and "nothing to change" in embed.description
    assert answered_privately(interaction)
    assert await dump(cog.bot.core.store) == before


async def test_a_change_made_while_the_form_was_open_is_not_overwritten(
        cog: ModerationCog, statement: Entry) -> None:
    ctx = moderator_ctx(cog)
    form = await open_form(cog, ctx, str(statement.id))
    other = moderator_ctx(cog, interaction=False, member=make_member(1003, roles=[MOD_ROLE_ID]),
                          permissions=discord.Permissions.none())
    await cog.edit_statement.callback(cog, other, str(statement.id), flags=make_flags(
        EditStatementFlags, where="at the town meeting"))
    assert other.send.call_args.kwargs["embed"].title.startswith("Saved")
    between = await dump(cog.bot.core.store)
    interaction = submitter(cog, ctx.author)
    await submit(form, interaction, where="on WBEZ", when="yesterday")
    embed = answer_of(interaction)
    assert embed.title == "Nothing was changed"
    assert "changed by someone else meanwhile" in embed.description
    assert answered_privately(interaction)
    assert await dump(cog.bot.core.store) == between
    snap = await cog.bot.core.store.entry("statement", statement.id)
    assert snap is not None and snap["said_where"] == "at the town meeting"


@pytest.mark.parametrize("who", ["lost the role", "another member"])
async def test_only_a_moderator_can_submit(cog: ModerationCog, statement: Entry, who: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    member = make_member(1003, roles=[MOD_ROLE_ID])
    ctx = moderator_ctx(cog, member=member, permissions=discord.Permissions.none())
    form = await open_form(cog, ctx, str(statement.id))
    if who == "lost the role":
        await cog.moderation.set_mod_role(Actor.console(GUILD_ID), MOD_ROLE_ID, False)
        user = member
    else:
        user = make_member(MEMBER_ID)
    before = await dump(cog.bot.core.store)
    edit = AsyncMock(wraps=cog.moderation.edit)
    monkeypatch.setattr(cog.moderation, "edit", edit)
    interaction = submitter(cog, user, permissions=discord.Permissions.none())
    await submit(form, interaction, where="on WBEZ")
    edit.assert_not_awaited()  # the form refuses by itself; the core is not even asked
    embed = answer_of(interaction)
    assert embed.title == "Nothing was changed"
    assert "Manage Messages permission or a moderator role" in embed.description
    assert answered_privately(interaction)
    assert await dump(cog.bot.core.store) == before


async def test_a_failure_inside_the_form_answers_privately(
        cog: ModerationCog, statement: Entry, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = moderator_ctx(cog)
    form = await open_form(cog, ctx, str(statement.id))
    monkeypatch.setattr(cog.moderation, "edit", AsyncMock(side_effect=RuntimeError("boom")))
    interaction = submitter(cog, ctx.author)
    await submit(form, interaction, where="on WBEZ")  # no exception escapes
    assert answer_of(interaction).description.startswith(
        "Something went wrong on our side; nothing was saved.")
    assert interaction.followup.send.call_args.kwargs["ephemeral"] is True
    # After the answer went out, the apology is a follow-up.
    late = submitter(cog, ctx.author)
    late.response.send_message = AsyncMock(side_effect=RuntimeError("after answering"))
    late.response.is_done = MagicMock(return_value=True)
    form = await open_form(cog, moderator_ctx(cog), str(statement.id))
    monkeypatch.undo()
    await submit(form, late, where="on WBEZ")
    assert late.followup.send.call_args.kwargs["ephemeral"] is True


async def test_entries_out_of_reach_open_no_form(cog: ModerationCog, statement: Entry) -> None:
    ctx = moderator_ctx(cog)
    await cog.edit_statement.callback(cog, ctx, "999999", flags=make_flags(EditStatementFlags))
    ctx.interaction.response.send_modal.assert_not_called()
    assert "there is no statement #999999 here" in ctx.send.call_args.kwargs["embed"].description
    bundled = cog.bot.core.lookup.hits("statement", "sanctuary city", GUILD_ID)[0].ref.id
    ctx = moderator_ctx(cog)
    await cog.edit_statement.callback(cog, ctx, str(bundled), flags=make_flags(EditStatementFlags))
    ctx.interaction.response.send_modal.assert_not_called()
    assert "only the bot's owner" in ctx.send.call_args.kwargs["embed"].description


async def test_prefix_edit_without_fields_still_asks_for_a_field(
        cog: ModerationCog, statement: Entry) -> None:
    ctx = moderator_ctx(cog, interaction=False)
    before = await dump(cog.bot.core.store)
    await cog.edit_statement.callback(cog, ctx, str(statement.id),
                                      flags=make_flags(EditStatementFlags))
    embed = ctx.send.call_args.kwargs["embed"]
    assert embed.title == "Nothing was changed" and "nothing to change" in embed.description
    assert ctx.send.call_args.kwargs["allowed_mentions"].to_dict() == NONE
    assert await dump(cog.bot.core.store) == before


async def test_slash_edit_with_fields_saves_without_a_form(
        cog: ModerationCog, statement: Entry) -> None:
    ctx = moderator_ctx(cog)
    await cog.edit_statement.callback(cog, ctx, str(statement.id), flags=make_flags(
        EditStatementFlags, when="on Tuesday"))
    ctx.interaction.response.send_modal.assert_not_called()
    assert ctx.send.call_args.kwargs["embed"].title.startswith("Saved")
    snap = await cog.bot.core.store.entry("statement", statement.id)
    assert snap is not None and snap["said_when"] == "on Tuesday"
