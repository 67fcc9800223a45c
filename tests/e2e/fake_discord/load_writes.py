"""Moderator writes to mix into the load of tests/e2e/fake_discord/load.py.

A moderator adds statements (``!add statement``) and edits where statements were said
(``!edit statement <id> where: …``) while the load's members look things up. Every write
sends new words, so none is refused as a duplicate or as "nothing to change", and edits of
one entry wait for each other (two at once would rightly be refused as a version conflict).
``ModeratorWrites`` remembers what the bot acknowledged, for the test to find afterwards in
the store and in the audit log.

The statements are made of words that stand nowhere near the lookups' queries, so the lookups'
known answers stay right while the store grows.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import fixtures as fx
from .load import Action, Sample

if TYPE_CHECKING:
    from .load import LoadDriver

WORDS = (
    "lanternfish", "quarrystone", "thistledown", "mosaicwork", "granitefall", "orchardist",
    "velveteen", "copperplate", "meadowsweet", "juniperberry", "falconry", "pebbledash",
    "saffronware", "tundraland", "walnutwood", "zephyrine", "cobaltglass", "fennelseed",
    "glacierbed", "hazelnut", "indigotin", "kelpforest", "lilacbush", "marbleized",
    "nutmegtree", "oysterbed", "paprikash", "quincejam", "rhubarbstem", "sorrelleaf",
    "tamarindo", "umberstone", "vellumroll", "willowherb", "yarrowroot", "bramblewick",
)


def title_text(text: str) -> str:
    """A statement's words as the title of a moderation answer shows them (60 characters)."""
    return text if len(text) <= 60 else text[:59] + "…"


@dataclass
class ModeratorWrites:
    """What the moderator writes and what the bot acknowledged.

    ``editable`` maps the statements that may be edited (id -> (text, said_where)); every
    acknowledged addition joins it.
    """

    speaker: str
    editable: dict[int, tuple[str, str]]
    actor: int = fx.MODERATOR_ID
    seed: int = 11
    added: dict[int, str] = field(default_factory=dict)  # id -> text
    edits: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # id -> [(old, new)]
    _serial: int = 0
    _locks: defaultdict[int, asyncio.Lock] = field(default_factory=lambda: defaultdict(
        asyncio.Lock))

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def new_text(self) -> str:
        words = " ".join(self._rng.sample(WORDS, 8))
        return f"Ledger {self.next_serial():04d} {words}"

    def entry_to_edit(self) -> int:
        """A statement nobody is editing right now (any one, if all are)."""
        free = [i for i in self.editable if not self._locks[i].locked()]
        return self._rng.choice(free or list(self.editable))

    @property
    def acknowledged(self) -> int:
        return len(self.added) + sum(len(chain) for chain in self.edits.values())

    def mix(self, add_weight: float, edit_weight: float) -> list[tuple[Action, float]]:
        return [(AddStatement(self), add_weight), (EditWhere(self), edit_weight)]


@dataclass(frozen=True)
class AddStatement(Action):
    writes_to: ModeratorWrites
    kind: str = "mod add"
    writes: bool = True
    label: str = "!add statement"

    @property
    def actor(self) -> int:  # type: ignore[override]
        return self.writes_to.actor

    async def run(self, driver: LoadDriver, user_id: int, channel_id: int) -> Sample:
        state = self.writes_to
        text = state.new_text()
        pattern = re.compile(r"Added statement #(\d+) "
                             + re.escape(f"({state.speaker}: “{title_text(text)}”)"))
        sample, sent = await driver.prefix_matching(
            f"!add statement speaker: {state.speaker} text: {text}", pattern, user_id,
            channel_id, kind=self.kind)
        if sent is not None:
            title = str((sent.embeds or [{}])[0].get("title"))
            match = pattern.fullmatch(title)
            assert match is not None
            statement_id = int(match.group(1))
            state.added[statement_id] = text
            state.editable[statement_id] = (text, "")
        return sample


@dataclass(frozen=True)
class EditWhere(Action):
    writes_to: ModeratorWrites
    kind: str = "mod edit"
    writes: bool = True
    label: str = "!edit statement … where:"

    @property
    def actor(self) -> int:  # type: ignore[override]
        return self.writes_to.actor

    async def run(self, driver: LoadDriver, user_id: int, channel_id: int) -> Sample:
        state = self.writes_to
        statement_id = state.entry_to_edit()
        async with state._locks[statement_id]:
            text, old = state.editable[statement_id]
            new = f"at load desk {state.next_serial()}"
            title = f"Saved statement #{statement_id} ({state.speaker}: “{title_text(text)}”)"
            sample = await driver.prefix(
                f"!edit statement {statement_id} where: {new}", title, user_id, channel_id,
                kind=self.kind)
            if sample.ok:
                state.editable[statement_id] = (text, new)
                state.edits.setdefault(statement_id, []).append((old, new))
        return sample
