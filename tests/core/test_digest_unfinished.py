"""Digests left "being sent" by a process that stopped: found, told apart by day, shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.bootstrap import Core
from bot.core.digest import digest_nonce

GUILD = 111


def label(channel_id: int) -> str:
    return f"#{channel_id}"


async def test_an_interrupted_post_is_found_and_shown_as_being_posted(core: Core) -> None:
    now = datetime(2031, 5, 14, 15, 0, tzinfo=UTC)
    core.digest.clock = lambda: now
    await core.digest.set_channel(GUILD, 10, label)
    post = await core.digest.claim(GUILD, now.date(), "manual")
    assert post is not None
    assert [(p.id, today) for p, today in await core.digest.unfinished()] == [(post.id, True)]
    status = await core.digest.status(GUILD, label)
    last = next(f.value for f in status.fields if f.name == "Last post")
    assert last.startswith("never; the digest for Wed 14 May is being posted")
    core.digest.clock = lambda: now + timedelta(days=1)
    assert [today for _, today in await core.digest.unfinished()] == [False]  # a day too late
    await core.digest.sent(post, 10, 99)
    assert await core.digest.unfinished() == []


def test_the_nonce_is_one_per_server_and_day_within_discords_25_characters(core: Core) -> None:
    from bot.core.digest import DigestPost, Watermarks

    def post(guild: int, day: int) -> DigestPost:
        return DigestPost(1, guild, datetime(2031, 5, day).date(), "schedule", "sending",
                          datetime(2031, 5, day, tzinfo=UTC), None, 1, Watermarks(),
                          Watermarks())

    biggest = (1 << 64) - 1
    assert len(digest_nonce(post(biggest, 14))) <= 25
    assert digest_nonce(post(GUILD, 14)) == digest_nonce(post(GUILD, 14))
    assert len({digest_nonce(post(g, d)) for g in (GUILD, biggest) for d in (14, 15)}) == 4
