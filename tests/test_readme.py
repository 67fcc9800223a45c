"""The README's promises that can drift: its commands, CI's command, the invite permissions."""

from __future__ import annotations

import re
from pathlib import Path

import discord

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _first_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README)[:2]


def test_readme_opens_with_run_and_test_commands() -> None:
    run, test = _first_commands()
    assert "pip install ." in run and "citybot console" in run
    assert "pytest" in test


def test_ci_runs_the_readmes_test_command() -> None:
    _, test = _first_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.replace("pip install -q", "pip install")  # -q only quiets CI's log


def test_invite_permissions_integer() -> None:
    expected = discord.Permissions(
        view_channel=True, send_messages=True, send_messages_in_threads=True, embed_links=True,
        attach_files=True, read_message_history=True,
    ).value
    assert f"permissions={expected}" in README
    assert f"`{expected}`" in README


def test_env_example_lists_every_setting() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    names = set(re.findall(r"^([A-Z_]+)=", example, flags=re.M))
    source = (ROOT / "bot" / "settings.py").read_text(encoding="utf-8")
    used = set(re.findall(r'get\("([A-Z_]+)"\)', source))
    assert used <= names
