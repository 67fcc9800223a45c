"""The small things of issue 12, each as it was seen in the console."""

from __future__ import annotations

from bot.console.render import Style
from bot.console.session import ConsoleSession as _Session
from bot.core.bootstrap import Core


def ConsoleSession(core: Core) -> _Session:  # one line per message, unwrapped
    return _Session(core, style=lambda: Style(width=10_000))


async def test_an_unknown_field_is_named(core: Core) -> None:
    session = ConsoleSession(core)
    for line in ("edit city 6 nonsense: x", "add city nonsense: x"):
        text = await session.reply(line) or ""
        assert "nonsense: is not a field of a city" in text, text
        assert "no city matches" not in text


async def test_a_missing_argument_is_named_with_its_article(core: Core) -> None:
    text = await ConsoleSession(core).reply("city") or ""
    assert "needs a name, for example" in text


async def test_a_bare_name_or_a_typo_gets_the_command_meant(core: Core) -> None:
    session = ConsoleSession(core)
    assert "Did you mean `!city Seattle`?" in (await session.reply("Seattle") or "")
    assert "Did you mean `!city seattle`?" in (await session.reply("cty seattle") or "")
    assert "Did you mean `!official Rahm Emanuel`?" in (await session.reply("Rahm Emanuel")
                                                        or "")
    assert "Try `!help`" in (await session.reply("frobnicate") or "")


async def test_a_number_that_picks_nothing_says_so(core: Core) -> None:
    session = ConsoleSession(core)
    assert "there is none now" in (await session.reply("9") or "")
    assert "1. Seattle" in (await session.reply("city seattel port") or "")
    text = await session.reply("9") or ""
    assert "There is no 9 in the list: type 1." in text and "no command" not in text
    assert (await session.reply("1") or "").startswith("Seattle, Washington")  # still there


async def test_undo_says_what_it_reverted(core: Core) -> None:
    session = ConsoleSession(core)
    await session.reply("add city name: Undoville state: Ohio")
    text = await session.reply("undo") or ""
    assert text.startswith("Undone: the addition of city #"), text
