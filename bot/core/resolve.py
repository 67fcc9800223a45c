"""Turns ranked hits into one of the outcomes people see: found, pick one, did you mean, none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.core.matching import Hit

Outcome = Literal["found", "choose", "near", "none"]

CONFIDENT = 88.0  # a typo or two in a name, or a fragment found word for word
NEAR = 60.0  # below this a suggestion would be noise
TIE = 3.0  # hits this close to the best are equally likely meant
MAX_OPTIONS = 5


@dataclass(frozen=True, slots=True)
class Resolution:
    outcome: Outcome
    hits: tuple[Hit, ...]

    @property
    def best(self) -> Hit:
        return self.hits[0]


def resolve(hits: Sequence[Hit], *, confident: float = CONFIDENT, near: float = NEAR) -> Resolution:
    if not hits or hits[0].score < near:
        return Resolution("none", ())
    top = hits[0]
    if top.score >= confident:
        rivals = [h for h in hits[1:] if h.score >= confident and top.score - h.score < TIE]
        if not rivals:
            return Resolution("found", (top,))
        return Resolution("choose", (top, *rivals[: MAX_OPTIONS * 5 - 1]))
    return Resolution("near", tuple(h for h in hits[:MAX_OPTIONS] if h.score >= near))
