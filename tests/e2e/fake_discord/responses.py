"""Discord-shaped HTTP responses and request bodies."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from . import fixtures as fx


def ok(data: Any, status: int = 200) -> web.Response:
    # discord.py only decodes JSON when Content-Type is exactly "application/json" (no charset).
    return web.Response(
        status=status, body=json.dumps(data).encode(), content_type="application/json"
    )


def no_content() -> web.Response:
    return web.Response(status=204)


def error(status: int, code: int, message: str, problems: list[str] | None = None) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if problems:
        errors = [{"code": "BASE_TYPE_INVALID", "message": p} for p in problems]
        body["errors"] = {"fake_discord": {"_errors": errors}}
    return ok(body, status)


async def read_body(request: web.Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """JSON body, or multipart ``payload_json`` plus uploaded files as attachment objects."""
    if not request.content_type.startswith("multipart/"):
        return (await request.json() if request.body_exists else {}), []
    payload: dict[str, Any] = {}
    attachments: list[dict[str, Any]] = []
    reader = await request.multipart()
    async for part in reader:
        if part.name == "payload_json":
            payload = json.loads(await part.text())  # type: ignore[union-attr]
        elif part.filename:
            size = len(await part.read())  # type: ignore[union-attr]
            attachment_id = str(fx.snowflake())
            url = f"https://cdn.invalid/attachments/{attachment_id}/{part.filename}"
            attachments.append(
                {
                    "id": attachment_id,
                    "filename": part.filename,
                    "size": size,
                    "url": url,
                    "proxy_url": url,
                }
            )
    return payload, attachments
