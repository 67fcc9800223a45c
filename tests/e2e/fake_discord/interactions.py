"""INTERACTION_CREATE payloads: the envelope, typed options and resolved data."""

from __future__ import annotations

import uuid
from typing import Any

from . import fixtures as fx

_OPTION_TYPES = {bool: 5, int: 4, float: 10, str: 3}  # used when the command was never synced
_SNOWFLAKE_TYPES = {6, 7, 8, 9, 11}  # user, channel, role, mentionable, attachment


def interaction_payload(
    itype: int,
    data: dict[str, Any],
    user_id: int,
    channel_id: int,
    guild: fx.Guild | None,
    message: dict[str, Any] | None,
) -> dict[str, Any]:
    """INTERACTION_CREATE data with every field discord.py 2.7 reads: in ``channel_id`` of
    ``guild``, or (``guild=None``) in the DM channel ``channel_id``."""
    interaction_id = fx.snowflake()
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(fx.APP_ID),
        "type": itype,
        "data": data,
        "token": f"tok-{uuid.uuid4().hex}",
        "version": 1,
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
        "app_permissions": str((guild or fx.MAIN_GUILD).permissions_of(fx.BOT_USER_ID)),
    }
    if guild is not None:
        payload.update(
            guild_id=str(guild.id),
            guild_locale="en-US",
            context=0,
            guild={"id": str(guild.id), "locale": "en-US", "features": []},
            channel=guild.channels[channel_id],
            channel_id=str(channel_id),
            member={**guild.member(user_id), "permissions": str(guild.permissions_of(user_id))},
            authorizing_integration_owners={"0": str(guild.id)},
        )
    else:
        payload.update(
            context=1,
            user=fx.USERS[user_id],
            channel_id=str(channel_id),
            channel={"id": str(channel_id), "type": 1, "recipients": [fx.USERS[user_id]]},
            authorizing_integration_owners={"0": str(user_id)},
        )
    if message is not None:
        payload["message"] = message
    return payload


def find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        for key in ("components", "accessory"):
            children = component.get(key)
            if isinstance(children, dict):
                children = [children]
            found = find_component(children or [], custom_id)
            if found is not None:
                return found
    return None


def build_options(
    values: dict[str, Any],
    schema: list[dict[str, Any]],
    focused: str | None,
    resolved: dict[str, dict[str, Any]],
    guild: fx.Guild | None = None,
) -> list[dict[str, Any]]:
    """Option list as Discord sends it, typed from the synced schema when there is one; users,
    channels and roles resolve in ``guild`` (default: the main guild)."""
    options = []
    for name, value in values.items():
        spec = next((o for o in schema if o["name"] == name), None)
        otype = spec["type"] if spec else _OPTION_TYPES.get(type(value), 3)
        option: dict[str, Any] = {"name": name, "type": otype, "value": value}
        if name == focused:
            option.update(focused=True, value=str(value))  # focused values arrive as typed text
        elif otype in _SNOWFLAKE_TYPES:
            option["value"] = str(int(value))
            _resolve(int(value), otype, resolved, guild or fx.MAIN_GUILD)
        options.append(option)
    return options


def _resolve(
    target: int, otype: int, resolved: dict[str, dict[str, Any]], guild: fx.Guild
) -> None:
    key = str(target)
    if target in fx.USERS and otype in (6, 9):
        resolved.setdefault("users", {})[key] = fx.USERS[target]
        resolved.setdefault("members", {})[key] = {
            **guild.member(target, with_user=False),
            "permissions": str(guild.permissions_of(target)),
        }
    elif target in guild.channels and otype == 7:
        channel = guild.channels[target]
        resolved.setdefault("channels", {})[key] = {
            "id": key,
            "name": channel["name"],
            "type": channel["type"],
            "parent_id": None,
            "permissions": str(fx.ALL_PERMISSIONS),
        }
    elif any(r["id"] == key for r in guild.roles) and otype in (8, 9):
        resolved.setdefault("roles", {})[key] = next(r for r in guild.roles if r["id"] == key)
