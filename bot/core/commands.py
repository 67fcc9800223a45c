"""The command catalogue: one list that the console, `help` and the Discord layer share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    argument: str  # "" when the command takes none
    summary: str
    example: str  # the argument of an example call

    def usage(self, prefix: str) -> str:
        return f"{prefix}{self.name}" + (f" <{self.argument}>" if self.argument else "")

    def example_call(self, prefix: str) -> str:
        return f"{prefix}{self.name}" + (f" {self.example}" if self.example else "")


LOOKUP_COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("city", "name", "A city's card: stance, officials, key facts, statements.",
                "Seattle"),
    CommandSpec("official", "name", "A person's card: role, city and statements.", "Emanuel"),
    CommandSpec("quote", "speaker or words",
                "A speaker's statements, or the statement some words come from.",
                "not our job"),
    CommandSpec("search", "text", "Ranked matches across cities, officials and statements.",
                "sanctuary"),
    CommandSpec("cities", "", "Every city: the article's, then any added since.", ""),
    CommandSpec("officials", "", "Every official and national figure: the article's, then any "
                "added since.", ""),
    CommandSpec("random", "", "One statement at random.", ""),
    CommandSpec("about", "", "The source article and how many entries there are.", ""),
    CommandSpec("help", "", "Every command with an example.", ""),
)

COMMANDS_BY_NAME = {spec.name: spec for spec in LOOKUP_COMMANDS}
