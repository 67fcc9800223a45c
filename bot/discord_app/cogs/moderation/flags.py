"""The fields of each command, as discord.py flags: `!add statement speaker: … text: …` and
slash options alike (hybrid commands flatten a FlagConverter into options)."""

from __future__ import annotations

from typing import Any

from discord.ext import commands


class Flags(commands.FlagConverter, case_insensitive=True, prefix="", delimiter=":"):
    def fields(self) -> dict[str, str | None]:
        """The values given, by field name (None: not given)."""
        return {flag.name: getattr(self, flag.attribute)
                for flag in self.get_flags().values()}


def _f(description: str, default: Any = None) -> Any:
    return commands.flag(description=description, default=default)


class CityFlags(Flags):
    name: str = commands.flag(description="The city's name, e.g. Springfield")
    state: str | None = _f("The state, e.g. Illinois")
    stance: str | None = _f("Its stance, in a sentence or two")
    aliases: str | None = _f("Other names, separated by commas")
    facts: str | None = _f("Key facts, separated by |")


class OfficialFlags(Flags):
    name: str = commands.flag(description="The person's full name")
    role: str | None = _f("Their role, e.g. Mayor")
    city: str | None = _f("Their city")
    aliases: str | None = _f("Other names, separated by commas")


class StatementFlags(Flags):
    speaker: str = commands.flag(description="Who said it (pick from the list)")
    text: str | None = _f("What was said (leave empty on / to type it in a form)")
    city: str | None = _f("The city it is about (default: the speaker's)")
    where: str | None = _f("Where it was said, e.g. told the Los Angeles Times")
    when: str | None = _f("When, in words, e.g. Monday")
    date: str | None = _f("The date, YYYY-MM-DD")
    url: str | None = _f("A source link (http or https)")
    kind: str | None = _f("quote (verbatim) or paraphrase")


class EditCityFlags(Flags):
    name: str | None = _f("A new name")
    state: str | None = _f("A new state (- clears it)")
    stance: str | None = _f("A new stance (- clears it)")
    facts: str | None = _f("New key facts, separated by | (- clears them)")


class EditOfficialFlags(Flags):
    name: str | None = _f("A new name")
    role: str | None = _f("A new role (- clears it)")
    city: str | None = _f("A new city (- clears it)")


class EditStatementFlags(Flags):
    speaker: str | None = _f("A new speaker")
    text: str | None = _f("The new text")
    city: str | None = _f("A new city (- clears it)")
    where: str | None = _f("Where it was said (- clears it)")
    when: str | None = _f("When, in words (- clears it)")
    date: str | None = _f("The date, YYYY-MM-DD (- clears it)")
    url: str | None = _f("A source link (- clears it)")
    kind: str | None = _f("quote or paraphrase")
