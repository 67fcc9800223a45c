"""The real citybot with a movable digest clock and a fast digest loop, for end-to-end tests.

Run it as ``python tests/e2e/clock_harness.py <arguments of citybot>`` (e.g. ``--env-file
.env run``). Everything is the real bot (``bot.cli.main``), except:

- the digest's clock (``core.digest.clock``, which `DigestService` reads for everything it
  decides: arming, due dates, claims, status) is ``utc_now() + offset``, where ``offset`` is
  the number of seconds in the file named by ``CITYBOT_CLOCK_OFFSET_FILE``, read again on
  every call (a missing or empty file is 0), so a test moves the running bot's clock by
  rewriting the file;
- the digest loop ticks every ``CITYBOT_DIGEST_TICK_SECONDS`` (default 0.5) instead of every
  30 s (no bot setting exists for it): right after ``CityBot.setup_hook`` loaded the cogs, the
  digest cog's ``tasks.Loop`` gets ``change_interval`` before its first tick (it waits for
  READY). After each tick it logs ``clock_harness: digest tick N`` so a test can wait for
  ticks instead of sleeping.

The rest of the process (discord.py, the store, the gateway, signals) is untouched.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
OFFSET_FILE_VARIABLE = "CITYBOT_CLOCK_OFFSET_FILE"
TICK_VARIABLE = "CITYBOT_DIGEST_TICK_SECONDS"
TICK_LOG = "clock_harness: digest tick"

log = logging.getLogger("clock_harness")


def read_offset(path: Path) -> float:
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return 0.0
    return float(text) if text else 0.0


def shifted_clock(path: Path) -> Any:
    from bot.core.digest import utc_now

    def clock() -> datetime:
        return utc_now() + timedelta(seconds=read_offset(path))

    return clock


def install(offset_file: Path, tick_seconds: float) -> None:
    import bot.core.bootstrap as bootstrap

    real_start_core = bootstrap.start_core

    async def start_core(*args: Any, **kwargs: Any) -> Any:
        core = await real_start_core(*args, **kwargs)
        core.digest.clock = shifted_clock(offset_file)
        return core

    bootstrap.start_core = start_core
    import bot.discord_app.app as app  # imported after the patch; its own name is patched too

    app.start_core = start_core  # type: ignore[attr-defined]
    real_setup_hook = app.CityBot.setup_hook

    async def setup_hook(self: Any) -> None:
        await real_setup_hook(self)  # opens the core, loads the cogs, syncs the commands
        fast_ticks(self.get_cog("Digest").loop, tick_seconds)

    app.CityBot.setup_hook = setup_hook  # type: ignore[method-assign]


def fast_ticks(loop: Any, tick_seconds: float) -> None:
    """Give the cog's digest loop (started, but waiting for the gateway's READY in its
    before_loop, so it has not run yet) a short interval and log each finished tick.

    This patches the cog's own ``tasks.Loop``: the class in the module cannot be patched
    beforehand, because ``load_extension`` executes the cog module afresh."""
    tick = loop.coro
    ticks = 0

    async def counted_tick(*args: Any) -> None:
        nonlocal ticks
        await tick(*args)
        ticks += 1
        log.info("%s %d", TICK_LOG, ticks)

    loop.coro = counted_tick
    loop.change_interval(seconds=tick_seconds)


def main() -> int:
    sys.path.insert(0, str(REPO_ROOT))
    offset_file = os.environ.get(OFFSET_FILE_VARIABLE)
    if not offset_file:
        print(f"clock_harness: set {OFFSET_FILE_VARIABLE}", file=sys.stderr)
        return 2
    install(Path(offset_file), float(os.environ.get(TICK_VARIABLE) or 0.5))
    from bot.cli import main as citybot

    return citybot()


if __name__ == "__main__":
    raise SystemExit(main())
