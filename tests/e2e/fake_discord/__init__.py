"""A fake Discord (REST + gateway) on 127.0.0.1 for end-to-end tests of the bot."""

from . import fixtures
from .records import InteractionRecord, Response, SentMessage
from .server import FakeDiscord

__all__ = ["FakeDiscord", "InteractionRecord", "Response", "SentMessage", "fixtures"]
