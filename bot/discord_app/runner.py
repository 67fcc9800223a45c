"""`citybot run`: open the store, take the shards' leases, run the bot; stop cleanly on
SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal

import discord

from bot.core.bootstrap import Core
from bot.core.errors import StoreUnusable
from bot.core.partition import Partition
from bot.core.shard_lease import ShardLease
from bot.discord_app.app import CityBot, make_bot
from bot.discord_app.endpoints import apply_endpoints
from bot.settings import Settings

log = logging.getLogger(__name__)


async def run_bot(settings: Settings) -> int:
    """Runs until stopped; returns the process exit status."""
    try:
        return await _run(settings)
    except StoreUnusable:
        raise  # the command line says it in one line (exit status 2)
    except Exception:
        # Logged, not left to Python's default hook, so the traceback passes through the
        # logging filter that scrubs the token (an error message may quote it).
        log.exception("the bot stopped on an unexpected error")
        return 1


async def _run(settings: Settings) -> int:
    assert settings.discord_token
    from bot.core.bootstrap import start_core  # looked up here: a test harness may wrap it

    partition = Partition.of(settings.shard_count, settings.shard_ids)
    # The store is opened and checked before Discord is reached: a database the bot cannot
    # use raises StoreUnusable here (one line, exit status 2, nothing logged in to).
    core = await start_core(settings.database(), settings.command_prefix, partition)
    apply_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    stopping = asyncio.Event()
    bot: CityBot | None = None
    closing: set[asyncio.Future[None]] = set()  # referenced until done

    def stop() -> None:
        if stopping.is_set():  # a second signal: leave now (SQLite's journal keeps the file whole)
            log.warning("second signal: exiting at once")
            logging.shutdown()
            os._exit(1)
        stopping.set()
        if bot is not None:
            task = asyncio.ensure_future(bot.close())
            closing.add(task)
            task.add_done_callback(closing.discard)

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop)
    # Followed from now on: a standby's index is current the moment it takes over.
    core.follow()
    lease = ShardLease(core.store, partition, ttl=settings.shard_lease_seconds)
    if not await lease.wait_for(stopping):
        await core.close()
        log.info("stopped")
        return 0
    lost = False

    def lease_lost() -> None:
        nonlocal lost
        lost = True
        stop()

    keeper = asyncio.ensure_future(lease.keep(lease_lost))
    bot = make_bot(settings, core)
    try:
        return await _serve(bot, settings) if not lost else 1
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        await _release(lease, core, lost)


async def _release(lease: ShardLease, core: Core, lost: bool) -> None:
    if not lost:
        await lease.release()
    await core.close()


async def _serve(bot: CityBot, settings: Settings) -> int:
    assert settings.discord_token
    try:
        async with bot:
            await bot.start(settings.discord_token)
    except discord.LoginFailure:
        log.error("Discord refused the token: check DISCORD_TOKEN in .env")
        return 2
    except discord.PrivilegedIntentsRequired:
        log.error("Enable the Message Content intent for the bot in the Discord developer portal")
        return 2
    except discord.ConnectionClosed as exc:  # a close code discord.py does not reconnect after
        if exc.code == 4004:  # "Authentication failed": the gateway refused the token
            log.error("Discord refused the token: check DISCORD_TOKEN in .env")
            return 2
        log.error("Discord closed the gateway connection with code %s; stopping", exc.code)
        return 1
    # Anything else reaches run_bot, which logs it through the token-scrubbing filter.
    log.info("stopped")
    return 0
