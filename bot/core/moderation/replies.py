"""The words of moderation replies, as `Answer`s (no platform here either)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.models import Answer, Field
from bot.core.moderation.rules import FIELD_OF, Refusal
from bot.core.store.audit import AuditRow
from bot.core.store.suggestions import SuggestionRow

KIND_TITLE = {"city": "City", "official": "Official", "statement": "Statement"}
ACTION_WORDS = {
    "add": "added", "edit": "edited", "remove": "removed", "restore": "restored",
    "alias_add": "alias added", "alias_remove": "alias removed", "undo": "undone",
    "approve": "suggestion approved", "reject": "suggestion rejected", "import": "imported",
    "modrole_add": "moderator role added", "modrole_remove": "moderator role removed",
}
# What an undo reverts, as in "Undone: the removal of statement #26".
UNDONE_WHAT = {
    "add": "addition", "edit": "edit", "remove": "removal", "restore": "restoring",
    "alias_add": "new alias", "alias_remove": "alias removal", "approve": "approval",
    "import": "import",
}
HIDDEN = {"id", "guild_id", "key", "version"}


def refused(refusal: Refusal) -> Answer:
    text = f"**{refusal.field}**: {refusal.message}"
    if refusal.existing:
        text += f"\n\nThe existing entry: {refusal.existing}"
    return Answer(kind="error", title="Nothing was changed", description=text, private=True)


def done(title: str, description: str = "", fields: Sequence[Field] = (),
         footer: str = "") -> Answer:
    return Answer(kind="card", title=title, description=description, fields=tuple(fields),
                  footer=footer)


def short(value: Any, limit: int = 120) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def diff_lines(kind: str, before: Mapping[str, Any] | None,
               after: Mapping[str, Any] | None) -> list[str]:
    """"text: “old” → “new”" for each field that differs."""
    if before is None or after is None:
        return []
    lines = []
    for column, new in after.items():
        if column in HIDDEN or before.get(column) == new:
            continue
        name = FIELD_OF.get(kind, {}).get(column, column)
        if column == "deleted_at":
            continue
        lines.append(f"{name}: {short(before.get(column))} → {short(new)}")
    return lines


def actor_name(actor_id: int) -> str:
    return "the console" if actor_id == 0 else f"<@{actor_id}>"


def history(rows: Sequence[AuditRow], labels: Mapping[tuple[str, int], str],
            subject: str) -> Answer:
    if not rows:
        return Answer(kind="card", title="History", description=f"No changes to {subject} yet.",
                      private=True)
    fields = []
    for row in rows:
        label = labels.get((row.entry_kind, row.entry_id), f"{row.entry_kind} #{row.entry_id}")
        lines = [f"by {actor_name(row.actor_id)} at {row.created_at}"]
        lines += diff_lines(row.entry_kind, row.before, row.after)
        if row.undone_by:
            lines.append(f"(undone by change #{row.undone_by})")
        fields.append(Field(f"#{row.id} · {ACTION_WORDS.get(row.action, row.action)} · {label}",
                            "\n".join(lines)))
    return Answer(kind="list", title="History", description=f"Recent changes to {subject}, "
                  "newest first.", fields=tuple(fields), private=True)


def suggestion_field(suggestion: SuggestionRow) -> Field:
    p = suggestion.payload
    marks = f"“{p.get('text', '')}”" if p.get("kind") == "quote" else \
        f"(paraphrase) {p.get('text', '')}"
    said = ", ".join(x for x in (p.get("said_where"), p.get("said_when"), p.get("said_on")) if x)
    lines = [marks, f"by {actor_name(suggestion.author_id)}"]
    if said:
        lines.insert(1, f"said {said}")
    if p.get("source_url"):
        lines.append(str(p["source_url"]))
    return Field(f"#{suggestion.id} · {p.get('speaker', '?')}", "\n".join(lines))


def queue(suggestions: Sequence[SuggestionRow], total: int, *, by_text: bool = False
          ) -> Answer:
    if not suggestions:
        return Answer(kind="card", title="Suggestions", description="No suggestion waits for "
                      "review.", private=True)
    more = f" Showing the oldest {len(suggestions)} of {total}." if total > len(suggestions) \
        else ""
    return Answer(kind="list", title="Suggestions waiting for review",
                  description=f"{total} waiting.{more} " + (
                      "Type `approve <number>` or `reject <number>` for each." if by_text
                      else "Approve or reject each with its buttons."),
                  fields=tuple(suggestion_field(s) for s in suggestions))


def outcome_for_proposer(suggestion: SuggestionRow) -> str:
    if suggestion.status == "approved":
        return (f"Your suggestion #{suggestion.id} was approved: it is now statement "
                f"#{suggestion.statement_id}. Thank you!")
    return f"Your suggestion #{suggestion.id} was not accepted by the moderators."
