"""What the index holds and answers: references to entries, and hits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

EntryKind = Literal["city", "official", "statement"]
GLOBAL = 0  # the scope (guild id) of the bundled dataset, seen by every server


class EntryRef(NamedTuple):
    """An entry of one kind. A named tuple, not a dataclass: it is a dict key on every
    search, and a tuple's hash is computed in C."""

    kind: EntryKind
    id: int


@dataclass(frozen=True, slots=True)
class Hit:
    ref: EntryRef
    score: float
    label: str  # how the entry is named to people
    matched: str  # the name, alias or text that matched
