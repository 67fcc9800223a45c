"""Turns ranked hits into one of the outcomes people see: found, pick one, did you mean, none.

Scores are those of bot/core/matching/judge.py (the share of what was typed that an entry
holds), the same for names and statements, so one set of thresholds serves both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.core.matching import Hit

Outcome = Literal["found", "choose", "near", "none"]

LIKELY = 55.0  # at least this, and clearly ahead of the next: the answer
NEAR = 50.0  # below this a suggestion would be noise
TIE = 3.0  # even a perfect match is not sure of a rival this close
MAX_OPTIONS = 5


@dataclass(frozen=True, slots=True)
class Resolution:
    outcome: Outcome
    hits: tuple[Hit, ...]

    @property
    def best(self) -> Hit:
        return self.hits[0]


def lead(score: float) -> float:
    """How far ahead of the next hit the best must be to be the answer: half of what it
    misses of 100 (a perfect match needs only `TIE`)."""
    return max(TIE, (100.0 - score) / 2)


def rivals(hits: Sequence[Hit], near: float = NEAR) -> list[Hit]:
    """The hits after the first that are as likely meant as it is (within its `lead`)."""
    if not hits:
        return []
    top = hits[0].score
    return [h for h in hits[1:] if h.score >= near and top - h.score < lead(top)]


def resolve(hits: Sequence[Hit], *, near: float = NEAR) -> Resolution:
    if not hits or hits[0].score < near:
        return Resolution("none", ())
    top = hits[0]
    close = rivals(hits, near)
    if top.score >= LIKELY:
        if not close:
            return Resolution("found", (top,))
        return Resolution("choose", (top, *close[: MAX_OPTIONS * 5 - 1]))
    return Resolution("near", (top, *close[: MAX_OPTIONS - 1]))
