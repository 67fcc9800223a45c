"""Answers as terminal text: the terminal's width, whole words, bold instead of asterisks."""

from __future__ import annotations

import io
import re

import pytest

from bot.console.render import BOLD, NORMAL, Style, render_text, supports_bold
from bot.console.session import ConsoleSession
from bot.core.bootstrap import Core
from bot.core.matching import EntryRef
from bot.core.models import Answer, Field, Option
from bot.core.moderation.replies import refused
from bot.core.moderation.rules import Refusal

LONG = Answer(
    kind="card", title="A title of several words that is much longer than a narrow terminal is",
    description="Paragraph one is long enough to need wrapping at forty columns for sure.\n"
                "• a bullet that also goes on and on beyond the edge of the screen",
    fields=(Field("Charlie Beck, told the Los Angeles Times, Monday (2016-11-14)",
                  "“We are not going to work in conjunction with Homeland Security on "
                  "deportation efforts. That is not our job, nor will I make it our job.”"),),
    options=(Option("Seattle, Washington", ref=EntryRef("city", 6),
                    description="city, matched “Seattle Washington”"),),
    footer="Source: ABC News, 2016-11-17 — Cities Across US Push Back Against President-Elect "
           "Donald Trump's Proposed Immigration Policies",
)


def words(text: str) -> list[str]:
    return [w for w in text.split() if set(w) != {"="}]


@pytest.mark.parametrize("width", [20, 40, 60, 80, 132])
def test_every_line_fits_and_no_word_is_broken(width: int) -> None:
    text = render_text(LONG, Style(width=width))
    assert max(len(line) for line in text.splitlines()) <= width, text
    assert words(text) == words(render_text(LONG, Style(width=10_000)))  # the same words


def test_continued_lines_are_indented_under_their_item() -> None:
    text = render_text(LONG, Style(width=40))
    lines = text.splitlines()
    bullet = lines[next(i for i, line in enumerate(lines) if line.startswith("• ")) + 1]
    assert bullet.startswith("  ") and not bullet.startswith("   ")
    assert "\n  “We are not going" in text  # a field's value under its name


def test_bold_where_the_terminal_can_and_never_asterisks() -> None:
    answer = refused(Refusal("speaker", "no one called “Wlash” is in the store"))
    plain = render_text(answer, Style(width=80, bold=False))
    strong = render_text(answer, Style(width=80, bold=True))
    assert "**" not in plain and "**" not in strong
    assert plain.splitlines()[2] == "speaker: no one called “Wlash” is in the store"
    assert f"{BOLD}speaker{NORMAL}: no one" in strong


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "environ", "bold"),
    [
        (FakeTty(), {"TERM": "xterm-256color"}, True),
        (FakeTty(), {"TERM": "xterm", "NO_COLOR": "1"}, False),
        (FakeTty(), {"TERM": "dumb"}, False),
        (FakeTty(), {}, False),
        (io.StringIO(), {"TERM": "xterm"}, False),  # a pipe or a file
    ],
)
def test_bold_only_on_a_terminal_that_supports_it(stream: io.StringIO,
                                                  environ: dict[str, str], bold: bool) -> None:
    assert supports_bold(stream, environ) is bold


def test_control_characters_never_reach_the_terminal() -> None:
    answer = Answer(kind="card", title="Evil\x1b[2J", description="a\x07b\x9bc")
    text = render_text(answer, Style())
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", text)


async def test_the_console_wraps_to_the_width_it_is_given(core: Core) -> None:
    session = ConsoleSession(core, style=lambda: Style(width=50))
    text = await session.reply("city Seattle")
    assert text is not None
    assert max(len(line) for line in text.splitlines()) <= 50
    assert "Source: ABC News" in text
