"""Fixtures for the end-to-end tests: the fake Discord on 127.0.0.1 and the real bot process.

The bot runs exactly as a user starts it (``python -m bot --env-file … run``), pointed at the
fake server through its settings. One server and one bot process serve a whole test module
(``fake_discord`` and ``bot_process``, module-scoped on the module's event loop); the
``e2e_clean`` fixture checks after every test that the server saw nothing Discord would refuse
and that the bot logged no error or traceback meanwhile.

The names differ from ``test_fake_discord.py``'s own ``server`` and ``bot`` fixtures on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import pytest
import pytest_asyncio

from bot.core.dataset import parse_dataset
from bot.core.store import Store
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord import fixtures as fx

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "fake-token"
START_TIMEOUT = 20.0  # a cold start on a slow CI core: imports, migrations, seeding
STOP_TIMEOUT = 10.0
# Every setting the bot reads: scrubbed from the inherited environment so that a developer's
# shell (or CI secrets) cannot change what the bot under test does.
SETTING_NAMES = (
    "DISCORD_TOKEN", "COMMAND_PREFIX", "DATABASE_PATH", "DEV_GUILD_ID", "LOG_LEVEL", "OWNER_IDS",
    "LOOKUP_COOLDOWN_RATE", "LOOKUP_COOLDOWN_SECONDS", "DISCORD_API_BASE", "DISCORD_GATEWAY_URL",
    "DISCORD_HEARTBEAT_TIMEOUT", "SHARD_COUNT", "SHARD_IDS", "SHARD_LEASE_SECONDS",
    "DISCORD_CONNECT_SECONDS", "DATABASE_URL", "DATABASE_POOL_SIZE", "DATABASE_CONNECT_SECONDS",
)

# A test-only speaker with more statements than one page holds (the renderer shows 10 fields a
# page, and nothing in the bundled article needs two pages). It is stored in the fake guild's
# own scope before the first start, the way a server's own entries are; the bot still seeds the
# bundled article itself on that first start.
PAGER_SPEAKER = "Quill Pagewright"
PAGER_STATEMENTS = 12
PAGER_DATASET = {
    "source": {
        "key": "e2e-pager",
        "title": "End-to-end test entries",
        "outlet": "citybot tests",
        "date": "2024-01-01",
    },
    "cities": [],
    "people": [{"key": "quill-pagewright", "name": PAGER_SPEAKER, "role": "Test speaker"}],
    "statements": [
        {
            "key": f"pagewright-{n}",
            "speaker": "quill-pagewright",
            "kind": "quote",
            "text": f"Remark number {n}, one of many that fill two pages",
            "where": f"test page line {n}",
            "when": "in the tests",
        }
        for n in range(1, PAGER_STATEMENTS + 1)
    ],
}


def bad_log_lines(text: str) -> list[str]:
    """Lines of a bot log that mean something went wrong."""
    return [line for line in text.splitlines() if "Traceback" in line or " ERROR " in line]


class BotProcess:
    """The bot as a subprocess; its stdout and stderr go to ``log_path`` (appended to across
    restarts, so offsets into it stay valid)."""

    def __init__(
        self, server: FakeDiscord, workdir: Path, env: dict[str, str] | None = None,
        entry: Sequence[str] = ("-m", "bot"),
    ) -> None:
        self.server = server
        self.workdir = workdir
        self.extra_env = dict(env or {})  # settings that differ from the defaults below
        # What python runs, before citybot's own arguments: `-m bot`, or a script that wraps
        # bot.cli.main (e.g. tests/e2e/clock_harness.py).
        self.entry = tuple(entry)
        self.database = workdir / "citybot.db"
        self.env_file = workdir / "empty.env"
        self.env_file.write_text("")
        self.log_path = workdir / "bot.log"
        self.log_path.touch()
        self.process: asyncio.subprocess.Process | None = None
        self.returncodes: list[int] = []

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
        env.update(
            DISCORD_TOKEN=TOKEN,
            DATABASE_PATH=str(self.database),
            DISCORD_API_BASE=self.server.api_base,
            DISCORD_GATEWAY_URL=self.server.gateway_url,
            LOOKUP_COOLDOWN_RATE="0",
            PYTHONPATH=str(REPO_ROOT),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def launch(self) -> None:
        """Start the bot process without waiting for anything (a standby never connects)."""
        assert not self.running, "the bot is already running"
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, *self.entry, "--env-file", str(self.env_file), "run",
                cwd=self.workdir, env=self.environment(),
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
            )

    async def run_to_exit(self, timeout: float = 30.0) -> tuple[int, str]:  # noqa: ASYNC109
        """Run `citybot run` until it exits by itself: its status and all it printed."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, *self.entry, "--env-file", str(self.env_file), "run",
            cwd=self.workdir, env=self.environment(), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        try:
            output, _ = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError(f"`citybot run` did not exit within {timeout}s") from None
        assert process.returncode is not None
        return process.returncode, output.decode("utf-8", "replace")

    async def kill(self) -> None:
        """SIGKILL: the process dies at once, as in a crash or a power cut."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        await self.process.wait()

    async def start(self) -> None:
        """Start the bot and wait until it identified on the gateway and synced its commands."""
        gateway = self.server.gateway
        identified = gateway.identify_count
        self.server.registered_commands.clear()  # so a restart must sync again
        await self.launch()
        try:
            await wait_until(
                lambda: gateway.identify_count > identified and gateway.connected.is_set(),
                START_TIMEOUT, "the bot to identify on the gateway", self,
            )
            await self.server.wait_for_commands(None, START_TIMEOUT)
        except BaseException:
            await self.stop(signal.SIGKILL)
            raise

    async def stop(self, sig: int = signal.SIGINT) -> int:
        """Signal the bot and wait for it to exit; returns its exit status."""
        process = self.process
        assert process is not None, "the bot was never started"
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                process.kill()
                await process.wait()
                raise AssertionError(f"the bot did not stop within {STOP_TIMEOUT}s") from None
            assert process.returncode is not None
            self.returncodes.append(process.returncode)
        return process.returncode  # type: ignore[return-value]

    def log(self, start: int = 0) -> str:
        return self.log_path.read_bytes()[start:].decode("utf-8", "replace")

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def row_counts(self) -> dict[str, int]:
        """Rows per content table, read straight from the SQLite file."""
        tables = ("sources", "cities", "city_facts", "officials", "aliases", "statements")
        with contextlib.closing(sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)) as db:
            return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


async def wait_until(
    check: Callable[[], bool], timeout: float, what: str, bot: BotProcess | None = None  # noqa: ASYNC109
) -> None:
    """Poll ``check`` until it holds; fail after ``timeout`` (early if the bot died)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if bot is not None and bot.process is not None and bot.process.returncode is not None:
            raise AssertionError(
                f"the bot exited with {bot.process.returncode} while waiting for {what}:\n"
                + bot.log()[-3000:]
            )
        if loop.time() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


async def stop_clean(bot: BotProcess) -> None:
    """Stop with SIGINT: exit 0, and nothing in its log that means something went wrong."""
    assert await bot.stop() == 0, bot.log()[-3000:]
    assert bad_log_lines(bot.log()) == [], bot.log()[-3000:]


async def shut_down(server: FakeDiscord, *bots: BotProcess) -> None:
    """After a test of several processes: kill what still runs, stop the server."""
    for bot in bots:
        if bot.running:
            await bot.kill()
    await server.stop()


async def add_pager_entries(database: Path) -> None:
    store = await Store.open(database)
    try:
        await store.insert_dataset(parse_dataset(PAGER_DATASET), guild_id=fx.GUILD_ID)
    finally:
        await store.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot_process(
    fake_discord: FakeDiscord,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> AsyncIterator[BotProcess]:
    """A test module may set ``BOT_ENV = {"SETTING": "value"}`` to start its bot differently
    (e.g. with the default lookup cooldown instead of none), and ``BOT_ENTRY`` to run another
    entry point than ``("-m", "bot")`` (e.g. the path of ``tests/e2e/clock_harness.py``)."""
    env = getattr(request.module, "BOT_ENV", None)
    entry = getattr(request.module, "BOT_ENTRY", ("-m", "bot"))
    bot = BotProcess(fake_discord, tmp_path_factory.mktemp("citybot"), env, entry)
    await add_pager_entries(bot.database)
    await bot.start()
    yield bot
    # SIGTERM here (the restart test uses SIGINT): both must stop the bot cleanly.
    status = await bot.stop(signal.SIGTERM) if bot.running else None
    log = bot.log()
    assert status in (None, 0), f"the bot exited with {status}:\n{log[-3000:]}"
    assert all(code == 0 for code in bot.returncodes), bot.returncodes
    assert bad_log_lines(log) == [], log[-3000:]
    assert TOKEN not in log
    assert fake_discord.violations == []


@pytest_asyncio.fixture(loop_scope="module")
async def e2e_clean(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> AsyncIterator[None]:
    """After the test: no new protocol violation, and no error or traceback in the bot's log."""
    violations = len(fake_discord.violations)
    offset = bot_process.log_size()
    yield
    await asyncio.sleep(0.05)  # let a failure the test's last step caused reach the log
    new_violations = fake_discord.violations[violations:]
    new_log = bot_process.log(offset)
    assert new_violations == [], new_violations
    assert bad_log_lines(new_log) == [], new_log[-3000:]
