"""The real `citybot run` while another process holds the database's write lock (issue 16,
item 3): a `/` command that writes is acknowledged within Discord's 3 s, then answered with
the sentence `!add` gets; nothing changes, nothing in the log but a warning."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

import pytest

from bot.core.errors import StoreBusy
from tests.e2e.conftest import BotProcess
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.fake_discord.records import EPHEMERAL, LOADING
from tests.e2e.helpers import DISCORD_DEADLINE, only_embed, slash_answer

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("e2e_clean")]

BUSY_WAIT = 5.0 + 5.0  # the store's busy timeout, and room for a slow machine
SPEAKER = "Rahm Emanuel"
TEXT = "Every ferry on the lake will carry the library's books for free"


@contextlib.contextmanager
def write_lock_held(bot: BotProcess) -> Iterator[None]:
    """Another process's writer in the middle of a transaction."""
    other = sqlite3.connect(bot.database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def statements_with(bot: BotProcess, text: str) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{bot.database}?mode=ro", uri=True)) as db:
        return int(db.execute("SELECT COUNT(*) FROM statements WHERE text = ?",
                              (text,)).fetchone()[0])


async def test_a_slash_add_on_a_locked_database_is_deferred_then_answered(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    offset = bot_process.log_size()
    with write_lock_held(bot_process):
        record = await fake_discord.invoke_slash(
            "add statement", {"speaker": SPEAKER, "text": TEXT}, user_id=fx.MODERATOR_ID)
        first = await record.first_response(DISCORD_DEADLINE + 1)
        assert first.kind == "callback" and first.type == 5, first  # deferred …
        assert first.elapsed < DISCORD_DEADLINE  # … in time
        answer = await record.wait_for(lambda r: r.kind == "followup", BUSY_WAIT)
        # While the lock is still held: the bot gave up on it, it did not wait it out.
    assert only_embed(answer.data)["description"] == StoreBusy.message
    shown = record.original
    assert shown is not None and answer.message is shown  # "thinking…" filled in
    assert shown.flags & EPHEMERAL and not shown.flags & LOADING
    assert statements_with(bot_process, TEXT) == 0  # nothing was changed
    log = bot_process.log(offset)
    assert "WARNING" in log and "store busy during" in log, log[-2000:]

    # The same sentence as `!add` gets.
    with write_lock_held(bot_process):
        await fake_discord.send_message(fx.GENERAL_CHANNEL_ID, fx.MODERATOR_ID,
                                        f"!add statement speaker: {SPEAKER} text: {TEXT}")
        reply = await fake_discord.wait_for_bot_message(
            fx.GENERAL_CHANNEL_ID, BUSY_WAIT, lambda sent: sent.source == "channel")
    assert only_embed(reply)["description"] == StoreBusy.message

    # Once the lock is gone, the same command is deferred and saves.
    record = await fake_discord.invoke_slash(
        "add statement", {"speaker": SPEAKER, "text": TEXT}, user_id=fx.MODERATOR_ID)
    answer, _ = await slash_answer(record)
    assert record.responses[0].type == 5
    assert only_embed(answer.data)["title"].startswith("Added statement #")
    assert statements_with(bot_process, TEXT) == 1
