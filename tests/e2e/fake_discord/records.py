"""What the fake server remembers about the bot's output, plus a bounded wait helper."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
EPHEMERAL = 1 << 6
LOADING = 1 << 7


class Changes:
    """A pulse that wakes every waiter whenever anything is recorded."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    # A plain ``timeout`` argument reads best in tests, hence the ASYNC109 waivers here.
    async def wait_until(
        self,
        check: Callable[[], T | None],
        timeout: float,  # noqa: ASYNC109
        what: str,
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = check()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"fake Discord: timed out after {timeout}s waiting for {what}")
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)


@dataclass
class SentMessage:
    """A message the bot created (channel message, interaction response or follow-up).

    ``payload`` is the live message object as Discord would return it (edits update it);
    ``request`` is the body the bot sent when creating it.
    """

    payload: dict[str, Any]
    request: dict[str, Any]
    source: str  # "channel" | "interaction" | "followup"
    interaction_id: int | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    consumed: bool = False  # handed out by wait_for_bot_message already

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def channel_id(self) -> int:
        return int(self.payload["channel_id"])

    @property
    def content(self) -> str:
        return self.payload.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.payload.get("embeds") or []

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.payload.get("components") or []

    @property
    def flags(self) -> int:
        return int(self.payload.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def allowed_mentions(self) -> dict[str, Any] | None:
        return self.request.get("allowed_mentions")

    @property
    def message_reference(self) -> dict[str, Any] | None:
        return self.request.get("message_reference")


@dataclass
class Response:
    """One thing the bot did with an interaction."""

    # "callback" | "followup" | "edit_original" | "delete_original" | "edit_followup" | "rejected"
    # (an initial callback Discord refused: late, repeated or invalid; see server.violations)
    kind: str
    type: int | None  # callback type (4 message, 5 defer, 6 deferred update, 7 update, 8 choices)
    data: dict[str, Any]
    elapsed: float  # seconds since INTERACTION_CREATE was dispatched
    message: SentMessage | None = None


@dataclass
class InteractionRecord:
    id: int
    token: str
    type: int  # 2 command, 3 component, 4 autocomplete
    payload: dict[str, Any]
    dispatched_at: float
    _changes: Changes
    responses: list[Response] = field(default_factory=list)
    original: SentMessage | None = None  # the @original message, once there is one
    acknowledged: bool = False

    @property
    def response_time(self) -> float | None:
        """Seconds from dispatch to the initial callback (None until it arrives)."""
        first = next((r for r in self.responses if r.kind == "callback"), None)
        return None if first is None else first.elapsed

    async def first_response(self, timeout: float = 5.0) -> Response:  # noqa: ASYNC109
        """The accepted initial callback, or the refused attempt ("rejected") if that came first."""
        return await self.wait_for(lambda r: r.kind in ("callback", "rejected"), timeout)

    async def wait_for(
        self,
        predicate: Callable[[Response], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Response:
        def check() -> Response | None:
            return next((r for r in self.responses if predicate(r)), None)

        what = f"a response to interaction {self.id}"
        return await self._changes.wait_until(check, timeout, what)
