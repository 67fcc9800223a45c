"""Buttons and menus: page through a long answer, pick one of several matches."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence

import aiohttp
import discord

from bot.core.matching import EntryRef
from bot.core.models import Answer, Option
from bot.discord_app.render import (
    SELECT_OPTIONS,
    option_description,
    option_label,
    render_embeds,
)

Show = Callable[[EntryRef], Awaitable[Answer]]
TIMEOUT = 300.0


class OwnedView(discord.ui.View):
    """A view only the member who asked may use; others get a quiet explanation."""

    def __init__(self, owner_id: int, timeout: float | None = TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "Only the member who asked can use these buttons — ask your own question!",
            ephemeral=True,
        )
        return False

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, (discord.ui.Button, discord.ui.Select)):
                item.disabled = True
        if self.message is not None:
            # The message may be gone, or our access to it, or the bot be stopping (its HTTP
            # session closing or closed under the request): then there is nothing to tidy.
            with contextlib.suppress(discord.HTTPException, aiohttp.ClientError, OSError,
                                     RuntimeError):
                await self.message.edit(view=self)


class Paginator(OwnedView):
    def __init__(self, embeds: Sequence[discord.Embed], owner_id: int) -> None:
        super().__init__(owner_id)
        self.embeds = list(embeds)
        self.page = 0
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= len(self.embeds) - 1

    async def _show(self, interaction: discord.Interaction) -> None:
        self._sync()
        await interaction.response.edit_message(embed=self.embeds[self.page], view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.page = max(self.page - 1, 0)
        await self._show(interaction)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.page = min(self.page + 1, len(self.embeds) - 1)
        await self._show(interaction)


class PickSelect(discord.ui.Select["PickView"]):
    def __init__(self, options: Sequence[Option]) -> None:
        super().__init__(
            placeholder="Pick the entry you meant",
            options=[
                discord.SelectOption(label=option_label(option.label), value=str(i),
                                     description=option_description(option.description))
                for i, option in enumerate(options[:SELECT_OPTIONS])
            ],
        )

    async def callback(self, interaction: discord.Interaction) -> None:
        assert self.view is not None
        await self.view.pick(interaction, int(self.values[0]))


class PickView(OwnedView):
    """"Did you mean" and "several match": the member picks, the card replaces the list."""

    def __init__(self, options: Sequence[Option], show: Show, owner_id: int) -> None:
        super().__init__(owner_id)
        self.options = list(options[:SELECT_OPTIONS])
        self.show = show
        self.add_item(PickSelect(self.options))

    async def pick(self, interaction: discord.Interaction, index: int) -> None:
        answer = await self.show(self.options[index].ref)
        embeds = render_embeds(answer)
        view: discord.ui.View | None = None
        if len(embeds) > 1:
            view = Paginator(embeds, self.owner_id)
            view.message = self.message
        self.stop()
        await interaction.response.edit_message(embed=embeds[0], view=view)
