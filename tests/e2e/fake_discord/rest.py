"""The REST half of the fake Discord, as a mixin over FakeDiscord's state."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import fixtures as fx
from . import validation
from .records import EPHEMERAL, LOADING, InteractionRecord, Response, SentMessage
from .responses import error, no_content, ok, read_body

if TYPE_CHECKING:
    from .gateway import Gateway
    from .records import Changes

API_PREFIX = "/api/v10"
# Callback types Discord accepts per interaction type (2 command, 3 component, 4 autocomplete,
# 5 modal submit).
_VALID_CALLBACKS = {2: {4, 5, 9, 12}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


class RestRoutes:
    if TYPE_CHECKING:
        gateway: Gateway
        guilds: dict[int, fx.Guild]
        deadline: float
        violations: list[str]
        registered_commands: dict[int | None, list[dict[str, Any]]]
        messages: dict[int, dict[str, Any]]
        bot_messages: list[SentMessage]
        interactions: dict[int, InteractionRecord]
        dm_channels: dict[int, int]
        nonces: dict[tuple[int, int, str], SentMessage]
        _changes: Changes

        @property
        def gateway_url(self) -> str: ...
        def _violation(self, request: web.Request, problem: str) -> None: ...
        def _observe(self, event: str, subject: Any) -> None: ...
        def dm_channel(self, user_id: int) -> int: ...
        def guild_of_channel(self, channel_id: int) -> fx.Guild | None: ...

    def add_routes(self, router: web.UrlDispatcher) -> None:
        p = API_PREFIX
        msg = p + "/channels/{channel_id}/messages/{message_id}"
        hook = p + "/webhooks/{app_id}/{token}"
        router.add_routes(
            [
                web.get(p + "/users/{user_id}", self._get_user),
                web.post(p + "/users/@me/channels", self._open_dm),
                web.get(p + "/oauth2/applications/@me", self._application),
                web.get(p + "/applications/@me", self._application),
                web.get(p + "/gateway", self._gateway_bot),
                web.get(p + "/gateway/bot", self._gateway_bot),
                web.get(p + "/applications/{app_id}/commands", self._get_commands),
                web.put(p + "/applications/{app_id}/commands", self._put_commands),
                web.get(
                    p + "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands
                ),
                web.put(
                    p + "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands
                ),
                web.get(p + "/channels/{channel_id}", self._get_channel),
                web.get(p + "/channels/{channel_id}/messages", self._history),
                web.post(p + "/channels/{channel_id}/messages", self._post_message),
                web.get(msg, self._get_message),
                web.patch(msg, self._edit_message),
                web.delete(msg, self._delete_message),
                web.put(msg + "/reactions/{emoji}/@me", self._no_content),
                web.delete(msg + "/reactions/{emoji}/@me", self._no_content),
                web.post(p + "/channels/{channel_id}/typing", self._no_content),
                web.get(p + "/guilds/{guild_id}/members/{user_id}", self._get_member),
                web.post(p + "/interactions/{interaction_id}/{token}/callback", self._callback),
                web.post(hook, self._followup),
                web.get(hook + "/messages/{message_id}", self._webhook_message),
                web.patch(hook + "/messages/{message_id}", self._webhook_message),
                web.delete(hook + "/messages/{message_id}", self._webhook_message),
            ]
        )

    # -- users, app, gateway, commands ----------------------------------------------------

    async def _no_content(self, request: web.Request) -> web.Response:
        return no_content()

    async def _application(self, request: web.Request) -> web.Response:
        return ok(fx.application())

    async def _get_user(self, request: web.Request) -> web.Response:
        raw = request.match_info["user_id"]
        user_id = fx.BOT_USER_ID if raw == "@me" else int(raw)
        if user_id not in fx.USERS:
            return error(404, 10013, "Unknown User")
        extra = {"verified": True, "mfa_enabled": False, "flags": 0}
        return ok({**fx.USERS[user_id], **(extra if user_id == fx.BOT_USER_ID else {})})

    async def _open_dm(self, request: web.Request) -> web.Response:
        user_id = int((await request.json())["recipient_id"])
        channel_id = self.dm_channel(user_id)
        return ok(
            {
                "id": str(channel_id),
                "type": 1,
                "recipients": [fx.USERS[user_id]],
                "last_message_id": None,
            }
        )

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        shards = self.gateway.shard_count  # the count IDENTIFY must use
        return ok({"url": self.gateway_url, "shards": shards, "session_start_limit": limit})

    def _scope(self, request: web.Request) -> int | None:
        guild_id = request.match_info.get("guild_id")
        return int(guild_id) if guild_id else None

    async def _get_commands(self, request: web.Request) -> web.Response:
        return ok(self.registered_commands.get(self._scope(request), []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        if scope is not None and scope not in self.guilds:
            # Discord's answer for a server the bot is not in (a DEV_GUILD_ID of another
            # server): the bot's configuration, not a breach of the protocol.
            return error(403, 50001, "Missing Access")
        commands = await request.json()
        problems = validation.check_commands(commands)
        if problems:
            return self._invalid(request, problems)
        previous = self.registered_commands.get(scope, [])
        old = {(c["name"], c.get("type", 1)): c["id"] for c in previous}
        stored = []
        for command in commands:
            key = (command["name"], command.get("type", 1))
            stored.append(
                {
                    "type": 1,
                    "default_member_permissions": None,
                    "nsfw": False,
                    **command,
                    "id": old.get(key) or str(fx.snowflake()),
                    "application_id": str(fx.APP_ID),
                    "version": str(fx.snowflake()),
                    **({"guild_id": str(scope)} if scope else {}),
                }
            )
        self.registered_commands[scope] = stored
        self._changes.notify()
        return ok(stored)

    # -- channels and messages ------------------------------------------------------------

    def _known_channel(self, channel_id: int) -> bool:
        return self.guild_of_channel(channel_id) is not None or channel_id in self.dm_channels

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel_id"])
        guild = self.guild_of_channel(channel_id)
        if guild is not None:
            return ok(guild.channels[channel_id])
        if channel_id in self.dm_channels:
            user = fx.USERS[self.dm_channels[channel_id]]
            return ok({"id": str(channel_id), "type": 1, "recipients": [user]})
        return self._unknown(request, 10003, "Unknown Channel")

    async def _get_member(self, request: web.Request) -> web.Response:
        guild = self.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            return self._unknown(request, 10004, "Unknown Guild")
        user_id = int(request.match_info["user_id"])
        if user_id not in fx.USERS:
            return error(404, 10007, "Unknown Member")
        return ok(guild.member(user_id))

    async def _history(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["channel_id"]
        limit = int(request.query.get("limit", 50))
        found = [m for m in self.messages.values() if m["channel_id"] == channel_id]
        return ok(sorted(found, key=lambda m: int(m["id"]), reverse=True)[:limit])

    async def _post_message(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel_id"])
        if not self._known_channel(channel_id):
            return self._unknown(request, 10003, "Unknown Channel")
        body, attachments = await read_body(request)
        problems = validation.check_message(body, creates=True) + self._check_reference(body)
        if problems:
            return self._invalid(request, problems)
        key = (channel_id, fx.BOT_USER_ID, str(body.get("nonce")))
        if body.get("enforce_nonce") and key in self.nonces:
            return ok(self.nonces[key].payload)  # Discord: the message that nonce created
        sent = await self._create(channel_id, body, attachments, "channel")
        if body.get("nonce") is not None:
            self.nonces[key] = sent
        return ok(sent.payload)

    def _check_reference(self, body: dict[str, Any]) -> list[str]:
        ref = body.get("message_reference")
        if not ref or ref.get("fail_if_not_exists") is False:
            return []
        if int(ref.get("message_id") or 0) not in self.messages:
            return [f"message_reference to unknown message {ref.get('message_id')}"]
        return []

    async def _get_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(int(request.match_info["message_id"]))
        if message is None:
            return self._unknown(request, 10008, "Unknown Message")
        return ok(message)

    async def _edit_message(self, request: web.Request) -> web.Response:
        sent = self._bot_message(int(request.match_info["message_id"]))
        if sent is None:
            return self._unknown(request, 10008, "Unknown Message")
        body, attachments = await read_body(request)
        problems = validation.check_message(body, creates=False)
        if problems:
            return self._invalid(request, problems)
        await self._apply_edit(sent, body, attachments)
        return ok(sent.payload)

    async def _delete_message(self, request: web.Request) -> web.Response:
        message = self.messages.pop(int(request.match_info["message_id"]), None)
        if message is None:
            return self._unknown(request, 10008, "Unknown Message")
        sent = self._bot_message(int(message["id"]))
        if sent is not None:
            sent.deleted = True
        await self.gateway.dispatch(
            "MESSAGE_DELETE",
            {
                "id": message["id"],
                "channel_id": message["channel_id"],
                **({"guild_id": message["guild_id"]} if "guild_id" in message else {}),
            },
        )
        return no_content()

    # -- interactions ---------------------------------------------------------------------

    async def _callback(self, request: web.Request) -> web.Response:
        record = self.interactions.get(int(request.match_info["interaction_id"]))
        if record is None or record.token != request.match_info["token"]:
            return self._unknown(request, 10062, "Unknown interaction")
        body, attachments = await read_body(request)
        elapsed = self._elapsed(record)
        ctype, data = int(body.get("type", 0)), body.get("data") or {}
        rejected = self._check_callback(record, ctype, data, elapsed)
        if rejected is not None:
            status, code, message, problems = rejected
            for problem in problems:
                self._violation(request, problem)
            # Recorded too, so a test waiting on this interaction sees what was refused.
            self._record(record, Response("rejected", ctype, data, elapsed))
            return error(status, code, message, problems)
        record.acknowledged = True
        channel_id = int(record.payload["channel_id"])
        if ctype in (4, 5):
            flags = int(data.get("flags") or 0) | (LOADING if ctype == 5 else 0)
            body_data = {**data, "flags": flags} if ctype == 5 else data
            record.original = await self._create(
                channel_id, body_data, attachments, "interaction", record.id
            )
        elif ctype in (6, 7):
            record.original = self._bot_message(int(record.payload["message"]["id"]))
            if ctype == 7 and record.original is not None:
                await self._apply_edit(record.original, data, attachments)
        self._record(record, Response("callback", ctype, data, elapsed, record.original))
        if "with_response" not in request.query:
            return no_content()
        message = record.original.payload if record.original else None
        interaction: dict[str, Any] = {
            "id": str(record.id),
            "type": record.type,
            "response_message_loading": ctype == 5,
        }
        if message is not None:
            interaction.update(
                response_message_id=message["id"],
                response_message_ephemeral=bool(message["flags"] & EPHEMERAL),
            )
        resource: dict[str, Any] = {"type": ctype}
        if message is not None and ctype in (4, 5, 7):
            resource["message"] = message
        return ok({"interaction": interaction, "resource": resource})

    def _check_callback(
        self, record: InteractionRecord, ctype: int, data: dict[str, Any], elapsed: float
    ) -> tuple[int, int, str, list[str]] | None:
        """(status, code, message, problems) Discord would answer, or None if accepted."""
        if record.acknowledged:
            problems = ["second initial response to the same interaction"]
            return 400, 40060, "Interaction has already been acknowledged.", problems
        if elapsed > self.deadline:
            problems = [f"initial response after {elapsed:.2f}s (max {self.deadline}s)"]
            return 404, 10062, "Unknown interaction", problems
        if ctype not in _VALID_CALLBACKS.get(record.type, set()):
            problems = [f"callback type {ctype} is invalid for interaction type {record.type}"]
        elif ctype in (4, 7):
            problems = validation.check_message(data, creates=ctype == 4)
        elif ctype == 8:
            problems = validation.check_choices(data.get("choices") or [])
        else:
            problems = []
        return (400, 50035, "Invalid Form Body", problems) if problems else None

    def _record_for(self, request: web.Request) -> InteractionRecord | None:
        token = request.match_info["token"]
        if int(request.match_info["app_id"]) != fx.APP_ID:
            return None
        return next((r for r in self.interactions.values() if r.token == token), None)

    async def _followup(self, request: web.Request) -> web.Response:
        record = self._record_for(request)
        if record is None or not record.acknowledged:
            return self._unknown(request, 10015, "Unknown Webhook")
        body, attachments = await read_body(request)
        problems = validation.check_message(body, creates=True)
        if problems:
            return self._invalid(request, problems)
        original = record.original
        if original is not None and original.flags & LOADING and not original.deleted:
            # As Discord does: the first follow-up after a deferred ("thinking") response
            # fills that message in, shown as the defer said (its ephemeral flag wins).
            shown = {k: v for k, v in body.items() if k != "flags"}
            await self._apply_edit(original, shown, attachments)
            self._record(record, Response("followup", None, body, self._elapsed(record), original))
            return ok(original.payload)
        channel_id = int(record.payload["channel_id"])
        sent = await self._create(channel_id, body, attachments, "followup", record.id)
        self._record(record, Response("followup", None, body, self._elapsed(record), sent))
        return ok(sent.payload)

    async def _webhook_message(self, request: web.Request) -> web.Response:
        record = self._record_for(request)
        if record is None or not record.acknowledged:
            return self._unknown(request, 10015, "Unknown Webhook")
        raw_id = request.match_info["message_id"]
        original = raw_id == "@original"
        sent = record.original if original else self._bot_message(int(raw_id))
        if sent is None or sent.deleted or (not original and sent.interaction_id != record.id):
            return self._unknown(request, 10008, "Unknown Message")
        kind = "original" if original else "followup"
        if request.method == "GET":
            return ok(sent.payload)
        if request.method == "DELETE":
            sent.deleted = True
            self.messages.pop(sent.id, None)
            self._record(record, Response(f"delete_{kind}", None, {}, self._elapsed(record), sent))
            keys = ("id", "channel_id", "guild_id")
            ids = {k: sent.payload[k] for k in keys if k in sent.payload}
            await self.gateway.dispatch("MESSAGE_DELETE", ids)
            return no_content()
        body, attachments = await read_body(request)
        # Filling in a deferred ("thinking") response is when its mentions would ping.
        problems = validation.check_message(body, creates=bool(sent.flags & LOADING))
        if problems:
            return self._invalid(request, problems)
        await self._apply_edit(sent, body, attachments)
        self._record(record, Response(f"edit_{kind}", None, body, self._elapsed(record), sent))
        return ok(sent.payload)

    # -- shared ---------------------------------------------------------------------------

    async def _create(
        self,
        channel_id: int,
        body: dict[str, Any],
        attachments: list[dict[str, Any]],
        source: str,
        interaction_id: int | None = None,
    ) -> SentMessage:
        message_id = fx.snowflake()
        payload = fx.message(
            message_id=message_id,
            channel_id=channel_id,
            author_id=fx.BOT_USER_ID,
            content=body.get("content") or "",
            guild=self.guild_of_channel(channel_id) or False,
        )
        payload.update(
            embeds=[{"type": "rich", **e} for e in body.get("embeds") or []],
            components=body.get("components") or [],
            flags=int(body.get("flags") or 0),
            attachments=attachments,
            tts=bool(body.get("tts")),
        )
        if interaction_id is not None:
            payload.update(webhook_id=str(fx.APP_ID), application_id=str(fx.APP_ID))
        ref = body.get("message_reference")
        if ref and int(ref.get("message_id") or 0) in self.messages:
            referenced = self.messages[int(ref["message_id"])]
            ids = {k: referenced[k] for k in ("channel_id", "guild_id") if k in referenced}
            payload.update(
                type=19,
                referenced_message=referenced,
                message_reference={"type": 0, "message_id": referenced["id"], **ids},
            )
        self.messages[message_id] = payload
        sent = SentMessage(payload, body, source, interaction_id)
        self.bot_messages.append(sent)
        self._observe("bot_message", sent)
        if not sent.ephemeral:
            await self.gateway.dispatch("MESSAGE_CREATE", payload)
        self._changes.notify()
        return sent

    async def _apply_edit(
        self, sent: SentMessage, body: dict[str, Any], attachments: list[dict[str, Any]]
    ) -> None:
        for key in ("content", "components"):
            if key in body:
                sent.payload[key] = body[key] or ([] if key == "components" else "")
        if "embeds" in body:
            sent.payload["embeds"] = [{"type": "rich", **e} for e in body["embeds"] or []]
        if attachments:
            sent.payload["attachments"] = attachments
        if "flags" in body and body["flags"] is not None:
            sent.payload["flags"] = int(body["flags"]) | (sent.flags & EPHEMERAL)
        sent.payload["flags"] = sent.flags & ~LOADING
        sent.payload["edited_timestamp"] = fx.now_iso()
        sent.edits.append(body)
        if not sent.ephemeral:
            await self.gateway.dispatch("MESSAGE_UPDATE", sent.payload)
        self._changes.notify()

    def _bot_message(self, message_id: int) -> SentMessage | None:
        return next((s for s in self.bot_messages if s.id == message_id), None)

    def _elapsed(self, record: InteractionRecord) -> float:
        return asyncio.get_running_loop().time() - record.dispatched_at

    def _record(self, record: InteractionRecord, response: Response) -> None:
        record.responses.append(response)
        self._observe("response", (record, response))
        self._changes.notify()

    def _invalid(self, request: web.Request, problems: list[str]) -> web.Response:
        for problem in problems:
            self._violation(request, problem)
        return error(400, 50035, "Invalid Form Body", problems)

    def _unknown(self, request: web.Request, code: int, message: str) -> web.Response:
        self._violation(request, message)
        return error(404, code, message)
