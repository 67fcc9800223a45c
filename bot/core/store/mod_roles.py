"""Moderator roles per server: read at start, added or removed with an audit row."""

from __future__ import annotations

from bot.core.store.audit import AuditLog


class ModRoles(AuditLog):
    """The roles whose members may moderate a server's entries."""

    # ---- moderator roles -------------------------------------------------------------------

    async def mod_roles(self) -> dict[int, set[int]]:
        found: dict[int, set[int]] = {}
        for row in await self._rows("SELECT guild_id, role_id FROM mod_roles"):
            found.setdefault(row[0], set()).add(row[1])
        return found

    async def set_mod_role(self, guild_id: int, role_id: int, actor_id: int,
                           present: bool) -> bool:
        """Add or remove a moderator role; False if it already was (or wasn't) one."""
        async with self.transaction() as db:
            if present:
                cursor = await db.execute(
                    "INSERT INTO mod_roles (guild_id, role_id, added_by)"
                    " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (guild_id, role_id, actor_id))
            else:
                cursor = await db.execute(
                    "DELETE FROM mod_roles WHERE guild_id = ? AND role_id = ?", (guild_id, role_id))
            if cursor.rowcount != 1:
                return False
            role = {"role_id": role_id}
            await self._audit(db, guild_id, actor_id,
                              "modrole_add" if present else "modrole_remove", "role", role_id,
                              None if present else role, role if present else None)
        return True
