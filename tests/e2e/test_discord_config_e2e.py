"""`citybot run` with Discord out of reach or misconfigured (issue 16, item 6): the real
process, its exit status and everything it printed.

Discord unreachable (its API, or its gateway) is tried again with back-off for
DISCORD_CONNECT_SECONDS (shrunk here), then one line says what to check and the process
exits 1; a DEV_GUILD_ID of a server the bot is not in is a warning and the bot goes on; a
token with a line break in it is refused before anything else (exit 2).
"""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import TOKEN, BotProcess, stop_clean
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.helpers import ask, only_embed

CONNECT_SECONDS = 4.0  # DISCORD_CONNECT_SECONDS for these tests (shipped: 60)
RUN_TIMEOUT = 30.0
VOICE = "voice will NOT be supported"  # discord.py's warnings at every start (no voice here)


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Dropper:
    """A TCP port that accepts and closes at once, counting the tries."""

    def __init__(self) -> None:
        self.tries = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Dropper:
        def drop(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.tries += 1
            writer.close()

        self._server = await asyncio.start_server(drop, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


async def run_until_exit(bot: BotProcess) -> tuple[int, str, float]:
    """Run `citybot run` to its end: exit status, all it printed, seconds it took."""
    started = time.monotonic()
    status, output = await bot.run_to_exit(RUN_TIMEOUT)
    return status, output, time.monotonic() - started


def one_line(output: str) -> str:
    """The process said exactly one thing at WARNING or above (INFO lines such as
    discord.py's "logging in" aside), with no traceback: that line."""
    assert "Traceback" not in output, output
    said = [line for line in output.splitlines()
            if (line.startswith("citybot:") or any(f" {level} " in line for level in
                                                   ("WARNING", "ERROR", "CRITICAL")))
            and VOICE not in line]
    assert len(said) == 1, output
    return said[0]


async def gives_up(server: FakeDiscord, workdir: Path, setting: str, value: str,
                   what: str) -> float:
    """`citybot run` with `setting` at `value`, which cannot be reached: exit 1 and one line
    that names it and the setting to check. Returns the seconds it took."""
    bot = BotProcess(server, workdir, {setting: value,
                                       "DISCORD_CONNECT_SECONDS": str(CONNECT_SECONDS)})
    status, output, took = await run_until_exit(bot)
    assert status == 1, output
    line = one_line(output)
    assert " ERROR " in line and f"Could not reach {what} at {value}" in line, line
    assert f"check the network and {setting}" in line, line
    assert took < CONNECT_SECONDS + 10, took  # for a bounded time, not for ever
    return took


async def test_an_unreachable_api_is_retried_then_one_line_and_exit_1(
    server: FakeDiscord, tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{closed_port()}/api/v10"
    took = await gives_up(server, tmp_path, "DISCORD_API_BASE", base, "Discord's API")
    assert took > 2.5, took  # tried again after 1 s, then after 2 s more


async def test_an_unreachable_gateway_is_retried_then_one_line_and_exit_1(
    server: FakeDiscord, tmp_path: Path
) -> None:
    async with Dropper() as gateway:
        url = f"ws://127.0.0.1:{gateway.port}/gateway"
        await gives_up(server, tmp_path, "DISCORD_GATEWAY_URL", url, "Discord's gateway")
    assert gateway.tries >= 3, gateway.tries  # with back-off in between
    # Logged in each time; the commands were synced once.
    assert server.requests.count("GET /users/@me") >= 2
    assert sum(r.startswith("PUT /applications/") for r in server.requests) == 1


async def test_a_dev_guild_the_bot_is_not_in_is_a_warning_and_it_goes_on(
    server: FakeDiscord, tmp_path: Path
) -> None:
    """Discord answers 403 Missing Access to a guild sync there; the bot answers anyway."""
    elsewhere = 1_100_000_000_000_009_999
    bot = BotProcess(server, tmp_path, {"DEV_GUILD_ID": str(elsewhere)})
    await bot.launch()
    try:
        await server.wait_ready(20.0)
        assert only_embed(await ask(server, "!city Seatle"))["title"] == "Seattle, Washington"
        assert f"PUT /applications/{fx.APP_ID}/guilds/{elsewhere}/commands" in server.requests
        await stop_clean(bot)  # exit 0, no error, no traceback
    finally:
        if bot.running:
            await bot.kill()
    warning = one_line(bot.log())
    assert " WARNING " in warning and f"DEV_GUILD_ID {elsewhere}" in warning, warning
    assert "403 Missing Access" in warning and "going on" in warning


@pytest.mark.parametrize("token", [f"{TOKEN}\nsecond-line", f"{TOKEN}\x1b[0m"])
async def test_a_token_with_a_control_character_is_refused_at_start(
    server: FakeDiscord, tmp_path: Path, token: str
) -> None:
    bot = BotProcess(server, tmp_path, {"DISCORD_TOKEN": token})
    status, output, _ = await run_until_exit(bot)
    assert status == 2, output
    line = one_line(output)
    assert line.startswith("citybot: DISCORD_TOKEN contains a line break or another control "
                           "character"), line
    assert TOKEN not in output
    assert server.requests == []  # refused before Discord was asked anything
