"""Line editing for the interactive console: the standard library's `readline` where present,
history kept between runs, and Tab completing command names. Nothing here is required: without
`readline`, or with a history file that cannot be read or written, the console works as before.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

HISTORY_ENV = "CITYBOT_HISTORY"  # a file to use instead; empty: keep no history
HISTORY_LENGTH = 1000
KINDS = ("city", "official", "statement")
# The words that may follow a command, for Tab: `add ci<Tab>` -> `add city `.
FOLLOWERS: dict[str, tuple[str, ...]] = {
    "add": KINDS, "edit": KINDS, "remove": KINDS, "restore": KINDS, "history": KINDS,
    "alias": ("add", "remove"), "suggest": ("statement",), "digest": ("preview",),
}


def history_path(environ: os._Environ[str] | dict[str, str] = os.environ) -> Path | None:
    """`$CITYBOT_HISTORY`, else `$XDG_STATE_HOME/citybot/history` (XDG's default state
    directory is ~/.local/state); None when CITYBOT_HISTORY is set empty."""
    if HISTORY_ENV in environ:
        chosen = environ[HISTORY_ENV].strip()
        return Path(chosen).expanduser() if chosen else None
    state = environ.get("XDG_STATE_HOME", "").strip()
    base = Path(state) if state and Path(state).is_absolute() else Path.home() / ".local/state"
    return base / "citybot" / "history"


def _readline() -> ModuleType | None:
    try:
        import readline
    except ImportError:  # Windows, or a Python built without it
        return None
    return readline


def completions(line: str, text: str, commands: Sequence[str], prefix: str = "!") -> list[str]:
    """What `text` (the word being typed, at the end of `line`) may become."""
    before = line[: len(line) - len(text)].split()
    if not before:
        lead = next((p for p in (prefix, "/") if p and text.startswith(p)), "")
        word = text[len(lead):].casefold()
        return [f"{lead}{name} " for name in sorted(set(commands)) if name.startswith(word)]
    command = before[0].lstrip(prefix + "/").casefold()
    if command == "alias" and len(before) == 2:
        options: tuple[str, ...] = ("city", "official")
    elif len(before) == 1:
        options = FOLLOWERS.get(command, ())
    else:
        options = ()
    return [f"{word} " for word in options if word.startswith(text.casefold())]


class LineEditor:
    """Sets up readline for one console session; `close()` saves the history."""

    def __init__(self, commands: Sequence[str], prefix: str = "!",
                 path: Path | None = None) -> None:
        self.readline = _readline()
        self.path = path
        self.commands = tuple(commands)
        self.prefix = prefix
        self._matches: list[str] = []
        if self.readline is None:
            return
        rl = self.readline
        if self.path is not None:
            # No history yet, or one we cannot read: start afresh.
            with contextlib.suppress(OSError, UnicodeDecodeError):
                rl.read_history_file(self.path)
        rl.set_history_length(HISTORY_LENGTH)
        rl.set_completer_delims(" \t\n")
        rl.set_completer(self._complete)
        if "libedit" in (rl.__doc__ or ""):
            rl.parse_and_bind("bind ^I rl_complete")  # macOS's readline is libedit
        else:
            rl.parse_and_bind("tab: complete")

    def _complete(self, text: str, state: int) -> str | None:
        assert self.readline is not None
        if state == 0:
            self._matches = completions(self.readline.get_line_buffer()[
                : self.readline.get_endidx()], text, self.commands, self.prefix)
        return self._matches[state] if state < len(self._matches) else None

    def pending_text(self) -> str:
        """What was on the line when it was interrupted ("" if unknown)."""
        if self.readline is None:
            return ""
        try:
            return self.readline.get_line_buffer()
        except Exception:  # best effort: an unknown line counts as empty
            return ""

    def close(self) -> None:
        """Save the history; failing to (a read-only home, a full disk) is not an error."""
        if self.readline is None or self.path is None:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.readline.write_history_file(self.path)

