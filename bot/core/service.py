"""The use cases the adapters call: every lookup command, as text in and `Answer` out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.process import extractOne

from bot.core import answers, searching
from bot.core.catalog import Catalog
from bot.core.commands import COMMANDS_BY_NAME, LOOKUP_COMMANDS
from bot.core.matching import EntryKind, EntryRef, Hit, fast_normalize, fast_normalize_query
from bot.core.models import Answer, Source
from bot.core.partition import Partition
from bot.core.resolve import LIKELY, Resolution, resolve
from bot.core.scope import scopes_for
from bot.core.store import Store

MIN_FRAGMENT = 4  # shorter "words" are in nearly every statement
SHORT_PREFIX = 2  # autocomplete of this many letters lists only names that begin so
SURE_STATEMENT = 95.0  # a statement this close: /quote's box needs no misspelt names
COMMAND_NEAR = 75.0  # `cty` for `city`, `qoute` for `quote`
ENTRY_ID = re.compile(r"^#(\d{1,18})$")  # "#6": an entry by its id


@dataclass(frozen=True, slots=True)
class Choice:
    """An autocomplete suggestion: what is shown and what is sent back."""

    name: str
    value: str


class Lookup:
    def __init__(self, store: Store, catalog: Catalog, prefix: str = "!") -> None:
        self.store = store
        self.catalog = catalog
        self.prefix = prefix
        self._sources: dict[int, Source] = {}

    @classmethod
    async def start(cls, store: Store, prefix: str = "!",
                    partition: Partition | None = None) -> Lookup:
        """The lookup of every entry `partition` serves (all of them by default)."""
        catalog = Catalog()
        serves = partition.serves if partition is not None and partition.sharded else None
        await catalog.load(store, serves, partition)
        lookup = cls(store, catalog, prefix)
        await lookup.refresh_sources()
        return lookup

    async def refresh_sources(self) -> None:
        self.set_sources(await self.store.sources())

    def set_sources(self, sources: list[Source]) -> None:
        self._sources = {s.id: s for s in sources}

    def _source(self, source_id: int | None) -> Source | None:
        return self._sources.get(source_id) if source_id is not None else None

    # ---- matching -------------------------------------------------------------------------

    def hits(self, kind: EntryKind, query: str, guild_id: int | None, limit: int = 10) -> list[Hit]:
        if kind == "statement" and len(fast_normalize_query(query)) < MIN_FRAGMENT:
            return []
        return self.catalog.indexes[kind].search(query, scopes_for(guild_id), limit)

    def resolution(self, command: str, query: str, guild_id: int | None) -> Resolution:
        """What `city`, `official` or `quote` makes of `query`: the entry, the ones to pick
        from, the ones it may mean, or none. One score (bot/core/matching/judge.py) for
        names and statements alike, so one rule (bot/core/resolve.py) for all."""
        if command in ("city", "official"):
            return resolve(self.hits(command, query, guild_id))  # type: ignore[arg-type]
        people = self.hits("official", query, guild_id)
        said = self.hits("statement", query, guild_id)
        speaker, words = resolve(people), resolve(said)
        best_words = said[0].score if said else 0.0
        if speaker.outcome == "found" and speaker.best.score >= best_words:
            return speaker
        if words.outcome in ("found", "choose"):
            return words
        if speaker.outcome == "choose":
            return speaker
        return resolve(sorted((*people, *said), key=lambda h: -h.score))

    async def _answer_unsure(self, query: str, kind: EntryKind, resolution: Resolution,
                             guild_id: int | None) -> Answer:
        if resolution.outcome in ("choose", "near"):
            origins = {ref: answers.origin(entry) for ref, entry in
                       (await self.entries([h.ref for h in resolution.hits], guild_id)).items()}
            if resolution.outcome == "choose":
                return answers.choose(query, resolution.hits, origins)
            return answers.did_you_mean(query, resolution.hits, origins)
        return answers.not_found(query, kind, self.prefix)

    async def entries(self, refs: Sequence[EntryRef], guild_id: int | None
                      ) -> dict[EntryRef, answers.Entry]:
        """The entries behind some hits (at most a menu's or a page's worth), one read per
        kind: what the index does not hold, such as whose each is."""
        scopes = scopes_for(guild_id)
        found: dict[EntryRef, answers.Entry] = {}
        readers = {"city": self.store.cities, "official": self.store.officials,
                   "statement": self.store.statements}
        for kind, read in readers.items():
            ids = [ref.id for ref in refs if ref.kind == kind]
            if ids:
                for entry in await read(scopes, ids=ids):
                    found[entry.ref] = entry
        return found

    # ---- commands -------------------------------------------------------------------------

    async def city(self, query: str, guild_id: int | None) -> Answer:
        return await self._lookup("city", query, guild_id)

    async def official(self, query: str, guild_id: int | None) -> Answer:
        return await self._lookup("official", query, guild_id)

    async def _lookup(self, kind: EntryKind, query: str, guild_id: int | None) -> Answer:
        by_id = ENTRY_ID.match(query.strip())
        if by_id:  # "city #6": the entry with that id, as menus and `citybot ask` offer it
            return await self.show(EntryRef(kind, int(by_id.group(1))), guild_id)
        resolution = self.resolution(kind, query, guild_id)
        if resolution.outcome == "found":
            return await self.show(resolution.best.ref, guild_id)
        return await self._answer_unsure(query, kind, resolution, guild_id)

    async def quote(self, query: str, guild_id: int | None) -> Answer:
        """A speaker's statements when the words name someone, else the statement they're from."""
        by_id = ENTRY_ID.match(query.strip())
        if by_id:
            return await self.show(EntryRef("statement", int(by_id.group(1))), guild_id)
        resolution = self.resolution("quote", query, guild_id)
        if resolution.outcome == "found":
            ref = resolution.best.ref
            if ref.kind == "official":
                return await self.speaker_statements(ref, guild_id)
            return await self.show(ref, guild_id)
        return await self._answer_unsure(query, "statement", resolution, guild_id)

    async def search(self, query: str, guild_id: int | None, limit: int = 10) -> Answer:
        found = searching.search(self.catalog, query, scopes_for(guild_id), limit)
        if not found:
            return answers.not_found(query, "city", self.prefix)
        entries = await self.entries([f.ref for f in found], guild_id)
        return answers.search_results(query, found, entries, self.article)

    async def cities(self, guild_id: int | None) -> Answer:
        cities = await self.store.cities(scopes_for(guild_id))
        return answers.entry_list(
            "Cities", ("city", "cities"),
            [(f"#{c.id} {c.label}", answers.origin(c)) for c in cities], self.article,
            footer=f"{self.prefix}city <name> for a city's card")

    async def officials(self, guild_id: int | None) -> Answer:
        officials = await self.store.officials(scopes_for(guild_id))
        return answers.entry_list(
            "Officials", ("official", "officials"),
            [(f"#{o.id} {o.name} — {o.title}" if o.title else f"#{o.id} {o.name}",
              answers.origin(o)) for o in officials], self.article,
            footer=f"{self.prefix}official <name> for a person's card")

    @property
    def article(self) -> Source | None:
        """The bundled article's source (the one source the store holds)."""
        return next(iter(self._sources.values()), None)

    async def random(self, guild_id: int | None) -> Answer:
        statement = await self.store.random_statement(scopes_for(guild_id))
        if statement is None:
            return answers.error("There are no statements yet.")
        return answers.statement_card(statement, self._source(statement.source_id))

    async def about(self, guild_id: int | None) -> Answer:
        counts = await self.store.counts(scopes_for(guild_id))
        return answers.about(list(self._sources.values()), counts)

    def help(self) -> Answer:
        return answers.help_answer(LOOKUP_COMMANDS, self.prefix)

    async def run(self, name: str, argument: str, guild_id: int | None) -> Answer:
        """Answer a text command ("city", "Seattle"), as the console and tests type them."""
        spec = COMMANDS_BY_NAME.get(name.casefold())
        if spec is None:
            return answers.no_command(name, self._meant(name, argument, guild_id), self.prefix)
        if spec.argument and not argument.strip():
            return answers.needs_argument(spec, self.prefix)
        with_argument = {"city": self.city, "official": self.official, "quote": self.quote,
                         "search": self.search}
        if spec.name in with_argument:
            return await with_argument[spec.name](argument, guild_id)
        if spec.name == "help":
            return self.help()
        without = {"cities": self.cities, "officials": self.officials, "random": self.random,
                   "about": self.about}
        return await without[spec.name](guild_id)

    def _meant(self, name: str, argument: str, guild_id: int | None) -> str | None:
        """What an unknown command probably meant: `cty seattle` -> "city seattle", a bare
        `Seattle` -> "city Seattle"."""
        close = extractOne(name.casefold(), list(COMMANDS_BY_NAME), scorer=fuzz.ratio,
                           score_cutoff=COMMAND_NEAR)
        if close is not None:
            return f"{close[0]} {argument}".strip()
        typed = f"{name} {argument}".strip()
        for kind in ("city", "official"):
            resolution = resolve(self.hits(kind, typed, guild_id, 5))  # type: ignore[arg-type]
            if resolution.outcome == "found":
                label = resolution.best.label
                return f"{kind} {label.split(', ')[0] if kind == 'city' else label}"
        return None

    async def show(self, ref: EntryRef, guild_id: int | None) -> Answer:
        """The card of one entry, if this server may see it (ids can be typed by anyone)."""
        scopes = scopes_for(guild_id)
        if ref.kind == "city":
            cities = await self.store.cities(scopes, ids=[ref.id])
            if cities:
                city = cities[0]
                officials = await self.store.officials(scopes, city_id=city.id)
                statements = await self.store.statements(scopes, city_id=city.id)
                return answers.city_card(city, officials, statements, self._source(city.source_id))
        elif ref.kind == "official":
            officials = await self.store.officials(scopes, ids=[ref.id])
            if officials:
                official = officials[0]
                statements = await self.store.statements(scopes, official_id=official.id)
                return answers.official_card(official, statements,
                                             self._source(official.source_id))
        else:
            statements = await self.store.statements(scopes, ids=[ref.id])
            if statements:
                return answers.statement_card(statements[0], self._source(statements[0].source_id))
        return answers.error("That entry does not exist (any more).")

    async def speaker_statements(self, ref: EntryRef, guild_id: int | None) -> Answer:
        scopes = scopes_for(guild_id)
        officials = await self.store.officials(scopes, ids=[ref.id])
        if not officials:
            return answers.error("That person is not in the store (any more).")
        statements = await self.store.statements(scopes, official_id=ref.id)
        return answers.speaker_statements(officials[0], statements,
                                          self._source(officials[0].source_id))

    # ---- autocomplete ---------------------------------------------------------------------

    def complete(self, kind: EntryKind | None, text: str, guild_id: int | None,
                 limit: int = 25) -> list[Choice]:
        """Suggestions from memory only (Discord allows 3 seconds; we never touch the disk)."""
        kinds: tuple[EntryKind, ...] = (kind,) if kind else ("official", "statement")
        scopes = scopes_for(guild_id)
        typed = fast_normalize_query(text or "")
        if not typed:
            labels = self.catalog.indexes[kinds[0]].first_labels(scopes, limit)
            return [_choice(label) for label in labels]
        hits: list[Hit] = []
        if "statement" in kinds and len(typed) >= MIN_FRAGMENT:
            hits += self.catalog.indexes["statement"].search(text, scopes, limit, quick=True)
        for k in kinds:
            if k == "statement":
                continue
            # Names that begin as typed (or have a word that does) come from a sorted list;
            # only a misspelt name, of three letters or more, needs fuzzy matching, and not
            # when the words typed are plainly from a statement (one holds them nearly as
            # typed): fuzzy names would only pad the list below it.
            index = self.catalog.indexes[k]
            found = index.prefixed(typed, scopes, limit)
            if not found and len(typed) > SHORT_PREFIX and not _from_a_statement(hits, typed):
                # Statements that match well leave room for a name typed nearly right
                # only: its words, a typo or two within a word, are enough to find it.
                found = index.search(text, scopes, limit, quick=True, words_only=bool(
                    hits) and hits[0].score >= LIKELY)
            hits += found
        hits.sort(key=lambda h: -h.score)
        choices: dict[str, Choice] = {}
        for hit in hits:
            if hit.score < 50 or len(choices) == limit:  # sorted: the rest are no better
                break
            if hit.ref.kind == "statement":
                speaker = hit.label.removesuffix(f": {hit.matched}")
                snippet = _snippet(hit.matched, typed)
                choice = Choice(name=clip_choice(f"{speaker}: {snippet}"),
                                value=clip_choice(snippet))
            else:
                choice = _choice(hit.label)
            choices.setdefault(choice.value, choice)
        return list(choices.values())


def _from_a_statement(hits: list[Hit], typed: str) -> bool:
    """Whether the words typed (normalised) are plainly a statement's: the best statement
    scores as a sure match, or one of the best holds them as typed, the last word perhaps
    unfinished (its score then counts that word as partial, below SURE_STATEMENT)."""
    if hits and hits[0].score >= SURE_STATEMENT:
        return True
    start = " " + typed
    return any(start in " " + fast_normalize(hit.matched) for hit in hits[:3])


def clip_choice(text: str, limit: int = 100) -> str:
    """Discord allows 100 characters in a choice's name and in its value."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _snippet(text: str, typed: str, width: int = 90) -> str:
    """The part of a long statement around the words typed (normalised), so the choice
    shows the match: where they stand letter for letter, else where they align best."""
    if len(text) <= width:
        return text
    folded = text.casefold()
    at = folded.find(typed)
    if at < 0:
        where = fuzz.partial_ratio_alignment(typed, folded)
        at = 0 if where is None else where.dest_start
    start = max(0, min(at - 20, len(text) - width))
    cut = text[start : start + width]
    if start > 0:
        cut = "…" + cut[cut.find(" ") + 1 :] if " " in cut[:20] else "…" + cut
    return cut if start + width >= len(text) else cut + "…"


def _choice(text: str) -> Choice:
    short = clip_choice(text)
    return Choice(name=short, value=short)
