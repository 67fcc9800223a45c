"""The console: parsing, answers as text, and the real `citybot` process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.console.session import ConsoleSession, parse_line
from bot.core.bootstrap import Core

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("!city Seattle", ("city", "Seattle")),
        ("/city  Seattle ", ("city", "Seattle")),
        ("city Seattle", ("city", "Seattle")),
        ("QUOTE not our job", ("quote", "not our job")),
        ("cities", ("cities", "")),
        ("   ", None),
        ("!", None),
    ],
)
def test_parse_line(line: str, parsed: tuple[str, str] | None) -> None:
    assert parse_line(line) == parsed


async def test_same_answers_as_chat(core: Core) -> None:
    session = ConsoleSession(core)
    text = await session.reply("!city Seatle")
    assert text is not None and text.startswith("Seattle, Washington")
    assert "Ed Murray" in text


async def test_a_number_picks_from_did_you_mean(core: Core) -> None:
    session = ConsoleSession(core)
    text = await session.reply("city seattel port")
    assert text is not None and "1. Seattle" in text
    picked = await session.reply("1")
    assert picked is not None and picked.startswith("Seattle, Washington")


def _citybot(*args: str, tmp_path: Path, stdin: str = "", env: dict[str, str] | None = None,
             ) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", str(tmp_path / "none.env"),
         "--database", str(tmp_path / "c.db"), *args],
        input=stdin, capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(ROOT)},
    )


def test_piped_console_reads_until_quit(tmp_path: Path) -> None:
    done = _citybot("console", tmp_path=tmp_path, stdin="official rahm\n\nquit\ncity Seattle\n")
    assert done.returncode == 0, done.stderr
    assert "Rahm Emanuel" in done.stdout
    assert "Seattle, Washington" not in done.stdout
    assert "> " not in done.stdout  # no prompt when nobody types


def test_console_process(tmp_path: Path) -> None:
    done = _citybot("console", tmp_path=tmp_path,
                    stdin="!city Philly\nquote warm and welcoming\nnonsense\n")
    assert done.returncode == 0, done.stderr
    assert "Philadelphia, Pennsylvania" in done.stdout
    assert "Megan Barry" in done.stdout
    assert "There is no command" in done.stdout
    assert "Traceback" not in done.stderr


def test_ask_answers_once(tmp_path: Path) -> None:
    done = _citybot("ask", "quote emanuel", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Statements of Rahm Emanuel" in done.stdout
    assert "You are safe in Chicago" in done.stdout


def test_run_without_a_token_says_what_to_do(tmp_path: Path) -> None:
    done = _citybot("run", tmp_path=tmp_path)
    assert done.returncode == 2
    assert "DISCORD_TOKEN" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_bad_setting_is_one_line(tmp_path: Path) -> None:
    done = _citybot("ask", "cities", tmp_path=tmp_path, env={"DEV_GUILD_ID": "not-a-number"})
    assert done.returncode == 2
    assert "DEV_GUILD_ID" in done.stderr and "Traceback" not in done.stderr


async def test_console_help_lists_the_moderation_commands_it_accepts(core: Core) -> None:
    session = ConsoleSession(core)
    text = await session.reply("help")
    assert text is not None and "Moderation" in text
    for usage in ("add city|official|statement", "edit city|official|statement",
                  "alias add|remove", "history [city|official|statement", "undo", "review"):
        assert usage in text, usage
    assert "speaker:" in text and "text:" in text and "where:" in text
    assert text == await ConsoleSession(core).reply("help")  # the same every time
    # What help offers works as typed.
    added = await session.reply("add city name: Helpville state: Ohio")
    assert added is not None and "Helpville" in added
    assert "Helpville" in (await session.reply("history") or "")
