"""Two `citybot run` processes, two shards each, one database: four shards, one store; on
SQLite (one file) and on PostgreSQL (one database, as processes on two machines would share).

A server on each shard; process A runs shards 0-1, process B shards 2-3. Each command is
answered once, by the process of its server's shard; what the owner changes in the bundled
article through a server of A is found by a server of B within a second, by its new words and
no longer by its old ones; `citybot import` while both run is seen where it belongs; only A
(shard 0) syncs the slash commands.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.core.store import Store
from tests.e2e.conftest import BotProcess, shut_down, stop_clean
from tests.e2e.fake_discord import FakeDiscord, SentMessage
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.helpers import import_city_elsewhere, start_sharded

pytestmark = [pytest.mark.asyncio(loop_scope="module")]

TIMEOUT = 5.0
VISIBLE_WITHIN = 1.0  # seconds from one process's answer to the other process's lookup
NEW_WORDS = "the harbour lights stay on for every neighbour tonight"


async def asked(server: FakeDiscord, guild: fx.Guild, text: str,
                user_id: int = fx.MEMBER_ID) -> SentMessage:
    earlier = {id(sent) for sent in server.bot_messages}
    channel = guild.general_channel_id
    await server.send_message(channel, user_id, text)
    return await server.wait_for_bot_message(
        channel, TIMEOUT, lambda sent: id(sent) not in earlier and sent.source == "channel")


def title(message: SentMessage) -> str:
    return str(message.embeds[0].get("title", ""))


def text_of(message: SentMessage) -> str:
    embed = message.embeds[0]
    return " ".join([embed.get("title", ""), embed.get("description", ""),
                     *(f["value"] for f in embed.get("fields") or [])])


async def statement_id(database: Path | str, words: str) -> int:
    store = await Store.open_reader(database)
    try:
        return int(await store._scalar(
            "SELECT id FROM statements WHERE guild_id = 0 AND text LIKE ?", (f"%{words}%",)))
    finally:
        await store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The settings that point both processes at one store."""
    if request.param == "sqlite":
        return {"DATABASE_PATH": str(tmp_path / "shared.db")}
    return {"DATABASE_URL": request.getfixturevalue("postgres_url")}


async def until_found(server: FakeDiscord, guild: fx.Guild, query: str, wanted: str) -> float:
    """Ask until the answer holds `wanted`; returns how long that took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while wanted not in text_of(await asked(server, guild, query)):
        assert loop.time() - started < VISIBLE_WITHIN * 3, f"{query!r} never found {wanted!r}"
    return loop.time() - started


async def test_two_processes_serve_four_shards_from_one_store(
        tmp_path: Path, shared: dict[str, str]) -> None:
    database = shared.get("DATABASE_URL") or shared["DATABASE_PATH"]
    server, towns = await start_sharded(4)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = BotProcess(server, tmp_path / "a", {"SHARD_COUNT": "4", "SHARD_IDS": "0-1", **shared})
    second = BotProcess(server, tmp_path / "b", {"SHARD_COUNT": "4", "SHARD_IDS": "2-3",
                                                 **shared})
    try:
        await first.launch()
        await server.wait_shards_ready({0, 1}, 30)
        await second.launch()
        await server.wait_shards_ready({0, 1, 2, 3}, 30)
        await server.wait_for_commands(None, TIMEOUT)
        assert server.connected_shards() == {0: 1, 1: 1, 2: 1, 3: 1}
        assert "synced by the process that runs shard 0" in second.log()
        assert "synced by the process that runs shard 0" not in first.log()

        # Every server is answered exactly once.
        for town in towns:
            assert title(await asked(server, town, "!city seattle")) == "Seattle, Washington"
        count = len(server.bot_messages)
        await server.sync_with_bot(TIMEOUT)
        assert len(server.bot_messages) == count

        # The owner edits a bundled statement through A; B finds it by its new words.
        quote = await statement_id(database, "always will be a sanctuary city")
        edited = await asked(server, towns[0], f"!edit statement {quote} text: {NEW_WORDS}",
                             user_id=fx.OWNER_ID)
        assert title(edited).startswith("Saved"), text_of(edited)
        took = await until_found(server, towns[2], f"!quote {NEW_WORDS[:40]}", "harbour lights")
        assert took < VISIBLE_WITHIN, took
        old_words = "always will be a sanctuary city"
        old = await asked(server, towns[3], f"!quote {old_words}")
        # A "several entries match" menu quotes the query back: only what it offers counts.
        offered = text_of(old).replace(f"“{old_words}”", "").replace(f'"{old_words}"', "")
        assert old_words not in offered, text_of(old)

        # Undone through B (the owner's latest change): A finds the old words again.
        undone = await asked(server, towns[2], "!undo", user_id=fx.OWNER_ID)
        assert title(undone).startswith("Undone"), text_of(undone)
        took = await until_found(server, towns[1], "!quote always will be a sanctuary city",
                                 "always will be a sanctuary city")
        assert took < VISIBLE_WITHIN, took

        # `citybot import` while both run: a server of B sees its new city.
        await import_city_elsewhere(first.env_file, database, towns[3].id, tmp_path)
        await until_found(server, towns[3], "!city gotham", "Gotham, New Jersey")
        elsewhere = await asked(server, towns[1], "!city gotham")
        assert "Gotham, New Jersey" not in title(elsewhere)  # another server's entry

        await stop_clean(first)
        await stop_clean(second)
        assert server.violations == []
    finally:
        await shut_down(server, first, second)
