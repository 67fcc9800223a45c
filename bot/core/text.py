"""One normalisation for everything that is matched: the index and the query alike."""

from __future__ import annotations

import re
import unicodedata

# Curly quotes and look-alikes people paste from articles and phones.
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'",
                         "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"'})
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")  # O'Toole -> OToole, don't -> dont
_NON_WORD = re.compile(r"[\W_]+")
MAX_QUERY_CHARS = 200  # nobody types more to find an entry; longer input is cut, not rejected


def straighten_quotes(text: str) -> str:
    return text.translate(_QUOTES)


def normalize(text: str) -> str:
    """Case-fold, strip accents and marks, drop punctuation, collapse spaces.

    Control, zero-width and format characters disappear with the punctuation, so
    hostile input reduces to plain words (or to the empty string).
    """
    text = unicodedata.normalize("NFKD", straighten_quotes(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _APOSTROPHE.sub("", text.casefold())
    return _NON_WORD.sub(" ", text).strip()


def normalize_query(text: str) -> str:
    return normalize(text[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS].strip()
