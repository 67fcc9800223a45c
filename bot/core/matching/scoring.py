"""The two steps of ranking: a scorer in C over the candidates, then a judge of the best."""

from __future__ import annotations

from collections.abc import Callable, Sequence

Scorer = Callable[..., float]  # rapidfuzz's: orders the candidates
JudgeMany = Callable[[str, Sequence[str]], list[float]]  # (query, texts) -> the scores shown
