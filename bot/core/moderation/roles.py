"""Moderator roles per server, kept in memory so checks never wait on disk."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import Answer
from bot.core.moderation import replies
from bot.core.moderation.base import ModerationBase
from bot.core.moderation.outcome import Outcome, refused
from bot.core.moderation.rules import Actor, Refusal


class ModeratorRoles(ModerationBase):
    """Which roles moderate a server, and setting or listing them."""

    # ---- moderator roles (kept in memory: checks and autocomplete never wait on disk) ----

    def has_mod_role(self, guild_id: int | None, role_ids: Sequence[int]) -> bool:
        return bool(guild_id) and bool(self.mod_roles.get(guild_id or 0, set()) & set(role_ids))

    async def set_mod_role(self, actor: Actor, role_id: int, present: bool,
                           role_name: str = "") -> Outcome:
        if not actor.guild_id:
            return refused(Refusal("role", "moderator roles are set in a server"))
        name = role_name or f"<@&{role_id}>"
        changed = await self.store.set_mod_role(actor.guild_id, role_id, actor.user_id, present)
        await self.caught_up()
        if not changed:
            state = "already" if present else "not"
            return Outcome(replies.done("Moderator roles", f"{name} is {state} a moderator role."))
        verb = "now moderates" if present else "no longer moderates"
        return Outcome(replies.done("Moderator roles", f"{name} {verb} this server's entries."),
                       changed=True)

    def list_mod_roles(self, guild_id: int | None) -> Answer:
        roles = sorted(self.mod_roles.get(guild_id or 0, set()))
        text = ", ".join(f"<@&{r}>" for r in roles) or "none (Manage Messages still counts)"
        return replies.done("Moderator roles", f"Moderator roles here: {text}")
