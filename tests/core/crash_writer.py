"""A moderator who never stops: adds statements and imports small files, printing an
acknowledgement after each committed change. tests/core/test_crash_recovery.py kills it."""

from __future__ import annotations

import asyncio
import random
import sys
from pathlib import Path

from bot.core.bootstrap import start_core
from bot.core.moderation import Actor

GUILD = 777


WORDS = ("harbor", "lantern", "meadow", "copper", "violet", "granite", "orchard", "falcon",
         "thunder", "velvet", "saffron", "glacier", "maple", "comet", "willow", "ember")


def distinct_text(run: str, i: int) -> str:
    """Texts far apart, so the duplicate rule (same speaker, near-identical words) stays out."""
    rng = random.Random(f"{run}-{i}")
    return f"Run {run} change {i}: " + " ".join(rng.sample(WORDS, 12))


def small_file(run: str, batch: int) -> dict:
    """Three cities in one import: all of them or none must be there after a crash."""
    return {
        "source": {"key": f"crash-{run}-{batch}", "title": "crash test", "outlet": "tests",
                   "date": "2016-11-17"},
        "cities": [{"key": f"crash-{run}-{batch}-{j}", "name": f"Crashtown {run} {batch} {j}",
                    "state": "Nowhere", "aliases": [f"ct{run}{batch}{j}"]} for j in range(3)],
        "people": [],
        "statements": [],
    }


async def main(database: Path | str, run: str) -> None:
    core = await start_core(database)
    actor = Actor(user_id=42, guild_id=GUILD, moderator=True)
    for i in range(10_000):
        if i % 4 == 3:
            outcome = await core.moderation.import_data(actor, small_file(run, i), GUILD)
            assert outcome.changed, outcome.answer.description
            print(f"import crash-{run}-{i}", flush=True)
        else:
            outcome = await core.moderation.add(actor, "statement", {
                "speaker": "Ed Murray", "text": distinct_text(run, i), "kind": "paraphrase",
            })
            assert outcome.ref is not None, outcome.answer.description
            print(f"statement {outcome.ref.id}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))  # a file, or a postgresql:// URL
