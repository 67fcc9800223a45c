"""The two steps of ranking: a scorer in C over the candidates, then a judge of the best."""

from __future__ import annotations

from collections.abc import Callable

Scorer = Callable[..., float]  # rapidfuzz's: orders the candidates
Adjust = Callable[[str, str, float], float]  # (query, text, scorer's figure) -> the score shown
