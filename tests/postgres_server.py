"""A throwaway PostgreSQL server for the tests and benchmarks: a cluster in a temporary folder,
on a free 127.0.0.1 port, run by an unprivileged user (initdb refuses to run as root, and CI
runs as root: then the `postgres` user runs it through `runuser`).

`CITYBOT_TEST_DATABASE_URL` (a server someone else runs; the URL of a database the tests may
create databases beside) skips all of this."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "citybot"
PASSWORD = "citybot-test"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be started here; `str()` is the one line saying why."""


def _bindir() -> Path:
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                             check=True, timeout=10).stdout.strip()
        if (Path(out) / "initdb").exists():
            return Path(out)
    except (OSError, subprocess.SubprocessError):
        pass
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    raise PostgresUnavailable("PostgreSQL is not installed (no initdb; on Debian: "
                              "apt-get install postgresql)")


def can_start() -> Path:
    """The folder of PostgreSQL's programs, if a server can be started here (raises why not)."""
    bindir = _bindir()
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root without runuser: cannot start PostgreSQL "
                                  "as an unprivileged user")
    return bindir


def free_port() -> int:
    """A 127.0.0.1 port nothing listens on now (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def drop_connections(url: str) -> int:
    """Make the server end every other connection to `url`'s database (a failover, a restarted
    server, an idle-connection reaper); returns how many it ended."""
    from urllib.parse import urlsplit

    import asyncpg

    admin = await asyncpg.connect(url)
    try:
        rows = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1"
            " AND pid <> pg_backend_pid()", urlsplit(url).path.lstrip("/"))
        return len(rows)
    finally:
        await admin.close()


@dataclass
class PostgresServer:
    """A running cluster; `url(db)` names one of its databases."""

    folder: Path
    port: int
    bindir: Path
    as_user: str | None  # run the server's programs as this user (we are root)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str, timeout: float = 60) -> None:
        command = list(argv)
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            last = (result.stderr or result.stdout).strip().splitlines()
            raise PostgresUnavailable(f"{Path(argv[0]).name} failed: "
                                      f"{last[-1] if last else result.returncode}")

    @classmethod
    def start(cls, *, durable: bool = False) -> PostgresServer:
        """`durable`: fsync, synchronous_commit and full_page_writes on (PostgreSQL's defaults,
        for benchmarks of writes); off by default, which keeps a test database cheap."""
        bindir = _bindir()
        as_user = None
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                raise PostgresUnavailable("running as root without runuser: cannot start "
                                          "PostgreSQL as an unprivileged user")
            as_user = "postgres"
        folder = Path(tempfile.mkdtemp(prefix="citybot-pg-"))
        server = cls(folder=folder, port=free_port(), bindir=bindir, as_user=as_user)
        data = folder / "data"
        pwfile = folder / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if as_user:
            shutil.chown(folder, user=as_user)
            shutil.chown(pwfile, user=as_user)
        try:
            server._run(str(bindir / "initdb"), "-D", str(data), "-U", USER,
                        f"--pwfile={pwfile}", "--auth-local=trust",
                        "--auth-host=scram-sha-256", "--no-locale", "-E", "UTF8", "--no-sync")
            # Durability is not what these tests measure (they use crash-safe SQL, and a
            # killed client, not a killed server): fsync off keeps a test database cheap.
            sync = "on" if durable else "off"
            options = (f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1"
                       f" -c fsync={sync} -c synchronous_commit={sync}"
                       f" -c full_page_writes={sync} -c max_connections=300")
            server._run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                        "-l", str(folder / "log"), "-w", "-t", "60", "start")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return server

    def stop(self) -> None:
        with contextlib.suppress(PostgresUnavailable):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"),
                      "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

