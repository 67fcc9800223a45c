"""Who may change what, and the field rules of moderators' input (pure: no store, no I/O)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from bot.core.matching import GLOBAL
from bot.core.scope import scopes_for
from bot.core.text import normalize
from bot.core.validation import (
    MAX_ALIASES,
    MAX_FACTS,
    InvalidField,
    clean_date,
    clean_kind,
    clean_list,
    clean_text,
    clean_url,
)

DUPLICATE_RATIO = 90.0  # rapidfuzz ratio on normalised text: the same statement, retyped
CONSOLE_ID = 0  # the actor id of the console and the command line (the owner)
CLEAR = {"", "-"}  # what clears an optional field in an edit

# The words people type -> the column they change, per kind.
FIELDS: dict[str, dict[str, str]] = {
    "city": {"name": "name", "state": "state", "stance": "stance", "facts": "facts",
             "aliases": "aliases"},
    "official": {"name": "name", "role": "role", "city": "city_id", "aliases": "aliases"},
    "statement": {"speaker": "official_id", "text": "text", "city": "city_id",
                  "where": "said_where", "when": "said_when", "date": "said_on",
                  "url": "source_url", "kind": "kind"},
}
REQUIRED = {"city": ("name",), "official": ("name",), "statement": ("speaker", "text")}
FIELD_OF = {kind: {column: name for name, column in names.items()}
            for kind, names in FIELDS.items()}


class Refusal(Exception):
    """A change that is not made; `field` names what was wrong, `message` says why."""

    def __init__(self, field: str, message: str, *, existing: str | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.existing = existing  # the entry that makes this a duplicate, shown instead


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks, where. The adapter says whether they moderate this server."""

    user_id: int
    guild_id: int | None
    owner: bool = False
    moderator: bool = False
    # When the actor moderates only through moderator roles (no Manage Messages, not the
    # owner): their role ids, which every write re-checks against the store.
    through_roles: tuple[int, ...] = ()

    @classmethod
    def console(cls, guild_id: int | None = None) -> Actor:
        return cls(CONSOLE_ID, guild_id, owner=True, moderator=True)

    @property
    def scope(self) -> int:
        """Where this actor's additions go: their server, or global from a DM or console."""
        return self.guild_id or GLOBAL

    @property
    def visible(self) -> tuple[int, ...]:
        return scopes_for(self.guild_id)

    @property
    def editable(self) -> tuple[int, ...]:
        """The scopes whose entries this actor may change."""
        if self.owner:
            return self.visible
        if self.moderator and self.guild_id:
            return (self.guild_id,)
        return ()

    def check_may_change(self, guild_id: int, what: str = "entry") -> None:
        if guild_id in self.editable:
            return
        if not self.owner and not self.moderator:
            raise Refusal(what, "you need the Manage Messages permission or a moderator role")
        if guild_id == GLOBAL:
            raise Refusal(what, "is part of the bundled article, which only the bot's owner "
                                "can change")
        raise Refusal(what, "belongs to another server")


def split_list(value: str | None, separator: str) -> list[str]:
    if not value:
        return []
    parts = re.split(separator, value)
    return [part.strip() for part in parts if part.strip()]


def clean_fields(kind: str, raw: Mapping[str, str | None], *, adding: bool) -> dict[str, Any]:
    """Column values from what was typed (references left as text for the service).

    With `adding`, required fields must be there; in an edit, None means "unchanged" and
    "" or "-" clears an optional field. Raises InvalidField naming the field.
    """
    names = FIELDS[kind]
    unknown = [name for name in raw if name not in names]
    if unknown:
        raise InvalidField(unknown[0], f"is not a field of a {kind}; the fields are "
                           + ", ".join(names))
    out: dict[str, Any] = {}
    for name, column in names.items():
        value = raw.get(name)
        if value is None:
            if adding and name in REQUIRED[kind]:
                raise InvalidField(name, "is required and cannot be empty")
            continue
        if not isinstance(value, str):
            raise InvalidField(name, "must be text")
        text = value.strip()
        if text in CLEAR and name not in REQUIRED[kind]:
            out[column] = [] if name in ("facts", "aliases") else (
                "quote" if name == "kind" else None if column in _NULLABLE else "")
            continue
        out[column] = _clean_one(name, text)
    return out


_NULLABLE = {"city_id", "said_on", "source_url", "official_id"}


def _clean_one(name: str, text: str) -> Any:
    if name == "date":
        return clean_date("date", text)
    if name == "url":
        return clean_url("url", text)
    if name == "kind":
        return clean_kind("kind", text.casefold())
    if name == "facts":
        return list(clean_list("facts", split_list(text, r"\s*(?:\||\n)\s*"), limit="fact",
                               most=MAX_FACTS))
    if name == "aliases":
        return list(clean_list("aliases", split_list(text, r"\s*[,\n]\s*"), limit="alias",
                               most=MAX_ALIASES))
    if name in ("speaker", "city"):
        return clean_text(name, text, limit="name")  # a name or an id, resolved later
    limit = {"where": "where", "when": "when", "text": "text"}.get(name)
    return clean_text(name, text, limit=limit)


def names_of(entry: Mapping[str, Any]) -> list[str]:
    return [entry["name"], *entry.get("aliases", ())]


def name_clash(names: Iterable[str], others: Iterable[Mapping[str, Any]],
               exclude_id: int | None = None) -> tuple[str, Mapping[str, Any]] | None:
    """The first of `names` that is already a name or alias of another entry."""
    wanted = {normalize(n): n for n in names if normalize(n)}
    for other in others:
        if other["id"] == exclude_id:
            continue
        for taken in names_of(other):
            norm = normalize(taken)
            if norm in wanted:
                return wanted[norm], other
    return None


def duplicate_statement(text: str, others: Iterable[Mapping[str, Any]],
                        exclude_id: int | None = None) -> Mapping[str, Any] | None:
    """A statement of the same speaker with near-identical text (ratio ≥ 90, normalised)."""
    norm = normalize(text)
    for other in others:
        if other["id"] != exclude_id and fuzz.ratio(norm, normalize(other["text"])) >= \
                DUPLICATE_RATIO:
            return other
    return None


FLAG_NAMES = frozenset(name for names in FIELDS.values() for name in names)


def parse_flags(text: str, names: Iterable[str] = FLAG_NAMES) -> dict[str, str]:
    """`speaker: Rahm Emanuel text: We stay` -> {"speaker": "Rahm Emanuel", "text": "We stay"}.

    The console's form of discord.py's FlagConverter syntax; only known names are flags, so
    a colon inside a text stays text.
    """
    pattern = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    flag = re.compile(rf"(?:^|(?<=\s))({pattern}):(?=\s|$)", re.IGNORECASE)
    matches = list(flag.finditer(text))
    if matches and text[: matches[0].start()].strip():
        raise InvalidField(matches[0].group(1), f"unexpected text before it: "
                           f"{text[: matches[0].start()].strip()[:40]!r}")
    if not matches and text.strip():
        raise InvalidField("fields", "write them as `name: value`, e.g. `text: …`")
    out: dict[str, str] = {}
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        name = match.group(1).casefold()
        if name in out:
            raise InvalidField(name, "is given twice")
        out[name] = text[match.end() : end].strip()
    return out
