"""The fake guild and the payload builders shared by the REST and gateway halves."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# Fixed IDs so tests can refer to people and places without asking the server.
APP_ID = 1_100_000_000_000_000_001
BOT_USER_ID = APP_ID  # a bot's user ID equals its application ID
GUILD_ID = 1_100_000_000_000_000_100
GENERAL_CHANNEL_ID = 1_100_000_000_000_000_200
MOD_CHANNEL_ID = 1_100_000_000_000_000_201
MODERATOR_ROLE_ID = 1_100_000_000_000_000_300
BOT_ROLE_ID = 1_100_000_000_000_000_301
ADMIN_ROLE_ID = 1_100_000_000_000_000_302  # Manage Server, and not Manage Messages
OWNER_ID = 1_100_000_000_000_000_400
MODERATOR_ID = 1_100_000_000_000_000_401
MEMBER_ID = 1_100_000_000_000_000_402
ADMIN_ID = 1_100_000_000_000_000_403  # a server admin who is not the bot's owner
# Plain members (no role, @everyone's permissions) for load and rate-limit tests.
EXTRA_MEMBER_IDS: tuple[int, ...] = tuple(1_100_000_000_000_001_000 + n for n in range(50))

# Permission bits (see Discord's permission table).
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
MANAGE_GUILD = 1 << 5
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
ADD_REACTIONS = 1 << 6
USE_APPLICATION_COMMANDS = 1 << 31
MODERATE_MEMBERS = 1 << 40
ALL_PERMISSIONS = (1 << 53) - 1

EVERYONE_PERMS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_APPLICATION_COMMANDS
)
MODERATOR_PERMS = EVERYONE_PERMS | MANAGE_MESSAGES | MODERATE_MEMBERS
BOT_PERMS = EVERYONE_PERMS | MANAGE_MESSAGES
ADMIN_PERMS = EVERYONE_PERMS | MANAGE_GUILD

_counter = itertools.count()


def snowflake() -> int:
    """A fresh, time-ordered ID (discord.py derives ``created_at`` from it)."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_counter) & 0x3FFFFF)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": None if bot else name.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


USERS: dict[int, dict[str, Any]] = {
    BOT_USER_ID: user(BOT_USER_ID, "citybot", bot=True),
    OWNER_ID: user(OWNER_ID, "owner"),
    MODERATOR_ID: user(MODERATOR_ID, "moderator"),
    MEMBER_ID: user(MEMBER_ID, "member"),
    ADMIN_ID: user(ADMIN_ID, "admin"),
    **{uid: user(uid, f"member{n:02d}") for n, uid in enumerate(EXTRA_MEMBER_IDS)},
}

MEMBER_ROLES: dict[int, list[int]] = {
    BOT_USER_ID: [BOT_ROLE_ID],
    OWNER_ID: [],
    MODERATOR_ID: [MODERATOR_ROLE_ID],
    MEMBER_ID: [],
    ADMIN_ID: [ADMIN_ROLE_ID],
    **{uid: [] for uid in EXTRA_MEMBER_IDS},
}

ROLES: list[dict[str, Any]] = [
    {"id": str(GUILD_ID), "name": "@everyone", "permissions": str(EVERYONE_PERMS), "position": 0},
    {
        "id": str(MODERATOR_ROLE_ID),
        "name": "Moderator",
        "permissions": str(MODERATOR_PERMS),
        "position": 1,
        "hoist": True,
        "mentionable": True,
    },
    {
        "id": str(BOT_ROLE_ID),
        "name": "citybot",
        "permissions": str(BOT_PERMS),
        "position": 2,
        "managed": True,
        "tags": {"bot_id": str(BOT_USER_ID)},
    },
    {"id": str(ADMIN_ROLE_ID), "name": "Admin", "permissions": str(ADMIN_PERMS), "position": 3},
]
for _role in ROLES:
    _role.setdefault("color", 0)
    _role.setdefault("hoist", False)
    _role.setdefault("managed", False)
    _role.setdefault("mentionable", False)
    _role.setdefault("flags", 0)


def text_channel(channel_id: int, name: str, position: int) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


CHANNELS: dict[int, dict[str, Any]] = {
    GENERAL_CHANNEL_ID: text_channel(GENERAL_CHANNEL_ID, "general", 0),
    MOD_CHANNEL_ID: text_channel(MOD_CHANNEL_ID, "moderators", 1),
}


def permissions_of(user_id: int) -> int:
    """Guild-level permissions (the fake guild has no channel overwrites)."""
    if user_id == OWNER_ID:
        return ALL_PERMISSIONS
    value = EVERYONE_PERMS
    for role in ROLES:
        if int(role["id"]) in MEMBER_ROLES.get(user_id, []):
            value |= int(role["permissions"])
    return value


def member(user_id: int, *, with_user: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": [str(r) for r in MEMBER_ROLES.get(user_id, [])],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "nick": None,
        "avatar": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "premium_since": None,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = USERS[user_id]
    return data


def guild_create() -> dict[str, Any]:
    return {
        "id": str(GUILD_ID),
        "name": "Fake City",
        "icon": None,
        "owner_id": str(OWNER_ID),
        # member_count == len(members) marks the guild chunked, so discord.py asks for no chunks.
        "unavailable": False,
        "large": False,
        "member_count": len(USERS),
        "roles": ROLES,
        "channels": list(CHANNELS.values()),
        "members": [member(uid) for uid in USERS],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "preferred_locale": "en-US",
        "mfa_level": 0,
        "verification_level": 0,
        "explicit_content_filter": 0,
        "default_message_notifications": 1,
        "premium_tier": 0,
        "nsfw_level": 0,
        "system_channel_id": None,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "joined_at": "2024-01-01T00:00:00+00:00",
        "description": None,
    }


def application() -> dict[str, Any]:
    return {
        "id": str(APP_ID),
        "name": "citybot",
        "description": "",
        "icon": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "owner": USERS[OWNER_ID],
        "team": None,
        "flags": 0,
        "summary": "",
        "interactions_endpoint_url": None,
        "bot": USERS[BOT_USER_ID],
    }


def message(
    *,
    message_id: int,
    channel_id: int,
    author_id: int,
    content: str,
    guild: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """A full message object as Discord returns and dispatches it."""
    data: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": 0,
        "content": content,
        "author": USERS[author_id],
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": False,
        "flags": 0,
    }
    if guild and channel_id in CHANNELS:
        data["guild_id"] = str(GUILD_ID)
        data["member"] = member(author_id, with_user=False)
    data.update(extra)
    return data
