"""Moderation as typed text (`add statement speaker: … text: …`), for the console, whose
user is the bot's owner. Same use cases as Discord; removal needs no button here."""

from __future__ import annotations

import re

from bot.core.models import Answer
from bot.core.moderation import replies
from bot.core.moderation.alias_text import split_alias
from bot.core.moderation.base import kind_of
from bot.core.moderation.rules import FIELDS, Actor, Refusal, parse_flags
from bot.core.moderation.service import Moderation
from bot.core.validation import InvalidField

_FIELD_WORD = re.compile(r"^[A-Za-z_]+:$")
NAMES = ("add", "edit", "remove", "restore", "undo", "alias", "history", "suggest", "review",
         "approve", "reject")
USAGE = {
    "add": "add city|official|statement name: … (or speaker: … text: …)",
    "edit": "edit city|official|statement <id or name> field: value …",
    "remove": "remove city|official|statement <id or name>",
    "restore": "restore city|official|statement <id>",
    "alias": "alias add|remove city|official <id, \"full name\" or full name> <alias> "
             "(or … name: <alias>)",
    "history": "history [city|official|statement <id or name>]",
    "suggest": "suggest statement speaker: … text: …",
    "approve": "approve <suggestion id>",
    "reject": "reject <suggestion id>",
}


def _split_entry(rest: str) -> tuple[str, str]:
    """("12", "where: on TV") from "12 where: on TV"; the entry is what precedes the fields
    (the first `word:`, a field's name or not: an unknown one is refused by name)."""
    words = rest.split()
    for i, word in enumerate(words):
        if _FIELD_WORD.match(word):
            return " ".join(words[:i]), " ".join(words[i:])
    return rest.strip(), ""


def _known_fields(kind: str, fields: str) -> str:
    """`fields`, if it starts with a field of `kind`; else InvalidField naming the word."""
    first = fields.split(maxsplit=1)[0] if fields.strip() else ""
    name = first[:-1].casefold()
    if first and _FIELD_WORD.match(first) and name not in FIELDS[kind]:
        raise InvalidField(name, f"is not a field of a {kind}; the fields are "
                           + ", ".join(FIELDS[kind]))
    return fields


async def run_text(moderation: Moderation, actor: Actor, name: str,
                   argument: str) -> Answer | None:
    """The answer to a moderation command, or None if `name` is not one."""
    if name not in NAMES:
        return None
    try:
        return await _run(moderation, actor, name, argument.strip())
    except (Refusal, InvalidField) as exc:
        refusal = exc if isinstance(exc, Refusal) else Refusal(exc.field, exc.reason)
        if name in USAGE and refusal.field in ("kind", "fields"):
            refusal = Refusal(refusal.field, f"{refusal.message}. Usage: `{USAGE[name]}`")
        return replies.refused(refusal)


async def alias_line(m: Moderation, actor: Actor, argument: str) -> Answer:
    """`add|remove <kind> <entry> <alias>` as typed: the console's and Discord's `!alias`."""
    try:
        operation, _, rest = argument.strip().partition(" ")
        if operation.casefold() not in ("add", "remove"):
            raise Refusal("alias", f"say `alias add` or `alias remove`: `{USAGE['alias']}`")
        kind_word, _, rest = rest.strip().partition(" ")
        kind = kind_of(kind_word or "?")
        entry, alias = await split_alias(m.store, actor, kind, rest)
    except Refusal as exc:
        if exc.field == "kind":
            exc = Refusal("kind", f"{exc.message}. Usage: `{USAGE['alias']}`")
        return replies.refused(exc)
    return (await m.alias(actor, operation.casefold(), kind, entry, alias)).answer


async def _run(m: Moderation, actor: Actor, name: str, argument: str) -> Answer:
    if name == "undo":
        return (await m.undo(actor)).answer
    if name == "review":
        return (await m.review(actor, 25, by_text=True)).answer
    if name in ("approve", "reject"):
        number = argument.lstrip("#")
        if not number.isdigit():
            raise Refusal("suggestion", f"give its number: `{USAGE[name]}`")
        return (await m.decide(actor, int(number), name == "approve")).answer
    head, _, rest = argument.partition(" ")
    if name == "history":
        if not head:
            return (await m.history(actor)).answer
        return (await m.history(actor, kind_of(head), rest)).answer
    if name == "alias":
        return await alias_line(m, actor, argument)
    kind = kind_of(head or "?")
    if name == "suggest":
        if kind != "statement":
            raise Refusal("kind", "only statements are suggested")
        return (await m.suggest(actor, parse_flags(rest))).answer
    if name == "add":
        return (await m.add(actor, kind, parse_flags(_known_fields(kind, rest)))).answer
    entry, fields = _split_entry(rest)
    if name == "edit":
        return (await m.edit(actor, kind, entry, parse_flags(_known_fields(kind, fields)))
                ).answer
    if name == "restore":
        return (await m.restore(actor, kind, entry)).answer
    prepared = await m.prepare_remove(actor, kind, entry)  # remove
    if prepared.ref is None or prepared.version is None:
        return prepared.answer
    return (await m.remove(actor, prepared.ref, prepared.version)).answer
