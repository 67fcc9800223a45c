"""Gateway bookkeeping: the sockets a bot opens, the sessions on them, Discord's shard rules."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

RECONNECTABLE_CLOSE = 4000  # "unknown error": discord.py reconnects and resumes
ALREADY_AUTHENTICATED = 4005
INVALID_SHARD = 4010  # shard id out of range, or more shards than the bot must use
SHARDING_REQUIRED = 4011  # fewer shards than required: one would carry too many guilds
# A client closing with these ends its session: Discord takes the bot offline, no RESUME.
SESSION_ENDING_CLOSES = (1000, 1001)


@dataclass(eq=False)
class Connection:
    """One websocket the bot opened: its heartbeats, its shard, and how it ended."""

    number: int  # 1 for the bot's first connection
    heartbeats: int = 0  # op 1 frames the bot sent on it
    acked: int = 0  # of which we acknowledged (op 11)
    ack_heartbeats: bool = True  # False: a "zombie" connection that never acknowledges
    closed_by_server: bool = False  # we closed or cut it (drop, replacement, shutdown)
    close_code: int | None = None  # the close code it ended with; None while it is open
    shard: int | None = None  # the shard it identified or resumed for; None before that
    session_id: str | None = None
    ws: web.WebSocketResponse | None = field(default=None, repr=False)
    transport: asyncio.BaseTransport | None = field(default=None, repr=False)
    # One writer at a time, so that a RESUME replay or a READY is not interleaved with events.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def open(self) -> bool:
        return self.close_code is None and not self.closed_by_server

    async def close(self, code: int) -> None:
        """Close it from our side, recording our code (not the one the peer echoes)."""
        self.closed_by_server = True
        if self.close_code is None:
            self.close_code = code
        if self.ws is not None:
            await self.ws.close(code=code)


@dataclass(eq=False)
class Session:
    """What IDENTIFY starts: a shard's event stream, kept while the bot is away for RESUME."""

    id: str
    shard: int
    intents: int
    seq: int = 0
    history: list[dict[str, Any]] = field(default_factory=list, repr=False)
    connection: Connection | None = None  # the socket it is on now; None while the bot is away
    ready: bool = False  # READY + GUILD_CREATEs (or RESUMED) went out on that socket

    @property
    def online(self) -> bool:
        return self.connection is not None and self.connection.open

    def push(self, event: str, data: Any) -> dict[str, Any]:
        """The next op 0 frame of this session, remembered for a RESUME replay."""
        self.seq += 1
        frame = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.history.append(frame)
        return frame


def shard_verdict(value: Any, shard_count: int) -> tuple[int, int | None]:
    """(shard id, close code or None) for IDENTIFY's ``shard`` field; missing means [0, 1].

    The server's ``shard_count`` is the count the bot must use: fewer is 4011 (a shard would
    hold too many guilds), more or an id out of range is 4010, as Discord answers them."""
    if value is None:
        value = [0, 1]
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return 0, INVALID_SHARD
    shard, count = value
    if count < shard_count and count >= 1 and 0 <= shard < count:
        return shard, SHARDING_REQUIRED
    if count != shard_count or not 0 <= shard < count:
        return shard, INVALID_SHARD
    return shard, None
