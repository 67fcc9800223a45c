"""The gateway half: JSON websocket sessions with identify, resume, sharding and dispatch.

Each websocket is a ``Connection``; IDENTIFY starts a ``Session`` for one shard on it (RESUME
moves a session to a new connection and replays what it missed). Several sessions may be open at
once, for different shards or for the same one; an event goes to every session of its guild's
shard, ``(guild_id >> 22) % shard_count``, and DM events to shard 0. The test controls (drop,
reconnect, invalidate, round trip) are in ``gateway_control``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import WSMsgType, web

from . import fixtures as fx
from .gateway_control import GatewayControls
from .records import Changes
from .sessions import (
    ALREADY_AUTHENTICATED,
    RECONNECTABLE_CLOSE,
    SESSION_ENDING_CLOSES,
    Connection,
    Session,
    shard_verdict,
)

MESSAGE_CONTENT_INTENT = 1 << 15
_GUILD_OBJECT_EVENTS = {"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"}  # "d" is the guild

__all__ = ["RECONNECTABLE_CLOSE", "Connection", "Gateway", "Session"]


class Gateway(GatewayControls):
    """Serves ``/gateway``; events dispatched while a session is away are replayed on RESUME."""

    def __init__(
        self,
        resume_url: Callable[[], str],
        heartbeat_interval_ms: int,
        *,
        shard_count: int = 1,
        guilds: dict[int, fx.Guild] | None = None,
    ) -> None:
        self._resume_url = resume_url
        self._heartbeat_interval_ms = heartbeat_interval_ms
        self.shard_count = shard_count
        self.guilds = guilds if guilds is not None else {fx.GUILD_ID: fx.MAIN_GUILD}
        self.sessions: dict[str, Session] = {}  # resumable sessions by ID, in IDENTIFY order
        self.intents = 0  # of the latest IDENTIFY
        self.identify_count = 0  # every IDENTIFY frame, refused ones included
        self.identify_counts: Counter[int] = Counter()  # accepted IDENTIFYs per shard
        self.resume_count = 0
        self.resume_counts: Counter[int] = Counter()  # accepted RESUMEs per shard
        # A close code to answer IDENTIFY with (4004: "Authentication failed"), or None.
        self.close_on_identify: int | None = None
        self.received: list[dict[str, Any]] = []  # every frame the bot sent, for assertions
        # Set while every shard has a ready session (READY+GUILD_CREATE or RESUMED went out).
        self.connected = asyncio.Event()
        self.connections: list[Connection] = []  # every socket the bot opened, in order
        self.changes = Changes()  # pulses on every session change and heartbeat

    @property
    def has_message_content(self) -> bool:
        return bool(self.intents & MESSAGE_CONTENT_INTENT)

    @property
    def current(self) -> Connection:
        """The bot's latest connection (open or not)."""
        if not self.connections:
            raise ConnectionError("fake Discord: the bot never connected")
        return self.connections[-1]

    @property
    def session_id(self) -> str | None:
        """The latest session that can still be resumed."""
        return next(reversed(self.sessions), None)

    # -- what tests read ------------------------------------------------------------------

    def shard_of(self, guild_id: int | None) -> int:
        """The shard of a guild's events; ``None`` (a DM) is shard 0."""
        return 0 if guild_id is None else fx.shard_of(guild_id, self.shard_count)

    def guilds_of(self, shard: int) -> list[fx.Guild]:
        return [g for g in self.guilds.values() if self.shard_of(g.id) == shard]

    def sessions_of(self, shard: int) -> list[Session]:
        """Resumable sessions of ``shard``, oldest first (online or not)."""
        return [s for s in self.sessions.values() if s.shard == shard]

    def connected_shards(self) -> dict[int, int]:
        """Open sessions per shard, e.g. ``{0: 1, 1: 2}``; shards with none are left out."""
        return dict(sorted(Counter(s.shard for s in self.sessions.values() if s.online).items()))

    def shard_ready(self, shard: int) -> bool:
        return any(s.ready and s.online for s in self.sessions_of(shard))

    async def wait_shards(
        self, check: Callable[[], bool], timeout: float, what: str  # noqa: ASYNC109
    ) -> None:
        await self.changes.wait_until(lambda: True if check() else None, timeout, what)

    async def wait_shards_ready(self, shards: Iterable[int], timeout: float) -> None:  # noqa: ASYNC109
        wanted = sorted(set(shards))
        await self.wait_shards(
            lambda: all(self.shard_ready(s) for s in wanted), timeout, f"shards {wanted} ready"
        )

    # -- the socket -----------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        connection = Connection(len(self.connections) + 1, ws=ws, transport=request.transport)
        self.connections.append(connection)
        hello = {"op": 10, "d": {"heartbeat_interval": self._heartbeat_interval_ms}}
        await self._send(connection, hello)
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_frame(connection, json.loads(msg.data))
        finally:
            if connection.close_code is None:  # the bot closed it, or TCP went away
                connection.close_code = ws.close_code if ws.close_code is not None else 1006
            self._detach(connection)
        return ws

    def _detach(self, connection: Connection) -> None:
        """The socket is gone: its session waits for a RESUME, unless the bot ended it."""
        session = self.sessions.get(connection.session_id or "")
        if session is not None and session.connection is connection:
            session.connection = None
            session.ready = False
            ended = connection.close_code in SESSION_ENDING_CLOSES
            if ended and not connection.closed_by_server:
                del self.sessions[session.id]
        self._refresh()

    def _refresh(self) -> None:
        """Recompute ``connected`` and wake waiters after any session change."""
        if all(self.shard_ready(s) for s in range(self.shard_count)):
            self.connected.set()
        else:
            self.connected.clear()
        self.changes.notify()

    async def _on_frame(self, connection: Connection, frame: dict[str, Any]) -> None:
        self.received.append(frame)
        op, data = frame.get("op"), frame.get("d")
        if op == 1:
            connection.heartbeats += 1
            self.changes.notify()
            if connection.ack_heartbeats:
                connection.acked += 1
                await self._send(connection, {"op": 11})
        elif op == 2:
            await self._identify(connection, data or {})
        elif op == 6:
            await self._resume(connection, data or {})
        elif op == 8:
            await self._send_members_chunk(connection, data or {})
        # op 3 (presence) and 4 (voice state) only need recording.

    async def _identify(self, connection: Connection, data: dict[str, Any]) -> None:
        self.identify_count += 1
        if self.close_on_identify is not None:
            await connection.close(self.close_on_identify)
            return
        shard, refused = shard_verdict(data.get("shard"), self.shard_count)
        if connection.session_id in self.sessions:
            refused = ALREADY_AUTHENTICATED
        if refused is not None:
            await connection.close(refused)
            return
        self.intents = int(data.get("intents") or 0)
        session = Session(uuid.uuid4().hex, shard, self.intents, connection=connection)
        connection.session_id, connection.shard = session.id, shard
        guilds = self.guilds_of(shard)
        ready = {
            "v": 10,
            "user": {
                **fx.USERS[fx.BOT_USER_ID],
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
            },
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "resume_gateway_url": self._resume_url(),
            "application": {"id": str(fx.APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "shard": [shard, self.shard_count],
        }
        # Numbered before the session can receive events, and written under the socket's lock:
        # nothing dispatched meanwhile overtakes READY.
        frames = [session.push("READY", ready)]
        frames += [session.push("GUILD_CREATE", g.guild_create()) for g in guilds]
        self.sessions[session.id] = session
        self.identify_counts[shard] += 1
        await self._send(connection, *frames)
        session.ready = session.connection is connection
        self._refresh()

    async def _resume(self, connection: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None:
            await self._send(connection, {"op": 9, "d": False})
            return
        previous = session.connection
        session.connection, session.ready = connection, False
        connection.session_id, connection.shard = session.id, session.shard
        last_seen = int(data.get("seq") or 0)
        frames = [f for f in session.history if f["s"] > last_seen]
        frames.append(session.push("RESUMED", {}))
        self.resume_count += 1
        self.resume_counts[session.shard] += 1
        await self._send(connection, *frames)
        session.ready = session.connection is connection
        if previous is not None and previous is not connection and previous.open:
            await previous.close(RECONNECTABLE_CLOSE)  # Discord allows one socket a session
        self._refresh()

    async def _send_members_chunk(self, connection: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(connection.session_id or "")
        guild = self.guilds.get(int(data.get("guild_id") or 0))
        if session is None or guild is None:
            return
        chunk = {
            "guild_id": str(guild.id),
            "members": [guild.member(uid) for uid in fx.USERS],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._send(connection, session.push("GUILD_MEMBERS_CHUNK", chunk))

    # -- dispatch -------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any], guild_id: int | None = None) -> None:
        """Send an op 0 event to every session of its guild's shard (``guild_id``, else the
        payload's), now, or in the RESUME replay of a session that is away."""
        if guild_id is None:
            raw = data.get("id") if event in _GUILD_OBJECT_EVENTS else data.get("guild_id")
            guild_id = int(raw) if raw else None
        shard = self.shard_of(guild_id)
        # Frames are numbered for every session first; each goes to the socket its session was
        # on then (a RESUME after that replays it from history instead).
        targets = [(s.connection, s.push(event, data)) for s in self.sessions_of(shard)]
        for connection, frame in targets:
            if connection is not None:
                await self._send(connection, frame)

    async def _send(self, connection: Connection, *frames: dict[str, Any]) -> None:
        ws = connection.ws
        if ws is None:
            return
        async with connection.lock:
            for frame in frames:
                frame.setdefault("s", None)
                frame.setdefault("t", None)
                frame.setdefault("d", None)
                if ws.closed:
                    return
                # A socket that is going away loses the frame; a RESUME replays it from history.
                with contextlib.suppress(ConnectionResetError):
                    await ws.send_str(json.dumps(frame))
