"""Settings: read once from .env and the environment, never at import; the token never logged."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from bot.logging_setup import RedactFilter
from bot.settings import SettingsError, load_settings, settings_from_mapping


def test_defaults() -> None:
    settings = settings_from_mapping({})
    assert settings.discord_token is None
    assert settings.command_prefix == "!"
    assert settings.database_path == Path("citybot.db")
    assert settings.dev_guild_id is None


def test_env_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("DISCORD_TOKEN=abc\nCOMMAND_PREFIX=?\nDEV_GUILD_ID=42\nOWNER_IDS=1, 2\n")
    monkeypatch.setenv("COMMAND_PREFIX", "$")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    settings = load_settings(env)
    assert settings.discord_token == "abc"
    assert settings.command_prefix == "$"
    assert settings.dev_guild_id == 42
    assert settings.owner_ids == frozenset({1, 2})
    assert "abc" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEV_GUILD_ID", "x"), ("OWNER_IDS", "me"), ("LOG_LEVEL", "LOUD"),
     ("LOOKUP_COOLDOWN_SECONDS", "soon"), ("DISCORD_CONNECT_SECONDS", "0"),
     ("DISCORD_CONNECT_SECONDS", "inf"), ("DISCORD_TOKEN", "abc\ndef"),
     ("DISCORD_TOKEN", "abc\tdef"), ("DISCORD_TOKEN", "abc\x7f")],
)
def test_bad_values_name_the_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        settings_from_mapping({name: value})


def test_a_token_refused_for_a_control_character_is_not_quoted() -> None:
    with pytest.raises(SettingsError) as refused:
        settings_from_mapping({"DISCORD_TOKEN": "Xq7aa\nZp9bb"})
    assert "Xq7aa" not in str(refused.value) and "Zp9bb" not in str(refused.value)
    # Line ends around it are a pasting habit, not part of the token: taken off.
    assert settings_from_mapping({"DISCORD_TOKEN": "abc\n"}).discord_token == "abc"
    assert settings_from_mapping({}).discord_connect_seconds == 60.0


def test_the_token_is_scrubbed_from_logs() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter(["s3cret.token"]))
    logger = logging.getLogger("test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("login with %s", "s3cret.token")
        try:
            raise RuntimeError("bad token s3cret.token")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "s3cret.token" not in output
    assert "login with [redacted]" in output
    assert "RuntimeError: bad token [redacted]" in output


def test_heartbeat_timeout_reaches_discord_py() -> None:
    from bot.discord_app.app import CityBot

    assert settings_from_mapping({}).heartbeat_timeout == 60.0  # discord.py's own default
    settings = settings_from_mapping({"DISCORD_HEARTBEAT_TIMEOUT": "2.5"})
    assert settings.heartbeat_timeout == 2.5
    assert CityBot(settings)._connection.heartbeat_timeout == 2.5


@pytest.mark.parametrize("value", ["soon", "0", "-1", "nan", "inf"])
def test_heartbeat_timeout_must_be_positive_seconds(value: str) -> None:
    with pytest.raises(SettingsError, match="DISCORD_HEARTBEAT_TIMEOUT"):
        settings_from_mapping({"DISCORD_HEARTBEAT_TIMEOUT": value})


@pytest.mark.parametrize(
    ("name", "value"),
    [("LOOKUP_COOLDOWN_RATE", "-5"), ("LOOKUP_COOLDOWN_RATE", "1.5"),
     ("LOOKUP_COOLDOWN_SECONDS", "-10"), ("LOOKUP_COOLDOWN_SECONDS", "0"),
     ("LOOKUP_COOLDOWN_SECONDS", "nan"), ("LOOKUP_COOLDOWN_SECONDS", "inf"),
     ("LOOKUP_COOLDOWN_SECONDS", "-inf")],
)
def test_a_cooldown_that_makes_no_sense_is_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        settings_from_mapping({name: value})


def test_cooldown_rate_zero_turns_it_off_and_the_defaults_hold() -> None:
    off = settings_from_mapping({"LOOKUP_COOLDOWN_RATE": "0"})
    assert off.lookup_cooldown_rate == 0
    assert off.lookup_cooldown_per == 10.0
    tuned = settings_from_mapping({"LOOKUP_COOLDOWN_RATE": "3", "LOOKUP_COOLDOWN_SECONDS": "2.5"})
    assert (tuned.lookup_cooldown_rate, tuned.lookup_cooldown_per) == (3, 2.5)


@pytest.mark.parametrize("value", ["-5", "0", "nan", "inf"])
def test_citybot_refuses_a_bad_cooldown_with_one_line(tmp_path: Path, value: str) -> None:
    """The real command line: exit status 2, one line naming the setting, no traceback, and
    no database made."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOOKUP_", "DATABASE_"))}
    env["LOOKUP_COOLDOWN_SECONDS"] = value
    database = tmp_path / "citybot.db"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", str(tmp_path / "none.env"),
         "--database", str(database), "ask", "cities"],
        cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "LOOKUP_COOLDOWN_SECONDS" in lines[0], done.stderr
    assert done.stdout == ""
    assert not database.exists()


@pytest.mark.parametrize(("values", "words"), [
    ({"DATABASE_URL": "mysql://u:s3cret@h/db"}, "DATABASE_URL must be a postgresql://"),
    ({"DATABASE_URL": "postgresql://u:s3cret@h:99999/db"}, "cannot be read as a URL"),
    ({"DATABASE_PATH": "postgresql://u:s3cret@h/db"}, "goes in DATABASE_URL"),
    ({"DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE must be 1 to 100"),
])
def test_database_settings_that_cannot_work_are_one_line_without_the_password(
        values: dict[str, str], words: str) -> None:
    with pytest.raises(SettingsError, match=words) as raised:
        settings_from_mapping(values)
    assert "s3cret" not in str(raised.value)


def test_database_url_wins_over_the_file() -> None:
    settings = settings_from_mapping({"DATABASE_URL": "postgresql://u:pw@h/db",
                                      "DATABASE_PATH": "x.db"})
    assert str(settings.database().location) == "postgresql://u:pw@h/db"
    assert "pw" not in repr(settings) and "pw" not in str(settings.database())


def test_index_snapshot_setting(tmp_path: Path) -> None:
    default = settings_from_mapping({"DATABASE_PATH": str(tmp_path / "c.db")}).database()
    assert default.snapshot_path() == tmp_path / "c.db.index"  # beside the SQLite file
    assert settings_from_mapping({"INDEX_SNAPSHOT": "off"}).database().snapshot_path() is None
    chosen = settings_from_mapping({"INDEX_SNAPSHOT": str(tmp_path / "i"),
                                    "DATABASE_URL": "postgresql://u@h/db"}).database()
    assert chosen.snapshot_path() == tmp_path / "i"  # PostgreSQL: only where it is set
    with pytest.raises(SettingsError, match="INDEX_SNAPSHOT"):
        settings_from_mapping({"INDEX_SNAPSHOT": "s3://bucket/index"})
