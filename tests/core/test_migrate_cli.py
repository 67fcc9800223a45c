"""`citybot migrate --from sqlite:///… --to postgresql://…`: a deployment moves to PostgreSQL
with its entries, its history (undo goes on) and its digest; once, checked, all or nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.bootstrap import start_core
from bot.core.moderation import Actor
from bot.core.store import Store

GUILD = 4242
MOD = Actor(user_id=7, guild_id=GUILD, moderator=True)
WORDS = "the river ferry keeps running for every neighbour this winter"


async def _a_deployment(path: Path) -> int:
    core = await start_core(path)
    try:
        added = await core.moderation.add(MOD, "statement",
                                          {"speaker": "Rahm Emanuel", "text": WORDS})
        assert added.changed and added.ref is not None
        await core.moderation.edit(MOD, "statement", str(added.ref.id),
                                   {"text": WORDS + " again"})
        return added.ref.id
    finally:
        await core.close()


async def _fingerprints(location: Path | str) -> dict[str, list[tuple[object, ...]]]:
    store = await Store.open(location)
    try:
        return {table: [tuple(row) for row in await store._rows(
                    f"SELECT * FROM {table} ORDER BY 1")]
                for table in ("cities", "officials", "statements", "aliases", "audit_log")}
    finally:
        await store.close()


def test_a_deployment_moves_to_postgresql_whole(
        tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "citybot.db"
    statement = asyncio.run(_a_deployment(source))

    assert main(["migrate", "--from", f"sqlite:///{source}", "--to", postgres_url]) == 0
    out = capsys.readouterr().out
    assert "every table checked" in out and "***" in out and "citybot-test" not in out
    assert asyncio.run(_fingerprints(postgres_url)) == asyncio.run(_fingerprints(source))

    async def go_on() -> None:
        core = await start_core(postgres_url)
        try:
            hits = core.lookup.hits("statement", WORDS, GUILD)
            assert hits and hits[0].ref.id == statement  # the index is built from the copy
            undone = await core.moderation.undo(MOD)  # history came along: the edit is undone
            assert undone.changed, undone.answer.description
            again = await core.moderation.add(MOD, "statement",
                                              {"speaker": "Rahm Emanuel", "text": "a new one"})
            assert again.ref is not None and again.ref.id > statement  # ids go on after
        finally:
            await core.close()

    asyncio.run(go_on())
    before = asyncio.run(_fingerprints(postgres_url))
    # A second copy into a database that holds data is refused, and changes nothing.
    assert main(["migrate", "--from", str(source), "--to", postgres_url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already holds data" in err
    assert asyncio.run(_fingerprints(postgres_url)) == before


def test_a_missing_source_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--from", f"sqlite:///{tmp_path / 'none.db'}",
                 "--to", str(tmp_path / "new.db")]) == 1
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "new.db").exists()
