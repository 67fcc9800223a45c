"""Entry changes: add, edit, remove, restore and undo, each refused or written whole."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.matching import EntryKind, EntryRef
from bot.core.moderation import replies
from bot.core.moderation.checks import EntryChecks
from bot.core.moderation.outcome import Outcome, checks_authority, refused, stale_refusal
from bot.core.moderation.rules import FIELDS, Actor, Refusal, clean_fields
from bot.core.store.entry_writes import EntryMissing, EntryRemoved, NotRemoved, VersionConflict
from bot.core.store.snapshots import COLUMNS
from bot.core.validation import InvalidField


class EntryChanges(EntryChecks):
    """Writes a moderator's change through the store, then syncs the catalog."""

    # ---- add / edit ----------------------------------------------------------------------

    @checks_authority
    async def add(self, actor: Actor, kind: EntryKind, raw: Mapping[str, str | None]) -> Outcome:
        try:
            actor.check_may_change(actor.scope, kind)
            values = await self._prepare_new(actor, kind, raw)
        except (Refusal, InvalidField) as exc:
            return refused(exc)
        hint = values["name"] if kind != "statement" else values["text"][:40]
        snap = await self.store.insert_entry(kind, actor.scope, values, actor.user_id,
                                             key_hint=hint)
        await self.caught_up()
        label = await self.label(kind, snap)
        return Outcome(replies.done(f"Added {label}", "Lookups and autocomplete show it now.",
                                    footer="`undo` takes it back; `history` shows changes"),
                       changed=True, ref=EntryRef(kind, snap["id"]), version=snap["version"])

    @checks_authority
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
            return refused(exc)
        except (VersionConflict, EntryRemoved, EntryMissing) as exc:
            return refused(stale_refusal(kind, int(snap["id"]), exc))
        await self.caught_up()
        changes = replies.diff_lines(kind, before, after)
        return Outcome(replies.done(f"Saved {await self.label(kind, after)}", "\n".join(changes),
                                    footer="`undo` reverts it"),
                       changed=True, ref=EntryRef(kind, after["id"]), version=after["version"])

    # ---- remove / restore / undo ---------------------------------------------------------

    async def prepare_remove(self, actor: Actor, kind: EntryKind, entry: str) -> Outcome:
        """What removal would take away, for the adapter to confirm (nothing changes yet)."""
        try:
            snap = await self.find(actor, kind, entry)
            await self._check_unreferenced(kind, snap)
        except Refusal as exc:
            return refused(exc)
        label = await self.label(kind, snap)
        return Outcome(replies.done(f"Remove {label}?", "It disappears from lookups at once; "
                                    "`undo` or `restore` brings it back."),
                       ref=EntryRef(kind, snap["id"]), version=snap["version"])

    @checks_authority
    async def remove(self, actor: Actor, ref: EntryRef, version: int) -> Outcome:
        try:
            snap = await self.find(actor, ref.kind, str(ref.id), removed=True)
            await self._check_unreferenced(ref.kind, snap)
            _, after = await self.store.set_removed(ref.kind, ref.id, version, True,
                                                    actor.user_id)
        except Refusal as exc:
            return refused(exc)
        except EntryRemoved:
            return refused(Refusal("entry", f"{ref.kind} #{ref.id} is already removed"))
        except (VersionConflict, EntryMissing) as exc:
            return refused(stale_refusal(ref.kind, ref.id, exc))
        await self.caught_up()
        return Outcome(replies.done(f"Removed {await self.label(ref.kind, after)}",
                                    footer=f"`undo` or `restore {ref.kind} {ref.id}` brings "
                                    "it back"),
                       changed=True, ref=ref, version=after["version"])

    @checks_authority
    async def restore(self, actor: Actor, kind: EntryKind, entry: str) -> Outcome:
        try:
            snap = await self.find(actor, kind, entry, removed=True)
            _, after = await self.store.set_removed(kind, int(snap["id"]), int(snap["version"]),
                                                    False, actor.user_id)
        except Refusal as exc:
            return refused(exc)
        except (VersionConflict, EntryMissing, NotRemoved, EntryRemoved) as exc:
            return refused(stale_refusal(kind, int(snap["id"]), exc))
        await self.caught_up()
        return Outcome(replies.done(f"Restored {await self.label(kind, after)}"),
                       changed=True, ref=EntryRef(kind, after["id"]), version=after["version"])

    @checks_authority
    async def undo(self, actor: Actor) -> Outcome:
        """Revert the actor's latest change here, if nobody changed that entry after it."""
        if not actor.editable:
            return refused(Refusal("undo", "you need the Manage Messages permission or a "
                                   "moderator role"))
        row = await self.store.last_undoable(actor.user_id, actor.editable)
        if row is None:
            return refused(Refusal("undo", "you have no change here to undo"))
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
            return refused(exc)
        except (VersionConflict, EntryMissing, EntryRemoved, NotRemoved) as exc:
            return refused(stale_refusal(kind, row.entry_id, exc))
        await self.caught_up()
        what = replies.UNDONE_WHAT.get(row.action, row.action)
        return Outcome(replies.done(f"Undone: the {what} of {kind} #{row.entry_id}",
                                    f"Change #{row.id} of {row.created_at} is reverted."),
                       changed=True, ref=EntryRef(kind, row.entry_id))  # type: ignore[arg-type]
