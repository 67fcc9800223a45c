"""Who sees what: the global scope and a server's own."""

from __future__ import annotations

from bot.core.matching import GLOBAL


def scopes_for(guild_id: int | None) -> tuple[int, ...]:
    """A server sees the global entries and its own; a DM or the console only the global ones."""
    return (GLOBAL,) if not guild_id else (GLOBAL, guild_id)
