"""The real `citybot` process in a pseudo-terminal (stdlib `pty`): keys in, screen text out."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


class Terminal:
    """`python -m bot ARGS` with a pty as its controlling terminal, `columns` wide."""

    def __init__(self, *args: str, tmp_path: Path, columns: int = 80,
                 env: dict[str, str] | None = None) -> None:
        environment = {k: v for k, v in os.environ.items()
                       if k not in ("DISCORD_TOKEN", "COLUMNS", "LINES", "NO_COLOR")}
        environment.update({"PYTHONPATH": str(ROOT), "TERM": "xterm",
                            "CITYBOT_HISTORY": str(tmp_path / "history"), **(env or {})})
        argv = [sys.executable, "-m", "bot", "--env-file", str(tmp_path / "none.env"),
                "--database", str(tmp_path / "c.db"), *args]
        pid, fd = pty.fork()
        if pid == 0:  # the child: size its terminal, then become citybot
            try:
                # As a shell starts a program in the foreground: Ctrl-C not ignored, even
                # when the suite itself was started in the background (`cmd &` in a script
                # ignores SIGINT, and an exec'd Python keeps it ignored: no KeyboardInterrupt)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGQUIT, signal.SIG_DFL)
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
                os.chdir(tmp_path)
                os.execve(argv[0], argv, environment)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.raw = b""
        self.status: int | None = None

    @property
    def text(self) -> str:
        """Everything shown so far, without escape sequences and carriage returns."""
        return ANSI.sub("", self.raw.decode("utf-8", "replace"))

    def _pump(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.raw += chunk
        return bool(chunk)

    def expect(self, pattern: str, timeout: float = 30, after: int = 0) -> int:
        """Wait until `pattern` (a regex) shows after position `after` of `text`; its end."""
        deadline = time.monotonic() + timeout
        open_ = True
        while True:
            found = re.compile(pattern).search(self.text, after)
            if found:
                return found.end()
            if not open_ or time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not shown; the screen:\n{self.text[-3000:]}")
            open_ = self._pump(0.1)  # False once the child has closed the terminal

    def send(self, keys: str, settle: float = 0.3) -> None:
        """Type `keys`, after a pause: a Ctrl-C that lands in the instant between readline
        showing its prompt and waiting for keys is only seen at the next key (CPython)."""
        time.sleep(settle)
        os.write(self.fd, keys.encode("utf-8"))

    def wait(self, timeout: float = 30) -> int:
        """The exit status, once the process has ended (all its output read)."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            self._pump(0.05)
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                while self._pump(0.05):
                    pass
                self.status = os.waitstatus_to_exitcode(status)
            elif time.monotonic() > deadline:
                self.close()
                raise AssertionError(f"still running; the screen:\n{self.text[-3000:]}")
        return self.status

    def close(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.status = -9
        os.close(self.fd)
