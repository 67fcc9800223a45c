"""Builds `Answer`s from entries: the words and structure of every reply, no platform."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.core.commands import CommandSpec
from bot.core.excerpt import excerpt
from bot.core.matching import GLOBAL, Hit
from bot.core.models import Answer, City, Counts, Field, Official, Option, Source, Statement

if TYPE_CHECKING:
    from bot.core.searching import Found

LIST_COMMAND = {"city": "cities", "official": "officials", "statement": "officials"}
SHOW_COMMAND = {"city": "city", "official": "official", "statement": "quote"}


def pick_command(option: Option, prefix: str = "") -> str:
    """The command that shows this option's entry by id: "city #6", "quote #26"."""
    return f"{prefix}{SHOW_COMMAND[option.ref.kind]} #{option.ref.id}"


def source_line(source: Source | None, guild_id: int = GLOBAL) -> str:
    """Where an entry comes from: the article (its source line), the owner or a server."""
    if source is not None:
        return f"Source: {source.outlet}, {source.published} — {source.title}"
    return f"Added by {added_by(guild_id)}"


def added_by(guild_id: int) -> str:
    return "the bot's owner" if guild_id == GLOBAL else "this server's moderators"


def entry_footer(kind: str, entry_id: int, source: Source | None, guild_id: int) -> str:
    """"City #6 · Source: …": the id a moderator types, and the provenance."""
    return f"{kind.title()} #{entry_id} · {source_line(source, guild_id)}"


def list_line(entry_id: int, label: str, source_id: int | None, guild_id: int) -> str:
    """"#6 Seattle, Washington"; an entry not from the article says whose it is."""
    line = f"#{entry_id} {label}"
    return line if source_id is not None else f"{line} (added by {added_by(guild_id)})"


def statement_field(statement: Statement, *, with_speaker: bool = True) -> Field:
    said = statement.attribution if with_speaker else statement.occasion
    name = f"#{statement.id} · {said[:1].upper()}{said[1:]}" if said else f"#{statement.id}"
    if statement.source_id is None:  # not the article's: say whose it is
        name += f" (added by {added_by(statement.guild_id)})"
    return Field(name=name, value=statement.quoted)


def _article_first(statements: Sequence[Statement]) -> list[Statement]:
    """The article's statements, then the owner's and the server's own: kept apart."""
    return sorted(statements, key=lambda s: (s.source_id is None, s.guild_id != GLOBAL))


def city_card(
    city: City, officials: Sequence[Official], statements: Sequence[Statement],
    source: Source | None,
) -> Answer:
    fields = []
    if officials:
        fields.append(Field("Officials", "\n".join(f"{o.name} — {o.role} (#{o.id})"
                                                    for o in officials)))
    if city.facts:
        fields.append(Field("Key facts", "\n".join(f"• {fact}" for fact in city.facts)))
    if city.aliases:
        fields.append(Field("Also known as", ", ".join(city.aliases)))
    fields.extend(statement_field(s) for s in _article_first(statements))
    return Answer(
        kind="card", title=city.label, description=city.stance or "No stance recorded.",
        fields=tuple(fields), footer=entry_footer("city", city.id, source, city.guild_id),
        url=source.url if source else None,
    )


def official_card(
    official: Official, statements: Sequence[Statement], source: Source | None
) -> Answer:
    lines = [official.title] if official.title else []
    if not statements:
        lines.append("The article quotes no statement of theirs.")
    fields = [statement_field(s, with_speaker=False) for s in _article_first(statements)]
    if official.aliases:
        fields.insert(0, Field("Also known as", ", ".join(official.aliases)))
    return Answer(
        kind="card", title=official.name, description="\n".join(lines), fields=tuple(fields),
        footer=entry_footer("official", official.id, source, official.guild_id),
        url=source.url if source else None,
    )


def speaker_statements(
    official: Official, statements: Sequence[Statement], source: Source | None
) -> Answer:
    footer = entry_footer("official", official.id, source, official.guild_id)
    if not statements:
        return Answer(kind="card", title=f"Statements of {official.name}",
                      description=f"The article quotes no statement of {official.name}.",
                      footer=footer)
    count = "1 statement" if len(statements) == 1 else f"{len(statements)} statements"
    return Answer(
        kind="list", title=f"Statements of {official.name}",
        description=f"{official.title} — {count}",
        fields=tuple(statement_field(s, with_speaker=False) for s in _article_first(statements)),
        footer=footer, url=source.url if source else None,
    )


def statement_card(statement: Statement, source: Source | None) -> Answer:
    context = f"{statement.city_name}" if statement.city_name else ""
    return Answer(
        kind="card", title=statement.speaker,
        description=statement.quoted,
        fields=tuple(f for f in (
            Field("Said", statement.occasion[:1].upper() + statement.occasion[1:])
            if statement.occasion else None,
            Field("City", context, inline=True) if context else None,
            Field("Link", statement.source_url) if statement.source_url else None,
        ) if f is not None),
        footer=entry_footer("statement", statement.id, source, statement.guild_id),
        url=source.url if source else None,
    )


def search_results(query: str, found: Sequence[Found]) -> Answer:
    """One field per entry: what it is, and once, the text of it that matched."""
    fields = []
    for f in found:
        # A statement's label is "speaker: text": its text shows below, once.
        title = f.label.removesuffix(f": {f.matched}") if f.field == "statement" else f.label
        shown = "" if f.field == "name" and f.exact else f"“{excerpt(f.matched, query)}”"
        what = f.field if not shown else f"{f.field}: {shown}"
        fields.append(Field(clip_words(f"{f.ref.kind.title()} #{f.ref.id} — {title}", 200),
                            f"{what} ({f.score:.0f}%)"))
    count = "1 match" if len(found) == 1 else f"{len(found)} matches"
    return Answer(kind="list", title=f"Search: {query}",
                  description=f"{count}, best first.", fields=tuple(fields))


def clip_words(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def entry_list(title: str, lines: Sequence[str], footer: str = "", per_field: int = 10) -> Answer:
    """A long list in blocks, so that an adapter can page it. Each line starts with what
    identifies its entry (its id), not with a position in the list."""
    if len(lines) <= per_field:
        return Answer(kind="list", title=title, description="\n".join(lines), footer=footer)
    fields = tuple(
        Field(f"{start + 1}–{min(start + per_field, len(lines))} of {len(lines)}",
              "\n".join(lines[start : start + per_field]))
        for start in range(0, len(lines), per_field)
    )
    return Answer(kind="list", title=title, description=f"{len(lines)} in all.", fields=fields,
                  footer=footer)


def about(sources: Sequence[Source], counts: Counts) -> Answer:
    fields = [
        Field("Source", f"{s.outlet}, {s.published_text or s.published}\n{s.title}"
              + (f"\n{s.url}" if s.url else ""))
        for s in sources
    ]
    fields.append(Field(
        "Entries",
        f"{counts.cities} cities, {counts.officials} officials, {counts.statements} statements "
        f"({counts.quotes} direct quotes, {counts.statements - counts.quotes} paraphrases)",
    ))
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


def options_from(hits: Sequence[Hit], query: str = "") -> tuple[Option, ...]:
    """Menu options: each entry named, with the part of it that matched, cut at word
    boundaries (a statement's label is its speaker and the start of its text)."""
    options = []
    for h in hits:
        if h.ref.kind == "statement":
            label = h.label.removesuffix(f": {h.matched}")
            label = clip_words(f"{label}: {h.matched}", 100)
        else:
            label = clip_words(h.label, 100)
        shown = excerpt(h.matched, query, 80) if query else clip_words(h.matched, 80)
        options.append(Option(label=label, ref=h.ref,
                              description=f"{h.ref.kind}, matched “{shown}”"))
    return tuple(options)


def did_you_mean(query: str, hits: Sequence[Hit]) -> Answer:
    names = ", ".join(clip_words(h.label, 80) for h in hits)
    return Answer(kind="did_you_mean", title="Did you mean…?",
                  description=f"Not sure what “{query[:100]}” names. Did you mean: {names}?",
                  options=options_from(hits, query), private=True)


def choose(query: str, hits: Sequence[Hit]) -> Answer:
    return Answer(kind="choose", title="Several entries match",
                  description=f"“{query[:100]}” matches more than one entry. Pick one:",
                  options=options_from(hits, query), private=True)


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
