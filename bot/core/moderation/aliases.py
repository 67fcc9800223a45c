"""Adding and removing the aliases of a city or an official."""

from __future__ import annotations

from bot.core.matching import EntryKind, EntryRef
from bot.core.moderation import replies
from bot.core.moderation.checks import EntryChecks
from bot.core.moderation.outcome import Outcome, checks_authority, refused, stale_refusal
from bot.core.moderation.rules import Actor, Refusal
from bot.core.store.entry_writes import EntryMissing, EntryRemoved, VersionConflict
from bot.core.store.snapshots import ALIAS_COLUMN
from bot.core.validation import MAX_ALIASES, InvalidField, clean_text


class AliasEdits(EntryChecks):
    """`alias add` and `alias remove`, checked like any other name."""

    # ---- aliases -------------------------------------------------------------------------

    @checks_authority
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
            return refused(exc)
        except (VersionConflict, EntryRemoved, EntryMissing) as exc:
            return refused(stale_refusal(kind, int(snap["id"]), exc))
        await self.caught_up()
        verb = "now also names" if operation == "add" else "no longer names"
        title = "Alias saved" if operation == "add" else "Alias removed"
        return Outcome(replies.done(title, f"“{alias}” {verb} "
                                    f"{await self.label(kind, snap)}."),
                       changed=True, ref=EntryRef(kind, snap["id"]))
