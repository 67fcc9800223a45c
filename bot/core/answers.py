"""Builds `Answer`s from entries: the words and structure of every reply, no platform."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from bot.core.commands import CommandSpec
from bot.core.excerpt import excerpt
from bot.core.matching import GLOBAL, EntryRef, Hit
from bot.core.models import (
    Answer,
    City,
    Counts,
    Field,
    Official,
    Option,
    Source,
    Statement,
    long_date,
)

if TYPE_CHECKING:
    from bot.core.searching import Found

LIST_COMMAND = {"city": "cities", "official": "officials", "statement": "officials"}
SHOW_COMMAND = {"city": "city", "official": "official", "statement": "quote"}


def pick_command(option: Option, prefix: str = "") -> str:
    """The command that shows this option's entry by id: "city #6", "quote #26"."""
    return f"{prefix}{SHOW_COMMAND[option.ref.kind]} #{option.ref.id}"


Origin = Literal["article", "owner", "server"]
Entry = City | Official | Statement
ADDED_BY: dict[Origin, str] = {"owner": "the bot's owner", "server": "this server's moderators"}
ORIGIN_ORDER: dict[Origin, int] = {"article": 0, "owner": 1, "server": 2}  # cards and lists


def origin(entry: Entry) -> Origin:
    """Where an entry comes from: the bundled article (it has a source), else whoever added
    it: the owner (a global entry) or a server's moderators."""
    if entry.source_id is not None:
        return "article"
    return "owner" if entry.guild_id == GLOBAL else "server"


def origin_phrase(where: Origin) -> str:
    """"from the article", "added by this server's moderators"."""
    return "from the article" if where == "article" else f"added by {ADDED_BY[where]}"


def tag(where: Origin, home: Origin = "article") -> str:
    """What follows an item whose origin is not the card's or list's own (`home`, which its
    footer or heading states once): " (added by this server's moderators)"."""
    return "" if where == home else f" ({origin_phrase(where)})"


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def source_line(source: Source | None, guild_id: int = GLOBAL) -> str:
    """Where an entry comes from: the article (its source line), the owner or a server."""
    if source is not None:
        return f"Source: {source.outlet}, {long_date(source.published)} — {source.title}"
    return f"Added by {ADDED_BY['owner' if guild_id == GLOBAL else 'server']}"


def entry_footer(kind: str, entry_id: int, source: Source | None, guild_id: int) -> str:
    """"City #6 · Source: …": the id a moderator types, and the provenance."""
    return f"{kind.title()} #{entry_id} · {source_line(source, guild_id)}"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def statement_fields(statements: Sequence[Statement], home: Origin = "article"
                     ) -> list[Field]:
    """The statements under their attributions, each said once: those of one speaker on
    one occasion share a heading, one line each with its id. The article's come first,
    then the owner's, then this server's; those not of the card's own origin (`home`) are
    headed with whose they are."""
    groups: dict[tuple[Origin, str], list[Statement]] = {}
    for statement in sorted(statements, key=lambda s: ORIGIN_ORDER[origin(s)]):
        groups.setdefault((origin(statement), statement.attribution), []).append(statement)
    return [Field(capitalised(said) + tag(where, home),
                  "\n".join(f"{s.quoted} (#{s.id})" for s in group))
            for (where, said), group in groups.items()]


def city_card(
    city: City, officials: Sequence[Official], statements: Sequence[Statement],
    source: Source | None,
) -> Answer:
    fields = []
    if officials:
        fields.append(Field("Officials", "\n".join(
            f"{o.name} — {o.role} (#{o.id}{_tagged(o, origin(city))})" for o in officials)))
    if city.facts:
        fields.append(Field("Key facts", "\n".join(f"• {fact}" for fact in city.facts)))
    if city.aliases:
        fields.append(Field("Also known as", ", ".join(city.aliases)))
    fields.extend(statement_fields(statements, origin(city)))
    return Answer(
        kind="card", title=city.label, description=city.stance or "No stance recorded.",
        fields=tuple(fields), footer=entry_footer("city", city.id, source, city.guild_id),
        url=source.url if source else None,
    )


def _tagged(entry: Entry, home: Origin) -> str:
    """", added by this server's moderators" after an id, for an entry not of `home`."""
    where = origin(entry)
    return "" if where == home else f", {origin_phrase(where)}"


def official_card(
    official: Official, statements: Sequence[Statement], source: Source | None
) -> Answer:
    lines = [official.title] if official.title else []
    if not statements:
        lines.append(no_statements(official))
    fields = statement_fields(statements, origin(official))
    if official.aliases:
        fields.insert(0, Field("Also known as", ", ".join(official.aliases)))
    return Answer(
        kind="card", title=official.name, description="\n".join(lines), fields=tuple(fields),
        footer=entry_footer("official", official.id, source, official.guild_id),
        url=source.url if source else None,
    )


def no_statements(official: Official, whose: str = "theirs") -> str:
    """Only the article's own people are "not quoted by the article"; anyone added later
    simply has no statement yet."""
    if origin(official) == "article":
        return f"The article quotes no statement of {whose}."
    return f"No statement of {whose} has been added yet."


def speaker_statements(
    official: Official, statements: Sequence[Statement], source: Source | None
) -> Answer:
    footer = entry_footer("official", official.id, source, official.guild_id)
    if not statements:
        return Answer(kind="card", title=f"Statements of {official.name}",
                      description=no_statements(official, official.name),
                      footer=footer)
    count = plural(len(statements), "statement", "statements")
    return Answer(
        kind="list", title=f"Statements of {official.name}",
        description=f"{official.title} — {count}" if official.title else capitalised(count),
        fields=tuple(statement_fields(statements, origin(official))),
        footer=footer, url=source.url if source else None,
    )


def statement_card(statement: Statement, source: Source | None) -> Answer:
    # Who said it heads the card; where and when follow the words as a sentence
    # ("— Charlie Beck told the Los Angeles Times, …"), and only when the article gives them.
    said = f"\n— {statement.attribution}" if statement.occasion else ""
    return Answer(
        kind="card", title=statement.speaker,
        description=statement.quoted + said,
        fields=tuple(f for f in (
            Field("City", statement.city_name, inline=True) if statement.city_name else None,
            Field("Link", statement.source_url) if statement.source_url else None,
        ) if f is not None),
        footer=entry_footer("statement", statement.id, source, statement.guild_id),
        url=source.url if source else None,
    )


FOUND_AS = {"name": "Name", "also known as": "Also known as", "stance": "Stance",
            "key fact": "Key fact", "said": "Where and when"}


def search_results(query: str, found: Sequence[Found], entries: Mapping[EntryRef, Entry],
                   source: Source | None) -> Answer:
    """One field per entry: what it is and whose, and once, the text of it that matched
    (a statement's with its quote marks or "(paraphrase)", a stance or fact without)."""
    fields = []
    for f in found:
        entry = entries.get(f.ref)
        where = origin(entry) if entry is not None else "article"
        # A statement is titled by its speaker; its words show below, once, marked as a
        # quote or a paraphrase, and when it was found by where and when, those too.
        title = entry.speaker if isinstance(entry, Statement) else f.label
        shown = excerpt(f.matched, query)
        what = FOUND_AS.get(f.field, capitalised(f.field))
        if isinstance(entry, Statement):
            said = shown if f.field == "statement" else clip_words(entry.text, 90)
            said = f"“{said}”" if entry.kind == "quote" else f"(paraphrase) {said}"
            value = said if f.field == "statement" else f"{said}\n{what}: {shown}"
        else:
            value = what if f.field == "name" and f.exact else f"{what}: {shown}"
        fields.append(Field(clip_words(f"{f.ref.kind.title()} #{f.ref.id} — {title}", 150)
                            + tag(where), f"{value} ({f.score:.0f}%)"))
    from_article = any(f.ref not in entries or origin(entries[f.ref]) == "article"
                       for f in found)
    return Answer(kind="list", title=f"Search: {query}",
                  description=f"{capitalised(plural(len(found), 'match', 'matches'))}, "
                  "best first.", fields=tuple(fields),
                  footer=unmarked_footer(source) if from_article else "")


def unmarked_footer(source: Source | None) -> str:
    """Said once under a ranked list, whose items are marked only when not the article's."""
    if source is None:
        return ""
    return (f"Unless marked otherwise, from the article: {source.outlet}, "
            f"{long_date(source.published)} — {source.title}")


def clip_words(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def entry_list(title: str, noun: tuple[str, str], entries: Sequence[tuple[str, Origin]],
               source: Source | None, footer: str = "", per_field: int = 10) -> Answer:
    """A list in sections by origin (the article's, the owner's, this server's), each cut in
    blocks an adapter can page. Each line starts with what identifies its entry (its id),
    not with a position in the list."""
    fields = []
    for where in ORIGIN_ORDER:
        lines = [line for line, of in entries if of == where]
        heading = capitalised(origin_phrase(where))
        if where == "article" and source is not None:
            heading += f" ({source.outlet}, {long_date(source.published)})"
        for start in range(0, len(lines), per_field):
            block = ("" if len(lines) <= per_field else
                     f", {start + 1}–{min(start + per_field, len(lines))} of {len(lines)}")
            fields.append(Field(heading + block, "\n".join(lines[start : start + per_field])))
    return Answer(kind="list", title=title, description=f"{plural(len(entries), *noun)}.",
                  fields=tuple(fields), footer=footer)


def counts_line(counts: Counts) -> str:
    """"7 cities, 10 officials, 24 statements (16 direct quotes, 8 paraphrases)"."""
    return (f"{plural(counts.cities, 'city', 'cities')}, "
            f"{plural(counts.officials, 'official', 'officials')}, "
            f"{plural(counts.statements, 'statement', 'statements')} "
            f"({plural(counts.quotes, 'direct quote', 'direct quotes')}, "
            f"{plural(counts.statements - counts.quotes, 'paraphrase', 'paraphrases')})")


def export_counts(data: Mapping[str, Sequence[object]]) -> str:
    """What an export file holds: "7 cities, 10 people and 24 statements"."""
    return (f"{plural(len(data['cities']), 'city', 'cities')}, "
            f"{plural(len(data['people']), 'person', 'people')} and "
            f"{plural(len(data['statements']), 'statement', 'statements')}")


def about(sources: Sequence[Source], counts: Counts) -> Answer:
    fields = [
        Field("Source", f"{s.outlet}, {s.published_text or s.published}\n{s.title}"
              + (f"\n{s.url}" if s.url else ""))
        for s in sources
    ]
    fields.append(Field("Entries", counts_line(counts)))
    return Answer(
        kind="card", title="About citybot",
        description="Answers questions about how US cities responded to President-elect Donald "
        "Trump's proposed immigration policies, as reported by ABC News on 17 November 2016.",
        fields=tuple(fields),
    )


def help_answer(commands: Sequence[CommandSpec], prefix: str) -> Answer:
    return Answer(
        kind="list", title="citybot commands",
        description=f"Every command works as `{prefix}name` and as `/name`. "
        "Names are matched fuzzily: typos, nicknames and last names are fine.",
        fields=tuple(
            Field(spec.usage(prefix), f"{spec.summary}\nExample: `{spec.example_call(prefix)}`")
            for spec in commands
        ),
    )


def options_from(hits: Sequence[Hit], query: str = "",
                 origins: Mapping[EntryRef, Origin] | None = None) -> tuple[Option, ...]:
    """Menu options: each entry named, whose it is, and the part of it that matched, cut at
    word boundaries (a statement's label is its speaker and the start of its text)."""
    options = []
    for h in hits:
        if h.ref.kind == "statement":
            label = h.label.removesuffix(f": {h.matched}")
            label = clip_words(f"{label}: {h.matched}", 100)
        else:
            label = clip_words(h.label, 100)
        shown = excerpt(h.matched, query, 80) if query else clip_words(h.matched, 80)
        whose = origin_phrase(origins[h.ref]) if origins and h.ref in origins else ""
        kind = f"{h.ref.kind} {whose}" if whose else h.ref.kind
        options.append(Option(label=label, ref=h.ref,
                              description=f"{capitalised(kind)}, matched “{shown}”"))
    return tuple(options)


def did_you_mean(query: str, hits: Sequence[Hit],
                 origins: Mapping[EntryRef, Origin] | None = None) -> Answer:
    names = ", ".join(clip_words(h.label, 80) for h in hits)
    return Answer(kind="did_you_mean", title="Did you mean…?",
                  description=f"Not sure what “{query[:100]}” names. Did you mean: {names}?",
                  options=options_from(hits, query, origins), private=True)


def choose(query: str, hits: Sequence[Hit],
           origins: Mapping[EntryRef, Origin] | None = None) -> Answer:
    return Answer(kind="choose", title="Several entries match",
                  description=f"“{query[:100]}” matches more than one entry. Pick one:",
                  options=options_from(hits, query, origins), private=True)


def not_found(query: str, kind: str, prefix: str) -> Answer:
    listing = LIST_COMMAND.get(kind, "cities")
    shown = query.strip()[:100] or "(nothing)"
    return Answer(kind="not_found", title="No match",
                  description=f"Nothing matches “{shown}”. Try `{prefix}{listing}` to see "
                  f"what exists, or `{prefix}search <text>`.", private=True)


def error(message: str) -> Answer:
    return Answer(kind="error", title="Sorry", description=message, private=True)


NEEDS = {"name": "a name", "text": "some text", "speaker or words": "a speaker or some words"}


def needs_argument(spec: CommandSpec, prefix: str) -> Answer:
    needed = NEEDS.get(spec.argument, spec.argument)
    return error(f"`{spec.usage(prefix)}` needs {needed}, for example "
                 f"`{spec.example_call(prefix)}`.")


def no_command(name: str, meant: str | None, prefix: str) -> Answer:
    hint = f"Did you mean `{prefix}{meant}`?" if meant else f"Try `{prefix}help`."
    return error(f"There is no command “{name[:40]}”. {hint}")


def no_such_pick(number: str, count: int) -> Answer:
    """A number typed in the console that picks nothing."""
    if count == 0:
        return error(f"“{number[:20]}” picks nothing: a number picks from the last list of "
                     "matches, and there is none now.")
    choices = "1" if count == 1 else f"a number from 1 to {count}"
    return error(f"There is no {number[:20]} in the list: type {choices}.")
