"""Every command meets a database it cannot use with one line naming the path and the problem,
exit status 2, no traceback, and the file left as it was; `citybot run` never reaches Discord.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.store.base import migrations
from tests.bad_files import SPOILERS, digest, make_good_database, unwritable
from tests.e2e.conftest import SETTING_NAMES
from tests.e2e.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]
COMMANDS: dict[str, list[str]] = {
    "run": ["run"],
    "console": ["console"],
    "ask": ["ask", "city", "seattle"],
    "import": ["import", "entries.json"],
    "export": ["export", "entries.json"],
    "digest": ["digest", "--preview"],
}


def citybot(
    workdir: Path, database: Path, server: FakeDiscord, command: list[str], **options: object
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}
    env.update(DISCORD_TOKEN="fake-token", DISCORD_API_BASE=server.api_base,
               DISCORD_GATEWAY_URL=server.gateway_url, PYTHONPATH=str(ROOT))
    (workdir / "entries.json").write_text('{"cities": [], "people": [], "statements": []}')
    return subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", str(workdir / "none.env"),
         "--database", str(database), *command],
        cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=60, check=False, **options,  # type: ignore[call-overload]
    )


def assert_one_line(done: subprocess.CompletedProcess[str], database: Path, words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"citybot: {database}: ") and words in lines[0], lines[0]
    assert "Traceback" not in done.stdout + done.stderr


async def refused_unchanged(tmp_path: Path, server: FakeDiscord, case: str,
                            args: list[str]) -> None:
    """A database spoiled as `case`: the command says so in one line, leaves the file as it
    was, and `run` never reaches Discord (it checked the store before logging in)."""
    spoil, words = SPOILERS[case]
    database = tmp_path / "citybot.db"
    await make_good_database(database)
    spoil(database)
    before = digest(database)
    done = citybot(tmp_path, database, server, args)
    assert_one_line(done, database, words.format(known=len(migrations())))
    assert digest(database) == before
    assert server.requests == []


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", ["not a database", "newer schema", "truncated"])
async def test_every_command_refuses_a_bad_database(
    tmp_path: Path, server: FakeDiscord, command: str, case: str
) -> None:
    await refused_unchanged(tmp_path, server, case, COMMANDS[command])


@pytest.mark.parametrize("case", [c for c in SPOILERS
                                  if c not in ("not a database", "newer schema", "truncated")])
async def test_run_refuses_each_bad_database_before_discord(
    tmp_path: Path, server: FakeDiscord, case: str
) -> None:
    await refused_unchanged(tmp_path, server, case, ["run"])


async def test_run_refuses_a_read_only_database(tmp_path: Path, server: FakeDiscord) -> None:
    database = tmp_path / "citybot.db"
    await make_good_database(database)
    before = digest(database)
    with unwritable(database):
        done = citybot(tmp_path, database, server, ["run"])
    assert_one_line(done, database, "read-only")
    assert digest(database) == before and server.requests == []


async def test_run_refuses_a_folder_it_cannot_write_in(tmp_path: Path, server: FakeDiscord) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with unwritable(folder):
        done = citybot(tmp_path, folder / "citybot.db", server, ["run"])
    assert_one_line(done, folder / "citybot.db", "not writable")
    assert list(folder.iterdir()) == [] and server.requests == []


def _small_file_limit() -> None:  # in the child: files may not grow past 64 KiB ("disk full")
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


async def test_run_on_a_full_disk_is_one_line(tmp_path: Path, server: FakeDiscord) -> None:
    """Python ignores SIGXFSZ, so a write past the limit fails like a full disk's (EFBIG)."""
    database = tmp_path / "citybot.db"
    done = citybot(tmp_path, database, server, ["run"], preexec_fn=_small_file_limit)
    assert_one_line(done, database, "disk")
    assert server.requests == []
