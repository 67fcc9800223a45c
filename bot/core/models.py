"""Plain data the core passes around: entries read from the store and answers for adapters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.matching import EntryRef

StatementKind = Literal["quote", "paraphrase"]


@dataclass(frozen=True, slots=True)
class Source:
    id: int
    key: str
    title: str
    outlet: str
    published: str  # ISO date
    published_text: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class City:
    id: int
    guild_id: int
    key: str
    name: str
    state: str
    stance: str
    facts: tuple[str, ...]
    aliases: tuple[str, ...]
    source_id: int | None
    version: int

    @property
    def ref(self) -> EntryRef:
        return EntryRef("city", self.id)

    @property
    def label(self) -> str:
        # "Washington, D.C." names its region already: no ", District of Columbia" after it.
        if self.state and self.state not in self.name and ", " not in self.name:
            return f"{self.name}, {self.state}"
        return self.name


@dataclass(frozen=True, slots=True)
class Official:
    id: int
    guild_id: int
    key: str
    name: str
    role: str
    city_id: int | None
    city_name: str | None
    aliases: tuple[str, ...]
    source_id: int | None
    version: int

    @property
    def ref(self) -> EntryRef:
        return EntryRef("official", self.id)

    @property
    def title(self) -> str:
        """"Mayor of Chicago", "President-elect of the United States"."""
        if self.city_name and self.role:
            return f"{self.role}, {self.city_name}"
        return self.role or (self.city_name or "")


@dataclass(frozen=True, slots=True)
class Statement:
    id: int
    guild_id: int
    key: str
    official_id: int
    speaker: str
    city_id: int | None
    city_name: str | None
    kind: StatementKind
    text: str
    said_where: str
    said_when: str
    said_on: str | None
    source_id: int | None
    source_url: str | None
    version: int
    created_at: str

    @property
    def ref(self) -> EntryRef:
        return EntryRef("statement", self.id)

    @property
    def quoted(self) -> str:
        """A quote in quote marks; a paraphrase marked as one, never dressed up as a quote."""
        text = self.text.strip()
        if self.kind == "quote":
            return f"“{text}”"
        return f"(paraphrase) {text}"

    @property
    def occasion(self) -> str:
        """Where and when, as the article gives them: "in a written statement, on Tuesday,
        15 November 2016"; "" when it gives neither."""
        when = (self.said_when or "").strip()
        if self.said_on:
            day = long_date(self.said_on)
            when = day if not when else when if self.said_on in when else f"{when}, {day}"
            if when == day:
                when = f"on {day}"
        if when and when.split()[0].strip(",").casefold() in WEEKDAYS:
            when = f"on {when}"
        return ", ".join(part for part in (self.said_where or "", when) if part)

    @property
    def attribution(self) -> str:
        """"Charlie Beck told the Los Angeles Times, on Monday, 14 November 2016"."""
        occasion = self.occasion
        if not occasion:
            return self.speaker
        joiner = " " if occasion.split()[0].casefold() in VERBS else ", "
        return f"{self.speaker}{joiner}{occasion}"


WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                      "sunday"})
VERBS = frozenset({"told", "said", "wrote", "tweeted", "signed", "declared"})
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def long_date(iso: str) -> str:
    """"14 November 2016" from "2016-11-14" (as given if it is no such date)."""
    try:
        year, month, day = (int(part) for part in iso.split("-"))
        return f"{day} {MONTHS[month - 1]} {year}"
    except (ValueError, IndexError):
        return iso


@dataclass(frozen=True, slots=True)
class Counts:
    cities: int
    officials: int
    statements: int
    quotes: int


# ---- answers: what the core hands to an adapter, which only renders it --------------------

AnswerKind = Literal["card", "list", "choose", "did_you_mean", "not_found", "error"]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Option:
    """Something the member can pick: an entry for "did you mean" and disambiguation."""

    label: str
    ref: EntryRef
    description: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    kind: AnswerKind
    title: str
    description: str = ""
    fields: tuple[Field, ...] = ()
    footer: str = ""
    url: str | None = None
    options: tuple[Option, ...] = ()
    private: bool = False  # errors and refusals: ephemeral on Discord

    @property
    def ok(self) -> bool:
        return self.kind in {"card", "list"}
