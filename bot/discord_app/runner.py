"""`citybot run`: open the store, take the shards' leases, run the bot; stop cleanly on
SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal

import aiohttp
import discord
import discord.gateway
import discord.http

from bot.core.bootstrap import Core
from bot.core.errors import StoreUnusable
from bot.core.partition import Partition
from bot.core.shard_lease import ShardLease
from bot.discord_app.app import CityBot, make_bot
from bot.discord_app.endpoints import apply_endpoints
from bot.settings import Settings

log = logging.getLogger(__name__)

# What "Discord could not be reached" looks like (no network, a refused port, DNS, a timeout,
# Discord's own 5xx): retried at start, with back-off, for DISCORD_CONNECT_SECONDS.
UNREACHABLE = (OSError, aiohttp.ClientError, TimeoutError, discord.GatewayNotFound,
               discord.DiscordServerError)
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 15.0


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
    core = await start_core(settings.database(), settings.command_prefix, partition,
                            long_running=True)
    apply_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    stopping = asyncio.Event()
    bots: list[CityBot] = []  # the one trying or running now is last
    closing: set[asyncio.Future[None]] = set()  # referenced until done

    def stop() -> None:
        if stopping.is_set():  # a second signal: leave now (SQLite's journal keeps the file whole)
            log.warning("second signal: exiting at once")
            logging.shutdown()
            os._exit(1)
        stopping.set()
        if bots:
            task = asyncio.ensure_future(bots[-1].close())
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
    try:
        return await _connect(settings, core, bots, stopping) if not lost else 1
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        await _release(lease, core, lost)


async def _release(lease: ShardLease, core: Core, lost: bool) -> None:
    if not lost:
        await lease.release()
    await core.close()


class Unreachable(Exception):
    """Discord could not be reached before the bot was first ready."""

    def __init__(self, what: str, setting: str, cause: BaseException) -> None:
        super().__init__(what)
        self.what, self.setting, self.cause = what, setting, cause


class _FirstConnect(logging.Filter):
    """Until the bot is first ready, discord.py's "Attempting a reconnect" (an ERROR with a
    traceback for each failed try at the gateway; "Failed to connect" for a shard) is kept
    here rather than logged: the runner retries, and says it in one line if it gives up."""

    LOGGERS = ("discord.client", "discord.shard")
    RETRYING = ("Attempting a reconnect", "Failed to connect for shard_id")

    def __init__(self) -> None:
        super().__init__()
        self.error: BaseException | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(self.RETRYING):
            return True
        if record.exc_info and record.exc_info[1] is not None:
            self.error = record.exc_info[1]
        return False


async def _connect(settings: Settings, core: Core, bots: list[CityBot],
                   stopping: asyncio.Event) -> int:
    """Log in and connect, trying again with back-off while Discord cannot be reached, for
    at most DISCORD_CONNECT_SECONDS; then serve until stopped. Returns the exit status."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.discord_connect_seconds
    delay = FIRST_RETRY_SECONDS
    synced = False
    while True:
        bot = make_bot(settings, core)
        bot.sync_on_start = not synced  # a retry does not sync the commands again
        bots.append(bot)
        try:
            return await _serve(bot, settings, deadline)
        except Unreachable as exc:
            synced = synced or bot.commands_synced
            log.debug("cannot reach %s (%s); next try in %.0f s", exc.what, exc.cause, delay)
            if loop.time() + delay >= deadline:
                log.error("Could not reach %s for %.0f s (%s): check the network and %s",
                          exc.what, settings.discord_connect_seconds, _reason(exc.cause),
                          exc.setting)
                return 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)
        if stopping.is_set():
            log.info("stopped")
            return 0
        delay = min(delay * 2, MAX_RETRY_SECONDS)


def _reason(error: BaseException) -> str:
    """An error in a few words: its message, or its kind when it has none."""
    return str(error).strip() or type(error).__name__


def _where(bot: CityBot) -> tuple[str, str]:
    """What could not be reached, and the setting that names it: the API until logged in."""
    if bot.user is None:
        return f"Discord's API at {discord.http.Route.BASE}", "DISCORD_API_BASE"
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    return f"Discord's gateway at {gateway}", "DISCORD_GATEWAY_URL"


async def _until_ready(bot: CityBot, token: str, deadline: float) -> asyncio.Future[None]:
    """Start `bot`; returns its running task once it is first ready. Raises Unreachable if
    Discord could not be reached by then (or by `deadline`); other failures as they are."""
    watch = _FirstConnect()
    for name in watch.LOGGERS:
        logging.getLogger(name).addFilter(watch)
    start = asyncio.ensure_future(bot.start(token))
    ready = asyncio.ensure_future(bot.wait_until_ready())
    try:
        remaining = max(deadline - asyncio.get_running_loop().time(), 0.0)
        await asyncio.wait({start, ready}, timeout=remaining,
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        for name in watch.LOGGERS:
            logging.getLogger(name).removeFilter(watch)
        ready.cancel()
    if bot.is_ready():
        return start
    if not start.done():
        if watch.error is None and (bot.ws is not None or getattr(bot, "shards", None)):
            return start  # connected, still receiving its servers: not a matter of reach
        start.cancel()  # discord.py is still trying to reach Discord: give up at the deadline
        with contextlib.suppress(asyncio.CancelledError, *UNREACHABLE):
            await start
        raise Unreachable(*_where(bot), watch.error or TimeoutError())
    error = start.exception()
    # discord.py's first try at the gateway ends in an AttributeError (it has no session to
    # resume yet) after the connection error it logged: that error is the one to report.
    if error is not None and (isinstance(error, UNREACHABLE) or watch.error is not None):
        raise Unreachable(*_where(bot), watch.error or error)
    return start  # stopped by a signal (done), or failed otherwise (raises when awaited)


async def _serve(bot: CityBot, settings: Settings, deadline: float) -> int:
    assert settings.discord_token
    try:
        async with bot:
            await (await _until_ready(bot, settings.discord_token, deadline))
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
