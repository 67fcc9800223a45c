"""`citybot ask`: exit statuses scripts can test, picks as commands, a closed pipe, options."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUBCOMMANDS = ("run", "console", "ask", "digest", "export", "import", "backup")


def _env() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    return {**environment, "PYTHONPATH": str(ROOT)}


def citybot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True,
                          text=True, timeout=60, cwd=cwd, env=_env())


def test_exit_status_tells_an_answer_from_a_miss_and_an_error(tmp_path: Path) -> None:
    base = ("--env-file", "none.env", "--database", "c.db", "ask")
    assert citybot(*base, "city Seattle", cwd=tmp_path).returncode == 0
    for line in ("city Xqzzyv Nowhere", "frobnicate Seattle", "city seattel port", "   "):
        done = citybot(*base, line, cwd=tmp_path)
        assert done.returncode == 1, (line, done.stdout)
        assert "Traceback" not in done.stderr


def test_a_pick_is_offered_as_the_command_to_run(tmp_path: Path) -> None:
    done = citybot("--env-file", "none.env", "--database", "c.db", "ask", "city seattel port",
                   cwd=tmp_path)
    assert done.returncode == 1
    assert "Type a number" not in done.stdout
    commands = re.findall(r"^\s+(citybot .*ask .*)$", done.stdout, re.MULTILINE)
    assert commands, done.stdout
    argv = shlex.split(commands[0])
    assert argv[:5] == ["citybot", "--env-file", "none.env", "--database", "c.db"]
    picked = citybot(*argv[1:], cwd=tmp_path)  # as printed, it shows the entry
    assert picked.returncode == 0, picked.stdout
    assert picked.stdout.startswith("Seattle, Washington")


@pytest.mark.parametrize("attempt", range(3))
def test_a_reader_that_goes_away_gets_no_traceback(tmp_path: Path, attempt: int) -> None:
    """`citybot ask help | head -1`, with the reader gone before the first write."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--env-file", "none.env", "--database", "c.db", "ask",
         "help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, env=_env())
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    error = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert "Traceback" not in error and "BrokenPipe" not in error, error


def test_options_work_before_and_after_the_subcommand(tmp_path: Path) -> None:
    (tmp_path / "x.env").write_text("COMMAND_PREFIX=?\n")
    after = citybot("ask", "--database", "after.db", "--env-file", "x.env", "help",
                    cwd=tmp_path)
    assert after.returncode == 0, after.stderr
    assert (tmp_path / "after.db").exists() and not (tmp_path / "citybot.db").exists()
    assert "?city" in after.stdout  # the settings file was read
    before = citybot("--database", "before.db", "ask", "about", cwd=tmp_path)
    assert before.returncode == 0 and (tmp_path / "before.db").exists()
    both = citybot("--database", "no.db", "ask", "--database", "yes.db", "about",
                   cwd=tmp_path)
    assert both.returncode == 0 and (tmp_path / "yes.db").exists()


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommands_help_lists_the_common_options(tmp_path: Path,
                                                         command: str) -> None:
    done = citybot(command, "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "--env-file" in done.stdout and "--database" in done.stdout
