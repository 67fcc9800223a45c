"""A moderator's authority, checked against the store inside the write that needs it.

A member may moderate a server through a role named with `modrole add`. Every process keeps
those roles in memory for its checks and autocomplete, but a cache can be a moment behind
another process's `modrole remove`; so a write made on the strength of a role re-reads the
roles inside its own transaction (after BEGIN IMMEDIATE: no `modrole remove` can commit
between the check and the write) and is refused as a whole if none of them moderates any more.
The use case says on whose authority it acts (`acting_through_roles`); every transaction the
store opens meanwhile, in that task, checks it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


class AuthorityRevoked(PermissionError):
    """The roles a write relied on no longer moderate the server; nothing was written."""


@dataclass(frozen=True, slots=True)
class RoleAuthority:
    guild_id: int
    role_ids: tuple[int, ...]


_authority: ContextVar[RoleAuthority | None] = ContextVar("citybot_role_authority",
                                                          default=None)


@contextmanager
def acting_through_roles(guild_id: int | None, role_ids: Sequence[int]) -> Iterator[None]:
    """Writes in this block need one of `role_ids` to moderate `guild_id` at commit time."""
    token = _authority.set(RoleAuthority(guild_id or 0, tuple(role_ids)))
    try:
        yield
    finally:
        _authority.reset(token)


async def check_authority(db: Any) -> None:  # either engine's connection
    """Inside a write transaction: raise `AuthorityRevoked` if the roles relied on are gone."""
    authority = _authority.get()
    if authority is None:
        return
    roles = authority.role_ids
    row = None
    if roles and authority.guild_id:
        async with db.execute(
            "SELECT 1 FROM mod_roles WHERE guild_id = ? AND role_id IN"
            f" ({', '.join('?' * len(roles))}) LIMIT 1", (authority.guild_id, *roles),
        ) as cursor:
            row = await cursor.fetchone()
    if row is None:
        raise AuthorityRevoked(authority.guild_id)
