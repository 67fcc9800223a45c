"""The human-editable dataset (data/article.json): finding, reading and checking it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from bot.core.validation import (
    MAX_ALIASES,
    MAX_FACTS,
    InvalidField,
    clean_date,
    clean_key,
    clean_kind,
    clean_list,
    clean_text,
    clean_url,
)

DATASET_FILE = "article.json"


class DatasetError(ValueError):
    """The file cannot be loaded; the message names the row and the reason."""


@dataclass(frozen=True, slots=True)
class SourceRow:
    key: str
    title: str
    outlet: str
    published: str
    published_text: str | None
    url: str | None
    body: str


@dataclass(frozen=True, slots=True)
class CityRow:
    key: str
    name: str
    state: str
    stance: str
    aliases: tuple[str, ...]
    facts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OfficialRow:
    key: str
    name: str
    role: str
    city: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StatementRow:
    key: str
    speaker: str
    city: str | None
    kind: str
    text: str
    where: str
    when: str
    date: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class Dataset:
    source: SourceRow
    cities: tuple[CityRow, ...]
    officials: tuple[OfficialRow, ...]
    statements: tuple[StatementRow, ...]


def bundled_data_dir() -> Path:
    """data/ in a checkout, or its copy inside an installed wheel (bot/_data)."""
    packaged = resources.files("bot") / "_data"
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "data"
    if (checkout / DATASET_FILE).is_file():
        return checkout
    raise DatasetError("the bundled dataset (data/article.json) was not found")


def load_dataset(path: Path | None = None) -> Dataset:
    path = path or bundled_data_dir() / DATASET_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"{path.name}: cannot read it as JSON ({exc})") from None
    return parse_dataset(raw, base=path.parent)


def _row(section: str, index: int, row: Any, fn: Any) -> Any:
    if not isinstance(row, dict):
        raise DatasetError(f"{section}[{index}]: must be an object")
    try:
        return fn(row)
    except InvalidField as exc:
        key = row.get("key") if isinstance(row.get("key"), str) else None
        where = f"{section}[{index}]" + (f" ({key})" if key else "")
        raise DatasetError(f"{where}: {exc}") from None


def parse_dataset(raw: Any, *, base: Path | None = None) -> Dataset:
    if not isinstance(raw, dict):
        raise DatasetError("the file must hold one JSON object")
    source_raw = raw.get("source")

    def source(row: dict[str, Any]) -> SourceRow:
        body = ""
        if base is not None and isinstance(row.get("text_file"), str):
            text_path = base / Path(row["text_file"]).name
            body = text_path.read_text(encoding="utf-8") if text_path.is_file() else ""
        published = clean_date("date", row.get("date"))
        if published is None:
            raise InvalidField("date", "is required")
        return SourceRow(
            key=clean_key("key", row.get("key")),
            title=clean_text("title", row.get("title"), limit="stance"),
            outlet=clean_text("outlet", row.get("outlet"), limit="name"),
            published=published,
            published_text=clean_text("published", row.get("published"), required=False,
                                      limit="when") or None,
            url=clean_url("url", row.get("url")),
            body=body,
        )

    def city(row: dict[str, Any]) -> CityRow:
        return CityRow(
            key=clean_key("key", row.get("key")),
            name=clean_text("name", row.get("name")),
            state=clean_text("state", row.get("state"), required=False),
            stance=clean_text("stance", row.get("stance"), required=False),
            aliases=clean_list("aliases", row.get("aliases"), limit="alias", most=MAX_ALIASES),
            facts=clean_list("facts", row.get("facts"), limit="fact", most=MAX_FACTS),
        )

    def official(row: dict[str, Any]) -> OfficialRow:
        city_key = row.get("city")
        return OfficialRow(
            key=clean_key("key", row.get("key")),
            name=clean_text("name", row.get("name")),
            role=clean_text("role", row.get("role"), required=False),
            city=None if city_key is None else clean_key("city", city_key),
            aliases=clean_list("aliases", row.get("aliases"), limit="alias", most=MAX_ALIASES),
        )

    def statement(row: dict[str, Any]) -> StatementRow:
        city_key = row.get("city")
        return StatementRow(
            key=clean_key("key", row.get("key")),
            speaker=clean_key("speaker", row.get("speaker")),
            city=None if city_key is None else clean_key("city", city_key),
            kind=clean_kind("kind", row.get("kind")),
            text=clean_text("text", row.get("text")),
            where=clean_text("where", row.get("where"), required=False),
            when=clean_text("when", row.get("when"), required=False),
            date=clean_date("date", row.get("date")),
            url=clean_url("url", row.get("url")),
        )

    def section(name: str, fn: Any) -> tuple[Any, ...]:
        rows = raw.get(name, [])
        if not isinstance(rows, list):
            raise DatasetError(f"{name}: must be a list")
        return tuple(_row(name, i, row, fn) for i, row in enumerate(rows))

    dataset = Dataset(
        source=_row("source", 0, source_raw, source),
        cities=section("cities", city),
        officials=section("people", official),
        statements=section("statements", statement),
    )
    _check_references(dataset)
    return dataset


def _check_references(dataset: Dataset) -> None:
    for name, rows in (("cities", dataset.cities), ("people", dataset.officials),
                       ("statements", dataset.statements)):
        seen: set[str] = set()
        for i, row in enumerate(rows):
            if row.key in seen:
                raise DatasetError(f"{name}[{i}] ({row.key}): key: is used twice")
            seen.add(row.key)
    cities = {c.key for c in dataset.cities}
    people = {o.key for o in dataset.officials}
    for i, o in enumerate(dataset.officials):
        if o.city is not None and o.city not in cities:
            raise DatasetError(f"people[{i}] ({o.key}): city: no city has the key {o.city!r}")
    for i, s in enumerate(dataset.statements):
        if s.speaker not in people:
            raise DatasetError(f"statements[{i}] ({s.key}): speaker: no person has the key "
                               f"{s.speaker!r}")
        if s.city is not None and s.city not in cities:
            raise DatasetError(f"statements[{i}] ({s.key}): city: no city has the key {s.city!r}")
