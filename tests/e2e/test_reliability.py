"""Reliability of the real bot process (``python -m bot run``) against the fake Discord.

Gateway faults (RECONNECT, dropped sockets, a cut TCP connection, an invalidated session,
heartbeats no longer acknowledged), Discord's 429 answers, the per-member lookup cooldown and
an online backup while the bot runs. This module's bot runs with the default cooldown (5
lookups per member per 10 s, as shipped), so every test speaks as members of its own
(``fx.EXTRA_MEMBER_IDS``) and stays under it, apart from the spammers. ``e2e_clean`` checks
after every test that the bot logged no error or traceback and that the server saw nothing
Discord would refuse.

Two cases need short clocks: a second fake Discord and bot process (``quick``) run with
heartbeats every 0.25 s, a 2 s heartbeat timeout and a cooldown window of 3 s, so that neither
waits for discord.py's 60 s or the shipped 10 s.
"""

from __future__ import annotations

import asyncio
import math
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from bot.core.store import Store
from tests.e2e.conftest import REPO_ROOT, TOKEN, BotProcess, bad_log_lines, wait_until
from tests.e2e.fake_discord import FakeDiscord, SentMessage
from tests.e2e.fake_discord import fixtures as fx

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("e2e_clean")]

BOT_ENV = {"LOOKUP_COOLDOWN_RATE": "5", "LOOKUP_COOLDOWN_SECONDS": "10"}  # the shipped default
TIMEOUT = 5.0
RECONNECT_TIMEOUT = 10.0
SEATTLE = "Seattle, Washington"
MEMBERS = iter(fx.EXTRA_MEMBER_IDS)  # each test takes fresh members: its own cooldown buckets
QUICK_HEARTBEAT_MS = 250
QUICK_HEARTBEAT_TIMEOUT = 2.0
QUICK_RATE, QUICK_WINDOW = 2, 3.0
QUICK_ENV = {"LOOKUP_COOLDOWN_RATE": str(QUICK_RATE), "LOOKUP_COOLDOWN_SECONDS": str(QUICK_WINDOW),
             "DISCORD_HEARTBEAT_TIMEOUT": str(QUICK_HEARTBEAT_TIMEOUT)}


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


# -- short clocks: a second server and bot ------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def quick(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    """A bot of its own on a fake Discord of its own, with the short clocks above; at the end
    it must stop cleanly with nothing wrong in its log or on the wire."""
    server = FakeDiscord(heartbeat_interval_ms=QUICK_HEARTBEAT_MS)
    await server.start()
    bot = BotProcess(server, Path(tmp_path_factory.mktemp("citybot-quick")), QUICK_ENV)
    try:
        await bot.start()
        yield bot
        status = await bot.stop() if bot.running else None
        log = bot.log()
        assert status in (None, 0), f"the bot exited with {status}:\n{log[-3000:]}"
        assert bad_log_lines(log) == [], log[-3000:]
        assert TOKEN not in log
        assert server.violations == []
    finally:
        if bot.running:
            await bot.stop()
        await server.stop()


async def test_heartbeats_no_longer_acknowledged_close_and_resume(quick: BotProcess) -> None:
    """A zombie connection: the socket stays open but Discord stops acknowledging heartbeats
    (and sends nothing else). discord.py closes it itself, with a resumable code, resumes on
    a new one (no new IDENTIFY) and the bot answers as before."""
    server = quick.server
    gateway = server.gateway
    await server.wait_ready(TIMEOUT)
    resumes, identifies = gateway.resume_count, gateway.identify_count
    zombie = gateway.current
    # The control: while heartbeats are acknowledged, one connection outlives the timeout.
    beats = math.ceil(QUICK_HEARTBEAT_TIMEOUT * 1000 / QUICK_HEARTBEAT_MS) + 4
    await wait_until(lambda: zombie.acked >= beats or not zombie.open, RECONNECT_TIMEOUT,
                     f"{beats} acknowledged heartbeats", quick)
    assert zombie.open and gateway.current is zombie and gateway.resume_count == resumes

    assert gateway.stop_acking_heartbeats() is zombie
    acked = zombie.acked
    await wait_until(
        lambda: gateway.resume_count > resumes and gateway.connected.is_set(),
        RECONNECT_TIMEOUT, "the bot to drop the zombie connection and resume", quick,
    )
    assert not zombie.closed_by_server and zombie.close_code == 4000  # the bot closed it
    assert zombie.acked == acked and zombie.heartbeats > acked  # it went on beating unanswered
    assert gateway.identify_count == identifies  # a resume, not a new session
    fresh = gateway.current
    assert fresh is not zombie and fresh.open and fresh.ack_heartbeats
    await ask_once(server, "!city Seatle", fx.EXTRA_MEMBER_IDS[0], SEATTLE)


async def test_the_same_member_is_answered_again_once_the_window_is_over(
    quick: BotProcess,
) -> None:
    """Over the limit: one "Slow down" notice, then silence; once the window has passed, the
    same member is answered again, and a new window brings its own notice."""
    server = quick.server
    await server.wait_ready(RECONNECT_TIMEOUT)
    spammer = fx.EXTRA_MEMBER_IDS[1]

    async def spam(count: int, answers: int) -> list[str]:
        """``count`` `!cities` in a row; the titles of what came back, the notice last."""
        mark = len(server.bot_messages)
        for _ in range(count):
            await server.send_message(fx.GENERAL_CHANNEL_ID, spammer, "!cities")
        await wait_until(lambda: len(new_messages(server, mark)) >= answers + 1, TIMEOUT,
                         f"{answers} answers and the notice", quick)
        await settle(server)
        return sorted(title(m) for m in new_messages(server, mark))

    assert await spam(QUICK_RATE + 3, QUICK_RATE) == ["Cities"] * QUICK_RATE + ["Sorry"]
    # The window began before the notice went out, so it is over QUICK_WINDOW s after it.
    await asyncio.sleep(QUICK_WINDOW + 0.2)
    await ask_once(server, "!cities", spammer, "Cities")
    # That answer opened a new window: its remaining lookups, then a notice of its own.
    assert await spam(QUICK_RATE + 1, QUICK_RATE - 1) == ["Cities"] * (QUICK_RATE - 1) + ["Sorry"]
