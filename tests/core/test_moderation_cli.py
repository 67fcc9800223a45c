"""Moderation from the console (the owner) and `citybot export` / `citybot import`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.console.session import ConsoleSession
from bot.core.bootstrap import Core, start_core
from tests.core.test_moderation import dump


async def test_console_moderation_commands(core: Core) -> None:
    session = ConsoleSession(core, guild_id=111)
    added = await session.answer("add city name: Shelbyville state: Illinois aliases: Shelby")
    assert added is not None and added.title.startswith("Added city")
    assert (await session.answer("city shelby")).title == "Shelbyville, Illinois"
    edited = await session.answer("!edit city shelby stance: Welcoming")
    assert edited is not None and "stance: — → Welcoming" in edited.description
    assert (await session.answer("history")).kind == "list"
    assert (await session.answer("undo")).title.startswith("Undone")
    assert (await session.answer("remove city Shelbyville")).title.startswith("Removed")
    assert (await session.answer("restore city shelbyville")).title.startswith("Restored")
    alias = await session.answer("alias add city Shelbyville Shelbytown")
    assert alias is not None and alias.title == "Alias saved"
    bad = await session.answer("add statement speaker: Rahm Emanuel text: hi date: soon")
    assert bad is not None and "**date**" in bad.description
    usage = await session.answer("add spaceship name: x")
    assert usage is not None and "Usage" in usage.description
    # The console is the owner: it edits the global entries too.
    assert (await ConsoleSession(core).answer("edit city Seattle state: WA")).title.startswith(
        "Saved")


def _run(db: Path | str, *args: str) -> int:
    return main(["--env-file", "/nonexistent", "--database", str(db), *args])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_cli_export_then_import_all_or_nothing(tmp_path: Path, database: Path | str,
                                               capsys) -> None:
    db = database  # export, import and ask, on either database
    out = tmp_path / "server.json"
    assert _run(db, "export", str(out), "--guild", "5") == 0
    data = json.loads(out.read_text())
    data["cities"].append({"key": "shelbyville", "name": "Shelbyville"})
    data["statements"].append({"key": "bad", "speaker": "nobody", "kind": "quote",
                               "text": "x"})
    out.write_text(json.dumps(data))
    assert _run(db, "import", str(out), "--guild", "5") == 1
    assert "statements[0] (bad): speaker" in capsys.readouterr().err
    data["statements"].clear()
    out.write_text(json.dumps(data))
    assert _run(db, "import", str(out), "--guild", "5") == 0
    assert "1 added" in capsys.readouterr().out
    assert _run(db, "ask", "city shelbyville", "--guild", "5") == 0
    assert "Shelbyville" in capsys.readouterr().out


async def test_nothing_is_written_by_a_refused_import(database: Path | str) -> None:
    core = await start_core(database)
    try:
        before = await dump(core.store)
        from bot.core.moderation import Actor

        outcome = await core.moderation.import_data(Actor.console(), {"source": {}})
        assert outcome.answer.kind == "error"
        assert await dump(core.store) == before
    finally:
        await core.close()
