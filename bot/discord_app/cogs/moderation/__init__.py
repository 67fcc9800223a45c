"""The moderation extension: the cog, and the review buttons that outlive a restart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.discord_app.cogs.moderation.cog import ModerationCog
from bot.discord_app.cogs.moderation.views import ReviewButton

if TYPE_CHECKING:
    from bot.discord_app.app import CityBot


async def setup(bot: CityBot) -> None:
    # Loaded from setup_hook: the Approve/Reject buttons of any review message ever sent are
    # matched by their custom_id from now on, before the gateway delivers a click.
    bot.add_dynamic_items(ReviewButton)
    await bot.add_cog(ModerationCog(bot))


async def teardown(bot: CityBot) -> None:
    bot.remove_dynamic_items(ReviewButton)


__all__ = ["ModerationCog", "ReviewButton", "setup"]
