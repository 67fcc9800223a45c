"""Memory of the real bot process over a long run: does its RSS level off?

    python bench/bench_memory.py                       # 200,000 lookups, RSS every 10,000
    python bench/bench_memory.py --lookups 20000 --every 2000

Starts the Discord-protocol test server on 127.0.0.1 (tests/e2e/fake_discord) and
`python -m bot run` against it on a fresh database (LOOKUP_COOLDOWN_RATE=0, as the load test),
then has members send lookups one after another, each waiting for its answer: `!city`,
`!quote` and `!search` with queries made afresh every time (names of the article with a
slip, a word added, a fragment, or words it does not have, so that nothing can be answered
from a cache of earlier queries), and one in five an interaction (`/city`, `/quote`,
autocomplete). After every `--every` lookups it reads the bot's VmRSS from /proc/PID/status
and makes the test server forget the traffic so far (its own memory is not the question).
Prints the curve, then the growth over the first and the second half of the run: RSS
"levels off" when the second half grew by less than a quarter of the first half and by less
than 2 MB. Exits 1 if an answer went missing, the bot logged an error, or it did not stop
cleanly. The machine's other work shares its cores and shows in the timings, not in RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load_e2e import conclude, wind_up  # noqa: E402
from tests.e2e.conftest import BotProcess  # noqa: E402
from tests.e2e.fake_discord import FakeDiscord  # noqa: E402
from tests.e2e.fake_discord import fixtures as fx  # noqa: E402
from tests.e2e.fake_discord.load import (  # noqa: E402
    CITY_COMPLETIONS,
    CITY_QUERIES,
    QUOTE_COMPLETIONS,
    QUOTE_QUERIES,
    Action,
    Autocomplete,
    LoadDriver,
    Sample,
    SlashLookup,
)

ANY_TITLE = re.compile(r".*", re.S)  # a varied query's answer: whatever it is, it is one
WORDS = ("harbour", "ordinance", "sanctuary", "mayor", "police", "federal", "funding", "city",
         "immigrants", "deport", "promise", "council", "zzyzx", "qwerty", "lakefront")
NAMES = [*CITY_QUERIES, *QUOTE_QUERIES, "Emanuel", "Garcetti", "Walsh", "Hodges", "Murray",
         "sanctuary city", "Trump", "New York", "Boston", "Minneapolis"]


def varied(rng: random.Random) -> str:
    """A query never asked before (most likely): a known name or phrase with a slip, a word
    added, cut to a fragment, or words the article does not have."""
    base = rng.choice(NAMES)
    roll = rng.random()
    if roll < 0.3 and len(base) > 3:  # a slip: one letter dropped, doubled or swapped
        i = rng.randrange(1, len(base) - 1)
        base = rng.choice((base[:i] + base[i + 1:], base[:i] + base[i] + base[i:],
                           base[:i - 1] + base[i] + base[i - 1] + base[i + 1:]))
    elif roll < 0.5:
        base = f"{base} {rng.choice(WORDS)}"
    elif roll < 0.7 and len(base) > 5:
        start = rng.randrange(0, len(base) - 4)
        base = base[start:start + rng.randrange(4, len(base) - start + 1)]
    elif roll < 0.8:
        base = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 4)))
    return f"{base} {rng.randrange(10_000)}" if rng.random() < 0.2 else base


@dataclass(frozen=True)
class VariedLookup(Action):
    """`!<command> <a fresh query>`; any one answer counts (the query's is not known)."""

    command: str
    rng: random.Random
    kind: str = "prefix"

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"!{self.command} …"

    async def run(self, driver: LoadDriver, user_id: int, channel_id: int) -> Sample:
        text = f"!{self.command} {varied(self.rng)}"
        sample, _ = await driver.prefix_matching(text, ANY_TITLE, user_id, channel_id,
                                                 kind=f"!{self.command}")
        return sample


def mix(rng: random.Random) -> list[tuple[Action, float]]:
    """80% varied text lookups, 20% interactions with known answers."""
    actions: list[tuple[Action, float]] = [
        (VariedLookup("city", rng), 35), (VariedLookup("quote", rng), 35),
        (VariedLookup("search", rng), 10)]
    slash = [SlashLookup("city", {"name": q}, t) for q, t in CITY_QUERIES.items()]
    slash += [SlashLookup("quote", {"query": q}, t) for q, t in QUOTE_QUERIES.items()]
    typed = [Autocomplete("city", "name", q, c) for q, c in CITY_COMPLETIONS.items()]
    typed += [Autocomplete("quote", "query", q, c) for q, c in QUOTE_COMPLETIONS.items()]
    actions += [(a, 10 / len(slash)) for a in slash] + [(a, 10 / len(typed)) for a in typed]
    return actions


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def verdict(curve: list[tuple[int, float]]) -> str:
    """Growth over the first half of the run against the second half."""
    total = curve[-1][0]
    middle = min(curve, key=lambda point: abs(point[0] - total / 2))
    first, second = middle[1] - curve[0][1], curve[-1][1] - middle[1]
    levels = (second < 2.0 and second < max(first, 0.0) / 4) or second <= 0.5
    return (f"growth 0 → {middle[0]:,}: {first:+.1f} MB; {middle[0]:,} → {total:,}: "
            f"{second:+.1f} MB: {'levels off' if levels else 'still growing'}")


async def bench(lookups: int, every: int, members: int, seed: int) -> int:
    problems: list[str] = []
    server = FakeDiscord()
    await server.start()
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="citybot-memory-") as tmp:
        bot = BotProcess(server, Path(tmp))
        try:
            await bot.start()
            assert bot.process is not None
            pid = bot.process.pid
            users = fx.EXTRA_MEMBER_IDS[:members]
            curve = [(0, rss_mb(pid))]
            print(f"{'lookups':>9} {'RSS MB':>8} {'lookups/s':>10}", flush=True)
            print(f"{0:>9,} {curve[0][1]:>8.1f}", flush=True)
            done = 0
            with LoadDriver(server) as driver:
                while done < lookups:
                    chunk = min(every, lookups - done)
                    started = time.monotonic()
                    report = await driver.run(chunk, mix(rng), users, seed=rng.randrange(1 << 30))
                    rate = chunk / (time.monotonic() - started)
                    problems += [f"{s.label}: {s.problem}" for s in report.failures]
                    if report.failures:
                        break
                    await server.sync_with_bot(5.0)
                    problems += driver.check_interactions()
                    driver.records.clear()
                    driver.unclaimed.clear()
                    server.forget_history()
                    done += chunk
                    curve.append((done, rss_mb(pid)))
                    print(f"{done:>9,} {curve[-1][1]:>8.1f} {rate:>10.0f}", flush=True)
            print(verdict(curve))
        finally:
            await wind_up(bot, problems)
    return await conclude(server, problems,
                          "every lookup answered; no violation, no error in the bot's log")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lookups", type=int, default=200_000)
    parser.add_argument("--every", type=int, default=10_000, help="lookups between samples")
    parser.add_argument("--members", type=int, default=20, choices=range(1, 51),
                        metavar="1..50", help="members asking at once (default 20)")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    return asyncio.run(bench(args.lookups, args.every, args.members, args.seed))


if __name__ == "__main__":
    raise SystemExit(main())
