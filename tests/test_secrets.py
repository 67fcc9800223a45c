"""The token stays secret: never in a log line, an error or a traceback; `.env` never in git.

The process tests run the real ``python -m bot run`` with a recognisable token against the
fake Discord on 127.0.0.1 (tests/e2e/fake_discord), made to refuse the token or fail otherwise,
and read everything the process printed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.settings import settings_from_mapping
from tests.e2e.conftest import BotProcess, bad_log_lines
from tests.e2e.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]
# Shaped like a real bot token (id.timestamp.hmac), so nothing treats it as special.
SECRET = "MTEwMDAwMDAwMDAwMDAwMDAx.GsEcRt.do-not-leak-this-token_0123456789"
RUN_TIMEOUT = 30.0
# A Discord bot token: base64 user id, a dot, 6+ characters, a dot, 27+ characters.
TOKEN_SHAPE = re.compile(r"[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,}")


# `python -m bot` whose slash-command sync fails with an error quoting the token.
CRASHING_ENTRY = (
    "-c",
    "import os, sys, bot.discord_app.app as app\n"
    "async def sync(self): raise RuntimeError('sync failed for ' + os.environ['DISCORD_TOKEN'])\n"
    "app.CityBot.sync_commands = sync\n"
    "from bot.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n",
)


async def run_until_exit(
    server: FakeDiscord, workdir: Path, entry: tuple[str, ...] = ("-m", "bot"), **env: str
) -> tuple[int, str]:
    """Start `citybot run` with the secret token; return its exit status and all its output."""
    bot = BotProcess(server, workdir, {"DISCORD_TOKEN": SECRET, **env}, entry)
    return await bot.run_to_exit(RUN_TIMEOUT)


@pytest.mark.parametrize("refusal", ["gateway 4004", "REST 401"])
async def test_a_refused_token_exits_2_with_one_clear_line(
    server: FakeDiscord, tmp_path: Path, refusal: str
) -> None:
    """Discord refuses the token at login (REST 401 -> LoginFailure) or at IDENTIFY (close
    code 4004 -> ConnectionClosed): one error line that says what to do, no traceback, no token.
    """
    if refusal == "REST 401":
        server.rejected_tokens.add(SECRET)
    else:
        server.gateway.close_on_identify = 4004
    status, output = await run_until_exit(server, tmp_path)
    assert status == 2, output
    assert SECRET not in output
    assert "Traceback" not in output
    errors = bad_log_lines(output)
    assert len(errors) == 1, output
    assert "Discord refused the token: check DISCORD_TOKEN" in errors[0]
    if refusal == "gateway 4004":
        identify = next(f for f in server.gateway.received if f.get("op") == 2)
        assert identify["d"]["token"] == SECRET  # the refusal really came at IDENTIFY


async def test_an_unexpected_crash_is_logged_with_the_token_scrubbed(
    server: FakeDiscord, tmp_path: Path
) -> None:
    """An error whose message quotes the token ends the process with status 1 and a traceback
    that went through the log filter."""
    status, output = await run_until_exit(server, tmp_path, CRASHING_ENTRY)
    assert status == 1, output
    assert SECRET not in output
    assert "the bot stopped on an unexpected error" in output
    assert "Traceback" in output and "sync failed for [redacted]" in output  # details kept


async def test_a_database_path_quoting_the_token_is_one_scrubbed_line(
    server: FakeDiscord, tmp_path: Path
) -> None:
    """DATABASE_PATH under a file named like the token: one line, exit 2, token scrubbed."""
    blocker = tmp_path / SECRET
    blocker.write_text("")
    status, output = await run_until_exit(
        server, tmp_path, DATABASE_PATH=str(blocker / "citybot.db")
    )
    assert status == 2, output
    assert SECRET not in output and "Traceback" not in output
    assert output.strip().count("\n") == 0 and "[redacted]" in output, output
    assert server.requests == []


def test_settings_never_show_the_token() -> None:
    settings = settings_from_mapping({"DISCORD_TOKEN": SECRET})
    assert settings.discord_token == SECRET
    assert SECRET not in repr(settings) and SECRET not in str(settings)


def test_dotenv_is_ignored_by_git() -> None:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and the repository")
    ignored = subprocess.run(
        [git, "check-ignore", "--quiet", ".env"], cwd=ROOT, timeout=10, check=False
    )
    assert ignored.returncode == 0, ".env is not in .gitignore"
    tracked = subprocess.run(
        [git, "ls-files", "--", ".env"], cwd=ROOT, timeout=10, check=True,
        capture_output=True, text=True,
    )
    assert tracked.stdout.strip() == "", ".env is committed"


def test_env_example_holds_no_token() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    values = dict(re.findall(r"^([A-Z_]+)=(.*)$", example, flags=re.M))
    assert values["DISCORD_TOKEN"].strip() == ""
    assert not TOKEN_SHAPE.search(example)
    assert TOKEN_SHAPE.fullmatch(SECRET)  # the pattern would catch one
