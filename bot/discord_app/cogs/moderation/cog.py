"""Moderators' commands, each both `!name` and `/name`: add, edit, remove (with a confirm
button), restore, undo, alias, history, review, export; `suggest` for every member; `modrole`
for server admins. The checks are real checks (checks.py); the core decides what each actor
may change and answers with `Answer`s, which are rendered here."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import answers
from bot.core.errors import StoreBusy
from bot.core.matching import EntryKind, EntryRef
from bot.core.moderation import Actor, Moderation, Outcome, Refusal
from bot.core.moderation.replies import refused
from bot.core.moderation.text_commands import alias_line
from bot.discord_app.checks import (
    hybrid_permissions_check,
    in_server,
    interaction_actor,
    is_moderator,
    member_actor,
)
from bot.discord_app.cogs.moderation.flags import (
    CityFlags,
    EditCityFlags,
    EditOfficialFlags,
    EditStatementFlags,
    OfficialFlags,
    StatementFlags,
)
from bot.discord_app.cogs.moderation.views import (
    REVIEW_PAGE,
    ConfirmRemove,
    EditStatementForm,
    StatementForm,
    first_embed,
    review_view,
)
from bot.discord_app.render import CHOICES
from bot.discord_app.respond import acknowledge, guild_id_of, reply

if TYPE_CHECKING:
    from bot.discord_app.app import CityBot

Choices = list[app_commands.Choice[str]]
FORM_READ_SECONDS = 2.0  # Discord wants the form within 3 s of the command
Kind = Literal["city", "official", "statement"]
AliasKind = Literal["city", "official"]


class ModerationCog(commands.Cog, name="Moderation"):
    def __init__(self, bot: CityBot) -> None:
        self.bot = bot

    @property
    def moderation(self) -> Moderation:
        return self.bot.core.moderation

    async def actor(self, ctx: commands.Context[CityBot]) -> Actor:
        return await member_actor(self.bot, ctx.author, ctx.guild, ctx.permissions)

    # ---- autocomplete: answered from memory, and only for those who may use it -----------

    @staticmethod
    async def _interaction_actor(interaction: discord.Interaction) -> Actor:
        return await interaction_actor(interaction)

    async def _entries(self, interaction: discord.Interaction, kind: EntryKind,
                       current: str) -> Choices:
        actor = await self._interaction_actor(interaction)
        return [app_commands.Choice(name=c.name, value=c.value)
                for c in self.moderation.complete(actor, kind, current, CHOICES)]

    async def _references(self, interaction: discord.Interaction, kind: EntryKind,
                          current: str, *, moderators_only: bool = True) -> Choices:
        actor = await self._interaction_actor(interaction)
        if moderators_only and not (actor.owner or actor.moderator):
            return []
        return [app_commands.Choice(name=c.name, value=c.value)
                for c in self.moderation.complete_reference(actor, kind, current, CHOICES)]

    # ---- add -------------------------------------------------------------------------------

    @commands.hybrid_group(name="add", description="Add an entry (moderators)",
                           invoke_without_command=True)
    @app_commands.default_permissions(manage_messages=True)
    @is_moderator()
    async def add(self, ctx: commands.Context[CityBot]) -> None:
        await reply(ctx, refused(Refusal("kind", "say what to add: `add city`, "
                                              "`add official` or `add statement`")))

    @add.command(name="city", description="Add a city to this server's entries")
    @is_moderator()
    async def add_city(self, ctx: commands.Context[CityBot], *, flags: CityFlags) -> None:
        await self._add(ctx, "city", flags.fields())

    @add.command(name="official", description="Add an official to this server's entries")
    @is_moderator()
    async def add_official(self, ctx: commands.Context[CityBot], *,
                           flags: OfficialFlags) -> None:
        await self._add(ctx, "official", flags.fields())

    @add.command(name="statement", description="Add a statement (leave text empty for a form)")
    @is_moderator()
    async def add_statement(self, ctx: commands.Context[CityBot], *,
                            flags: StatementFlags) -> None:
        fields = flags.fields()
        if not fields.get("text") and ctx.interaction is not None:
            actor = await self.actor(ctx)

            async def submit(values: dict[str, str | None]) -> Outcome:
                return await self.moderation.add(actor, "statement", values)

            await ctx.interaction.response.send_modal(StatementForm(fields, submit))
            return
        await self._add(ctx, "statement", fields)

    async def _add(self, ctx: commands.Context[CityBot], kind: EntryKind,
                   fields: Mapping[str, str | None]) -> None:
        await acknowledge(ctx)
        outcome = await self.moderation.add(await self.actor(ctx), kind, fields)
        await reply(ctx, outcome.answer)

    @add_statement.autocomplete("speaker")
    async def add_statement_speaker(self, interaction: discord.Interaction,
                                    current: str) -> Choices:
        return await self._references(interaction, "official", current)

    @add_statement.autocomplete("city")
    async def add_statement_city(self, interaction: discord.Interaction,
                                 current: str) -> Choices:
        return await self._references(interaction, "city", current)

    @add_official.autocomplete("city")
    async def add_official_city(self, interaction: discord.Interaction,
                                current: str) -> Choices:
        return await self._references(interaction, "city", current)

    # ---- edit ------------------------------------------------------------------------------

    @commands.hybrid_group(name="edit", description="Edit an entry (moderators)",
                           invoke_without_command=True)
    @app_commands.default_permissions(manage_messages=True)
    @is_moderator()
    async def edit(self, ctx: commands.Context[CityBot]) -> None:
        await reply(ctx, refused(Refusal("kind", "say what to edit: `edit city`, "
                                              "`edit official` or `edit statement`")))

    @edit.command(name="city", description="Edit one of this server's cities")
    @app_commands.describe(entry="The city (pick from the list, or its id)")
    @is_moderator()
    async def edit_city(self, ctx: commands.Context[CityBot], entry: str, *,
                        flags: EditCityFlags) -> None:
        await self._edit(ctx, "city", entry, flags.fields())

    @edit.command(name="official", description="Edit one of this server's officials")
    @app_commands.describe(entry="The official (pick from the list, or their id)")
    @is_moderator()
    async def edit_official(self, ctx: commands.Context[CityBot], entry: str, *,
                            flags: EditOfficialFlags) -> None:
        await self._edit(ctx, "official", entry, flags.fields())

    @edit.command(name="statement", description="Edit one of this server's statements "
                  "(leave the fields empty for a form)")
    @app_commands.describe(entry="The statement (pick from the list, or its id)")
    @is_moderator()
    async def edit_statement(self, ctx: commands.Context[CityBot], entry: str, *,
                             flags: EditStatementFlags) -> None:
        fields = flags.fields()
        if ctx.interaction is not None and all(v is None for v in fields.values()):
            await self._open_edit_form(ctx, ctx.interaction, entry)
            return
        await self._edit(ctx, "statement", entry, fields)

    async def _open_edit_form(self, ctx: commands.Context[CityBot],
                              interaction: discord.Interaction, entry: str) -> None:
        """A form holding the statement as it is now; saving re-checks who submits it and
        edits only if the statement is still at the version read here. A form must be
        Discord's first answer, so it cannot be deferred: a read that waits (behind a write
        that waits on a busy store) is given up in time for the store's sentence instead."""
        actor = await self.actor(ctx)
        try:
            snap = await asyncio.wait_for(self.moderation.find(actor, "statement", entry),
                                          FORM_READ_SECONDS)
        except Refusal as exc:
            await reply(ctx, refused(exc))
            return
        except TimeoutError:  # nothing written: a read, cancelled
            await reply(ctx, answers.error(StoreBusy.message))
            return
        entry_id = str(snap["id"])

        async def edit(actor: Actor, changes: dict[str, str | None], version: int) -> Outcome:
            return await self.moderation.edit(actor, "statement", entry_id, changes,
                                              expected_version=version)

        await interaction.response.send_modal(EditStatementForm(snap, edit))

    async def _edit(self, ctx: commands.Context[CityBot], kind: EntryKind, entry: str,
                    fields: Mapping[str, str | None]) -> None:
        await acknowledge(ctx)
        outcome = await self.moderation.edit(await self.actor(ctx), kind, entry, fields)
        await reply(ctx, outcome.answer)

    @edit_city.autocomplete("entry")
    async def edit_city_entry(self, interaction: discord.Interaction, current: str) -> Choices:
        return await self._entries(interaction, "city", current)

    @edit_official.autocomplete("entry")
    async def edit_official_entry(self, interaction: discord.Interaction,
                                  current: str) -> Choices:
        return await self._entries(interaction, "official", current)

    @edit_statement.autocomplete("entry")
    async def edit_statement_entry(self, interaction: discord.Interaction,
                                   current: str) -> Choices:
        return await self._entries(interaction, "statement", current)

    # ---- remove / restore / undo -----------------------------------------------------------

    @commands.hybrid_command(name="remove", description="Remove an entry, after a confirm "
                             "button (moderators)")
    @app_commands.describe(kind="city, official or statement",
                           entry="The entry (pick from the list, or its id)")
    @is_moderator()
    async def remove(self, ctx: commands.Context[CityBot], kind: Kind, *, entry: str) -> None:
        await acknowledge(ctx)  # the confirmation is the member's only, as before
        actor = await self.actor(ctx)
        prepared = await self.moderation.prepare_remove(actor, kind, entry)
        if prepared.ref is None or prepared.version is None:
            await reply(ctx, prepared.answer)
            return

        async def remove(ref: EntryRef, version: int) -> Outcome:
            return await self.moderation.remove(actor, ref, version)

        view = ConfirmRemove(ctx.author.id, prepared.ref, prepared.version, remove)
        view.message = await ctx.send(embed=first_embed(prepared.answer), view=view,
                                      ephemeral=True)

    @remove.autocomplete("entry")
    async def remove_entry(self, interaction: discord.Interaction, current: str) -> Choices:
        kind = getattr(interaction.namespace, "kind", None) or "statement"
        return await self._entries(interaction, kind, current)

    @commands.hybrid_command(name="restore", description="Bring back a removed entry "
                             "(moderators)")
    @app_commands.describe(kind="city, official or statement", entry="The entry's id")
    @is_moderator()
    async def restore(self, ctx: commands.Context[CityBot], kind: Kind, *, entry: str) -> None:
        await acknowledge(ctx)
        outcome = await self.moderation.restore(await self.actor(ctx), kind, entry)
        await reply(ctx, outcome.answer)

    @commands.hybrid_command(name="undo", description="Undo your latest change here "
                             "(moderators)")
    @is_moderator()
    async def undo(self, ctx: commands.Context[CityBot]) -> None:
        await acknowledge(ctx)
        await reply(ctx, (await self.moderation.undo(await self.actor(ctx))).answer)

    # ---- aliases and history ---------------------------------------------------------------

    @commands.hybrid_group(name="alias", description="Add or remove another name of an entry "
                           "(moderators)", invoke_without_command=True)
    @app_commands.default_permissions(manage_messages=True)
    @is_moderator()
    async def alias(self, ctx: commands.Context[CityBot]) -> None:
        await reply(ctx, refused(Refusal("alias", "say `alias add` or `alias remove`")))

    @alias.command(name="add", description="Add another name for a city or official")
    @app_commands.describe(kind="city or official", entry="The entry (or its id)",
                           name="The other name")
    @is_moderator()
    async def alias_add(self, ctx: commands.Context[CityBot], kind: AliasKind, entry: str, *,
                        name: str) -> None:
        await self._alias(ctx, "add", kind, entry, name)

    @alias.command(name="remove", description="Remove another name of a city or official")
    @app_commands.describe(kind="city or official", entry="The entry (or its id)",
                           name="The other name")
    @is_moderator()
    async def alias_remove(self, ctx: commands.Context[CityBot], kind: AliasKind, entry: str,
                           *, name: str) -> None:
        await self._alias(ctx, "remove", kind, entry, name)

    async def _alias(self, ctx: commands.Context[CityBot], operation: str, kind: AliasKind,
                     entry: str, name: str) -> None:
        await acknowledge(ctx)
        actor = await self.actor(ctx)
        if ctx.interaction is None:  # `!alias add city Los Angeles LA`: the core cuts the line
            typed = ctx.message.content[len(ctx.prefix or ""):]
            rest = re.sub(r"^\s*\S+\s+\S+\s*", "", typed, count=1)  # past `alias add`
            await reply(ctx, await alias_line(self.moderation, actor, f"{operation} {rest}"))
            return
        outcome = await self.moderation.alias(actor, operation, kind, entry, name)
        await reply(ctx, outcome.answer)

    @alias_add.autocomplete("entry")
    @alias_remove.autocomplete("entry")
    async def alias_entry(self, interaction: discord.Interaction, current: str) -> Choices:
        kind = getattr(interaction.namespace, "kind", None) or "city"
        return await self._entries(interaction, kind, current)

    @commands.hybrid_command(name="history", description="Recent changes, with who, when and "
                             "what (moderators)")
    @app_commands.describe(kind="Only one entry: its kind", entry="Only one entry: it or its id")
    @is_moderator()
    async def history(self, ctx: commands.Context[CityBot], kind: Kind | None = None, *,
                      entry: str = "") -> None:
        await acknowledge(ctx)
        outcome = await self.moderation.history(await self.actor(ctx), kind, entry)
        await reply(ctx, outcome.answer)

    @history.autocomplete("entry")
    async def history_entry(self, interaction: discord.Interaction, current: str) -> Choices:
        kind = getattr(interaction.namespace, "kind", None) or "statement"
        return await self._entries(interaction, kind, current)

    # ---- suggestions -----------------------------------------------------------------------

    @commands.hybrid_group(name="suggest", description="Propose an entry for the moderators "
                           "to review", invoke_without_command=True)
    @in_server()
    async def suggest(self, ctx: commands.Context[CityBot]) -> None:
        await reply(ctx, refused(Refusal("kind", "say `suggest statement speaker: … "
                                              "text: …`")))

    @suggest.command(name="statement", description="Propose a statement for review")
    @in_server()
    async def suggest_statement(self, ctx: commands.Context[CityBot], *,
                                flags: StatementFlags) -> None:
        # In the channel: the proposer is answered by a reply to this message once decided.
        await acknowledge(ctx, private=False)
        actor = await self.actor(ctx)
        by_prefix = ctx.interaction is None
        outcome = await self.moderation.suggest(
            actor, flags.fields(), channel_id=ctx.channel.id if by_prefix else None,
            message_id=ctx.message.id if by_prefix else None)
        message = await ctx.send(embed=first_embed(outcome.answer),
                                 ephemeral=outcome.answer.private)
        if outcome.suggestion is not None and not by_prefix and message is not None:
            # A slash command has no message of the member's: the outcome replies to ours.
            await self.bot.core.store.set_suggestion_message(
                outcome.suggestion.id, message.channel.id, message.id)

    @suggest_statement.autocomplete("speaker")
    async def suggest_speaker(self, interaction: discord.Interaction, current: str) -> Choices:
        return await self._references(interaction, "official", current, moderators_only=False)

    @commands.hybrid_command(name="review", description="Approve or reject suggestions "
                             "(moderators)")
    @is_moderator()
    async def review(self, ctx: commands.Context[CityBot]) -> None:
        await acknowledge(ctx, private=False)  # the queue's buttons outlive a restart
        outcome = await self.moderation.review(await self.actor(ctx), REVIEW_PAGE)
        view = review_view(outcome.suggestions)
        await ctx.send(embed=first_embed(outcome.answer), view=view or discord.utils.MISSING,
                       ephemeral=outcome.answer.private)

    # ---- export ----------------------------------------------------------------------------

    @commands.hybrid_command(name="export", description="This server's entries as a JSON file "
                             "(moderators)")
    @app_commands.describe(scope="server (default) or global (the bot's owner only)")
    @is_moderator()
    async def export(self, ctx: commands.Context[CityBot],
                     scope: Literal["server", "global"] = "server") -> None:
        await acknowledge(ctx)
        actor = await self.actor(ctx)
        try:
            data = await self.moderation.export(actor, 0 if scope == "global" else None)
        except Refusal as exc:
            await reply(ctx, refused(exc))
            return
        name = f"citybot-{'global' if scope == 'global' else actor.scope}.json"
        payload = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        await ctx.send(f"Export: {answers.export_counts(data)} (the format of "
                       "data/article.json).",
                       file=discord.File(io.BytesIO(payload), filename=name), ephemeral=True)

    # ---- moderator roles (server admins) ---------------------------------------------------

    @commands.hybrid_group(name="modrole", description="Roles whose members moderate entries "
                           "(server admins)", invoke_without_command=True)
    @app_commands.default_permissions(manage_guild=True)
    @hybrid_permissions_check(manage_guild=True)
    async def modrole(self, ctx: commands.Context[CityBot]) -> None:
        await reply(ctx, self.moderation.list_mod_roles(guild_id_of(ctx)))

    @modrole.command(name="add", description="Let a role's members moderate this server's "
                     "entries")
    @hybrid_permissions_check(manage_guild=True)
    async def modrole_add(self, ctx: commands.Context[CityBot], role: discord.Role) -> None:
        await acknowledge(ctx)
        outcome = await self.moderation.set_mod_role(await self.actor(ctx), role.id, True,
                                                     role.mention)
        await reply(ctx, outcome.answer)

    @modrole.command(name="remove", description="Stop a role's members from moderating")
    @hybrid_permissions_check(manage_guild=True)
    async def modrole_remove(self, ctx: commands.Context[CityBot], role: discord.Role) -> None:
        await acknowledge(ctx)
        outcome = await self.moderation.set_mod_role(await self.actor(ctx), role.id, False,
                                                     role.mention)
        await reply(ctx, outcome.answer)

    @modrole.command(name="list", description="The moderator roles of this server")
    @hybrid_permissions_check(manage_guild=True)
    async def modrole_list(self, ctx: commands.Context[CityBot]) -> None:
        await reply(ctx, self.moderation.list_mod_roles(guild_id_of(ctx)))

