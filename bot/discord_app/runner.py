"""`citybot run`: start the bot from settings, stop cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import discord

from bot.discord_app.app import CityBot
from bot.discord_app.endpoints import apply_endpoints
from bot.settings import Settings

log = logging.getLogger(__name__)


async def run_bot(settings: Settings) -> int:
    """Runs until stopped; returns the process exit status."""
    assert settings.discord_token
    from bot.core.bootstrap import start_core  # looked up here: a test harness may wrap it

    # The store is opened and checked before Discord is reached: a database the bot cannot
    # use raises StoreUnusable here (one line, exit status 2, nothing logged in to).
    core = await start_core(settings.database_path, settings.command_prefix)
    apply_endpoints(settings.discord_api_base, settings.discord_gateway_url)
    bot = CityBot(settings, core=core)  # bot.close() closes the core
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
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
    except Exception:
        # Logged, not left to Python's default hook, so the traceback passes through the
        # logging filter that scrubs the token (an error message may quote it).
        log.exception("the bot stopped on an unexpected error")
        return 1
    log.info("stopped")
    return 0
