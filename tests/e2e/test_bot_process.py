"""The real bot process (``python -m bot run``) against the fake Discord on 127.0.0.1.

Everything goes through the protocol: members post messages and use slash commands, buttons
and menus on the fake server; the tests read what the bot sent back. One bot process serves
the module (see conftest.py); the restart test stops and restarts it, so it comes last.
After every test ``e2e_clean`` asserts no protocol violation and no error in the bot's log.
"""

from __future__ import annotations

import re
import signal
from typing import Any

import pytest

from tests.e2e.conftest import PAGER_SPEAKER, PAGER_STATEMENTS, TOKEN, BotProcess, bad_log_lines
from tests.e2e.fake_discord import FakeDiscord, InteractionRecord, SentMessage
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.fake_discord.records import EPHEMERAL
from tests.e2e.helpers import ask, only_embed

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("e2e_clean")]

TIMEOUT = 5.0
NO_PINGS = {"parse": []}
ERROR_COLOUR = 0xE74C3C  # discord.Colour.red(), what render.py gives error answers
LOOKUP_COMMANDS = {"city", "official", "quote", "search", "cities", "officials", "random",
                   "about", "help"}


async def click(
    server: FakeDiscord, message: SentMessage, custom_id: str, *, user_id: int = fx.MEMBER_ID,
    values: list[str] | None = None,
) -> InteractionRecord:
    """Use a component of a bot message, once the bot surely knows the message's view."""
    await server.sync_with_bot(TIMEOUT)
    return await server.click(message.id, custom_id, user_id=user_id, values=values)


def component(message: SentMessage, **match: Any) -> dict[str, Any]:
    """The one component of ``message`` whose keys equal ``match`` (e.g. label="Next")."""
    found = [
        child
        for row in message.components
        for child in row.get("components") or []
        if all(child.get(k) == v for k, v in match.items())
    ]
    assert len(found) == 1, (match, message.components)
    return found[0]


async def test_bot_uses_the_configured_endpoints_and_hides_its_token(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    """DISCORD_API_BASE / DISCORD_GATEWAY_URL are honoured: login, sync and gateway all came
    here; the token reached the server but never the log."""
    assert fake_discord.requests[0] == "GET /users/@me"  # discord.py's login
    assert {c["name"] for c in fake_discord.registered_commands[None]} >= LOOKUP_COMMANDS
    identify = next(f for f in fake_discord.gateway.received if f.get("op") == 2)
    assert identify["d"]["token"] == TOKEN
    assert fake_discord.gateway.has_message_content  # the `!` commands can read text
    log = bot_process.log()
    assert "logging in using static token" in log
    assert re.search(r"synced \d+ slash commands globally", log)
    assert TOKEN not in log


async def test_prefix_city_with_typo(fake_discord: FakeDiscord) -> None:
    reply = await ask(fake_discord, "!city Seatle")
    embed = only_embed(reply)
    assert embed["title"] == "Seattle, Washington"
    assert "sanctuary" in embed["description"]
    assert reply.allowed_mentions == NO_PINGS
    assert reply.components == []  # one page: no buttons


async def test_prefix_quote_by_words(fake_discord: FakeDiscord) -> None:
    embed = only_embed(await ask(fake_discord, "!quote not our job"))
    assert embed["title"] == "Charlie Beck"
    assert "That is not our job, nor will I make it our job." in embed["description"]


async def test_prefix_city_miss_says_how_to_list(fake_discord: FakeDiscord) -> None:
    embed = only_embed(await ask(fake_discord, "!city Atlantis"))
    assert embed["title"] == "No match"
    assert "Atlantis" in embed["description"]
    assert "`!cities`" in embed["description"]


async def test_slash_city_nickname_answers_in_time(fake_discord: FakeDiscord) -> None:
    record = await fake_discord.invoke_slash("city", {"name": "Philly"})
    first = await record.first_response(TIMEOUT)
    assert first.kind == "callback" and first.type == 4
    assert record.response_time is not None and record.response_time < 3.0
    assert first.data["allowed_mentions"] == NO_PINGS
    assert record.original is not None and not record.original.ephemeral
    assert only_embed(record.original)["title"] == "Philadelphia, Pennsylvania"


async def test_slash_quote_by_speaker(fake_discord: FakeDiscord) -> None:
    record = await fake_discord.invoke_slash("quote", {"query": "rahm"})
    first = await record.first_response(TIMEOUT)
    assert first.type == 4
    embed = only_embed(first.data)
    assert embed["title"] == "Statements of Rahm Emanuel"
    values = [field["value"] for field in embed["fields"]]
    assert any("sanctuary city" in value for value in values)
    assert any("You are safe in Chicago" in value for value in values)


@pytest.mark.parametrize(
    ("name", "options", "title"),
    [
        ("official", {"name": "rahm"}, "Rahm Emanuel"),
        ("search", {"text": "sanctuary"}, "Search: sanctuary"),
        ("cities", {}, "Cities"),
        ("officials", {}, "Officials"),
        ("random", {}, None),
        ("about", {}, "About citybot"),
        ("help", {}, "citybot commands"),
    ],
)
async def test_every_lookup_slash_command_answers(
    fake_discord: FakeDiscord, name: str, options: dict[str, str], title: str | None
) -> None:
    record = await fake_discord.invoke_slash(name, options)
    first = await record.first_response(TIMEOUT)
    assert first.kind == "callback" and first.type == 4
    assert record.response_time is not None and record.response_time < 3.0
    embed = only_embed(first.data)
    assert embed["title"] and embed["title"] == (title or embed["title"])
    assert embed.get("color") != ERROR_COLOUR, embed


async def test_city_autocomplete(fake_discord: FakeDiscord) -> None:
    choices = await fake_discord.autocomplete(
        "city", {"name": "sea"}, focused="name", timeout=TIMEOUT
    )
    assert choices and choices[0]["name"] == "Seattle"
    assert len(choices) <= 25
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100 and 1 <= len(str(choice["value"])) <= 100


async def test_long_answer_pages_with_buttons(fake_discord: FakeDiscord) -> None:
    reply = await ask(fake_discord, f"!quote {PAGER_SPEAKER}")
    first = only_embed(reply)
    assert first["title"] == f"Statements of {PAGER_SPEAKER}"
    assert len(first["fields"]) == 10
    assert first["footer"]["text"].startswith("Page 1/2")
    previous, following = component(reply, label="Previous"), component(reply, label="Next")
    assert previous["disabled"] and not following["disabled"]

    # Someone else's click is turned away quietly and changes nothing.
    stranger = await click(fake_discord, reply, following["custom_id"], user_id=fx.MODERATOR_ID)
    refused = await stranger.first_response(TIMEOUT)
    assert refused.type == 4 and refused.data["flags"] & EPHEMERAL
    assert "Only the member who asked" in refused.data["content"]
    assert only_embed(reply) == first

    pressed = await click(fake_discord, reply, following["custom_id"])
    update = await pressed.first_response(TIMEOUT)
    assert update.type == 7  # the message itself is edited
    second = only_embed(reply)
    assert second["footer"]["text"].startswith("Page 2/2")
    assert len(second["fields"]) == PAGER_STATEMENTS - 10
    assert re.fullmatch(
        f"“Remark number {PAGER_STATEMENTS}, one of many that fill two pages” \\(#\\d+\\)",
        second["fields"][-1]["value"])
    assert not component(reply, label="Previous")["disabled"]
    assert component(reply, label="Next")["disabled"]

    back = await click(fake_discord, reply, component(reply, label="Previous")["custom_id"])
    assert (await back.first_response(TIMEOUT)).type == 7
    assert only_embed(reply)["footer"]["text"].startswith("Page 1/2")


async def test_did_you_mean_menu_shows_the_pick(fake_discord: FakeDiscord) -> None:
    record = await fake_discord.invoke_slash("city", {"name": "Seattel Port"})
    first = await record.first_response(TIMEOUT)
    assert first.type == 4
    message = record.original
    assert message is not None
    assert "Seattle" in only_embed(message)["description"]
    menu = component(message, type=3)
    labels = [option["label"] for option in menu["options"]]
    assert labels[0] == "Seattle" and len(labels) <= 25

    pick = await click(fake_discord, message, menu["custom_id"],
                       values=[menu["options"][0]["value"]])
    update = await pick.first_response(TIMEOUT)
    assert update.type == 7
    assert only_embed(message)["title"] == "Seattle, Washington"
    assert message.components == []  # the menu is gone once picked


async def test_everyone_and_role_mentions_never_ping(fake_discord: FakeDiscord) -> None:
    text = f"!city @everyone <@&{fx.MODERATOR_ROLE_ID}>"
    reply = await ask(fake_discord, text)
    posted = next(m for m in fake_discord.messages.values() if m["content"] == text)
    assert posted["mention_everyone"] and posted["mention_roles"] == [str(fx.MODERATOR_ROLE_ID)]
    assert "@everyone" in only_embed(reply)["description"]  # the words come back …
    assert reply.allowed_mentions == NO_PINGS  # … but may ping no one

    record = await fake_discord.invoke_slash(
        "city", {"name": f"@everyone <@&{fx.MODERATOR_ROLE_ID}>"}
    )
    first = await record.first_response(TIMEOUT)
    assert first.type == 4 and first.data["allowed_mentions"] == NO_PINGS


async def test_direct_messages_see_only_the_shared_article(fake_discord: FakeDiscord) -> None:
    """`!` and `/` work in DMs; a server's own entries (the test speaker) stay in that server."""
    dm = fake_discord.dm_channel(fx.MEMBER_ID)
    reply = await ask(fake_discord, "!city Seatle", channel_id=dm)
    assert only_embed(reply)["title"] == "Seattle, Washington"
    assert reply.allowed_mentions == NO_PINGS

    record = await fake_discord.invoke_slash("quote", {"query": PAGER_SPEAKER}, guild=False)
    first = await record.first_response(TIMEOUT)
    assert first.type == 4 and only_embed(first.data)["title"] == "No match"


async def test_stops_on_sigint_and_restarts_on_the_same_database(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    """Last in the module: it replaces the shared bot process with a fresh one."""
    about = only_embed(await ask(fake_discord, "!about"))
    seattle = only_embed(await ask(fake_discord, "!city Seatle"))
    pager = only_embed(await ask(fake_discord, f"!quote {PAGER_SPEAKER}"))
    counts = bot_process.row_counts()
    assert counts["sources"] == 2  # the bundled article (seeded by the bot) + the test entries

    offset = bot_process.log_size()
    assert await bot_process.stop(signal.SIGINT) == 0
    stopping = bot_process.log(offset)
    assert "stopped" in stopping and bad_log_lines(stopping) == [], stopping

    await bot_process.start()  # same database, a new gateway session, commands synced again
    assert fake_discord.gateway.identify_count == 2
    assert only_embed(await ask(fake_discord, "!about")) == about
    assert only_embed(await ask(fake_discord, "!city Seatle")) == seattle
    assert only_embed(await ask(fake_discord, f"!quote {PAGER_SPEAKER}")) == pager
    assert bot_process.row_counts() == counts  # nothing lost, nothing seeded twice
