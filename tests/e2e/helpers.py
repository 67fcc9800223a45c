"""What several end-to-end test modules do the same way: ask in a channel, read one embed."""

from __future__ import annotations

from typing import Any

from tests.e2e.fake_discord import FakeDiscord, SentMessage
from tests.e2e.fake_discord import fixtures as fx

TIMEOUT = 5.0


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
