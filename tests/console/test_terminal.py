"""The console in a real pseudo-terminal: Ctrl-C and Ctrl-D, line editing, history, Tab,
wrapping to the terminal's width and bold text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.console.terminal import Terminal

pytest.importorskip("readline")
PROMPT = r"(?m)^> "
UP = "\x1b[A"


@pytest.fixture
def console(tmp_path: Path):  # type: ignore[no-untyped-def]
    terminals: list[Terminal] = []

    def start(columns: int = 80, env: dict[str, str] | None = None) -> Terminal:
        terminals.append(Terminal("console", tmp_path=tmp_path, columns=columns, env=env))
        return terminals[-1]

    yield start
    for terminal in terminals:
        terminal.close()


def test_ctrl_c_clears_the_line_and_a_second_one_leaves(console) -> None:  # type: ignore[no-untyped-def]
    term = console()
    at = term.expect(PROMPT)
    term.send("city Seat")
    at = term.expect(r"city Seat", after=at)  # taken in before Ctrl-C comes
    term.send("\x03")  # clears the line, says how to leave
    at = term.expect(r"Ctrl-C again on an empty line, Ctrl-D or `quit` leaves", after=at)
    at = term.expect(PROMPT, after=at)
    term.send("official rahm\r")  # a clean line: nothing of "city Seat" is left in it
    at = term.expect(r"Rahm Emanuel\n=+", after=at)
    at = term.expect(PROMPT, after=at)
    term.send("\x03")
    at = term.expect(r"leaves\.\)\n", after=at)
    term.send("\x03")  # the second, on an empty line: leaves
    assert term.wait() == 0
    assert "Seattle, Washington" not in term.text
    assert "Traceback" not in term.text and "KeyboardInterrupt" not in term.text
    assert term.raw.endswith(b"\n")  # the shell's prompt starts on a line of its own


def test_ctrl_d_leaves_with_a_newline(console) -> None:  # type: ignore[no-untyped-def]
    term = console()
    term.expect(PROMPT)
    term.send("\x04")
    assert term.wait() == 0
    assert term.raw.endswith(b"> \r\n")
    assert "Traceback" not in term.text


def test_history_is_kept_between_runs_and_tab_completes(console, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = console()
    at = first.expect(PROMPT)
    first.send("city Seattle\r")
    at = first.expect(r"Seattle, Washington", after=at)
    first.expect(PROMPT, after=at)
    first.send("quit\r")
    assert first.wait() == 0
    assert "city Seattle" in (tmp_path / "history").read_text()

    again = console()
    at = again.expect(PROMPT)
    again.send(UP)  # the line from the last run comes back, as in a shell
    again.send(UP + "\r")  # (`quit`, then the line before it)
    at = again.expect(r"Seattle, Washington\n=+", after=at)
    at = again.expect(PROMPT, after=at)
    again.send("abo\t")
    again.send("\r")
    at = again.expect(r"About citybot\n=+", after=at)
    at = again.expect(PROMPT, after=at)
    again.send("add ci\t")  # the second word too
    again.send("name: Tabville state: Ohio\r")
    again.expect(r"Tabville", after=at)
    again.send("\x04")
    assert again.wait() == 0


def test_a_history_file_that_cannot_be_written_is_no_error(console, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a-directory").mkdir()
    term = console(env={"CITYBOT_HISTORY": str(tmp_path / "a-directory")})
    at = term.expect(PROMPT)
    term.send("cities\r")
    term.expect(r"Seattle", after=at)
    term.send("\x04")
    assert term.wait() == 0
    assert "Traceback" not in term.text and "Error" not in term.text


def test_answers_fit_the_terminal_and_bold_replaces_asterisks(console) -> None:  # type: ignore[no-untyped-def]
    term = console(columns=60)
    at = term.expect(PROMPT)
    term.send("city Seattle\r")
    at = term.expect(r"Source: .*\n(.*\n)*\n> ", after=at)
    term.send("edit city 999999 name: Nowhere\r")
    at = term.expect(r"Nothing was changed", after=at)
    term.expect(PROMPT, after=at)
    term.send("\x04")
    assert term.wait() == 0
    lines = term.text.splitlines()
    assert max(len(line) for line in lines) <= 60  # the greeting too
    assert lines[0].startswith("citybot console: type a command")
    assert any(re.match(r"City #\d+ · Source: ABC News", line) for line in lines)
    assert "\x1b[1mentry\x1b[22m:" in term.raw.decode()
    assert "**" not in term.text


def test_no_color_means_plain_text(console) -> None:  # type: ignore[no-untyped-def]
    term = console(env={"NO_COLOR": "1"})
    at = term.expect(PROMPT)
    term.send("edit city 999999 name: Nowhere\r")
    at = term.expect(r"entry: there is no city #999999", after=at)
    term.expect(PROMPT, after=at)
    term.send("\x04")
    assert term.wait() == 0
    assert "\x1b[1m" not in term.raw.decode() and "**" not in term.text
    assert re.search(r"\bentry: ", term.text)
