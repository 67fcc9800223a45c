"""The gateway half: one JSON websocket session with identify, resume and dispatch."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from . import fixtures as fx

MESSAGE_CONTENT_INTENT = 1 << 15
RECONNECTABLE_CLOSE = 4000  # "unknown error": discord.py reconnects and resumes


@dataclass
class Connection:
    """One websocket the bot opened: its heartbeats, and how it ended."""

    number: int  # 1 for the bot's first connection
    heartbeats: int = 0  # op 1 frames the bot sent on it
    acked: int = 0  # of which we acknowledged (op 11)
    ack_heartbeats: bool = True  # False: a "zombie" connection that never acknowledges
    closed_by_server: bool = False  # we closed or cut it (drop, replacement, shutdown)
    close_code: int | None = None  # the close code it ended with; None while it is open

    @property
    def open(self) -> bool:
        return self.close_code is None and not self.closed_by_server


class Gateway:
    """Serves ``/gateway``; events dispatched while the bot is away are replayed on RESUME."""

    def __init__(self, resume_url: Callable[[], str], heartbeat_interval_ms: int) -> None:
        self._resume_url = resume_url
        self._heartbeat_interval_ms = heartbeat_interval_ms
        self._ws: web.WebSocketResponse | None = None
        self._transport: asyncio.BaseTransport | None = None
        self._send_lock = asyncio.Lock()
        self.session_id: str | None = None
        self.seq = 0
        self._history: list[dict[str, Any]] = []
        self.intents = 0
        self.identify_count = 0
        # A close code to answer IDENTIFY with (4004: "Authentication failed"), or None.
        self.close_on_identify: int | None = None
        self.resume_count = 0
        self.received: list[dict[str, Any]] = []  # every frame the bot sent, for assertions
        # Set once READY+GUILD_CREATE or RESUMED went out; cleared when we drop the bot.
        self.connected = asyncio.Event()
        self._heartbeats = 0  # heartbeats (op 1) the bot sent
        self._heartbeat_seen = asyncio.Event()
        self.connections: list[Connection] = []  # every socket the bot opened, in order

    @property
    def has_message_content(self) -> bool:
        return bool(self.intents & MESSAGE_CONTENT_INTENT)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        if self._ws is not None and not self._ws.closed:
            self.current.closed_by_server = True
            await self._ws.close(code=RECONNECTABLE_CLOSE)  # Discord allows one socket a session
        self._ws = ws
        self._transport = request.transport
        connection = Connection(len(self.connections) + 1)
        self.connections.append(connection)
        await self._send(ws, {"op": 10, "d": {"heartbeat_interval": self._heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_frame(ws, connection, json.loads(msg.data))
        finally:
            connection.close_code = ws.close_code if ws.close_code is not None else 1006
            if self._ws is ws:
                self._ws = None
                self.connected.clear()
        return ws

    @property
    def current(self) -> Connection:
        """The bot's latest connection (open or not)."""
        if not self.connections:
            raise ConnectionError("fake Discord: the bot never connected")
        return self.connections[-1]

    def stop_acking_heartbeats(self) -> Connection:
        """From now on the current connection answers no heartbeat (a zombie connection,
        as after a silent network fault); a new connection is acknowledged as usual."""
        connection = self.current
        connection.ack_heartbeats = False
        return connection

    async def _on_frame(
        self, ws: web.WebSocketResponse, connection: Connection, frame: dict[str, Any]
    ) -> None:
        self.received.append(frame)
        op, data = frame.get("op"), frame.get("d")
        if op == 1:
            self._heartbeats += 1
            connection.heartbeats += 1
            self._heartbeat_seen.set()
            if connection.ack_heartbeats:
                connection.acked += 1
                await self._send(ws, {"op": 11})
        elif op == 2:
            await self._identify(ws, data)
        elif op == 6:
            await self._resume(ws, data)
        elif op == 8:
            await self._send_members_chunk(ws, data)
        # op 3 (presence) and 4 (voice state) only need recording.

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.identify_count += 1
        if self.close_on_identify is not None:
            await ws.close(code=self.close_on_identify)
            return
        self.intents = int(data.get("intents") or 0)
        self.session_id = uuid.uuid4().hex
        self.seq = 0
        self._history = []
        ready = {
            "v": 10,
            "user": {
                **fx.USERS[fx.BOT_USER_ID],
                "verified": True,
                "mfa_enabled": False,
                "flags": 0,
            },
            "guilds": [{"id": str(fx.GUILD_ID), "unavailable": True}],
            "session_id": self.session_id,
            "resume_gateway_url": self._resume_url(),
            "application": {"id": str(fx.APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "shard": data.get("shard") or [0, 1],
        }
        await self.dispatch("READY", ready)
        await self.dispatch("GUILD_CREATE", fx.guild_create())
        self.connected.set()

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data.get("session_id") != self.session_id:
            await self._send(ws, {"op": 9, "d": False})
            return
        self.resume_count += 1
        last_seen = int(data.get("seq") or 0)
        for frame in self._history:
            if frame["s"] > last_seen:
                await self._send(ws, frame)
        await self.dispatch("RESUMED", {})
        self.connected.set()

    async def _send_members_chunk(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        chunk = {
            "guild_id": str(fx.GUILD_ID),
            "members": [fx.member(uid) for uid in fx.USERS],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an op 0 event now, or keep it for the RESUME replay if the bot is away."""
        self.seq += 1
        frame = {"op": 0, "t": event, "s": self.seq, "d": data}
        self._history.append(frame)
        ws = self._ws
        if ws is not None and not ws.closed:
            await self._send(ws, frame)

    async def _send(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        frame.setdefault("s", None)
        frame.setdefault("t", None)
        frame.setdefault("d", None)
        async with self._send_lock:
            if not ws.closed:
                # A socket that is going away loses the frame; a RESUME replays it from history.
                with contextlib.suppress(ConnectionResetError):
                    await ws.send_str(json.dumps(frame))

    async def round_trip(self, timeout: float) -> None:  # noqa: ASYNC109
        """Ask for a heartbeat (op 1 from the server) and wait until the bot sends one."""
        ws = self._ws
        if ws is None or ws.closed:
            raise ConnectionError("fake Discord: the bot is not connected")
        seen = self._heartbeats
        await self._send(ws, {"op": 1})
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._heartbeats == seen:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"fake Discord: no heartbeat from the bot within {timeout}s")
            self._heartbeat_seen.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._heartbeat_seen.wait(), remaining)

    async def send_reconnect(self) -> None:
        """Op 7: the bot closes the socket itself and resumes."""
        self.connected.clear()
        if self._ws is not None:
            await self._send(self._ws, {"op": 7})

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Op 9: with ``resumable=False`` the bot must IDENTIFY again."""
        self.connected.clear()
        if not resumable:
            self.session_id = None
        if self._ws is not None:
            await self._send(self._ws, {"op": 9, "d": resumable})

    async def drop(self, code: int = RECONNECTABLE_CLOSE, *, abrupt: bool = False) -> None:
        """Close the socket from our side, like a Discord node going away; ``abrupt`` cuts
        the TCP connection with no close frame, like a network failure."""
        self.connected.clear()
        ws = self._ws
        if ws is None:
            return
        self.current.closed_by_server = True
        transport = self._transport
        if abrupt and transport is not None:
            self._ws = None  # what is dispatched from now on waits for the RESUME replay
            transport.abort()
        else:
            await ws.close(code=code)

    async def close(self) -> None:
        ws = self._ws
        if ws is not None:
            self.current.closed_by_server = True
            await ws.close(code=1001)
