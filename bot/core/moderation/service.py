"""The moderation use cases: add, edit, remove, restore, undo, alias, history, suggestions.

Each checks who asks and what they may change (`Actor`), cleans the input with the shared
field rules, writes through the store (change and audit row in one transaction) and then
puts the committed entry into the in-memory `Catalog`, so the very next lookup and
autocomplete see it. A refusal changes nothing and says which field and why.
"""

from __future__ import annotations

from typing import Any

from bot.core.matching import EntryKind
from bot.core.moderation import replies
from bot.core.moderation.aliases import AliasEdits
from bot.core.moderation.changes import EntryChanges
from bot.core.moderation.history import AuditHistory
from bot.core.moderation.outcome import Outcome, checks_authority, refused
from bot.core.moderation.roles import ModeratorRoles
from bot.core.moderation.rules import Actor, Refusal
from bot.core.moderation.suggestions import SuggestionReview
from bot.core.moderation.transfer import export_scope, import_file
from bot.core.partition import Partition
from bot.core.service import Choice, Lookup, clip_choice
from bot.core.store import Store


class Moderation(ModeratorRoles, EntryChanges, AliasEdits, AuditHistory, SuggestionReview):
    """Every moderation use case, composed from the mixins beside this module."""

    @classmethod
    async def start(cls, store: Store, lookup: Lookup, *, reader: Store | None = None,
                    partition: Partition | None = None) -> Moderation:
        """With its change feed: read through `reader` (a second connection; the store's
        own connection, waiting for its transactions, when there is none)."""
        from bot.core.feed import ChangeFeed  # the feed drives Moderation: imported late

        moderation = cls(store, lookup)
        moderation.mod_roles = await store.mod_roles()
        moderation.feed = ChangeFeed(reader or store, lookup, moderation, partition,
                                     writer=store)
        return moderation

    # ---- autocomplete (memory only) ------------------------------------------------------

    def complete(self, actor: Actor, kind: EntryKind, text: str, limit: int = 25
                 ) -> list[Choice]:
        """Entries this actor may change; the value is the id. Nothing for non-moderators."""
        scopes = actor.editable
        if not scopes:
            return []
        index = self.lookup.catalog.indexes[kind]
        if text.strip():
            # Per keystroke, as the lookup boxes: the quick search, bounded work.
            pairs = [(h.ref, h.label) for h in index.search(text, scopes, limit, quick=True)
                     if h.score >= 50]
        else:
            pairs = [(ref, label) for label, ref in index.first_entries(scopes, limit)]
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

    @checks_authority
    async def import_data(self, actor: Actor, raw: Any, scope: int | None = None) -> Outcome:
        try:
            report = await import_file(self.store, actor, raw, actor.scope if scope is None
                                       else scope)
        except Refusal as exc:
            return refused(exc)
        await self.caught_up()
        return Outcome(replies.done("Imported", report.summary), changed=bool(report.touched))
