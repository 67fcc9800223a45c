"""A hand-driven gateway client for testing the fake Discord itself (no discord.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiohttp

TIMEOUT = 5.0


class RawGateway:
    """One websocket: answers the server's heartbeat requests (op 1), counts heartbeat
    acknowledgements (op 11) and queues every other frame for the test to read in order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.seq: int | None = None
        self.session_id: str | None = None
        self.acks = 0
        self._frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, http: aiohttp.ClientSession, url: str) -> RawGateway:
        client = cls(await http.ws_connect(url))
        hello = await client.next_frame()
        assert hello["op"] == 10, hello
        return client

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            if frame.get("s") is not None:
                self.seq = frame["s"]
            if frame["op"] == 1:  # the server asks for a heartbeat (sync_with_bot)
                await self.ws.send_json({"op": 1, "d": self.seq})
            elif frame["op"] == 11:
                self.acks += 1
            else:
                self._frames.put_nowait(frame)

    async def next_frame(self, timeout: float = TIMEOUT) -> dict[str, Any]:  # noqa: ASYNC109
        get = asyncio.ensure_future(self._frames.get())
        done, _ = await asyncio.wait({get, self._reader}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if get in done:
            return get.result()
        get.cancel()
        if self._reader in done:
            raise ConnectionError(f"the server closed the socket ({self.ws.close_code})")
        raise TimeoutError(f"no frame within {timeout}s")

    async def next_event(self, timeout: float = TIMEOUT) -> tuple[str, dict[str, Any]]:  # noqa: ASYNC109
        """The next dispatch (op 0): (event name, data)."""
        frame = await self.next_frame(timeout)
        assert frame["op"] == 0, frame
        return frame["t"], frame["d"]

    async def identify(self, shard: list[int] | None) -> tuple[dict[str, Any], list[int]]:
        """IDENTIFY (with ``shard`` unless None); READY's data and the GUILD_CREATEd ids."""
        data: dict[str, Any] = {"token": "fake-token", "intents": 1 << 15 | 1 << 9,
                                "properties": {}}
        if shard is not None:
            data["shard"] = shard
        await self.ws.send_json({"op": 2, "d": data})
        event, ready = await self.next_event()
        assert event == "READY", (event, ready)
        self.session_id = ready["session_id"]
        created = []
        for _ in ready["guilds"]:
            event, guild = await self.next_event()
            assert event == "GUILD_CREATE", event
            created.append(int(guild["id"]))
        return ready, created

    async def resume(self, session_id: str, seq: int | None) -> None:
        await self.ws.send_json({"op": 6, "d": {"token": "fake-token",
                                                "session_id": session_id, "seq": seq}})

    async def close_code(self, timeout: float = TIMEOUT) -> int | None:  # noqa: ASYNC109
        """Wait for the server to close the socket; its close code."""
        await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        return self.ws.close_code

    async def close(self, code: int = 1000) -> None:
        await self.ws.close(code=code)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._reader, TIMEOUT)

    def cut(self) -> None:
        """Drop the TCP connection without a close frame, like a SIGKILLed process."""
        transport = self.ws._response.connection.transport  # type: ignore[union-attr]
        assert transport is not None
        transport.abort()
