"""What several end-to-end test modules do the same way: ask in a channel, read one embed."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tests.e2e.fake_discord import FakeDiscord, SentMessage
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.fake_discord.records import InteractionRecord, Response

TIMEOUT = 5.0
REPO_ROOT = Path(__file__).resolve().parents[2]
DISCORD_DEADLINE = 3.0  # seconds Discord gives the first response to an interaction


async def ask(
    server: FakeDiscord, text: str, *, user_id: int = fx.MEMBER_ID,
    channel_id: int = fx.GENERAL_CHANNEL_ID,
) -> SentMessage:
    """A member posts ``text``; returns the bot's first channel message after it."""
    earlier = {id(sent) for sent in server.bot_messages}
    await server.send_message(channel_id, user_id, text)
    return await server.wait_for_bot_message(
        channel_id, TIMEOUT, lambda sent: id(sent) not in earlier and sent.source == "channel"
    )


def only_embed(message: SentMessage | dict[str, Any]) -> dict[str, Any]:
    embeds = message.embeds if isinstance(message, SentMessage) else message["embeds"]
    assert len(embeds) == 1, embeds
    return embeds[0]


async def start_sharded(shard_count: int) -> tuple[FakeDiscord, list[fx.Guild]]:
    """A started test Discord of `shard_count` shards with an extra guild on each (the main
    guild is on one of them as well): the server and those guilds, by shard."""
    server = FakeDiscord(shard_count=shard_count)
    await server.start()
    return server, [await server.add_guild(shard=shard) for shard in range(shard_count)]


async def slash_answer(
    record: InteractionRecord, timeout: float = TIMEOUT  # noqa: ASYNC109
) -> tuple[Response, SentMessage]:
    """The answer to a slash command: given at once (type 4), or filling in a defer (type 5)
    that came within Discord's 3 s. Returns the response that carried it and the message
    members see (its flags are the defer's)."""
    first = await record.first_response(timeout)
    assert first.kind == "callback" and first.type in (4, 5), first
    assert first.elapsed < DISCORD_DEADLINE, first
    if first.type == 5:
        first = await record.wait_for(lambda r: r.kind == "followup", timeout)
    assert record.original is not None
    return first, record.original


async def import_city_elsewhere(env_file: Path, database: Path | str, guild_id: int,
                                folder: Path) -> None:
    """`citybot import` of a file adding the city Gotham to `guild_id`, run as its own
    process beside the bot(s) under test (a write the bot learns of only from the store)."""
    data = {"source": {"key": f"import-{guild_id}", "title": "Another process's import",
                       "outlet": "tests", "date": "2024-01-01"},
            "cities": [{"key": "gotham", "name": "Gotham", "state": "New Jersey"}],
            "people": [], "statements": []}
    file = folder / "import.json"
    file.write_text(json.dumps(data))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--env-file", str(env_file), "--database", str(database),
        "import", str(file), "--guild", str(guild_id), cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
