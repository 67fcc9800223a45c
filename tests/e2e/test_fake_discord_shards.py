"""Self-tests of the fake Discord's sharding, with hand-driven websockets (``RawGateway``).

Whether an event reached a session is read off the wire; that it did not is shown by a later
"marker" event on the same session arriving first (each session's events come in order).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import aiohttp
import pytest

from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.helpers import start_sharded
from tests.e2e.raw_gateway import TIMEOUT, RawGateway

SHARDS = 4
Connect = Callable[[], Coroutine[Any, Any, RawGateway]]


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    """Four shards, one extra guild on each (the main guild is on shard 3 as well)."""
    fake, _ = await start_sharded(SHARDS)
    yield fake
    await fake.stop()


@pytest.fixture
async def connect(server: FakeDiscord) -> AsyncIterator[Connect]:
    clients: list[RawGateway] = []
    async with aiohttp.ClientSession() as http:

        async def open_client() -> RawGateway:
            client = await RawGateway.connect(http, server.gateway_url)
            clients.append(client)
            return client

        yield open_client
        for client in clients:
            with contextlib.suppress(Exception):
                await client.close()


def town(server: FakeDiscord, shard: int) -> fx.Guild:
    """The extra guild on ``shard``."""
    return next(g for g in server.guilds.values() if g.id != fx.GUILD_ID and
                server.shard_of(g.id) == shard)


async def identified(connect: Connect, shard: int, count: int = SHARDS) -> RawGateway:
    client = await connect()
    await client.identify([shard, count])
    return client


async def markers(server: FakeDiscord, shards: range | list[int]) -> dict[int, str]:
    """A message in each shard's town; what each shard's sessions must read next."""
    sent = {}
    for shard in shards:
        sent[shard] = f"marker {shard}"
        await server.send_message(town(server, shard).general_channel_id, fx.MEMBER_ID,
                                  sent[shard])
    return sent


async def next_message(client: RawGateway) -> dict[str, Any]:
    event, data = await client.next_event()
    assert event == "MESSAGE_CREATE", (event, data)
    return data


def test_guild_ids_land_on_the_shard_asked_for() -> None:
    for count in (1, 2, 3, 4, 7):
        for shard in range(count):
            ids = [fx.guild_id_on_shard(shard, count, n) for n in range(3)]
            assert [fx.shard_of(i, count) for i in ids] == [shard] * 3
            assert len(set(ids)) == 3 and min(ids) > max(fx.EXTRA_MEMBER_IDS)
    assert fx.shard_of(fx.GUILD_ID, SHARDS) == 3
    with pytest.raises(ValueError):
        fx.guild_id_on_shard(4, 4)
    extra = fx.make_guild(fx.guild_id_on_shard(1, 4))
    # Same people, same kinds of roles: a moderator moderates there too.
    assert extra.permissions_of(fx.MODERATOR_ID) == fx.permissions_of(fx.MODERATOR_ID)
    assert extra.member(fx.MODERATOR_ID)["roles"] == [str(extra.moderator_role_id)]
    assert extra.channels[extra.general_channel_id]["guild_id"] == str(extra.id)
    assert fx.guild_create() == fx.MAIN_GUILD.guild_create()  # the main guild is unchanged


async def test_gateway_bot_reports_the_shard_count(server: FakeDiscord) -> None:
    headers = {"Authorization": "Bot fake-token"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{server.api_base}/gateway/bot", headers=headers) as response,
    ):
        body = await response.json()
    assert body["shards"] == SHARDS and body["url"] == server.gateway_url


async def test_ready_lists_only_the_shards_guilds(server: FakeDiscord, connect: Connect) -> None:
    assert not server.gateway.connected.is_set()
    for shard in range(SHARDS):
        client = await connect()
        ready, created = await client.identify([shard, SHARDS])
        expected = sorted(g.id for g in server.guilds.values()
                          if fx.shard_of(g.id, SHARDS) == shard)
        assert ready["shard"] == [shard, SHARDS]
        assert sorted(int(g["id"]) for g in ready["guilds"]) == expected
        assert sorted(created) == expected
        assert server.gateway.current.shard == shard
        # wait_ready means every shard: not before the last one identified.
        assert server.gateway.connected.is_set() == (shard == SHARDS - 1)
    assert fx.GUILD_ID in expected  # the main guild, on shard 3
    await server.wait_shards_ready(set(range(SHARDS)), TIMEOUT)
    await server.wait_ready(TIMEOUT)
    assert server.connected_shards() == {0: 1, 1: 1, 2: 1, 3: 1}
    assert server.gateway.identify_counts == {0: 1, 1: 1, 2: 1, 3: 1}


async def test_guild_events_reach_only_their_shard(server: FakeDiscord, connect: Connect) -> None:
    clients = [await identified(connect, shard) for shard in range(SHARDS)]
    target = town(server, 1)
    await server.send_message(target.general_channel_id, fx.MEMBER_ID, "!city Seattle")
    record = await server.invoke_slash("city", {"name": "Seattle"}, guild=town(server, 2))
    expected = await markers(server, range(SHARDS))
    for shard, client in enumerate(clients):
        if shard == 1:
            message = await next_message(client)
            assert message["content"] == "!city Seattle"
            assert message["guild_id"] == str(target.id)
            assert message["member"]["roles"] == []
        if shard == 2:
            event, interaction = await client.next_event()
            assert event == "INTERACTION_CREATE" and interaction["id"] == str(record.id)
            assert interaction["guild_id"] == str(town(server, 2).id)
            assert interaction["channel_id"] == str(town(server, 2).general_channel_id)
        assert (await next_message(client))["content"] == expected[shard]


async def test_dms_reach_shard_0_only(server: FakeDiscord, connect: Connect) -> None:
    clients = [await identified(connect, shard) for shard in range(SHARDS)]
    dm = server.dm_channel(fx.MEMBER_ID)
    await server.send_message(dm, fx.MEMBER_ID, "!city Seattle")
    record = await server.invoke_slash("city", {"name": "Seattle"}, guild=False)
    expected = await markers(server, range(SHARDS))
    message = await next_message(clients[0])
    assert message["channel_id"] == str(dm) and "guild_id" not in message
    event, interaction = await clients[0].next_event()
    assert event == "INTERACTION_CREATE" and interaction["id"] == str(record.id)
    assert "guild_id" not in interaction
    for shard, client in enumerate(clients):
        assert (await next_message(client))["content"] == expected[shard]


async def test_two_sessions_on_one_shard_both_get_its_events(
    server: FakeDiscord, connect: Connect
) -> None:
    first, second = await identified(connect, 1), await identified(connect, 1)
    other = await identified(connect, 0)
    assert first.session_id != second.session_id
    assert server.connected_shards() == {0: 1, 1: 2}
    assert server.gateway.identify_counts[1] == 2
    await server.send_message(town(server, 1).general_channel_id, fx.MEMBER_ID, "twice")
    expected = await markers(server, [0])
    assert (await next_message(first))["content"] == "twice"
    assert (await next_message(second))["content"] == "twice"
    assert (await next_message(other))["content"] == expected[0]

    # A process killed: its TCP connection closes, and its session stops counting.
    second.cut()
    await server.wait_connected_shards({0: 1, 1: 1}, TIMEOUT)
    await first.close(1000)
    await server.wait_connected_shards({0: 1}, TIMEOUT)
    assert not server.gateway.shard_ready(1) and server.gateway.shard_ready(0)


@pytest.mark.parametrize(
    ("shard", "code"),
    [([4, 4], 4010), ([-1, 4], 4010), ([0, 8], 4010), ([0, 2], 4011), (None, 4011),
     ("0,4", 4010)],
)
async def test_a_bad_shard_is_closed(
    server: FakeDiscord, connect: Connect, shard: Any, code: int
) -> None:
    client = await connect()
    await client.ws.send_json({"op": 2, "d": {"token": "t", "intents": 0, "shard": shard}})
    assert await client.close_code() == code
    assert server.gateway.current.close_code == code
    assert server.gateway.sessions == {} and server.connected_shards() == {}


async def test_unsharded_server_takes_no_shard_or_shard_0_of_1() -> None:
    fake = FakeDiscord()
    await fake.start()
    try:
        async with aiohttp.ClientSession() as http:
            plain = await RawGateway.connect(http, fake.gateway_url)
            ready, created = await plain.identify(None)
            assert ready["shard"] == [0, 1] and created == [fx.GUILD_ID]
            explicit = await RawGateway.connect(http, fake.gateway_url)
            await explicit.identify([0, 1])
            assert fake.connected_shards() == {0: 2}
            too_many = await RawGateway.connect(http, fake.gateway_url)
            await too_many.ws.send_json({"op": 2, "d": {"token": "t", "shard": [0, 2]}})
            assert await too_many.close_code() == 4010
            for client in (plain, explicit):
                await client.close()
    finally:
        await fake.stop()


async def test_resume_keeps_the_shard_and_replays_only_to_it(
    server: FakeDiscord, connect: Connect
) -> None:
    away = await identified(connect, 2)
    session_id, seq = away.session_id, away.seq
    assert session_id is not None
    await away.close(4000)  # a resumable close: the session waits
    await server.wait_connected_shards({}, TIMEOUT)
    await server.send_message(town(server, 2).general_channel_id, fx.MEMBER_ID, "missed")

    fresh = await identified(connect, 2)  # a new session gets none of the old events
    back = await connect()
    await back.resume(session_id, seq)
    assert (await next_message(back))["content"] == "missed"
    assert await back.next_event() == ("RESUMED", {})
    assert server.gateway.current.shard == 2 and server.gateway.resume_counts == {2: 1}
    assert server.connected_shards() == {2: 2}
    expected = await markers(server, [2])
    assert (await next_message(fresh))["content"] == expected[2]
    assert (await next_message(back))["content"] == expected[2]

    # Closing with 1000 ends a session: it cannot be resumed.
    await back.close(1000)
    again = await connect()
    await again.resume(session_id, back.seq)
    assert await again.next_frame() == {"op": 9, "d": False, "s": None, "t": None}


async def test_controls_act_on_the_shard_asked_for(server: FakeDiscord, connect: Connect) -> None:
    clients = [await identified(connect, shard) for shard in range(SHARDS)]
    await server.wait_ready(TIMEOUT)
    await server.sync_with_bot(TIMEOUT)  # a round trip on all four sessions
    await server.sync_with_bot(TIMEOUT, shard=2)

    await server.send_reconnect(shard=2)
    assert (await clients[2].next_frame())["op"] == 7
    assert not server.gateway.connected.is_set() and not server.gateway.shard_ready(2)
    await server.invalidate_session(resumable=False, shard=3)
    assert (await clients[3].next_frame()) == {"op": 9, "d": False, "s": None, "t": None}
    assert server.gateway.sessions_of(3) == []

    await server.drop_connection(4000, shard=1)
    assert await clients[1].close_code() == 4000
    await server.drop_connection(abrupt=True, shard=0)
    await server.wait_connected_shards({2: 1}, TIMEOUT)
    # Events for the dropped shards wait for their sessions' RESUME; shard 2 still hears its own.
    expected = await markers(server, range(SHARDS))
    assert (await next_message(clients[2]))["content"] == expected[2]
    for shard in (0, 1):
        [kept] = server.gateway.sessions_of(shard)
        assert kept.connection is None and kept.history[-1]["d"]["content"] == expected[shard]

    zombie = server.gateway.stop_acking_heartbeats(shard=2)
    assert zombie is server.gateway.sessions_of(2)[0].connection
    beats, acked = zombie.heartbeats, zombie.acked
    await clients[2].ws.send_json({"op": 1, "d": clients[2].seq})
    await server.gateway.wait_shards(lambda: zombie.heartbeats > beats, TIMEOUT, "a heartbeat")
    assert zombie.acked == acked  # counted, never acknowledged


async def test_a_guild_added_later_is_announced_on_its_shard(
    server: FakeDiscord, connect: Connect
) -> None:
    clients = [await identified(connect, shard) for shard in (0, 1)]
    joined = await server.add_guild(shard=1, name="Late Town")
    expected = await markers(server, [0])
    event, data = await clients[1].next_event()
    assert event == "GUILD_CREATE" and data["id"] == str(joined.id)
    assert data["name"] == "Late Town" and joined is not town(server, 1)
    assert (await next_message(clients[0]))["content"] == expected[0]
    with pytest.raises(LookupError):  # a channel of one guild, said to be in another
        await server.invoke_slash("city", channel_id=joined.general_channel_id,
                                  guild=town(server, 0))
    with pytest.raises(ValueError):
        await server.add_guild(guild_id=joined.id)
