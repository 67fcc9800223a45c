"""Field rules shared by the bundled dataset, imports and moderators' edits.

Each rule either returns the cleaned value or raises `InvalidField` naming the field, so
every way into the store refuses the same bad input with the same words.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import urlparse

# Limits chosen so that any entry still fits one Discord embed field (1,024 characters)
# or description (4,096) with its attribution; documented in the README.
LIMITS = {
    "name": 100,
    "state": 60,
    "role": 100,
    "alias": 100,
    "stance": 1_000,
    "fact": 500,
    "text": 1_000,
    "where": 200,
    "when": 100,
    "url": 500,
    "key": 80,
}
MAX_ALIASES = 25
MAX_FACTS = 10
KINDS = ("quote", "paraphrase")

_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


class InvalidField(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def clean_text(
    field: str, value: object, *, required: bool = True, limit: str | None = None
) -> str:
    """Trimmed single-spaced text without control or invisible characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidField(field, "must be text")
    text = unicodedata.normalize("NFC", _CONTROL.sub("", value))
    text = " ".join(text.split())
    if required and not text:
        raise InvalidField(field, "is required and cannot be empty")
    maximum = LIMITS[limit or field]
    if len(text) > maximum:
        raise InvalidField(field, f"is {len(text)} characters long; the limit is {maximum}")
    return text


def clean_date(field: str, value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InvalidField(field, "must be a date like 2016-11-14")
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise InvalidField(field, f"{value.strip()[:40]!r} is not a date like 2016-11-14") from None


def clean_url(field: str, value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = clean_text(field, value, limit="url")
    parsed = urlparse(text)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc or " " in text:
        raise InvalidField(field, "must be an http:// or https:// address")
    return text


def clean_kind(field: str, value: object) -> str:
    if value not in KINDS:
        raise InvalidField(field, "must be 'quote' or 'paraphrase'")
    return str(value)


def clean_key(field: str, value: object) -> str:
    text = clean_text(field, value, limit="key")
    if not _KEY.match(text):
        raise InvalidField(field, "must be lower-case letters, digits and dashes")
    return text


def clean_list(field: str, value: object, *, limit: str, most: int) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidField(field, "must be a list")
    if len(value) > most:
        raise InvalidField(field, f"has {len(value)} items; the limit is {most}")
    items: list[str] = []
    for i, item in enumerate(value):
        text = clean_text(f"{field}[{i}]", item, limit=limit)
        if text.casefold() not in {x.casefold() for x in items}:
            items.append(text)
    return tuple(items)


def slug(text: str) -> str:
    """A key made from a name: "Kathleen O'Toole" -> "kathleen-otoole"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’]", "", ascii_text.lower())
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[: LIMITS["key"]] or "entry"
