"""Export a scope's entries as data/article.json does; import such a file all or nothing.

An import is checked whole before anything is written (the file's own rules through
`parse_dataset`, then the store's: names, aliases and duplicates), and written in one
transaction with an audit row per entry it adds or changes. Rows are matched by key: a key
that exists in the scope overwrites that entry (restoring it if it was removed); a server's
file may name global entries (an export includes the ones its statements refer to), which
are then used as they are and must not differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.dataset import Dataset, DatasetError, parse_dataset
from bot.core.matching import GLOBAL
from bot.core.moderation.rules import Actor, Refusal, duplicate_statement, name_clash
from bot.core.scope import scopes_for
from bot.core.store import Store
from bot.core.store.import_writes import ImportStep

SCHEMA = 1


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    changed: int
    unchanged: int
    touched: tuple[tuple[str, int], ...]

    @property
    def summary(self) -> str:
        return (f"{self.added} added, {self.changed} changed, {self.unchanged} unchanged "
                "(one transaction; each change is in the history)")


# ---- export -------------------------------------------------------------------------------

async def export_scope(store: Store, scope: int) -> dict[str, Any]:
    """The live entries of one scope, plus the global entries they refer to."""
    cities = await store.entries("city", (scope,))
    officials = await store.entries("official", (scope,))
    statements = await store.entries("statement", (scope,))
    officials = await _referenced(store, "official", officials,
                                  (s["official_id"] for s in statements)) + officials
    cities = await _referenced(store, "city", cities,
                               (x["city_id"] for x in (*officials, *statements))) + cities
    city_key = {c["id"]: c["key"] for c in cities}
    official_key = {o["id"]: o["key"] for o in officials}
    return {
        "schema": SCHEMA,
        "source": await _source(store, scope),
        "cities": [{"key": c["key"], "name": c["name"], "state": c["state"],
                    "aliases": c["aliases"], "stance": c["stance"], "facts": c["facts"]}
                   for c in cities],
        "people": [{"key": o["key"], "name": o["name"], "role": o["role"],
                    "city": city_key.get(o["city_id"]), "aliases": o["aliases"]}
                   for o in officials],
        "statements": [{"key": s["key"], "speaker": official_key[s["official_id"]],
                        "city": city_key.get(s["city_id"]), "kind": s["kind"],
                        "text": s["text"], "where": s["said_where"], "when": s["said_when"],
                        "date": s["said_on"], "url": s["source_url"]}
                       for s in statements],
    }


async def _referenced(store: Store, kind: str, have: list[dict[str, Any]],
                      ids: Iterable[int | None]) -> list[dict[str, Any]]:
    """The entries `ids` name that are not in `have`, in order of first mention (read in
    batches, not one query each)."""
    known = {e["id"] for e in have}
    wanted = [i for i in dict.fromkeys(ids) if i is not None and i not in known]
    found = {e["id"]: e for e in await store.entries_by_id(kind, wanted)}
    return [found[i] for i in wanted if i in found]


async def _source(store: Store, scope: int) -> dict[str, Any]:
    sources = await store.sources()
    if scope == GLOBAL and sources:
        s = sources[0]
        return {"key": s.key, "title": s.title, "outlet": s.outlet, "date": s.published,
                "published": s.published_text, "url": s.url}
    return {"key": f"server-{scope}", "title": f"Entries of server {scope}",
            "outlet": "citybot export", "date": dt.date.today().isoformat(), "url": None}


# ---- import -------------------------------------------------------------------------------

def _values(kind: str, row: Any) -> tuple[dict[str, Any], dict[str, str | None]]:
    if kind == "city":
        return ({"name": row.name, "state": row.state, "stance": row.stance,
                 "facts": list(row.facts), "aliases": list(row.aliases)}, {})
    if kind == "official":
        return ({"name": row.name, "role": row.role, "aliases": list(row.aliases)},
                {"city_id": f"city:{row.city}" if row.city else None})
    return ({"kind": row.kind, "text": row.text, "said_where": row.where,
             "said_when": row.when, "said_on": row.date, "source_url": row.url},
            {"official_id": f"official:{row.speaker}",
             "city_id": f"city:{row.city}" if row.city else None})


SECTIONS = (("city", "cities"), ("official", "people"), ("statement", "statements"))


async def plan_import(store: Store, actor: Actor, raw: Any, scope: int) -> list[ImportStep]:
    """Every step of the import, or DatasetError naming the first bad row and why."""
    actor.check_may_change(scope, "file")
    dataset: Dataset = parse_dataset(raw)
    rows = {"city": dataset.cities, "official": dataset.officials,
            "statement": dataset.statements}
    # Only the entries the file's keys name are read (its own scope's, removed ones too, and
    # the live global ones), not every entry in scope.
    own = {kind: {e["key"]: e for e in await store.entries_by_key(
                      kind, scope, (row.key for row in rows[kind]), removed=True)}
           for kind, _ in SECTIONS}
    glob = {kind: ({e["key"]: e for e in await store.entries_by_key(
                        kind, GLOBAL, (row.key for row in rows[kind]))}
                   if scope != GLOBAL else {}) for kind, _ in SECTIONS}
    # The global scope sees every scope (None), a server's its own and the global one.
    visible = scopes_for(scope) if scope != GLOBAL else None
    key_of = await _keys_of_references(store, scope, own, glob)
    steps: list[ImportStep] = []
    mapped: dict[str, set[int]] = {kind: set() for kind, _ in SECTIONS}
    for kind, section in SECTIONS:
        for i, row in enumerate(rows[kind]):
            where = f"{section}[{i}] ({row.key})"
            values, refs = _values(kind, row)
            existing = own[kind].get(row.key)
            if existing is not None:
                same = _same(kind, existing, values, refs, key_of)
                write = existing["deleted_at"] is not None or not same
                steps.append(ImportStep(kind, row.key, values, refs, existing["id"], write))
                mapped[kind].add(existing["id"])
            elif row.key in glob[kind]:
                if not _same(kind, glob[kind][row.key], values, refs, key_of):
                    raise DatasetError(f"{where}: key: names a global entry, and this row "
                                       "differs from it; only the owner changes global entries "
                                       "(give your own entry a new key)")
                steps.append(ImportStep(kind, row.key, values, refs, glob[kind][row.key]["id"],
                                        False))
                mapped[kind].add(glob[kind][row.key]["id"])
            else:
                steps.append(ImportStep(kind, row.key, values, refs))
    await _check_clashes(store, steps, visible, mapped)
    return steps


async def _keys_of_references(store: Store, scope: int,
                               own: Mapping[str, Mapping[str, Mapping[str, Any]]],
                               glob: Mapping[str, Mapping[str, Mapping[str, Any]]]
                               ) -> dict[str, dict[int, str]]:
    """id -> key of the cities and officials the matched entries refer to, where a file can
    name them: the scope's own entries (removed ones too) and the live global ones. A
    reference to any other entry has no key, so never equals the file's."""
    key_of: dict[str, dict[int, str]] = {
        kind: {e["id"]: k for k, e in (*own[kind].items(), *glob[kind].items())}
        for kind, _ in SECTIONS
    }
    matched = [e for kind, _ in SECTIONS for e in (*own[kind].values(), *glob[kind].values())]
    for column, ref_kind in (("official_id", "official"), ("city_id", "city")):
        wanted = {e[column] for e in matched if e.get(column) is not None} - set(key_of[ref_kind])
        for e in await store.entries_by_id(ref_kind, wanted):
            if e["guild_id"] == scope or (scope != GLOBAL and e["guild_id"] == GLOBAL
                                          and e["deleted_at"] is None):
                key_of[ref_kind][e["id"]] = e["key"]
    return key_of


def _same(kind: str, entry: Mapping[str, Any], values: Mapping[str, Any],
          refs: Mapping[str, str | None], key_of: Mapping[str, Mapping[int, str]]) -> bool:
    if any(entry.get(column) != value for column, value in values.items()):
        return False
    for column, ref in refs.items():
        ref_kind = "official" if column == "official_id" else "city"
        current = entry.get(column)
        current_ref = None if current is None else f"{ref_kind}:{key_of[ref_kind].get(current)}"
        if current_ref != ref:
            return False
    return True


async def _check_clashes(store: Store, steps: list[ImportStep],
                         visible: tuple[int, ...] | None,
                         mapped: Mapping[str, set[int]]) -> None:
    """Names, aliases and statements against the live entries `visible` (None: every scope)
    other than those the file overwrites, and against the file's earlier rows. Only the
    entries that could collide with a row that is written are read: the holders of its
    names and aliases, and its speaker's statements; the comparison is as on all of them."""
    index = {kind: 0 for kind, _ in SECTIONS}
    sections = dict(SECTIONS)
    pools: dict[str, list[dict[str, Any]]] = {}
    for kind in ("city", "official"):
        names = [n for s in steps if s.kind == kind and s.write
                 for n in (s.values["name"], *s.values["aliases"])]
        pools[kind] = [e for e in await store.name_holders(kind, names, visible)
                       if e["id"] not in mapped[kind]]
    speaker_of = {f"official:{s.key}": (f"id:{s.existing_id}" if s.existing_id is not None
                                        else f"new:{s.key}")
                  for s in steps if s.kind == "official"}
    speakers = {speaker_of.get(str(s.refs["official_id"]), "") for s in steps
                if s.kind == "statement" and s.write}
    pools["statement"] = [
        e for e in await store.speakers_statements(
            (int(x[3:]) for x in speakers if x.startswith("id:")), visible)
        if e["id"] not in mapped["statement"]]
    for step in steps:
        i = index[step.kind]
        index[step.kind] += 1
        where = f"{sections[step.kind]}[{i}] ({step.key})"
        pseudo = {"id": -1 - i, **step.values}
        if step.kind == "statement":
            speaker = speaker_of.get(str(step.refs["official_id"]), "")
            same_speaker = [e for e in pools["statement"] if e.get("speaker") == speaker
                            or f"id:{e.get('official_id')}" == speaker]
            dup = duplicate_statement(step.values["text"], same_speaker)
            if dup is not None and step.write:
                raise DatasetError(f"{where}: text: the same speaker already has nearly the same "
                                   f"statement (#{dup['id']}: “{str(dup['text'])[:60]}”)")
            pseudo["speaker"] = speaker
        else:
            clash = name_clash([step.values["name"], *step.values["aliases"]], pools[step.kind])
            if clash is not None and step.write:
                taken, other = clash
                field = "name" if taken == step.values["name"] else "aliases"
                raise DatasetError(f"{where}: {field}: “{taken}” already names {step.kind} "
                                   f"{other['name']!r}")
        pools[step.kind].append(pseudo)


async def import_file(store: Store, actor: Actor, raw: Any, scope: int) -> ImportReport:
    """Check, then write in one transaction. Raises Refusal (nothing written) when refused."""
    try:
        steps = await plan_import(store, actor, raw, scope)
    except DatasetError as exc:
        raise Refusal("file", str(exc)) from None
    touched = await store.apply_import(scope, actor.user_id, steps)
    added = sum(1 for s in steps if s.existing_id is None)
    return ImportReport(added=added, changed=len(touched) - added,
                        unchanged=len(steps) - len(touched), touched=tuple(touched))
