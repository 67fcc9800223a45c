"""The change history a moderator may read: the audit rows of their scopes, labelled."""

from __future__ import annotations

from bot.core.matching import EntryKind
from bot.core.moderation import replies
from bot.core.moderation.base import KINDS, ModerationBase
from bot.core.moderation.outcome import Outcome, refused
from bot.core.moderation.rules import Actor, Refusal


class AuditHistory(ModerationBase):
    """Reads the audit log for `history` (of a scope, or of one entry)."""

    # ---- history -------------------------------------------------------------------------

    async def history(self, actor: Actor, kind: EntryKind | None = None, entry: str = "",
                      limit: int = 10) -> Outcome:
        if not actor.editable:
            return refused(Refusal("history", "you need the Manage Messages permission or a "
                                   "moderator role"))
        entry_id = None
        subject = "this server's entries" if actor.guild_id else "the global entries"
        if entry.strip():
            try:
                snap = await self.find(actor, kind or "statement", entry, removed=True)
            except Refusal as exc:
                return refused(exc)
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
