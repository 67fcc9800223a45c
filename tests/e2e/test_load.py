"""Load on the real bot process: 50 members at once, through the fake Discord on 127.0.0.1.

A mix of `!city`, `!quote`, `/city`, `/quote` and autocomplete on both, with queries whose
answers are known, as fast as the bot takes them (LOOKUP_COOLDOWN_RATE=0, as in every e2e
module but test_reliability), and about one command in thirty a moderator's write: `!add
statement` or `!edit statement … where:` (tests/e2e/fake_discord/load_writes.py). Every command
gets exactly one answer and it is the right one (no error reply, no duplicate), every
interaction's first response lands within 3 s; after the bot stopped, every acknowledged write
is in the database file, each with exactly one audit row that says what it changed, nothing
else changed, and the file passes its integrity check.
bench/load_e2e.py runs the lookup load alone and prints the figures the README quotes; run
this test with ``-s`` to see its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PAGER_SPEAKER, BotProcess
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.fake_discord.load import LoadDriver, lookup_mix, store_state
from tests.e2e.fake_discord.load_writes import ModeratorWrites

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("e2e_clean")]

LOAD_COMMANDS = 2000
INTERACTION_DEADLINE = 3.0
RUN_TIMEOUT = 90.0  # the whole load (about 10 s on 2 cores)
ADD_WEIGHT, EDIT_WEIGHT = 1.5, 1.5  # against the lookups' 100: about 3% writes
ERROR_TITLE = "Nothing was changed"  # the title of every refused moderation command
ERROR_COLOUR = 0xE74C3C


def read_table(database: Path, table: str) -> dict[int, dict[str, Any]]:
    """Every row of ``table`` by rowid, read from the file without writing to it."""
    uri = f"{database.resolve().as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(f'SELECT rowid AS "rowid!", * FROM "{table}"').fetchall()
    return {row["rowid!"]: {k: v for k, v in zip(row.keys(), row, strict=True) if k != "rowid!"}
            for row in rows}


def tables(database: Path) -> list[str]:
    uri = f"{database.resolve().as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        return [name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]


async def test_fifty_members_and_a_moderator_at_once(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    database = bot_process.database
    before_state = await store_state(database)
    assert before_state.integrity == "ok"
    before = {table: read_table(database, table) for table in tables(database)}
    pager = {row["id"]: (row["text"], row["said_where"])
             for row in before["statements"].values()
             if row["guild_id"] == fx.GUILD_ID and row["text"].startswith("Remark number")}
    assert len(pager) == 12
    writes = ModeratorWrites(PAGER_SPEAKER, dict(pager))
    members = fx.EXTRA_MEMBER_IDS
    assert len(members) == 50
    first_message = len(fake_discord.bot_messages)
    with LoadDriver(fake_discord) as driver:
        warm_up = await driver.run(len(members), lookup_mix(), members, seed=1)  # not measured
        report = await asyncio.wait_for(
            driver.run(LOAD_COMMANDS, lookup_mix() + writes.mix(ADD_WEIGHT, EDIT_WEIGHT),
                       members, seed=2),
            RUN_TIMEOUT,
        )
        await asyncio.sleep(0.3)  # room for a late duplicate before counting
        await fake_discord.sync_with_bot(5.0)
        unexpected = list(driver.unclaimed)
        interaction_problems = driver.check_interactions()
    print(f"\n[load e2e] {report.summary()}")
    assert await bot_process.stop() == 0  # what follows reads the file the bot left

    # Every command got exactly its one right answer; no error reply went out at all.
    assert warm_up.failures == [], warm_up.failures[:10]
    assert report.failures == [], report.failures[:10]
    assert unexpected == [], [(m.embeds or [{}])[0].get("title") for m in unexpected[:10]]
    sent = fake_discord.bot_messages[first_message:]
    errors = [m for m in sent for e in m.embeds or [{}]
              if e.get("title") == ERROR_TITLE or e.get("color") == ERROR_COLOUR]
    assert errors == [], [(m.embeds or [{}])[0].get("description") for m in errors[:5]]
    assert interaction_problems == [], interaction_problems[:10]
    assert len(report.samples) == LOAD_COMMANDS
    kinds = {s.kind for s in report.samples}
    assert kinds == {"prefix", "slash", "autocomplete", "mod add", "mod edit"}
    interactions = report.latencies("slash") + report.latencies("autocomplete")
    assert max(interactions) < INTERACTION_DEADLINE
    assert fake_discord.violations == []
    write_samples = len(report.latencies("mod add")) + len(report.latencies("mod edit"))
    assert writes.acknowledged == write_samples >= 40  # every write was acknowledged

    after_state = await store_state(database)
    assert after_state.integrity == "ok"
    after = {table: read_table(database, table) for table in tables(database)}
    assert set(after) == set(before)
    # Lookups write nothing; the leases are the running process's (given back at its stop).
    for table in set(before) - {"statements", "audit_log", "changes", "shard_leases"}:
        assert after[table] == before[table], f"{table} changed"
    # The change log has a row for each write and nothing else.
    logged = [row for change_id, row in sorted(after["changes"].items())
              if change_id not in before["changes"]]
    assert {(r["kind"], r["guild_id"]) for r in logged} == {("statement", fx.GUILD_ID)}
    assert {r["entry_id"] for r in logged} == set(writes.added) | set(writes.edits)

    # Every acknowledged addition is there, live, in the server's scope, by its speaker.
    statements = after["statements"]
    assert set(statements) - set(before["statements"]) == set(writes.added)
    speaker_id = next(row["official_id"] for row in before["statements"].values()
                      if row["text"].startswith("Remark number"))
    for statement_id, text in writes.added.items():
        row = statements[statement_id]
        assert (row["text"], row["guild_id"], row["official_id"], row["deleted_at"]) == (
            text, fx.GUILD_ID, speaker_id, None)
    # Every acknowledged edit is there: each entry holds its last one; nothing else moved.
    for statement_id, row in statements.items():
        chain = writes.edits.get(statement_id)
        if chain:
            assert row["said_where"] == chain[-1][1]
            assert row["version"] == 1 + len(chain)
        elif statement_id in before["statements"]:
            assert row == before["statements"][statement_id]
        else:
            assert row["said_where"] == "" and row["version"] == 1

    # Exactly one audit row per acknowledged write, by the moderator, saying what it did.
    audit = [row for audit_id, row in sorted(after["audit_log"].items())
             if audit_id not in before["audit_log"]]
    assert len(audit) == writes.acknowledged
    assert {(r["actor_id"], r["guild_id"], r["entry_kind"], r["undone_by"]) for r in audit} == {
        (fx.MODERATOR_ID, fx.GUILD_ID, "statement", None)}
    adds = {r["entry_id"]: r for r in audit if r["action"] == "add"}
    assert len(adds) == len(writes.added)
    for statement_id, text in writes.added.items():
        assert adds[statement_id]["before_json"] is None
        assert json.loads(adds[statement_id]["after_json"])["text"] == text
    audited_edits: dict[int, list[tuple[str, str]]] = {}
    for row in audit:
        if row["action"] == "edit":
            old, new = json.loads(row["before_json"]), json.loads(row["after_json"])
            audited_edits.setdefault(row["entry_id"], []).append(
                (old["said_where"], new["said_where"]))
    assert len(adds) + sum(map(len, audited_edits.values())) == len(audit)  # nothing else
    assert audited_edits == writes.edits  # the same edits, in the order they were made
