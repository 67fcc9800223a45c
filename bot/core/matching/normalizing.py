"""Normalisation at index speed, and the trigrams of a normalised string."""

from __future__ import annotations

import re

from bot.core.text import MAX_QUERY_CHARS, normalize

# `normalize` for plain ASCII, which is nearly all text: no accents or curly quotes to
# handle, so the per-character pass over Unicode is skipped (5-10x faster at start-up).
# tests/core/test_matching_index.py checks that both agree.
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
# Every ASCII character but letters and digits becomes a space (what `[\W_]+` is in ASCII);
# translate and split/join do in C what a regex substitution does far slower.
_SPACES = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def fast_normalize(text: str) -> str:
    if text.isascii():
        text = text.lower()
        if "'" in text or "`" in text:
            text = _APOSTROPHE.sub("", text.replace("`", "'"))
        return " ".join(text.translate(_SPACES).split())
    return normalize(text)


def fast_normalize_query(text: str) -> str:
    return fast_normalize(text[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS].strip()


def trigrams(norm: str) -> set[str]:
    padded = f" {norm} "
    return set(map("".join, zip(padded, padded[1:], padded[2:], strict=False)))
