"""What a test does to the bot's gateway sessions: drop, reconnect, invalidate, round trips.

Each takes ``shard`` (default 0, the only shard of an unsharded bot) and acts on every session
of that shard, so a shard served twice (a hand-over) is hit on both sockets.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .sessions import RECONNECTABLE_CLOSE, Connection, Session

if TYPE_CHECKING:
    from collections.abc import Callable

    from .records import Changes


class GatewayControls:
    if TYPE_CHECKING:
        sessions: dict[str, Session]
        connections: list[Connection]
        changes: Changes

        @property
        def current(self) -> Connection: ...
        def sessions_of(self, shard: int) -> list[Session]: ...
        def _refresh(self) -> None: ...
        async def _send(self, connection: Connection, *frames: dict[str, Any]) -> None: ...
        async def wait_shards(
            self, check: Callable[[], bool], timeout: float, what: str  # noqa: ASYNC109
        ) -> None: ...

    def _online(self, shard: int | None) -> list[Session]:
        """Sessions with an open socket: of ``shard``, or of every shard for ``None``."""
        chosen = self.sessions.values() if shard is None else self.sessions_of(shard)
        return [s for s in chosen if s.online]

    def stop_acking_heartbeats(self, shard: int | None = None) -> Connection:
        """From now on one connection answers no heartbeat (a zombie connection, as after a
        silent network fault): the latest one, or the latest open one of ``shard``. A new
        connection is acknowledged as usual."""
        if shard is None:
            connection = self.current
        else:
            online = self._online(shard)
            if not online:
                raise ConnectionError(f"fake Discord: no open session on shard {shard}")
            connection = max((s.connection for s in online if s.connection), key=_number)
        connection.ack_heartbeats = False
        return connection

    async def round_trip(self, timeout: float, shard: int | None = None) -> None:  # noqa: ASYNC109
        """Ask each open session (of ``shard``, or all) for a heartbeat (op 1 from the server)
        and wait until each has sent one: the bot read everything sent before."""
        connections = [s.connection for s in self._online(shard) if s.connection is not None]
        if not connections:
            raise ConnectionError("fake Discord: the bot is not connected")
        seen = {c: c.heartbeats for c in connections}
        for connection in connections:
            await self._send(connection, {"op": 1})
        await self.wait_shards(
            lambda: all(c.heartbeats > n for c, n in seen.items()),
            timeout,
            f"a heartbeat from the bot on {len(connections)} connection(s)",
        )

    async def send_reconnect(self, shard: int = 0) -> None:
        """Op 7: the bot closes the socket itself and resumes."""
        online = self._online(shard)
        for session in online:
            session.ready = False
        self._refresh()
        for session in online:
            if session.connection is not None:
                await self._send(session.connection, {"op": 7})

    async def invalidate_session(self, resumable: bool = False, shard: int = 0) -> None:
        """Op 9: with ``resumable=False`` the bot must IDENTIFY again (a RESUME is refused)."""
        chosen = self.sessions_of(shard)
        for session in chosen:
            session.ready = False
            if not resumable:
                del self.sessions[session.id]
        self._refresh()
        for session in chosen:
            if session.online and session.connection is not None:
                await self._send(session.connection, {"op": 9, "d": resumable})

    async def drop(
        self, code: int = RECONNECTABLE_CLOSE, *, abrupt: bool = False, shard: int = 0
    ) -> None:
        """Close the shard's sockets from our side, like a Discord node going away; ``abrupt``
        cuts the TCP connection with no close frame, like a network failure."""
        online = self._online(shard)
        connections = [s.connection for s in online if s.connection is not None]
        for session, connection in zip(online, connections, strict=True):
            session.ready = False
            connection.closed_by_server = True
            if abrupt:
                session.connection = None  # what is dispatched from now on waits for RESUME
        self._refresh()
        closing = []
        for connection in connections:
            if abrupt and connection.transport is not None:
                connection.transport.abort()
            else:
                closing.append(connection.close(code))
        await asyncio.gather(*closing)

    async def close(self) -> None:
        await asyncio.gather(*(c.close(1001) for c in self.connections if c.open))


def _number(connection: Connection) -> int:
    return connection.number
