"""Shard leases on a real store: one holder per shard, all or nothing, taken over on expiry."""

from __future__ import annotations

import asyncio

from bot.core.partition import Partition
from bot.core.shard_lease import ShardLease
from bot.core.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def test_one_holder_per_shard_until_its_lease_expires(store: Store) -> None:
    clock = Clock()
    first = ShardLease(store, Partition.of(4, [0, 1]), ttl=30, holder="a", clock=clock)
    second = ShardLease(store, Partition.of(4, [1, 2]), ttl=30, holder="b", clock=clock)
    assert await first.try_take()
    assert not await second.try_take()  # shard 1 is a's
    assert 2 not in await store.lease_holders()  # all or nothing: b did not keep shard 2
    clock.now += 20
    assert await first.try_take()  # a's heartbeat renews
    clock.now += 20
    assert not await second.try_take()  # renewed 20 s ago: still a's
    clock.now += 11
    assert await second.try_take()  # a stopped renewing 31 s ago
    assert {s: h for s, (h, _) in (await store.lease_holders()).items()} == {
        0: "a", 1: "b", 2: "b"}
    assert not await first.try_take()


async def test_a_clean_stop_gives_the_shards_back_at_once(store: Store) -> None:
    clock = Clock()
    first = ShardLease(store, Partition(), ttl=30, holder="a", clock=clock)
    second = ShardLease(store, Partition(), ttl=30, holder="b", clock=clock)
    assert await first.try_take() and not await second.try_take()
    await first.release()
    assert await second.try_take()


async def test_a_standby_waits_then_takes_over(store: Store) -> None:
    holder = ShardLease(store, Partition.of(2, None), ttl=0.6, holder="a")
    standby = ShardLease(store, Partition.of(2, None), ttl=0.6, holder="b")
    assert await holder.try_take()
    stopping = asyncio.Event()
    waiting = asyncio.ensure_future(standby.wait_for(stopping))
    await asyncio.sleep(0.3)
    assert not waiting.done()  # a's lease is live
    assert await asyncio.wait_for(waiting, 3.0)  # a never renews: b takes over
    assert {h for h, _ in (await store.lease_holders()).values()} == {"b"}


async def test_a_standby_stops_waiting_when_told_to(store: Store) -> None:
    assert await ShardLease(store, Partition(), ttl=30, holder="a").try_take()
    stopping = asyncio.Event()
    waiting = asyncio.ensure_future(ShardLease(store, Partition(), ttl=30,
                                               holder="b").wait_for(stopping))
    await asyncio.sleep(0.1)
    stopping.set()
    assert await asyncio.wait_for(waiting, 3.0) is False


async def test_a_holder_that_loses_its_lease_is_told(store: Store) -> None:
    clock = Clock()
    holder = ShardLease(store, Partition(), ttl=0.3, holder="a", clock=clock)
    assert await holder.try_take()
    clock.now += 10  # stalled past expiry: another process takes the shard
    assert await ShardLease(store, Partition(), ttl=30, holder="b", clock=clock).try_take()
    lost = asyncio.Event()
    await asyncio.wait_for(holder.keep(lost.set), 3.0)
    assert lost.is_set()


async def test_a_holder_that_died_on_this_machine_is_taken_over_at_once(store: Store) -> None:
    import socket

    gone = subprocess_pid_that_exited()
    here = f"{socket.gethostname()}:{gone}:abc123"
    elsewhere = f"another-host-{socket.gethostname()}:{gone}:abc123"
    clock = Clock()
    await store.take_leases([0], 1, elsewhere, clock.now, 30)
    assert not await ShardLease(store, Partition(), holder="b", clock=clock).try_take()
    await store.release_leases([0], elsewhere)
    await store.take_leases([0], 1, here, clock.now, 30)
    assert await ShardLease(store, Partition(), holder="b", clock=clock).try_take()


def subprocess_pid_that_exited() -> int:
    import subprocess
    import sys

    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                             capture_output=True, text=True, check=True)
    return int(process.stdout)
