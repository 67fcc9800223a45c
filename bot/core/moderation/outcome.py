"""What a moderation use case returns, and the refusals it turns into replies."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar

from bot.core.matching import EntryRef
from bot.core.models import Answer
from bot.core.moderation import replies
from bot.core.moderation.rules import Actor, Refusal
from bot.core.store.entry_writes import EntryRemoved, NotRemoved, VersionConflict
from bot.core.store.guard import AuthorityRevoked, acting_through_roles
from bot.core.store.suggestions import SuggestionRow
from bot.core.validation import InvalidField


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a use case did: the reply, and what an adapter needs to go on."""

    answer: Answer
    changed: bool = False
    ref: EntryRef | None = None
    version: int | None = None
    suggestion: SuggestionRow | None = None
    suggestions: tuple[SuggestionRow, ...] = field(default=())


def refused(exc: Refusal | InvalidField) -> Outcome:
    if isinstance(exc, InvalidField):
        exc = Refusal(exc.field, exc.reason)
    return Outcome(replies.refused(exc))


def stale_refusal(kind: str, entry_id: int, exc: Exception) -> Refusal:
    if isinstance(exc, EntryRemoved):
        return Refusal("entry", f"{kind} #{entry_id} was removed meanwhile; nothing was "
                       f"saved (`restore {kind} {entry_id}` brings it back)")
    if isinstance(exc, VersionConflict):
        return Refusal("version", f"{kind} #{entry_id} was changed by someone else "
                       f"meanwhile (it is now version {exc.current}); nothing was saved. "
                       "Look at it again and redo your change.")
    if isinstance(exc, NotRemoved):
        return Refusal("entry", f"{kind} #{entry_id} is not removed")
    return Refusal("entry", f"{kind} #{entry_id} does not exist")


P = ParamSpec("P")
S = TypeVar("S")
ROLE_REVOKED = ("your moderator role no longer moderates this server (it was changed a moment "
                "ago); nothing was changed")


def checks_authority(
    method: Callable[Concatenate[S, Actor, P], Awaitable[Outcome]],
) -> Callable[Concatenate[S, Actor, P], Awaitable[Outcome]]:
    """A write use case: an actor who moderates through a role has that role re-checked
    against the store inside each write's transaction (the in-memory roles may be a moment
    behind another process's `modrole remove`)."""

    @functools.wraps(method)
    async def checked(self: S, actor: Actor, *args: P.args, **kwargs: P.kwargs) -> Outcome:
        if actor.owner or not actor.through_roles:
            return await method(self, actor, *args, **kwargs)
        try:
            with acting_through_roles(actor.guild_id, actor.through_roles):
                return await method(self, actor, *args, **kwargs)
        except AuthorityRevoked:
            return refused(Refusal("permission", ROLE_REVOKED))

    return checked
