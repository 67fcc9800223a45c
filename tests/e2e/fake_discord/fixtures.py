"""The fake guilds and the payload builders shared by the REST and gateway halves.

The main guild (``GUILD_ID``, ``CHANNELS``, ``ROLES``, ``MEMBER_ROLES``) has fixed IDs; extra guilds
for sharding tests come from ``make_guild(guild_id_on_shard(shard, count))``: same members with
the same kinds of roles, a "general" and a "moderators" channel, IDs derived from the guild's.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
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


def text_channel(
    channel_id: int, name: str, position: int, guild_id: int = GUILD_ID
) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
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


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events to."""
    return (guild_id >> 22) % shard_count


def guild_id_on_shard(shard: int, shard_count: int, n: int = 0) -> int:
    """The ``n``-th extra guild ID that lands on ``shard`` of ``shard_count``.

    IDs lie above every fixed ID of the main guild (whose IDs all share one ``id >> 22``), and
    each leaves room below the next for the channel and role IDs ``make_guild`` derives."""
    if not 0 <= shard < shard_count or n < 0:
        raise ValueError(f"no shard {shard} of {shard_count} (n={n})")
    base = (GUILD_ID >> 22) + 1
    first = base + (shard - base) % shard_count
    return (first + n * shard_count) << 22


@dataclass(eq=False)
class Guild:
    """One guild as the bot sees it: channels, roles, and which roles each member holds."""

    id: int
    name: str
    channels: dict[int, dict[str, Any]]
    roles: list[dict[str, Any]]
    member_roles: dict[int, list[int]]
    general_channel_id: int
    mod_channel_id: int
    moderator_role_id: int
    bot_role_id: int
    admin_role_id: int

    def permissions_of(self, user_id: int) -> int:
        """Guild-level permissions (the fake guilds have no channel overwrites)."""
        if user_id == OWNER_ID:
            return ALL_PERMISSIONS
        value = EVERYONE_PERMS
        for role in self.roles:
            if int(role["id"]) in self.member_roles.get(user_id, []):
                value |= int(role["permissions"])
        return value

    def member(self, user_id: int, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.member_roles.get(user_id, [])],
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

    def guild_create(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(OWNER_ID),
            # member_count == len(members) marks the guild chunked: discord.py asks for no chunks.
            "unavailable": False,
            "large": False,
            "member_count": len(USERS),
            "roles": self.roles,
            "channels": list(self.channels.values()),
            "members": [self.member(uid) for uid in USERS],
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


MAIN_GUILD = Guild(
    id=GUILD_ID,
    name="Fake City",
    channels=CHANNELS,
    roles=ROLES,
    member_roles=MEMBER_ROLES,
    general_channel_id=GENERAL_CHANNEL_ID,
    mod_channel_id=MOD_CHANNEL_ID,
    moderator_role_id=MODERATOR_ROLE_ID,
    bot_role_id=BOT_ROLE_ID,
    admin_role_id=ADMIN_ROLE_ID,
)


def make_guild(guild_id: int, name: str | None = None) -> Guild:
    """A copy of the main guild under ``guild_id``: channel and role IDs are ``guild_id + 1..5``
    (the @everyone role's ID is the guild's, as on Discord)."""
    general, mod, moderator, bot, admin = (guild_id + n for n in range(1, 6))
    new_ids = {GUILD_ID: guild_id, MODERATOR_ROLE_ID: moderator, BOT_ROLE_ID: bot,
               ADMIN_ROLE_ID: admin}
    roles = [{**role, "id": str(new_ids[int(role["id"])])} for role in ROLES]
    return Guild(
        id=guild_id,
        name=name or f"Fake Town {guild_id}",
        channels={
            general: text_channel(general, "general", 0, guild_id),
            mod: text_channel(mod, "moderators", 1, guild_id),
        },
        roles=roles,
        member_roles={uid: [new_ids[r] for r in rs] for uid, rs in MEMBER_ROLES.items()},
        general_channel_id=general,
        mod_channel_id=mod,
        moderator_role_id=moderator,
        bot_role_id=bot,
        admin_role_id=admin,
    )


# The main guild's, as before extra guilds existed.
def permissions_of(user_id: int) -> int:
    return MAIN_GUILD.permissions_of(user_id)


def member(user_id: int, *, with_user: bool = True) -> dict[str, Any]:
    return MAIN_GUILD.member(user_id, with_user=with_user)


def guild_create() -> dict[str, Any]:
    return MAIN_GUILD.guild_create()


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
    guild: Guild | bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """A full message object as Discord returns and dispatches it; ``guild=True`` means the
    main guild if the channel is one of its own, ``False`` a DM."""
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
    if guild is True:
        guild = MAIN_GUILD if channel_id in CHANNELS else False
    if isinstance(guild, Guild):
        data["guild_id"] = str(guild.id)
        data["member"] = guild.member(author_id, with_user=False)
    data.update(extra)
    return data
