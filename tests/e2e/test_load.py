"""Load on the real bot process: 50 members at once, through the fake Discord on 127.0.0.1.

A mix of `!city`, `!quote`, `/city`, `/quote` and autocomplete on both, with queries whose
answers are known, as fast as the bot takes them (LOOKUP_COOLDOWN_RATE=0, as in every e2e
module but test_reliability). Every command gets exactly one answer and it is the right one,
every interaction's first response lands within 3 s, and the store is the same afterwards.
bench/load_e2e.py runs the same load and prints the figures the README quotes; run this test
with ``-s`` to see its own.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.conftest import BotProcess
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.fake_discord.load import LoadDriver, lookup_mix, store_state

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("e2e_clean")]

LOAD_COMMANDS = 2000
INTERACTION_DEADLINE = 3.0
RUN_TIMEOUT = 90.0  # the whole load (about 10 s on 2 cores)


async def test_fifty_members_at_once_get_exactly_the_right_answers(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    before = await store_state(bot_process.database)
    assert before.integrity == "ok"
    members = fx.EXTRA_MEMBER_IDS
    assert len(members) == 50
    with LoadDriver(fake_discord) as driver:
        warm_up = await driver.run(len(members), lookup_mix(), members, seed=1)  # not measured
        report = await asyncio.wait_for(
            driver.run(LOAD_COMMANDS, lookup_mix(), members, seed=2), RUN_TIMEOUT
        )
        await asyncio.sleep(0.3)  # room for a late duplicate before counting
        await fake_discord.sync_with_bot(5.0)
        unexpected = list(driver.unclaimed)
        interaction_problems = driver.check_interactions()
    print(f"\n[load e2e] {report.summary()}")

    assert warm_up.failures == [], warm_up.failures[:10]
    assert report.failures == [], report.failures[:10]
    assert unexpected == [], [(m.embeds or [{}])[0].get("title") for m in unexpected[:10]]
    assert interaction_problems == [], interaction_problems[:10]
    assert len(report.samples) == LOAD_COMMANDS
    assert {s.kind for s in report.samples} == {"prefix", "slash", "autocomplete"}
    interactions = report.latencies("slash") + report.latencies("autocomplete")
    assert max(interactions) < INTERACTION_DEADLINE
    assert fake_discord.violations == []

    after = await store_state(bot_process.database)
    assert after.integrity == "ok"
    assert after.rows == before.rows  # lookups write nothing
    assert after.fingerprint == before.fingerprint
