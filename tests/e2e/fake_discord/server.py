"""A small Discord (REST v10 + JSON gateway) on 127.0.0.1 for end-to-end tests.

Usage::

    server = FakeDiscord()
    await server.start()
    apply_endpoints(server.api_base, server.gateway_url)  # or hand both URLs to a bot subprocess
    ...  # start the bot, then drive it with send_message / invoke_slash / click
    assert server.violations == []
    await server.stop()

The guild, its channels, roles and members have fixed IDs in ``fixtures``. Everything the bot
sends is checked against Discord's limits; a breach is answered the way Discord answers it and
recorded in ``violations``.

Sharding: ``FakeDiscord(shard_count=4)`` wants IDENTIFY's ``shard`` to be ``[id, 4]`` (other
counts are closed with 4011 or 4010, as Discord does). Extra guilds land on a chosen shard::

    server = FakeDiscord(shard_count=4)
    await server.start()
    towns = [await server.add_guild(shard=s) for s in range(4)]  # the main guild is on shard 3
    ...  # start the bot processes
    await server.wait_shards_ready({0, 1, 2, 3}, timeout=20)
    await server.send_message(towns[1].general_channel_id, fx.MEMBER_ID, "!city Seattle")

Each shard's events go to every session of that shard (two sessions on one shard both get
them); DMs go to shard 0. ``wait_ready()`` waits for every shard to have a ready session;
``connected_shards()`` counts open sessions per shard; ``wait_connected_shards({...})`` waits
for an exact count (a SIGKILLed process's sessions stop counting once its TCP connections close).
``drop_connection``, ``send_reconnect`` and ``invalidate_session`` act on shard 0 unless given
``shard=``; ``sync_with_bot`` makes a round trip on every open session unless given ``shard=``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiohttp import web

from . import fixtures as fx
from .gateway import Gateway
from .interactions import build_options, find_component, interaction_payload
from .records import Changes, InteractionRecord, SentMessage
from .responses import error
from .rest import API_PREFIX, RestRoutes

_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


class Hold:
    """A request kept waiting by ``FakeDiscord.hold_next``."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self._released = asyncio.Event()
        self._lost = False

    def release(self, *, lost: bool = False) -> None:
        self._lost = lost
        self._released.set()

    async def wait(self) -> bool:
        """Called by the server: True if the request is to be lost."""
        self.arrived.set()
        await self._released.wait()
        return self._lost


class FakeDiscord(RestRoutes):
    def __init__(
        self, *, heartbeat_interval_ms: int = 41_250, deadline: float = 3.0, shard_count: int = 1
    ) -> None:
        if shard_count < 1:
            raise ValueError(f"shard_count must be at least 1, not {shard_count}")
        self.deadline = deadline  # seconds the bot has for the initial interaction response
        self.guilds: dict[int, fx.Guild] = {fx.GUILD_ID: fx.MAIN_GUILD}
        self.gateway = Gateway(
            lambda: self.gateway_url,
            heartbeat_interval_ms,
            shard_count=shard_count,
            guilds=self.guilds,
        )
        self.violations: list[str] = []
        self.requests: list[str] = []  # "METHOD /path" of every REST call, in order
        self.registered_commands: dict[int | None, list[dict[str, Any]]] = {}  # None = global
        self.messages: dict[int, dict[str, Any]] = {}  # every message, users' and the bot's
        self.bot_messages: list[SentMessage] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self.dm_channels: dict[int, int] = {}  # DM channel id -> user id
        self._rate_limits: list[list[Any]] = []  # [regex, remaining, retry_after]
        self._holds: list[tuple[re.Pattern[str], Hold]] = []
        # (channel id, author id, nonce) -> the message it created: with enforce_nonce, a
        # second create with the same nonce returns that message, as Discord does.
        self.nonces: dict[tuple[int, int, str], SentMessage] = {}
        # Tokens answered with 401 (discord.py's login then raises LoginFailure).
        self.rejected_tokens: set[str] = set()
        # Called with ("bot_message", SentMessage) and ("response", (InteractionRecord,
        # Response)) as they are recorded: lets a load driver match answers without polling.
        self.observers: list[Callable[[str, Any], None]] = []
        self._changes = Changes()
        self._in_flight = 0  # REST requests whose response is not yet written out
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/gateway", self.gateway.handle)
        self.add_routes(app.router)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- gateway control ------------------------------------------------------------------

    @property
    def shard_count(self) -> int:
        return self.gateway.shard_count

    async def wait_ready(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """The bot identified (or resumed) and has its guilds: on every shard, if sharded."""
        try:
            await asyncio.wait_for(self.gateway.connected.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"fake Discord: bot not connected after {timeout}s") from None

    async def wait_shards_ready(self, shards: Iterable[int], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Each of ``shards`` has an open session that got READY and its GUILD_CREATEs (or
        RESUMED)."""
        await self.gateway.wait_shards_ready(shards, timeout)

    def connected_shards(self) -> dict[int, int]:
        """Open sessions per shard, e.g. ``{0: 1, 1: 2}`` (shards with none left out)."""
        return self.gateway.connected_shards()

    async def wait_connected_shards(
        self, expected: Mapping[int, int], timeout: float = 5.0  # noqa: ASYNC109
    ) -> None:
        """Until ``connected_shards()`` is exactly ``expected`` (e.g. ``{}``: nobody online)."""
        wanted = {s: n for s, n in expected.items() if n}
        await self.gateway.wait_shards(
            lambda: self.connected_shards() == wanted, timeout, f"connected shards {wanted}"
        )

    async def add_guild(
        self, *, shard: int | None = None, guild_id: int | None = None, name: str | None = None
    ) -> fx.Guild:
        """Another guild, like the main one: on ``shard`` (the next free ID there) or with
        ``guild_id``. Sessions already on its shard get its GUILD_CREATE, as when a bot joins."""
        if (shard is None) == (guild_id is None):
            raise ValueError("add_guild takes shard= or guild_id=")
        if shard is not None:
            free = (fx.guild_id_on_shard(shard, self.shard_count, n) for n in itertools.count())
            guild_id = next(i for i in free if i not in self.guilds)
        assert guild_id is not None
        if guild_id in self.guilds:
            raise ValueError(f"guild {guild_id} exists already")
        guild = fx.make_guild(guild_id, name)
        self.guilds[guild_id] = guild
        await self.gateway.dispatch("GUILD_CREATE", guild.guild_create())
        return guild

    def guild_of_channel(self, channel_id: int) -> fx.Guild | None:
        """The guild a channel belongs to; ``None`` for a DM channel or an unknown one."""
        return next((g for g in self.guilds.values() if channel_id in g.channels), None)

    def shard_of(self, guild_id: int | None) -> int:
        """The shard a guild's events go to (``None``, a DM: shard 0)."""
        return self.gateway.shard_of(guild_id)

    async def sync_with_bot(self, timeout: float = 5.0, shard: int | None = None) -> None:  # noqa: ASYNC109
        """A gateway round trip: returns once the bot has read everything sent before, on
        every open session (or those of ``shard``).

        A bot message is recorded (and waiters woken) before the bot has read the HTTP
        response to it; a bot that keeps a view for that message stores it only then. Call
        this before clicking a component that a just-sent message carries.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self._changes.wait_until(
            lambda: True if self._in_flight == 0 else None, timeout, "REST responses to go out"
        )
        await self.gateway.round_trip(max(deadline - loop.time(), 0.0), shard)

    async def drop_connection(
        self, code: int = 4000, *, abrupt: bool = False, shard: int = 0
    ) -> None:
        """Close the bot's socket(s) on ``shard`` with ``code``, or (``abrupt``) cut the TCP
        connection without a close frame."""
        await self.gateway.drop(code, abrupt=abrupt, shard=shard)

    async def send_reconnect(self, shard: int = 0) -> None:
        await self.gateway.send_reconnect(shard)

    async def invalidate_session(self, resumable: bool = False, shard: int = 0) -> None:
        await self.gateway.invalidate_session(resumable, shard)

    def rate_limit_next(self, route_pattern: str, retry_after: float, count: int = 1) -> None:
        """Answer the next ``count`` requests whose "METHOD /path" (path after /api/v10)
        matches the regex ``route_pattern`` with a 429."""
        self._rate_limits.append([re.compile(route_pattern), count, retry_after])

    def hold_next(self, route_pattern: str) -> Hold:
        """Keep the next request matching ``route_pattern`` waiting until ``release`` (then
        it is answered as usual, or, with ``release(lost=True)``, refused unhandled): lets a
        test stop the bot while Discord is still taking its request."""
        hold = Hold()
        self._holds.append((re.compile(route_pattern), hold))
        return hold

    def forget_history(self) -> None:
        """Drop what the server remembers of past traffic (messages, requests, interactions,
        the gateway's replay buffers and received frames), for runs of hundreds of thousands
        of commands; call only while nothing is under way and the bot is connected. The bot's
        messages with components stay: the bot edits them when their views time out."""
        kept = [sent for sent in self.bot_messages if sent.components and not sent.deleted]
        answered = {sent.interaction_id for sent in kept}
        self.interactions = {i: r for i, r in self.interactions.items() if i in answered}
        self.messages.clear()
        self.nonces.clear()
        self.bot_messages[:] = kept
        self.messages.update((sent.id, sent.payload) for sent in kept)
        self.requests.clear()
        self.gateway.received.clear()
        for session in self.gateway.sessions.values():
            session.history.clear()

    # -- users talking --------------------------------------------------------------------

    async def send_message(
        self, channel_id: int, author_id: int, content: str, *, reply_to: int | None = None
    ) -> int:
        """A member posts in a channel (of any guild, or a DM channel); returns the new
        message's ID."""
        guild = self.guild_of_channel(channel_id)
        message_id = fx.snowflake()
        extra: dict[str, Any] = {}
        if reply_to is not None:
            extra["type"] = 19
            extra["message_reference"] = {
                "message_id": str(reply_to),
                "channel_id": str(channel_id),
            }
            if reply_to in self.messages:
                extra["referenced_message"] = self.messages[reply_to]
        data = fx.message(
            message_id=message_id,
            channel_id=channel_id,
            author_id=author_id,
            content=content,
            guild=guild or False,
            **extra,
        )
        mentioned = [int(m) for m in _MENTION.findall(content) if int(m) in fx.USERS]
        data["mentions"] = [
            {**fx.USERS[u], "member": (guild or fx.MAIN_GUILD).member(u, with_user=False)}
            for u in mentioned
        ]
        data["mention_roles"] = _ROLE_MENTION.findall(content)
        data["mention_everyone"] = "@everyone" in content or "@here" in content
        self.messages[message_id] = data
        event = dict(data)
        # Without the privileged intent Discord blanks content unless the bot is addressed.
        if (
            not self.gateway.has_message_content
            and fx.BOT_USER_ID not in mentioned
            and guild is not None
        ):
            event["content"] = ""
        await self.gateway.dispatch("MESSAGE_CREATE", event)
        return message_id

    async def wait_for_bot_message(
        self,
        channel_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
        predicate: Callable[[SentMessage], bool] | None = None,
    ) -> SentMessage:
        """The oldest bot message (in ``channel_id``) not yet returned by an earlier call."""

        def check() -> SentMessage | None:
            for sent in self.bot_messages:
                if sent.consumed or (channel_id is not None and sent.channel_id != channel_id):
                    continue
                if predicate is None or predicate(sent):
                    sent.consumed = True
                    return sent
            return None

        return await self._changes.wait_until(check, timeout, f"a bot message in {channel_id}")

    async def wait_for_commands(
        self,
        guild_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        """The commands the bot synced globally (``guild_id=None``) or to ``guild_id``."""
        return await self._changes.wait_until(
            lambda: self.registered_commands.get(guild_id), timeout, "a command sync"
        )

    async def invoke_slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user_id: int = fx.MEMBER_ID,
        channel_id: int | None = None,
        guild: bool | fx.Guild = True,
    ) -> InteractionRecord:
        """Dispatch a chat-input command; ``name`` may be "group sub" for subcommands.

        Where: ``channel_id`` (default: the general channel of ``guild``, the main guild for
        ``guild=True``), or the user's DM channel for ``guild=False``."""
        where, channel = self._place(guild, channel_id, user_id)
        data = self._command_data(name, options or {}, None, where)
        return await self._dispatch_interaction(2, data, user_id, channel, where)

    async def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        user_id: int = fx.MEMBER_ID,
        channel_id: int | None = None,
        guild: bool | fx.Guild = True,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        """Dispatch an autocomplete for option ``focused`` and return the choices offered
        (where: as for ``invoke_slash``)."""
        record = await self.begin_autocomplete(
            name, options, focused, user_id=user_id, channel_id=channel_id, guild=guild
        )
        response = await record.first_response(timeout)
        return list(response.data.get("choices") or [])

    async def begin_autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        user_id: int = fx.MEMBER_ID,
        channel_id: int | None = None,
        guild: bool | fx.Guild = True,
    ) -> InteractionRecord:
        """Dispatch an autocomplete without waiting; the choices arrive as a type 8 callback."""
        where, channel = self._place(guild, channel_id, user_id)
        data = self._command_data(name, options, focused, where)
        return await self._dispatch_interaction(4, data, user_id, channel, where)

    async def click(
        self,
        message_id: int,
        custom_id: str,
        *,
        user_id: int = fx.MEMBER_ID,
        values: list[str] | None = None,
    ) -> InteractionRecord:
        """Press a button (or choose ``values`` in a select) on a bot message."""
        message = self.messages[message_id]
        component = find_component(message.get("components") or [], custom_id)
        if component is None:
            raise LookupError(f"message {message_id} has no component {custom_id!r}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None:
            data["values"] = values
        guild = self.guilds.get(int(message.get("guild_id") or 0))
        return await self._dispatch_interaction(
            3, data, user_id, int(message["channel_id"]), guild, message=message
        )

    async def submit_modal(
        self, record: InteractionRecord, values: dict[str, str], *, user_id: int = fx.MEMBER_ID
    ) -> InteractionRecord:
        """Submit the modal the bot opened (callback type 9) on ``record``, text inputs by
        custom_id."""
        modal = next(r.data for r in record.responses if r.kind == "callback" and r.type == 9)
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
            for k, v in values.items()
        ]
        payload = record.payload
        return await self._dispatch_interaction(
            5,
            {"custom_id": modal["custom_id"], "components": rows},
            user_id,
            int(payload["channel_id"]),
            self.guilds.get(int(payload.get("guild_id") or 0)),
            message=payload.get("message"),
        )

    # -- helpers --------------------------------------------------------------------------

    def find_command(self, name: str, guild: bool | fx.Guild = True) -> dict[str, Any] | None:
        """A synced chat-input command as ``guild`` (True: the main one) sees it, or as a DM
        sees it (``guild=False``): the guild's own commands first, then the global ones."""
        if guild is True:
            guild = fx.MAIN_GUILD
        scopes: list[int | None] = [guild.id, None] if guild else [None]
        for scope in scopes:
            for command in self.registered_commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command
        return None

    def _place(
        self, guild: bool | fx.Guild, channel_id: int | None, user_id: int
    ) -> tuple[fx.Guild | None, int]:
        """(guild or None for a DM, channel) an interaction happens in."""
        if guild is False:
            return None, self.dm_channel(user_id)
        if channel_id is None:
            home = fx.MAIN_GUILD if guild is True else guild
            return home, home.general_channel_id
        found = self.guild_of_channel(channel_id)
        if found is None or (guild is not True and found is not guild):
            where = "any guild" if guild is True else f"guild {guild.id}"
            raise LookupError(f"channel {channel_id} is not a channel of {where}")
        return found, channel_id

    def _command_data(
        self, name: str, values: dict[str, Any], focused: str | None, guild: fx.Guild | None
    ) -> dict[str, Any]:
        root, *path = name.split()
        command = self.find_command(root, guild or False)
        levels: list[tuple[str, int]] = []  # (name, type) of each subcommand group/subcommand
        schema = (command or {}).get("options") or []
        for part in path:
            spec = next((o for o in schema if o["name"] == part), {"type": 1})
            levels.append((part, spec["type"]))
            schema = spec.get("options") or []
        resolved: dict[str, dict[str, Any]] = {}
        options = build_options(values, schema, focused, resolved, guild)
        for part, level_type in reversed(levels):  # wrap leaf options in their levels
            options = [{"name": part, "type": level_type, "options": options}]
        data: dict[str, Any] = {
            "id": (command or {}).get("id", str(fx.snowflake())),
            "name": root,
            "type": 1,
            "options": options,
        }
        if resolved:
            data["resolved"] = resolved
        if command is not None and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return data

    async def _dispatch_interaction(
        self,
        itype: int,
        data: dict[str, Any],
        user_id: int,
        channel_id: int,
        guild: fx.Guild | None,
        message: dict[str, Any] | None = None,
    ) -> InteractionRecord:
        """``channel_id`` is a channel of ``guild``, or for ``guild=None`` a DM channel."""
        if guild is None and channel_id not in self.dm_channels:
            channel_id = self.dm_channel(user_id)
        payload = interaction_payload(itype, data, user_id, channel_id, guild, message)
        interaction_id = int(payload["id"])
        loop = asyncio.get_running_loop()
        record = InteractionRecord(
            interaction_id, payload["token"], itype, payload, loop.time(), self._changes
        )
        self.interactions[interaction_id] = record
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return record

    def dm_channel(self, user_id: int) -> int:
        """The ID of the bot's DM channel with ``user_id`` (created on first use)."""
        for channel_id, owner in self.dm_channels.items():
            if owner == user_id:
                return channel_id
        channel_id = fx.snowflake()
        self.dm_channels[channel_id] = user_id
        return channel_id

    def _observe(self, event: str, subject: Any) -> None:
        for observer in self.observers:
            observer(event, subject)

    def _violation(self, request: web.Request, problem: str) -> None:
        self.violations.append(f"{request.method} {_api_path(request)}: {problem}")
        self._changes.notify()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX):
            return await handler(request)  # the gateway
        self._in_flight += 1
        try:
            response = await self._answer(request, handler)
            if isinstance(response, web.Response) and not response.prepared:
                # Written here, not after we return, so that sync_with_bot knows it went out.
                try:
                    await response.prepare(request)
                    await response.write_eof()
                except ConnectionResetError:  # the bot is gone (killed while we held it)
                    pass
            return response
        finally:
            self._in_flight -= 1
            self._changes.notify()

    async def _answer(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = _api_path(request)
        self.requests.append(f"{request.method} {path}")
        for pattern, hold in list(self._holds):
            if pattern.search(f"{request.method} {path}"):
                self._holds.remove((pattern, hold))
                await request.read()  # Discord has the whole request before the bot is gone
                if await hold.wait():
                    return error(500, 0, "the request was lost")
        for limit in self._rate_limits:
            if limit[1] > 0 and limit[0].search(f"{request.method} {path}"):
                limit[1] -= 1
                return _rate_limited(limit[2])
        needs_auth = not path.startswith(("/webhooks/", "/interactions/"))
        authorization = request.headers.get("Authorization", "")
        if needs_auth and not authorization.startswith("Bot "):
            self._violation(request, "missing 'Authorization: Bot <token>' header")
            return error(401, 0, "401: Unauthorized")
        if needs_auth and authorization.removeprefix("Bot ") in self.rejected_tokens:
            return error(401, 0, "401: Unauthorized")  # a wrong token, not a bot's mistake
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status not in (404, 405):
                raise
            self._violation(request, "unknown route")
            return error(404, 0, "404: Not Found")
        except Exception as exc:  # never 5xx: discord.py would retry for seconds
            self._violation(request, f"fake server could not handle request: {exc!r}")
            return error(400, 50035, "Invalid Form Body")


def _api_path(request: web.Request) -> str:
    return request.path.removeprefix(API_PREFIX)


def _rate_limited(retry_after: float) -> web.Response:
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    # discord.py treats a 429 without "Via" as a Cloudflare ban and gives up.
    headers = {"Via": "1.1 google", "Retry-After": str(retry_after), "X-RateLimit-Scope": "user"}
    return web.Response(
        status=429, body=json.dumps(body).encode(), content_type="application/json", headers=headers
    )
