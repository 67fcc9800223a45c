"""`alias add|remove <kind> <entry> <alias>` typed as one line (the console, Discord's `!alias`):
where the entry ends and the alias begins, without guessing.

The entry is given by its id (`12`, `#12`), in quotes (`"Los Angeles" Tinseltown`), before a
`name:` field (`Los Angeles name: Tinseltown`) or by its full name (`Los Angeles Tinseltown`).
A full name counts only when exactly one way of cutting the words gives a name or an alias of
an entry, and that one is an entry's full name; anything else is refused with the syntax.
"""

from __future__ import annotations

import re
from typing import Protocol

from bot.core.matching import EntryKind
from bot.core.moderation.rules import Actor, Refusal, names_of
from bot.core.text import normalize

SYNTAX = ("give the entry by id, in quotes or before `name:`, e.g. `alias add city 12 Shelby`, "
          "`alias add city \"Los Angeles\" Tinseltown` or `alias add city Los Angeles name: "
          "Tinseltown`")
_ID = re.compile(r"^#?\d{1,18}$")
_NAME_FIELD = re.compile(r"(?:^|\s)name:(?:\s+|$)", re.IGNORECASE)
_QUOTED = re.compile(r"\"([^\"]*)\"|“([^”]*)”|(\S+)")


class NameHolders(Protocol):
    async def name_holders(self, kind: str, names: list[str],
                           scopes: tuple[int, ...]) -> list[dict[str, object]]: ...


async def split_alias(store: NameHolders, actor: Actor, kind: EntryKind,
                      text: str) -> tuple[str, str]:
    """(entry, alias) from what follows the kind; Refusal("alias", …) if it is ambiguous."""
    text = text.strip()
    field = _NAME_FIELD.search(text)
    if field:
        entry, alias = text[: field.start()].strip(), text[field.end():].strip()
        return _unquote(entry), _unquote(alias)
    tokens = [(m.group(1) if m.group(1) is not None else m.group(2), m.group(3))
              for m in _QUOTED.finditer(text)]
    if any(quoted is not None for quoted, _ in tokens):
        words = [quoted if quoted is not None else plain for quoted, plain in tokens]
        if tokens[0][0] is not None:
            return str(words[0]), " ".join(map(str, words[1:]))
        if tokens[-1][0] is not None:
            return " ".join(map(str, words[:-1])), str(words[-1])
        raise Refusal("alias", SYNTAX)
    words = text.split()
    if len(words) < 2:
        raise Refusal("alias", f"name the entry and the alias: {SYNTAX}")
    if _ID.match(words[0]):
        return words[0], " ".join(words[1:])
    cuts = [" ".join(words[:i]) for i in range(1, len(words))]
    holders = await store.name_holders(kind, cuts, actor.visible)
    named = [cut for cut in cuts
             if any(normalize(cut) in map(normalize, names_of(h)) for h in holders)]
    full = [cut for cut in named
            if any(normalize(cut) == normalize(str(h["name"])) for h in holders)]
    if len(named) == 1 and full:
        return full[0], text[len(full[0]):].strip()
    if len(named) == 1:
        raise Refusal("alias", f"“{named[0]}” is another name, not the full name of a {kind}: "
                      f"{SYNTAX}")
    if not named:
        raise Refusal("alias", f"no {kind} is called by the first words of “{text[:60]}”: "
                      f"{SYNTAX}")
    raise Refusal("alias", f"“{text[:60]}” could be cut after "
                  + " or after ".join(f"“{cut}”" for cut in named) + f": {SYNTAX}")


def _unquote(text: str) -> str:
    if len(text) >= 2 and (text[0], text[-1]) in (('"', '"'), ("“", "”")):
        return text[1:-1].strip()
    return text
