"""What every moderation use case stands on: the store, the lookup, and naming entries."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.core.matching import EntryKind
from bot.core.moderation.rules import Actor, Refusal, names_of
from bot.core.resolve import resolve
from bot.core.scope import scopes_for
from bot.core.service import Lookup
from bot.core.store import Store
from bot.core.text import normalize

if TYPE_CHECKING:
    from bot.core.feed import ChangeFeed

KINDS: tuple[EntryKind, ...] = ("city", "official", "statement")
_ID = re.compile(r"^#?(\d{1,18})$")


def kind_of(text: str) -> EntryKind:
    word = text.strip().casefold().rstrip("s")
    aliases = {"city": "city", "citie": "city", "official": "official", "person": "official",
               "people": "official", "speaker": "official", "statement": "statement",
               "quote": "statement"}
    if word not in aliases:
        raise Refusal("kind", "must be city, official or statement")
    return aliases[word]  # type: ignore[return-value]


class ModerationBase:
    """The store and lookup; finds, labels and syncs the entries a moderator names."""

    def __init__(self, store: Store, lookup: Lookup) -> None:
        self.store = store
        self.lookup = lookup
        self.mod_roles: dict[int, set[int]] = {}
        # Set by `Moderation.start`: after a write commits, the feed applies it (and whatever
        # other processes committed) to the index, so the next lookup here sees it.
        self.feed: ChangeFeed | None = None

    async def caught_up(self) -> None:
        """The in-memory index and roles as the store has them now, this write included."""
        assert self.feed is not None, "Moderation.start attaches the change feed"
        await self.feed.catch_up()

    # ---- finding entries -----------------------------------------------------------------

    async def find(self, actor: Actor, kind: EntryKind, text: str, *,
                   removed: bool = False, what: str = "entry") -> dict[str, Any]:
        """The snapshot of the entry `text` names (an id or a name), if `actor` may change it."""
        text = (text or "").strip()
        if not text:
            raise Refusal(what, f"is required: name the {kind} or give its id")
        match = _ID.match(text)
        if match:
            snap = await self.store.entry(kind, int(match.group(1)))
            if snap is None or snap["guild_id"] not in actor.visible:
                raise Refusal(what, f"there is no {kind} #{match.group(1)} here")
        else:
            hits = self.lookup.catalog.indexes[kind].search(text, actor.visible, 10)
            resolution = resolve(hits)
            if resolution.outcome != "found" and removed:
                gone = await self._removed_named(actor, kind, text)
                if gone is not None:
                    return gone
            if resolution.outcome != "found":
                options = ", ".join(f"#{h.ref.id} {h.label[:60]}" for h in hits[:5]
                                    if h.score >= 50)
                if resolution.outcome == "choose":
                    raise Refusal(what, f"several {kind} entries match “{text[:60]}”; give the "
                                  f"id of one: {options}")
                hint = f" Closest: {options}." if options else ""
                raise Refusal(what, f"no {kind} matches “{text[:60]}”.{hint}")
            snap = await self.store.entry(kind, resolution.best.ref.id)
            assert snap is not None
        actor.check_may_change(int(snap["guild_id"]), what)
        if snap["deleted_at"] is not None and not removed:
            raise Refusal(what, f"{kind} #{snap['id']} was removed; `restore {kind} "
                          f"{snap['id']}` brings it back")
        return snap

    async def _removed_named(self, actor: Actor, kind: EntryKind,
                             text: str) -> dict[str, Any] | None:
        """A removed entry (not in the index any more) named exactly, or whose text has it."""
        wanted = normalize(text)
        for snap in await self.store.removed_entries(kind, actor.editable or (-1,)):
            if kind == "statement":
                if wanted and wanted in normalize(str(snap["text"])):
                    return snap
            elif wanted in {normalize(n) for n in names_of(snap)}:
                return snap
        return None

    async def _reference(self, actor: Actor, kind: EntryKind, text: str, what: str,
                         scope: int) -> int:
        """The id of a visible city or official named by `text` (for a statement's speaker)."""
        scopes = scopes_for(scope)
        match = _ID.match(text)
        if match:
            snap = await self.store.entry(kind, int(match.group(1)))
            if snap and snap["guild_id"] in scopes and snap["deleted_at"] is None:
                return int(snap["id"])
        hits = self.lookup.catalog.indexes[kind].search(text, scopes, 5)
        resolution = resolve(hits)
        if resolution.outcome == "found":
            return resolution.best.ref.id
        close = ", ".join(h.label for h in hits[:3] if h.score >= 50)
        word = "no one" if kind == "official" else "no city"
        add = "add them first with `add official`" if kind == "official" else \
            "add it first with `add city`"
        if resolution.outcome == "choose":
            raise Refusal(what, f"“{text[:60]}” matches several: {close}; use the full name")
        raise Refusal(what, f"{word} called “{text[:60]}” is in the store"
                      + (f"; the closest: {close}" if close else f"; {add}") + ".")

    async def label(self, kind: str, snap: Mapping[str, Any]) -> str:
        if kind == "statement":
            speaker = await self.store.entry("official", int(snap["official_id"]))
            text = str(snap["text"])
            text = text if len(text) <= 60 else text[:59] + "…"
            return f"statement #{snap['id']} ({speaker['name'] if speaker else '?'}: “{text}”)"
        if kind in KINDS:
            return f"{kind} #{snap['id']} ({snap['name']})"
        return f"{kind} #{snap['id']}"
