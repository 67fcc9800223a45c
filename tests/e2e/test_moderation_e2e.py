"""Moderation through the protocol, against the real bot process (``python -m bot run``).

A plain member is refused (``!`` and ``/``) and nothing changes; a member with the Moderator
role (Manage Messages) adds a statement that the very next lookup and autocomplete find in
that server, and only there; removing it takes a confirm button, and ``undo`` brings it back.
The tests share one bot process and follow each other (the add before the lookups, the remove
last); ``e2e_clean`` checks every test for protocol violations and errors in the bot's log.
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

import pytest

from tests.e2e.conftest import BotProcess
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord import fixtures as fx
from tests.e2e.fake_discord.records import EPHEMERAL
from tests.e2e.helpers import DISCORD_DEADLINE, ask, only_embed, slash_answer

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.usefixtures("e2e_clean")]

TIMEOUT = 5.0
NO_PINGS = {"parse": []}
SPEAKER = "Rahm Emanuel"  # a bundled official: a server's statement may name him
# Words that stand nowhere in the bundled article, so a lookup can only find them once added.
REFUSED_TEXT = "Every lighthouse keeper on the lakefront will read the ordinance aloud"
REFUSED_SLASH_TEXT = "The harbour ferries will carry library cards instead of tickets"
ADDED_TEXT = "Our public libraries stay open to every neighbour whatever their papers say"
FRAGMENT = "libraries stay open to every neighbour"
FORM_TEXT = "The new bus shelters will carry every language spoken in the city"
ERROR_COLOUR = 0xE74C3C  # discord.Colour.red(), what render.py gives error answers
MODERATOR_NEEDED = "You need the Manage Messages permission or a moderator role"


def embed_text(embed: dict[str, Any]) -> str:
    """Everything an embed shows, as one string."""
    parts = [embed.get("title") or "", embed.get("description") or ""]
    parts += [f"{f['name']} {f['value']}" for f in embed.get("fields") or []]
    parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


async def quote_shows(server: FakeDiscord, words: str, text: str, **where: Any) -> bool:
    """Whether ``!quote <words>`` (in a guild channel or a DM) answers with the statement
    ``text`` (a "No match" answer echoes the words asked, so it never counts)."""
    reply = await ask(server, f"!quote {words}", **where)
    assert reply.allowed_mentions == NO_PINGS
    embed = only_embed(reply)
    return embed["title"] != "No match" and text in embed_text(embed)


def statement_rows(bot: BotProcess, text: str) -> list[tuple[int, int | None, str | None]]:
    """(id, guild_id, deleted_at) of the stored statements with exactly ``text``."""
    uri = f"file:{bot.database}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
        return db.execute(
            "SELECT id, guild_id, deleted_at FROM statements WHERE text = ?", (text,)
        ).fetchall()


async def test_plain_member_is_refused_and_nothing_changes(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    counts = bot_process.row_counts()

    reply = await ask(fake_discord, f"!add statement speaker: {SPEAKER} text: {REFUSED_TEXT}")
    embed = only_embed(reply)
    assert embed["description"].startswith(MODERATOR_NEEDED)
    assert embed["color"] == ERROR_COLOUR and len(embed_text(embed)) < 200  # short
    assert reply.allowed_mentions == NO_PINGS

    record = await fake_discord.invoke_slash(
        "add statement", {"speaker": SPEAKER, "text": REFUSED_SLASH_TEXT}
    )
    first = await record.first_response(TIMEOUT)
    assert first.kind == "callback" and first.type == 4
    assert first.data["flags"] & EPHEMERAL
    assert only_embed(first.data)["description"].startswith(MODERATOR_NEEDED)

    # Without text the slash form would open a modal for a moderator: never for a member.
    record = await fake_discord.invoke_slash("add statement", {"speaker": SPEAKER})
    first = await record.first_response(TIMEOUT)
    assert first.type == 4 and first.data["flags"] & EPHEMERAL
    assert only_embed(first.data)["description"].startswith(MODERATOR_NEEDED)

    assert bot_process.row_counts() == counts
    assert not await quote_shows(fake_discord, REFUSED_TEXT, REFUSED_TEXT)
    assert not await quote_shows(fake_discord, REFUSED_SLASH_TEXT, REFUSED_SLASH_TEXT)
    assert statement_rows(bot_process, REFUSED_TEXT) == []
    assert statement_rows(bot_process, REFUSED_SLASH_TEXT) == []


async def test_moderator_adds_and_the_next_lookup_finds_it(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    assert not await quote_shows(fake_discord, FRAGMENT, ADDED_TEXT)  # not there before

    reply = await ask(
        fake_discord,
        f"!add statement speaker: {SPEAKER} text: {ADDED_TEXT} date: 2016-11-16",
        user_id=fx.MODERATOR_ID,
    )
    embed = only_embed(reply)
    assert embed["title"].startswith("Added statement #")
    assert reply.allowed_mentions == NO_PINGS
    [(_, guild_id, deleted_at)] = statement_rows(bot_process, ADDED_TEXT)
    assert guild_id == fx.GUILD_ID and deleted_at is None  # the server's own entry

    # The very next lookup, by a plain member, finds it by a fragment of its words.
    found = only_embed(await ask(fake_discord, f"!quote {FRAGMENT}"))
    assert found["title"] == SPEAKER
    assert found["description"] == f"\u201c{ADDED_TEXT}\u201d\n— {SPEAKER}, on 16 November 2016"

    choices = await fake_discord.autocomplete(
        "quote", {"query": FRAGMENT}, focused="query", timeout=TIMEOUT
    )
    assert {"name": f"{SPEAKER}: {ADDED_TEXT}", "value": ADDED_TEXT} in choices, choices
    assert all(1 <= len(c["name"]) <= 100 and 1 <= len(str(c["value"])) <= 100 for c in choices)


async def test_moderator_adds_long_text_through_the_slash_form(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    """`/add statement` without text opens a form; submitting it adds the statement."""
    record = await fake_discord.invoke_slash(
        "add statement", {"speaker": SPEAKER, "kind": "paraphrase"}, user_id=fx.MODERATOR_ID
    )
    modal = await record.first_response(TIMEOUT)
    assert modal.type == 9 and modal.data["title"] == "Add a statement"
    inputs = {  # label -> custom_id of each text input (discord.py picks random ids)
        child["label"]: child["custom_id"]
        for row in modal.data["components"] for child in row["components"]
    }
    typed = {"What was said": FORM_TEXT, "Where it was said": "at a test council meeting",
             "Date (YYYY-MM-DD)": "2016-11-15"}
    submitted = await fake_discord.submit_modal(
        record, {inputs[label]: value for label, value in typed.items()},
        user_id=fx.MODERATOR_ID,
    )
    answer, shown = await slash_answer(submitted)  # saving waits on the store: deferred
    assert only_embed(answer.data)["title"].startswith("Added statement #")
    assert shown.ephemeral
    assert [row[1:] for row in statement_rows(bot_process, FORM_TEXT)] == [(fx.GUILD_ID, None)]
    found = only_embed(await ask(fake_discord, "!quote bus shelters will carry every language"))
    assert found["title"] == SPEAKER
    # A paraphrase is marked as one, never dressed up in quote marks.
    assert FORM_TEXT in found["description"] and "(paraphrase)" in embed_text(found), found
    assert f"\u201c{FORM_TEXT}" not in found["description"]


async def test_the_added_statement_stays_in_its_server(fake_discord: FakeDiscord) -> None:
    """The same words from a DM (no server: the shared article only) find nothing."""
    dm = fake_discord.dm_channel(fx.MEMBER_ID)
    assert not await quote_shows(fake_discord, FRAGMENT, ADDED_TEXT, channel_id=dm)
    choices = await fake_discord.autocomplete(
        "quote", {"query": FRAGMENT}, focused="query", guild=False, timeout=TIMEOUT
    )
    assert all(ADDED_TEXT not in c["name"] for c in choices), choices
    record = await fake_discord.invoke_slash("quote", {"query": FRAGMENT}, guild=False)
    first = await record.first_response(TIMEOUT)
    assert only_embed(first.data)["title"] == "No match"
    # … while in the server a plain member's slash lookup shows it.
    record = await fake_discord.invoke_slash("quote", {"query": FRAGMENT})
    first = await record.first_response(TIMEOUT)
    assert only_embed(first.data)["description"].startswith(f"\u201c{ADDED_TEXT}\u201d\n— ")


async def test_remove_needs_the_confirm_button_and_undo_brings_it_back(
    fake_discord: FakeDiscord, bot_process: BotProcess
) -> None:
    # Only moderators get entries to pick; theirs include the one just added, by its id.
    member_choices = await fake_discord.autocomplete(
        "remove", {"kind": "statement", "entry": FRAGMENT}, focused="entry", timeout=TIMEOUT
    )
    assert member_choices == []
    choices = await fake_discord.autocomplete(
        "remove", {"kind": "statement", "entry": FRAGMENT}, focused="entry",
        user_id=fx.MODERATOR_ID, timeout=TIMEOUT,
    )
    [(statement_id, _, _)] = statement_rows(bot_process, ADDED_TEXT)
    assert str(statement_id) in [c["value"] for c in choices], choices

    record = await fake_discord.invoke_slash(
        "remove", {"kind": "statement", "entry": str(statement_id)}, user_id=fx.MODERATOR_ID
    )
    _, confirm = await slash_answer(record)
    assert confirm.ephemeral
    assert only_embed(confirm)["title"].startswith(f"Remove statement #{statement_id} ")
    # Asking is not removing: the statement is still found until the button is pressed.
    assert await quote_shows(fake_discord, FRAGMENT, ADDED_TEXT)

    await fake_discord.sync_with_bot(TIMEOUT)
    button = next(c for row in confirm.components for c in row["components"]
                  if c.get("label") == "Remove")
    pressed = await fake_discord.click(confirm.id, button["custom_id"], user_id=fx.MODERATOR_ID)
    update = await pressed.first_response(TIMEOUT)
    assert update.type == 6 and update.elapsed < DISCORD_DEADLINE  # acknowledged, then …
    await pressed.wait_for(lambda r: r.kind == "edit_original", TIMEOUT)
    assert confirm.components == []  # … the buttons are gone
    [(_, _, deleted_at)] = statement_rows(bot_process, ADDED_TEXT)
    assert deleted_at is not None  # kept, hidden
    assert not await quote_shows(fake_discord, FRAGMENT, ADDED_TEXT)

    undone = only_embed(await ask(fake_discord, "!undo", user_id=fx.MODERATOR_ID))
    assert undone.get("color") != ERROR_COLOUR, undone
    assert [row[2] for row in statement_rows(bot_process, ADDED_TEXT)] == [None]
    assert await quote_shows(fake_discord, FRAGMENT, ADDED_TEXT)
