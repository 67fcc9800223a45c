"""The moderation use cases: add, edit, remove, restore, undo, alias, history, suggestions.

Each checks who asks and what they may change (`Actor`), cleans the input with the shared
field rules, writes through the store (change and audit row in one transaction) and then
puts the committed entry into the in-memory `Catalog`, so the very next lookup and
autocomplete see it. A refusal changes nothing and says which field and why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.matching import EntryKind, EntryRef
from bot.core.models import Answer
from bot.core.moderation import replies
from bot.core.moderation.rules import (
    FIELDS,
    Actor,
    Refusal,
    clean_fields,
    duplicate_statement,
    name_clash,
    names_of,
)
from bot.core.moderation.transfer import export_scope, import_file
from bot.core.resolve import resolve
from bot.core.scope import scopes_for
from bot.core.service import Choice, Lookup, clip_choice
from bot.core.store import Store
from bot.core.store.moderation import (
    ALIAS_COLUMN,
    COLUMNS,
    AlreadyReviewed,
    EntryMissing,
    EntryRemoved,
    NotRemoved,
    SuggestionRow,
    VersionConflict,
)
from bot.core.text import normalize
from bot.core.validation import MAX_ALIASES, InvalidField, clean_text

KINDS: tuple[EntryKind, ...] = ("city", "official", "statement")
_ID = re.compile(r"^#?(\d{1,18})$")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a use case did: the reply, and what an adapter needs to go on."""

    answer: Answer
    changed: bool = False
    ref: EntryRef | None = None
    version: int | None = None
    suggestion: SuggestionRow | None = None
    suggestions: tuple[SuggestionRow, ...] = field(default=())


def _refused(exc: Refusal | InvalidField) -> Outcome:
    if isinstance(exc, InvalidField):
        exc = Refusal(exc.field, exc.reason)
    return Outcome(replies.refused(exc))


def kind_of(text: str) -> EntryKind:
    word = text.strip().casefold().rstrip("s")
    aliases = {"city": "city", "citie": "city", "official": "official", "person": "official",
               "people": "official", "speaker": "official", "statement": "statement",
               "quote": "statement"}
    if word not in aliases:
        raise Refusal("kind", "must be city, official or statement")
    return aliases[word]  # type: ignore[return-value]


class Moderation:
    def __init__(self, store: Store, lookup: Lookup) -> None:
        self.store = store
        self.lookup = lookup
        self.mod_roles: dict[int, set[int]] = {}

    @classmethod
    async def start(cls, store: Store, lookup: Lookup) -> Moderation:
        moderation = cls(store, lookup)
        moderation.mod_roles = await store.mod_roles()
        return moderation

    # ---- moderator roles (kept in memory: checks and autocomplete never wait on disk) ----

    def has_mod_role(self, guild_id: int | None, role_ids: Sequence[int]) -> bool:
        return bool(guild_id) and bool(self.mod_roles.get(guild_id or 0, set()) & set(role_ids))

    async def set_mod_role(self, actor: Actor, role_id: int, present: bool,
                           role_name: str = "") -> Outcome:
        if not actor.guild_id:
            return _refused(Refusal("role", "moderator roles are set in a server"))
        name = role_name or f"<@&{role_id}>"
        changed = await self.store.set_mod_role(actor.guild_id, role_id, actor.user_id, present)
        roles = self.mod_roles.setdefault(actor.guild_id, set())
        (roles.add if present else roles.discard)(role_id)
        if not changed:
            state = "already" if present else "not"
            return Outcome(replies.done("Moderator roles", f"{name} is {state} a moderator role."))
        verb = "now moderates" if present else "no longer moderates"
        return Outcome(replies.done("Moderator roles", f"{name} {verb} this server's entries."),
                       changed=True)

    def list_mod_roles(self, guild_id: int | None) -> Answer:
        roles = sorted(self.mod_roles.get(guild_id or 0, set()))
        text = ", ".join(f"<@&{r}>" for r in roles) or "none (Manage Messages still counts)"
        return replies.done("Moderator roles", f"Moderator roles here: {text}")

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
        for snap in await self.store.entries(kind, actor.editable or (-1,), removed=True):
            if snap["deleted_at"] is None:
                continue
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

    # ---- keeping the catalog in step ------------------------------------------------------

    async def sync(self, kind: str, entry_id: int) -> None:
        """Put the committed entry into the in-memory index, or take it out if removed."""
        catalog = self.lookup.catalog
        scopes = await self.store.scopes()
        ref = EntryRef(kind, entry_id)  # type: ignore[arg-type]
        if kind == "city":
            cities = await self.store.cities(scopes, ids=[entry_id])
            catalog.put_city(cities[0]) if cities else catalog.remove(ref)
        elif kind == "official":
            officials = await self.store.officials(scopes, ids=[entry_id])
            catalog.put_official(officials[0]) if officials else catalog.remove(ref)
            for statement in await self.store.statements(scopes, official_id=entry_id):
                catalog.put_statement(statement)  # their label carries the speaker's name
        elif kind == "statement":
            statements = await self.store.statements(scopes, ids=[entry_id])
            catalog.put_statement(statements[0]) if statements else catalog.remove(ref)

    # ---- checks shared by add, edit, import and approve ----------------------------------

    async def _resolve_refs(self, actor: Actor, kind: str, values: dict[str, Any],
                            scope: int) -> None:
        for column, ref_kind, what in (("official_id", "official", "speaker"),
                                       ("city_id", "city", "city")):
            if column in values and isinstance(values[column], str):
                values[column] = await self._reference(actor, ref_kind, values[column], what,
                                                       scope)

    async def _check_unique(self, kind: str, values: Mapping[str, Any], scope: int,
                            current: Mapping[str, Any] | None = None) -> None:
        relevant = ("text", "official_id") if kind == "statement" else ("name", "aliases")
        if current is not None and not any(c in values for c in relevant):
            return
        merged = {**(current or {}), **values}
        exclude = current["id"] if current else None
        scopes = scopes_for(scope) if scope else tuple(await self.store.scopes())
        if kind == "statement":
            others = [s for s in await self.store.entries("statement", scopes)
                      if s["official_id"] == merged["official_id"]]
            dup = duplicate_statement(merged["text"], others, exclude)
            if dup is not None:
                raise Refusal("text", "this speaker already has a statement with nearly the "
                              "same words", existing=await self.label("statement", dup))
            return
        names = [merged["name"]] if "name" in values or current is None else []
        names += [a for a in values.get("aliases", ())
                  if current is None or a not in current.get("aliases", ())]
        clash = name_clash(names, await self.store.entries(kind, scopes), exclude)
        if clash is not None:
            taken, other = clash
            what = "name" if taken == merged.get("name") else "aliases"
            raise Refusal(what, f"“{taken}” already names {await self.label(kind, other)}",
                          existing=await self.label(kind, other))

    async def _default_city(self, values: dict[str, Any]) -> None:
        if values.get("city_id") is None and values.get("official_id"):
            speaker = await self.store.entry("official", int(values["official_id"]))
            if speaker is not None:
                values["city_id"] = speaker["city_id"]

    # ---- add / edit ----------------------------------------------------------------------

    async def add(self, actor: Actor, kind: EntryKind, raw: Mapping[str, str | None]) -> Outcome:
        try:
            actor.check_may_change(actor.scope, kind)
            values = await self._prepare_new(actor, kind, raw)
        except (Refusal, InvalidField) as exc:
            return _refused(exc)
        hint = values["name"] if kind != "statement" else values["text"][:40]
        snap = await self.store.insert_entry(kind, actor.scope, values, actor.user_id,
                                             key_hint=hint)
        await self.sync(kind, snap["id"])
        label = await self.label(kind, snap)
        return Outcome(replies.done(f"Added {label}", "Lookups and autocomplete show it now.",
                                    footer="`undo` takes it back; `history` shows changes"),
                       changed=True, ref=EntryRef(kind, snap["id"]), version=snap["version"])

    async def _prepare_new(self, actor: Actor, kind: EntryKind,
                           raw: Mapping[str, str | None], scope: int | None = None
                           ) -> dict[str, Any]:
        scope = actor.scope if scope is None else scope
        values = clean_fields(kind, raw, adding=True)
        await self._resolve_refs(actor, kind, values, scope)
        if kind == "statement":
            values.setdefault("kind", "quote")
            await self._default_city(values)
        await self._check_unique(kind, values, scope)
        return values

    async def edit(self, actor: Actor, kind: EntryKind, entry: str,
                   raw: Mapping[str, str | None], expected_version: int | None = None
                   ) -> Outcome:
        try:
            snap = await self.find(actor, kind, entry)
            if expected_version is None:
                expected_version = int(snap["version"])
            if "aliases" in raw:
                raise Refusal("aliases", "change aliases with `alias add` and `alias remove`")
            values = clean_fields(kind, {k: v for k, v in raw.items() if v is not None},
                                  adding=False)
            values = {c: v for c, v in values.items() if snap.get(c) != v}
            if not values:
                raise Refusal("fields", "nothing to change: give at least one new value ("
                              + ", ".join(n for n in FIELDS[kind] if n != "aliases") + ")")
            await self._resolve_refs(actor, kind, values, int(snap["guild_id"]))
            await self._check_unique(kind, values, int(snap["guild_id"]), snap)
            before, after = await self.store.update_entry(kind, int(snap["id"]),
                                                          expected_version, values,
                                                          actor.user_id)
        except (Refusal, InvalidField) as exc:
            return _refused(exc)
        except (VersionConflict, EntryRemoved, EntryMissing) as exc:
            return _refused(self._stale(kind, int(snap["id"]), exc))
        await self.sync(kind, int(snap["id"]))
        changes = replies.diff_lines(kind, before, after)
        return Outcome(replies.done(f"Saved {await self.label(kind, after)}", "\n".join(changes),
                                    footer="`undo` reverts it"),
                       changed=True, ref=EntryRef(kind, after["id"]), version=after["version"])

    @staticmethod
    def _stale(kind: str, entry_id: int, exc: Exception) -> Refusal:
        if isinstance(exc, EntryRemoved):
            return Refusal("entry", f"{kind} #{entry_id} was removed meanwhile; nothing was "
                           f"saved (`restore {kind} {entry_id}` brings it back)")
        if isinstance(exc, VersionConflict):
            return Refusal("version", f"{kind} #{entry_id} was changed by someone else "
                           f"meanwhile (it is now version {exc.current}); nothing was saved. "
                           "Look at it again and redo your change.")
        if isinstance(exc, NotRemoved):
            return Refusal("entry", f"{kind} #{entry_id} is not removed")
        return Refusal("entry", f"{kind} #{entry_id} does not exist")

    # ---- remove / restore / undo ---------------------------------------------------------

    async def prepare_remove(self, actor: Actor, kind: EntryKind, entry: str) -> Outcome:
        """What removal would take away, for the adapter to confirm (nothing changes yet)."""
        try:
            snap = await self.find(actor, kind, entry)
            await self._check_unreferenced(kind, snap)
        except Refusal as exc:
            return _refused(exc)
        label = await self.label(kind, snap)
        return Outcome(replies.done(f"Remove {label}?", "It disappears from lookups at once; "
                                    "`undo` or `restore` brings it back."),
                       ref=EntryRef(kind, snap["id"]), version=snap["version"])

    async def _check_unreferenced(self, kind: str, snap: Mapping[str, Any]) -> None:
        count = await self.store.live_references(kind, int(snap["id"]))
        if count:
            what = "statements" if kind == "official" else "officials or statements"
            raise Refusal("entry", f"{await self.label(kind, snap)} still has {count} "
                          f"{what}; remove those first")

    async def remove(self, actor: Actor, ref: EntryRef, version: int) -> Outcome:
        try:
            snap = await self.find(actor, ref.kind, str(ref.id), removed=True)
            await self._check_unreferenced(ref.kind, snap)
            _, after = await self.store.set_removed(ref.kind, ref.id, version, True,
                                                    actor.user_id)
        except Refusal as exc:
            return _refused(exc)
        except EntryRemoved:
            return _refused(Refusal("entry", f"{ref.kind} #{ref.id} is already removed"))
        except (VersionConflict, EntryMissing) as exc:
            return _refused(self._stale(ref.kind, ref.id, exc))
        await self.sync(ref.kind, ref.id)
        return Outcome(replies.done(f"Removed {await self.label(ref.kind, after)}",
                                    footer=f"`undo` or `restore {ref.kind} {ref.id}` brings "
                                    "it back"),
                       changed=True, ref=ref, version=after["version"])

    async def restore(self, actor: Actor, kind: EntryKind, entry: str) -> Outcome:
        try:
            snap = await self.find(actor, kind, entry, removed=True)
            _, after = await self.store.set_removed(kind, int(snap["id"]), int(snap["version"]),
                                                    False, actor.user_id)
        except Refusal as exc:
            return _refused(exc)
        except (VersionConflict, EntryMissing, NotRemoved, EntryRemoved) as exc:
            return _refused(self._stale(kind, int(snap["id"]), exc))
        await self.sync(kind, int(snap["id"]))
        return Outcome(replies.done(f"Restored {await self.label(kind, after)}"),
                       changed=True, ref=EntryRef(kind, after["id"]), version=after["version"])

    async def undo(self, actor: Actor) -> Outcome:
        """Revert the actor's latest change here, if nobody changed that entry after it."""
        if not actor.editable:
            return _refused(Refusal("undo", "you need the Manage Messages permission or a "
                                    "moderator role"))
        row = await self.store.last_undoable(actor.user_id, actor.editable)
        if row is None:
            return _refused(Refusal("undo", "you have no change here to undo"))
        kind = row.entry_kind
        try:
            if await self.store.newer_change(row):
                raise Refusal("undo", f"{kind} #{row.entry_id} was changed again after your "
                              f"change #{row.id}; look at `history` and edit it instead")
            snap = await self.store.entry(kind, row.entry_id)
            if snap is None:
                raise EntryMissing(row.entry_id)
            version = int(snap["version"])
            if row.action in ("add", "restore"):
                await self._check_unreferenced(kind, snap)
                await self.store.set_removed(kind, row.entry_id, version, True, actor.user_id,
                                             action="undo", undo_of=row.id)
            elif row.action == "remove":
                await self.store.set_removed(kind, row.entry_id, version, False, actor.user_id,
                                             action="undo", undo_of=row.id)
            else:
                assert row.before is not None
                columns = (*COLUMNS[kind], "facts", "aliases")
                changes = {c: row.before[c] for c in columns if c in row.before}
                await self.store.update_entry(kind, row.entry_id, version, changes,
                                              actor.user_id, action="undo", undo_of=row.id)
        except Refusal as exc:
            return _refused(exc)
        except (VersionConflict, EntryMissing, EntryRemoved, NotRemoved) as exc:
            return _refused(self._stale(kind, row.entry_id, exc))
        await self.sync(kind, row.entry_id)
        words = replies.ACTION_WORDS[row.action]
        return Outcome(replies.done(f"Undone: {kind} #{row.entry_id} {words}",
                                    f"Change #{row.id} of {row.created_at} is reverted."),
                       changed=True, ref=EntryRef(kind, row.entry_id))  # type: ignore[arg-type]

    # ---- aliases -------------------------------------------------------------------------

    async def alias(self, actor: Actor, operation: str, kind: EntryKind, entry: str,
                    alias: str) -> Outcome:
        try:
            if kind not in ALIAS_COLUMN:
                raise Refusal("kind", "only cities and officials have aliases")
            if operation not in ("add", "remove"):
                raise Refusal("alias", "say `alias add` or `alias remove`")
            snap = await self.find(actor, kind, entry)
            alias = clean_text("alias", alias)
            current = list(snap["aliases"])
            folded = [a.casefold() for a in current]
            if operation == "add":
                if alias.casefold() in folded or alias.casefold() == snap["name"].casefold():
                    raise Refusal("alias", f"“{alias}” already names this {kind}")
                if len(current) >= MAX_ALIASES:
                    raise Refusal("alias", f"a {kind} has at most {MAX_ALIASES} aliases")
                await self._check_unique(kind, {"aliases": [*current, alias]},
                                         int(snap["guild_id"]), snap)
                new = [*current, alias]
            else:
                if alias.casefold() not in folded:
                    raise Refusal("alias", f"“{alias}” is not an alias of "
                                  f"{await self.label(kind, snap)}")
                new = [a for a in current if a.casefold() != alias.casefold()]
            await self.store.update_entry(kind, int(snap["id"]), int(snap["version"]),
                                          {"aliases": new}, actor.user_id,
                                          action=f"alias_{operation}")
        except (Refusal, InvalidField) as exc:
            return _refused(exc)
        except (VersionConflict, EntryRemoved, EntryMissing) as exc:
            return _refused(self._stale(kind, int(snap["id"]), exc))
        await self.sync(kind, int(snap["id"]))
        verb = "now also names" if operation == "add" else "no longer names"
        return Outcome(replies.done("Alias saved", f"“{alias}” {verb} "
                                    f"{await self.label(kind, snap)}."),
                       changed=True, ref=EntryRef(kind, snap["id"]))

    # ---- history -------------------------------------------------------------------------

    async def history(self, actor: Actor, kind: EntryKind | None = None, entry: str = "",
                      limit: int = 10) -> Outcome:
        if not actor.editable:
            return _refused(Refusal("history", "you need the Manage Messages permission or a "
                                    "moderator role"))
        entry_id = None
        subject = "this server's entries" if actor.guild_id else "the global entries"
        if entry.strip():
            try:
                snap = await self.find(actor, kind or "statement", entry, removed=True)
            except Refusal as exc:
                return _refused(exc)
            entry_id = int(snap["id"])
            subject = await self.label(kind or "statement", snap)
        rows = await self.store.audit_rows(actor.editable, kind=kind, entry_id=entry_id,
                                           limit=limit)
        labels = {}
        for row in rows:
            if row.entry_kind in KINDS and (row.entry_kind, row.entry_id) not in labels:
                snap = await self.store.entry(row.entry_kind, row.entry_id)
                if snap is not None:
                    labels[(row.entry_kind, row.entry_id)] = await self.label(row.entry_kind,
                                                                              snap)
        return Outcome(replies.history(rows, labels, subject))

    # ---- suggestions ---------------------------------------------------------------------

    async def suggest(self, actor: Actor, raw: Mapping[str, str | None],
                      channel_id: int | None = None, message_id: int | None = None) -> Outcome:
        """Any member proposes a statement for their server; it waits for a moderator."""
        try:
            if not actor.guild_id:
                raise Refusal("suggest", "suggestions are made in a server, not in DMs")
            values = await self._prepare_new(actor, "statement", raw, actor.guild_id)
        except (Refusal, InvalidField) as exc:
            return _refused(exc)
        speaker = await self.store.entry("official", int(values["official_id"]))
        payload = {**values, "speaker": speaker["name"] if speaker else "?"}
        row = await self.store.add_suggestion(actor.guild_id, actor.user_id, payload,
                                              channel_id, message_id)
        return Outcome(replies.done(f"Suggestion #{row.id} is waiting for review",
                                    "This server's moderators will approve or reject it; you "
                                    "will get a reply here."),
                       suggestion=row)

    async def review(self, actor: Actor, limit: int = 5) -> Outcome:
        if not actor.guild_id or actor.guild_id not in actor.editable:
            return _refused(Refusal("review", "you need the Manage Messages permission or a "
                                    "moderator role in this server"))
        rows, total = await self.store.pending_suggestions((actor.guild_id,), limit)
        return Outcome(replies.queue(rows, total), suggestions=tuple(rows))

    async def decide(self, actor: Actor, suggestion_id: int, approve: bool) -> Outcome:
        found = await self.store.suggestion(suggestion_id)
        try:
            if found is None or found.guild_id not in actor.visible:
                raise Refusal("suggestion", f"there is no suggestion #{suggestion_id} here")
            actor.check_may_change(found.guild_id, "suggestion")
            if found.status != "pending":
                raise Refusal("suggestion", f"#{suggestion_id} was already {found.status}")
            statement = None
            if approve:
                values = {c: found.payload[c] for c in COLUMNS["statement"]
                          if c in found.payload}
                snap = await self.store.entry("official", int(values["official_id"]))
                if snap is None or snap["deleted_at"] is not None:
                    raise Refusal("speaker", f"{found.payload.get('speaker')} was removed since "
                                  "the suggestion was made")
                await self._check_unique("statement", values, found.guild_id)
                statement = values
            row, snap = await self.store.review_suggestion(
                suggestion_id, actor.user_id, statement=statement,
                key_hint=str(found.payload.get("text", ""))[:40])
        except Refusal as exc:
            return _refused(exc)
        except AlreadyReviewed as exc:
            return _refused(Refusal("suggestion", f"#{suggestion_id} was already {exc.status}"))
        if snap is not None:
            await self.sync("statement", int(snap["id"]))
        word = "Approved" if approve else "Rejected"
        detail = f"It is statement #{row.statement_id} now." if approve else ""
        return Outcome(replies.done(f"{word} suggestion #{row.id}", detail),
                       changed=True, suggestion=row,
                       ref=EntryRef("statement", snap["id"]) if snap else None)

    # ---- autocomplete (memory only) ------------------------------------------------------

    def complete(self, actor: Actor, kind: EntryKind, text: str, limit: int = 25
                 ) -> list[Choice]:
        """Entries this actor may change; the value is the id. Nothing for non-moderators."""
        scopes = actor.editable
        if not scopes:
            return []
        index = self.lookup.catalog.indexes[kind]
        if text.strip():
            pairs = [(h.ref, h.label) for h in index.search(text, scopes, limit)
                     if h.score >= 50]
        else:
            pairs = sorted(((r, index.label(r)) for r in index.refs(scopes)),
                           key=lambda p: p[1])[:limit]
        choices = []
        for ref, label in pairs:
            name = f"#{ref.id} {label}"
            choices.append(Choice(name=clip_choice(name), value=str(ref.id)))
        return choices[:limit]

    def complete_reference(self, actor: Actor, kind: EntryKind, text: str,
                           limit: int = 25) -> list[Choice]:
        """Speakers and cities a new statement may name: those visible where it is added."""
        return self.lookup.complete(kind, text, actor.guild_id, limit)

    # ---- export / import -----------------------------------------------------------------

    async def export(self, actor: Actor, scope: int | None = None) -> dict[str, Any]:
        """The entries of `scope` (default: the actor's) as a dataset; Refusal if not theirs."""
        scope = actor.scope if scope is None else scope
        actor.check_may_change(scope, "export")
        return await export_scope(self.store, scope)

    async def import_data(self, actor: Actor, raw: Any, scope: int | None = None) -> Outcome:
        try:
            report = await import_file(self.store, actor, raw, actor.scope if scope is None
                                       else scope)
        except Refusal as exc:
            return _refused(exc)
        for kind, entry_id in report.touched:
            await self.sync(kind, entry_id)
        return Outcome(replies.done("Imported", report.summary), changed=bool(report.touched))
