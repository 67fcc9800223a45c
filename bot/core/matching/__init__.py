"""Fuzzy matching of names and statement fragments: an in-memory index over rapidfuzz."""

from bot.core.matching.index import FuzzyIndex, name_index, text_index
from bot.core.matching.model import GLOBAL, EntryKind, EntryRef, Hit
from bot.core.matching.normalizing import fast_normalize, fast_normalize_query

__all__ = ["GLOBAL", "EntryKind", "EntryRef", "FuzzyIndex", "Hit", "fast_normalize",
           "fast_normalize_query", "name_index", "text_index"]
