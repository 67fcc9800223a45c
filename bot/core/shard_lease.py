"""Exactly one live process per shard: take the shards' leases, keep them, give them back.

A process that finds its shards leased by a live process waits as a standby (its index kept
current by the change feed meanwhile) and takes them over once the holder's lease expires:
after a SIGKILL or a power cut, within `ttl` plus one retry. The holder renews every
`ttl / 3`; if it cannot renew before its lease runs out (a stalled process, a store it
cannot reach), another process may already hold the shards, so it must stop serving them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable

from bot.core.errors import StoreBusy
from bot.core.partition import Partition
from bot.core.store import Store
from bot.core.store.leases import LeaseTaken

log = logging.getLogger(__name__)

DEFAULT_TTL = 30.0


def holder_name() -> str:
    """Who holds a lease: readable in a log, unique even for a restarted process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def died_here(holder: str) -> bool:
    """A holder that ran on this machine and whose process is gone (a crash, then a restart
    here): its lease need not run out first. A holder elsewhere can't be checked."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists (another user's); alive
        return False
    return False


class ShardLease:
    def __init__(self, store: Store, partition: Partition, *, ttl: float = DEFAULT_TTL,
                 holder: str | None = None, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.shards = partition.shards
        self.shard_count = partition.shard_count or 1
        self.what = partition.describe()
        self.ttl = ttl
        self.holder = holder or holder_name()
        self.clock = clock
        self.held_until = 0.0

    async def try_take(self) -> bool:
        now = self.clock()
        try:
            await self.store.take_leases(self.shards, self.shard_count, self.holder, now,
                                         self.ttl)
        except LeaseTaken as taken:
            dead = sorted({h for h in taken.holders.values() if died_here(h)})
            if not dead:
                return False
            try:
                await self.store.take_leases(self.shards, self.shard_count, self.holder, now,
                                             self.ttl, dead)
            except LeaseTaken:
                return False
            log.info("%s: took over from %s, whose process on this machine is gone",
                     self.what, ", ".join(dead))
        self.held_until = now + self.ttl
        return True

    async def wait_for(self, stopping: asyncio.Event) -> bool:
        """Take the leases, waiting as a standby while a live process holds them; False if
        `stopping` is set first."""
        told = False
        while not stopping.is_set():
            try:
                if await self.try_take():
                    if told:
                        log.info("took over %s: their holder stopped renewing", self.what)
                    return True
            except StoreBusy:
                pass  # try again at the next round
            if not told:
                holders = await self.store.lease_holders()
                names = sorted({holders[s][0] for s in self.shards if s in holders})
                log.info("%s: served by another live process (%s); waiting as a standby",
                         self.what, ", ".join(names) or "?")
                told = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=max(self.ttl / 6, 0.5))
        return False

    async def keep(self, on_lost: Callable[[], object]) -> None:
        """Renew until cancelled; call `on_lost` once if the leases cannot be kept."""
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                if await self.try_take():
                    continue
                log.error("%s: the lease was taken by another process; stopping so that no "
                          "command is answered twice", self.what)
            except StoreBusy:
                if self.clock() < self.held_until - self.ttl / 3:
                    continue  # still time for the next renewal
                log.error("could not renew the lease on %s in time; stopping", self.what)
            on_lost()
            return

    async def release(self) -> None:
        """Give the shards back at once (a clean stop), so a standby need not wait."""
        try:
            await self.store.release_leases(self.shards, self.holder)
        except StoreBusy:
            log.warning("could not release the lease on %s; it expires in %.0f s", self.what,
                        self.ttl)
