"""The interactive loop: reads lines (with line editing in a terminal), answers each.

The loop itself is synchronous, so Ctrl-C is a plain KeyboardInterrupt while a line is read
(asyncio's own SIGINT handling is in force only while an answer is computed). Ctrl-C clears
the line; a second one on an empty line, Ctrl-D or `quit` leaves.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TextIO

from bot.console.lineedit import LineEditor, history_path
from bot.console.render import render_note
from bot.console.session import ConsoleSession

Run = Callable[[Awaitable[str | None]], str | None]  # runs one coroutine to its end

QUIT = frozenset({"quit", "exit"})
PROMPT = "> "
BANNER = ("citybot console: type a command such as `city Seattle` or `help`; Tab completes, "
          "`quit` or Ctrl-D leaves.")
LEAVE_HINT = "(Ctrl-C again on an empty line, Ctrl-D or `quit` leaves.)"
INTERRUPTED = "Interrupted: nothing more was done."


def is_quit(line: str, prefix: str = "!") -> bool:
    word = line.strip().casefold()
    for lead in (prefix, "/"):
        if lead and word.startswith(lead):
            word = word[len(lead):].strip()
            break
    return word in QUIT


class Repl:
    def __init__(self, session: ConsoleSession, run: Run, stdin: TextIO = sys.stdin,
                 stdout: TextIO = sys.stdout, commands: Sequence[str] = ()) -> None:
        self.session = session
        self.run = run
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = stdin.isatty() and stdout.isatty()
        self.editor = LineEditor(commands, session.prefix, history_path()) \
            if self.interactive and stdin is sys.stdin and stdout is sys.stdout else None

    def _read(self) -> str:
        if self.editor is not None:
            return input(PROMPT)  # readline's line editing and history
        if self.interactive:
            print(PROMPT, end="", file=self.stdout, flush=True)
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line

    def _say(self, text: str = "", end: str = "\n") -> None:
        print(text, file=self.stdout, end=end, flush=True)

    def _note(self, text: str) -> None:
        """The console's own words, wrapped to the terminal's width as answers are."""
        self._say(render_note(text, self.session.style()))

    def loop(self) -> None:
        self._note(BANNER)
        interrupted = False  # the last thing typed was Ctrl-C
        try:
            while True:
                try:
                    line = self._read()
                except EOFError:
                    if self.interactive:
                        self._say()  # the shell's prompt starts on a line of its own
                    return
                except KeyboardInterrupt:
                    pending = self.editor.pending_text() if self.editor else ""
                    self._say()
                    if interrupted and not pending.strip():
                        return
                    if not interrupted:
                        self._note(LEAVE_HINT)
                    interrupted = True
                    continue
                interrupted = False
                if is_quit(line, self.session.prefix):
                    return
                try:
                    text = self.run(self.session.reply(line))
                except KeyboardInterrupt:
                    text = INTERRUPTED
                if text is not None:
                    self._say(text, end="\n\n")
        finally:
            if self.editor is not None:
                self.editor.close()
