"""Suggestions: any member proposes a statement, a moderator approves or rejects it."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.matching import EntryRef
from bot.core.moderation import replies
from bot.core.moderation.checks import EntryChecks
from bot.core.moderation.outcome import Outcome, checks_authority, refused
from bot.core.moderation.rules import Actor, Refusal
from bot.core.store.snapshots import COLUMNS
from bot.core.store.suggestions import AlreadyReviewed
from bot.core.validation import InvalidField


class SuggestionReview(EntryChecks):
    """`suggest`, the review queue, and the decision on one suggestion."""

    # ---- suggestions ---------------------------------------------------------------------

    async def suggest(self, actor: Actor, raw: Mapping[str, str | None],
                      channel_id: int | None = None, message_id: int | None = None) -> Outcome:
        """Any member proposes a statement for their server; it waits for a moderator."""
        try:
            if not actor.guild_id and not actor.owner:  # the owner's (the console's) go global
                raise Refusal("suggest", "suggestions are made in a server, not in DMs")
            values = await self._prepare_new(actor, "statement", raw, actor.scope)
        except (Refusal, InvalidField) as exc:
            return refused(exc)
        speaker = await self.store.entry("official", int(values["official_id"]))
        payload = {**values, "speaker": speaker["name"] if speaker else "?"}
        row = await self.store.add_suggestion(actor.scope, actor.user_id, payload,
                                              channel_id, message_id)
        then = ("This server's moderators will approve or reject it; you will get a reply "
                "here.") if actor.guild_id else (f"`review` lists it; `approve {row.id}` or "
                                                 f"`reject {row.id}` decides.")
        return Outcome(replies.done(f"Suggestion #{row.id} is waiting for review", then),
                       suggestion=row)

    async def review(self, actor: Actor, limit: int = 5, *, by_text: bool = False) -> Outcome:
        """The queue of the actor's scope (the owner outside a server: the global one).
        `by_text`: say `approve <id>` instead of pointing at buttons (the console)."""
        if actor.scope not in actor.editable or not (actor.guild_id or actor.owner):
            return refused(Refusal("review", "you need the Manage Messages permission or a "
                                   "moderator role in this server"))
        rows, total = await self.store.pending_suggestions((actor.scope,), limit)
        return Outcome(replies.queue(rows, total, by_text=by_text), suggestions=tuple(rows))

    @checks_authority
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
            return refused(exc)
        except AlreadyReviewed as exc:
            return refused(Refusal("suggestion", f"#{suggestion_id} was already {exc.status}"))
        if snap is not None:
            await self.caught_up()
        word = "Approved" if approve else "Rejected"
        detail = f"It is statement #{row.statement_id} now." if approve else ""
        return Outcome(replies.done(f"{word} suggestion #{row.id}", detail),
                       changed=True, suggestion=row,
                       ref=EntryRef("statement", snap["id"]) if snap else None)
