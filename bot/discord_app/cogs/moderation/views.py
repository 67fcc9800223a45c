"""Moderation's buttons and forms: confirm a removal, review suggestions (persistent), and the
statement forms for long text (add, and edit prefilled with the current values)."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.core.matching import EntryRef
from bot.core.models import Answer
from bot.core.moderation import Actor, Outcome, Refusal
from bot.core.moderation.replies import outcome_for_proposer, refused
from bot.core.moderation.rules import FIELDS
from bot.core.store.suggestions import SuggestionRow
from bot.core.validation import LIMITS
from bot.discord_app.checks import MODERATOR_NEEDED, interaction_actor, interaction_moderator
from bot.discord_app.render import MODAL_TITLE, render_embeds
from bot.discord_app.respond import NO_PINGS, answer_error
from bot.discord_app.views import OwnedView

if TYPE_CHECKING:
    from bot.discord_app.app import CityBot

log = logging.getLogger(__name__)

REVIEW_PAGE = 5  # one action row of two buttons per suggestion; Discord allows 5 rows


def first_embed(answer: Answer) -> discord.Embed:
    return render_embeds(answer)[0]


class ConfirmRemove(OwnedView):
    """Remove only after the moderator who asked presses Remove; the version guards edits."""

    def __init__(self, owner_id: int, ref: EntryRef, version: int,
                 remove: Callable[[EntryRef, int], Awaitable[Outcome]]) -> None:
        super().__init__(owner_id, timeout=120.0)
        self.ref = ref
        self.version = version
        self._remove = remove

    @discord.ui.button(label="Remove", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await interaction.response.defer()  # the removal may wait on the store longer than 3 s
        try:
            outcome = await self._remove(self.ref, self.version)
        except Exception as exc:
            await answer_error(interaction, exc, "remove")  # the buttons stay: try again
            return
        self.stop()
        await interaction.edit_original_response(embed=first_embed(outcome.answer), view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(
            embed=discord.Embed(title="Nothing was removed", colour=discord.Colour.light_grey()),
            view=None)


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button],
                   template=r"citybot:review:(?P<verdict>approve|reject):(?P<id>\d+)"):
    """Approve or Reject one suggestion. The custom_id carries all it needs, so the buttons
    keep working after a restart (registered with `bot.add_dynamic_items`)."""

    def __init__(self, suggestion_id: int, approve: bool) -> None:
        verdict = "approve" if approve else "reject"
        super().__init__(discord.ui.Button(
            label=f"{'Approve' if approve else 'Reject'} #{suggestion_id}",
            style=discord.ButtonStyle.success if approve else discord.ButtonStyle.danger,
            custom_id=f"citybot:review:{verdict}:{suggestion_id}",
        ))
        self.suggestion_id = suggestion_id
        self.approve = approve

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> ReviewButton:
        return cls(int(match["id"]), match["verdict"] == "approve")

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        owner, moderator = await interaction_moderator(interaction)
        if owner or moderator:
            return True
        await interaction.response.send_message(MODERATOR_NEEDED, ephemeral=True)
        return False

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: CityBot = interaction.client  # type: ignore[assignment]
        moderation = bot.core.moderation
        actor = await interaction_actor(interaction)
        await interaction.response.defer()  # deciding writes to the store, which may wait
        try:
            outcome = await moderation.decide(actor, self.suggestion_id, self.approve)
            queue = await moderation.review(actor, REVIEW_PAGE)
        except Exception as exc:
            await answer_error(interaction, exc, "review")
            return
        await interaction.edit_original_response(embed=first_embed(queue.answer),
                                                 view=review_view(queue.suggestions))
        await interaction.followup.send(embed=first_embed(outcome.answer), ephemeral=True)
        if outcome.changed and outcome.suggestion is not None:
            await tell_proposer(bot, outcome.suggestion)


def review_view(suggestions: Sequence[SuggestionRow]) -> discord.ui.View | None:
    if not suggestions:
        return None
    view = discord.ui.View(timeout=None)
    for row, suggestion in enumerate(suggestions[:REVIEW_PAGE]):
        for approve in (True, False):
            button = ReviewButton(suggestion.id, approve)
            button.row = row
            view.add_item(button)
    return view


async def tell_proposer(bot: CityBot, suggestion: SuggestionRow) -> None:
    """A reply to the proposer's message (no ping); quietly nothing if it is gone."""
    if suggestion.channel_id is None or suggestion.message_id is None:
        return
    channel = bot.get_channel(suggestion.channel_id)
    try:
        if channel is None:
            channel = await bot.fetch_channel(suggestion.channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return
        message = channel.get_partial_message(suggestion.message_id)  # type: ignore[union-attr]
        await message.reply(outcome_for_proposer(suggestion), mention_author=False,
                            allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.info("could not tell the proposer of suggestion #%d", suggestion.id)


DATE_LENGTH = len("2016-11-14")
# The form's inputs, by the core's field names (bot/core/moderation/rules.py FIELDS).
FORM_FIELDS = ("text", "where", "when", "date", "url")


def clipped(value: object, limit: int | None) -> str | None:
    """A stored value as an input's default: text, at most `limit` characters (None: empty)."""
    if value is None or value == "":
        return None
    text = str(value)
    return text[:limit] if limit is not None else text


class StatementInputs(discord.ui.Modal):
    """The long fields of a statement, with the core's limits (bot/core/validation.py)."""

    text: discord.ui.TextInput[StatementInputs] = discord.ui.TextInput(
        label="What was said", style=discord.TextStyle.paragraph, max_length=LIMITS["text"])
    where: discord.ui.TextInput[StatementInputs] = discord.ui.TextInput(
        label="Where it was said", required=False, max_length=LIMITS["where"])
    when: discord.ui.TextInput[StatementInputs] = discord.ui.TextInput(
        label="When, in words", required=False, max_length=LIMITS["when"])
    date: discord.ui.TextInput[StatementInputs] = discord.ui.TextInput(
        label="Date (YYYY-MM-DD)", required=False, max_length=DATE_LENGTH)
    url: discord.ui.TextInput[StatementInputs] = discord.ui.TextInput(
        label="Source link (http or https)", required=False, max_length=LIMITS["url"])

    def inputs(self) -> dict[str, discord.ui.TextInput[StatementInputs]]:
        return {name: getattr(self, name) for name in FORM_FIELDS}

    def prefill(self, values: Mapping[str, object]) -> None:
        for name, item in self.inputs().items():
            item.default = clipped(values.get(name), item.max_length)

    def submitted(self) -> dict[str, str]:
        return {name: str(item.value or "").strip() for name, item in self.inputs().items()}

    async def on_error(self, interaction: discord.Interaction, error: Exception,
                       /) -> None:
        await answer_error(interaction, error, "statement form")

    async def answer(self, interaction: discord.Interaction, outcome: Outcome) -> None:
        """The saved (or refused) change, filling in the acknowledgement of `on_submit`."""
        await interaction.followup.send(embed=first_embed(outcome.answer), ephemeral=True,
                                        allowed_mentions=NO_PINGS)


class StatementForm(StatementInputs, title="Add a statement"):
    """Adds a statement; speaker, city and kind come from the slash options."""

    def __init__(self, fields: Mapping[str, str | None],
                 submit: Callable[[dict[str, str | None]], Awaitable[Outcome]]) -> None:
        super().__init__(timeout=900.0)
        self.fields = dict(fields)
        self._submit = submit
        self.prefill({name: self.fields.get(name) for name in FORM_FIELDS if name != "text"})

    async def on_submit(self, interaction: discord.Interaction) -> None:
        for name, value in self.submitted().items():
            self.fields[name] = value or None
        await interaction.response.defer(ephemeral=True, thinking=True)  # saving may wait
        await self.answer(interaction, await self._submit(self.fields))


EditStatement = Callable[[Actor, dict[str, str | None], int], Awaitable[Outcome]]


class EditStatementForm(StatementInputs):
    """Edits a statement's long fields, prefilled with what it says now. Only the fields the
    moderator changed are sent (emptied: cleared), with the version read when the form opened,
    so the core refuses the edit if anyone changed the statement in between."""

    def __init__(self, snap: Mapping[str, Any], edit: EditStatement) -> None:
        self.entry_id = int(snap["id"])
        super().__init__(title=f"Edit statement #{self.entry_id}"[:MODAL_TITLE], timeout=900.0)
        self.version = int(snap["version"])
        self._edit = edit
        columns = FIELDS["statement"]
        self.prefill({name: snap.get(columns[name]) for name in FORM_FIELDS})
        self.shown = {name: (item.default or "").strip() for name, item in self.inputs().items()}

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # Checked again: the moderator role or permission may be gone since the form opened.
        actor = await interaction_actor(interaction)
        if not (actor.owner or actor.moderator):
            answer = refused(Refusal("permission", MODERATOR_NEEDED))
            await interaction.response.send_message(embed=first_embed(answer), ephemeral=True,
                                                    allowed_mentions=NO_PINGS)
            return
        changes: dict[str, str | None] = {
            name: value for name, value in self.submitted().items()
            if value != self.shown[name]}
        await interaction.response.defer(ephemeral=True, thinking=True)  # saving may wait
        await self.answer(interaction, await self._edit(actor, changes, self.version))
