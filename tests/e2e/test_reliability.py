"""Reliability of the real bot process (``python -m bot run``) against the fake Discord.

Gateway faults (RECONNECT, dropped sockets, a cut TCP connection, an invalidated session),
Discord's 429 answers, the per-member lookup cooldown and an online backup while the bot runs.
This module's bot runs with the default cooldown (5 lookups per member per 10 s, as shipped),
so every test speaks as members of its own (``fx.EXTRA_MEMBER_IDS``) and stays under it, apart
from the spammers. ``e2e_clean`` checks after every test that the bot logged no error or
traceback and that the server saw nothing Discord would refuse.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable

import pytest

from bot.core.store import Store
from tests.e2e.conftest import REPO_ROOT, BotProcess, wait_until
from tests.e2e.fake_discord import FakeDiscord, SentMessage
from tests.e2e.fake_discord import fixtures as fx

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("e2e_clean")]

BOT_ENV = {"LOOKUP_COOLDOWN_RATE": "5", "LOOKUP_COOLDOWN_SECONDS": "10"}  # the shipped default
TIMEOUT = 5.0
RECONNECT_TIMEOUT = 10.0
SEATTLE = "Seattle, Washington"
MEMBERS = iter(fx.EXTRA_MEMBER_IDS)  # each test takes fresh members: its own cooldown buckets


def new_messages(server: FakeDiscord, mark: int, channel_id: int = fx.GENERAL_CHANNEL_ID
                 ) -> list[SentMessage]:
    """The bot's channel messages (not interaction responses) since ``mark``."""
    return [m for m in server.bot_messages[mark:]
            if m.source == "channel" and m.channel_id == channel_id]


def title(message: SentMessage) -> str:
    assert len(message.embeds) == 1, message.embeds
    return str(message.embeds[0].get("title"))


async def settle(server: FakeDiscord) -> None:
    """Give a late (duplicate) answer every chance to arrive before counting."""
    await asyncio.sleep(0.3)
    await server.sync_with_bot(TIMEOUT)
    await asyncio.sleep(0.2)


async def ask_once(server: FakeDiscord, text: str, user_id: int, expected_title: str) -> float:
    """A member posts ``text``; exactly one answer comes, titled ``expected_title``. Returns
    the seconds it took."""
    loop = asyncio.get_running_loop()
    mark = len(server.bot_messages)
    started = loop.time()
    await server.send_message(fx.GENERAL_CHANNEL_ID, user_id, text)
    await wait_until(lambda: bool(new_messages(server, mark)), TIMEOUT, f"an answer to {text}")
    elapsed = loop.time() - started
    await settle(server)
    answers = new_messages(server, mark)
    assert [title(m) for m in answers] == [expected_title]
    return elapsed


# -- gateway faults ---------------------------------------------------------------------------


async def op7_reconnect(server: FakeDiscord) -> None:
    await server.send_reconnect()


async def close_4000(server: FakeDiscord) -> None:
    await server.drop_connection(4000)


async def close_1000(server: FakeDiscord) -> None:
    await server.drop_connection(1000)  # Discord sometimes closes "normally"; still resumable


async def tcp_cut(server: FakeDiscord) -> None:
    await server.drop_connection(abrupt=True)


@pytest.mark.parametrize("fault", [op7_reconnect, close_4000, close_1000, tcp_cut])
async def test_gateway_fault_resumes_and_loses_nothing(
    fake_discord: FakeDiscord, bot_process: BotProcess,
    fault: Callable[[FakeDiscord], Awaitable[None]],
) -> None:
    """The bot RESUMEs (no new IDENTIFY); a command posted while it was away is replayed on
    RESUME and answered exactly once; the next one is answered as usual."""
    gateway = fake_discord.gateway
    resumes, identifies = gateway.resume_count, gateway.identify_count
    member = next(MEMBERS)
    mark = len(fake_discord.bot_messages)
    await fault(fake_discord)
    await fake_discord.send_message(fx.GENERAL_CHANNEL_ID, member, "!city Seatle")  # while away
    await wait_until(
        lambda: gateway.resume_count > resumes and gateway.connected.is_set(),
        RECONNECT_TIMEOUT, "the bot to resume", bot_process,
    )
    assert gateway.identify_count == identifies
    await wait_until(lambda: bool(new_messages(fake_discord, mark)), TIMEOUT, "the replayed one")
    await settle(fake_discord)
    assert [title(m) for m in new_messages(fake_discord, mark)] == [SEATTLE]
    await ask_once(fake_discord, "!city Seatle", member, SEATTLE)


async def test_invalidated_session_identifies_again(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    """Op 9 (not resumable): a new session by IDENTIFY, and the bot answers as before."""
    gateway = fake_discord.gateway
    identifies = gateway.identify_count
    await fake_discord.invalidate_session(resumable=False)
    await wait_until(
        lambda: gateway.identify_count > identifies and gateway.connected.is_set(),
        RECONNECT_TIMEOUT, "the bot to identify again", bot_process,
    )
    await ask_once(fake_discord, "!city Seatle", next(MEMBERS), SEATTLE)
    record = await fake_discord.invoke_slash("city", {"name": "Philly"}, user_id=next(MEMBERS))
    first = await record.first_response(TIMEOUT)
    assert first.type == 4 and first.data["embeds"][0]["title"] == "Philadelphia, Pennsylvania"


# -- 429 ----------------------------------------------------------------------------------------


async def test_a_429_on_send_is_waited_out_and_sent_once(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    retry_after = 0.5
    route = f"POST /channels/{fx.GENERAL_CHANNEL_ID}/messages"
    requests = len(fake_discord.requests)
    offset = bot_process.log_size()
    fake_discord.rate_limit_next(r"^POST /channels/\d+/messages$", retry_after)
    elapsed = await ask_once(fake_discord, "!city Seatle", next(MEMBERS), SEATTLE)
    assert elapsed >= retry_after
    assert fake_discord.requests[requests:].count(route) == 2  # the 429, then the retry
    assert "rate limited" in bot_process.log(offset)  # discord.py saw it (a WARNING)


async def test_a_429_on_an_interaction_response_is_retried_in_time(
    fake_discord: FakeDiscord,
) -> None:
    retry_after = 0.5
    fake_discord.rate_limit_next(r"^POST /interactions/\d+/[^/]+/callback$", retry_after)
    record = await fake_discord.invoke_slash("city", {"name": "Seatle"}, user_id=next(MEMBERS))
    first = await record.first_response(TIMEOUT)
    assert first.kind == "callback" and first.type == 4
    assert retry_after <= first.elapsed < 3.0
    await settle(fake_discord)
    assert [r.kind for r in record.responses] == ["callback"]
    assert first.data["embeds"][0]["title"] == SEATTLE


# -- cooldown -----------------------------------------------------------------------------------


async def test_a_prefix_spammer_gets_five_answers_and_one_notice(
    fake_discord: FakeDiscord,
) -> None:
    spammer = next(MEMBERS)
    mark = len(fake_discord.bot_messages)
    for _ in range(20):
        await fake_discord.send_message(fx.GENERAL_CHANNEL_ID, spammer, "!cities")
    await wait_until(lambda: len(new_messages(fake_discord, mark)) >= 6, TIMEOUT, "6 answers")
    await settle(fake_discord)
    answers = new_messages(fake_discord, mark)
    assert sorted(title(m) for m in answers) == ["Cities"] * 5 + ["Sorry"]
    notice = next(m for m in answers if title(m) == "Sorry")
    assert "Slow down a little: try again in" in notice.embeds[0]["description"]
    # Someone else is not slowed down by the spammer.
    await ask_once(fake_discord, "!city Seatle", next(MEMBERS), SEATTLE)


async def test_a_slash_spammer_gets_an_ephemeral_notice_every_time(
    fake_discord: FakeDiscord,
) -> None:
    spammer = next(MEMBERS)
    records = [await fake_discord.invoke_slash("cities", user_id=spammer) for _ in range(8)]
    firsts = [await record.first_response(TIMEOUT) for record in records]
    await settle(fake_discord)
    assert all(f.kind == "callback" and f.type == 4 for f in firsts)  # every one answered
    assert all(len(r.responses) == 1 for r in records)  # once
    answered = [f for f in firsts if f.data["embeds"][0]["title"] == "Cities"]
    refused = [f for f in firsts if f.data["embeds"][0]["title"] == "Sorry"]
    assert len(answered) == 5 and len(refused) == 3
    assert all(not f.message or not f.message.ephemeral for f in answered)
    for notice in refused:
        assert notice.message is not None and notice.message.ephemeral
        assert "Slow down a little" in notice.data["embeds"][0]["description"]


# -- backup while running -----------------------------------------------------------------------


async def test_backup_while_the_bot_answers(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    """`citybot backup` on the live database while members keep asking: the copy passes the
    integrity check and equals the live database; the bot never noticed."""
    copy = bot_process.workdir / "backups" / "citybot-copy.db"
    backup = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--env-file", os.devnull,
        "--database", str(bot_process.database), "backup", str(copy),
        cwd=bot_process.workdir, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )


    async def keep_asking() -> None:  # one after another: answers in one channel stay apart
        for _ in range(3):
            await ask_once(fake_discord, "!city Seatle", next(MEMBERS), SEATTLE)

    (output, _), _ = await asyncio.wait_for(
        asyncio.gather(backup.communicate(), keep_asking()), 20
    )
    assert backup.returncode == 0, output
    assert b"integrity ok" in output

    live, copied = await Store.open(bot_process.database), await Store.open(copy)
    try:
        assert await copied.integrity_check() == "ok"
        assert await copied.fingerprint() == await live.fingerprint()
    finally:
        await live.close()
        await copied.close()
    await ask_once(fake_discord, "!city Seatle", next(MEMBERS), SEATTLE)
