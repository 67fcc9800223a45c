"""Moderators curate the store: rules, use cases, import and export (no platform here)."""

from bot.core.moderation.base import kind_of
from bot.core.moderation.outcome import Outcome
from bot.core.moderation.rules import Actor, Refusal, parse_flags
from bot.core.moderation.service import Moderation

__all__ = ["Actor", "Moderation", "Outcome", "Refusal", "kind_of", "parse_flags"]
