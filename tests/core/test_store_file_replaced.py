"""A database file deleted or replaced under the running store: no write is confirmed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core.bootstrap import Core
from bot.core.errors import StoreWritesStopped
from bot.core.moderation import Actor

SPEAKER = "Rahm Emanuel"


async def _add(core: Core, text: str) -> str:
    outcome = await core.moderation.add(
        Actor.console(None), "statement", {"speaker": SPEAKER, "text": text}
    )
    return outcome.answer.kind


def _take_away(db_path: Path, tmp_path: Path, how: str) -> None:
    if how == "removed":
        db_path.unlink()
    elif how == "replaced":
        shutil.copy(db_path, tmp_path / "other.db")
        (tmp_path / "other.db").replace(db_path)
    else:
        db_path.with_name(db_path.name + "-wal").unlink()


@pytest.mark.sqlite_only  # a file under the bot: PostgreSQL has none
@pytest.mark.parametrize("how", ["removed", "replaced", "wal removed"])
async def test_no_write_is_confirmed_once_the_file_is_gone(
    core: Core, db_path: Path, tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    _take_away(db_path, tmp_path, how)
    with pytest.raises(StoreWritesStopped):
        await _add(core, "Words that reached a file about to be lost")
    assert "Words that reached" not in str(await core.lookup.run("quote", "reached a file", None))
    with pytest.raises(StoreWritesStopped):  # and every later write, without a second log
        await _add(core, "A second attempt at a write")
    assert [r.levelname for r in caplog.records if "removed or replaced" in r.getMessage()] \
        == ["ERROR"]
    about = await core.lookup.run("about", "", None)  # reads go on
    assert about.kind != "error"
