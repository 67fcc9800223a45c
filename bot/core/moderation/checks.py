"""Checks the use cases share: references, uniqueness, and what still points at an entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.answers import plural
from bot.core.matching import EntryKind
from bot.core.moderation.base import ModerationBase
from bot.core.moderation.rules import Actor, Refusal, clean_fields, duplicate_statement, name_clash
from bot.core.scope import scopes_for


class EntryChecks(ModerationBase):
    """Cleans and checks new values before any use case writes them."""

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
        # A server's entry is checked against the global ones and its server's; a global one
        # against every scope (None). Only the entries that could collide are read: the same
        # speaker's statements, or the entries whose name or alias normalises alike; the
        # comparison itself is the same as on all of them.
        scopes = scopes_for(scope) if scope else None
        if kind == "statement":
            speaker = merged.get("official_id")
            others = [] if speaker is None else await self.store.speaker_statements(
                int(speaker), scopes)
            dup = duplicate_statement(merged["text"], others, exclude)
            if dup is not None:
                raise Refusal("text", "this speaker already has a statement with nearly the "
                              "same words", existing=await self.label("statement", dup))
            return
        names = [merged["name"]] if "name" in values or current is None else []
        names += [a for a in values.get("aliases", ())
                  if current is None or a not in current.get("aliases", ())]
        clash = name_clash(names, await self.store.name_holders(kind, names, scopes), exclude)
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

    # ---- a new entry or suggestion, cleaned and checked ----------------------------------

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

    # ---- before remove and undo ----------------------------------------------------------

    async def _check_unreferenced(self, kind: str, snap: Mapping[str, Any]) -> None:
        count = await self.store.live_references(kind, int(snap["id"]))
        if count:
            what = (plural(count, "statement", "statements") if kind == "official" else
                    plural(count, "official or statement", "officials or statements"))
            them = "it" if count == 1 else "those"
            raise Refusal("entry", f"{await self.label(kind, snap)} still has {what}; "
                          f"remove {them} first")
