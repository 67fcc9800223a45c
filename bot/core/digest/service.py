"""The digest use cases: settings, claims and composition, tied to the store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core import answers
from bot.core.digest.compose import compose, next_statement, status_answer
from bot.core.digest.model import (
    Clock,
    DigestInputError,
    DigestPost,
    DigestSettings,
    NewEntries,
    Trigger,
    Watermarks,
    utc_now,
)
from bot.core.digest.schedule import due_date, find_timezone, local_today, parse_time
from bot.core.matching import GLOBAL
from bot.core.models import Answer
from bot.core.scope import scopes_for

if TYPE_CHECKING:
    from bot.core.store import Store

# ---- the use cases ---------------------------------------------------------------------------


class DigestService:
    """Settings, claims and composition for every server; `clock` is injected for tests."""

    def __init__(self, store: Store, clock: Clock = utc_now, prefix: str = "!",
                 serves: Callable[[int], bool] | None = None) -> None:
        self.store = store
        self.clock = clock
        self.prefix = prefix
        # The servers this process posts for (its shards); a server another process serves
        # is that process's to post.
        self.serves = serves or (lambda _guild_id: True)

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    async def settings(self, guild_id: int) -> DigestSettings:
        return await self.store.digest_settings(guild_id) or DigestSettings(guild_id)

    # settings ---------------------------------------------------------------------------------

    async def _save(self, guild_id: int, *, arm: bool, **changes: object) -> DigestSettings:
        now = self.now()
        if arm:
            changes["armed_at"] = now
        return await self.store.save_digest_settings(guild_id, now, **changes)

    def _saved(self, text: str, settings: DigestSettings, channel_label: Callable[[int], str],
               ) -> Answer:
        answer = status_answer(settings, self.now(), None, channel_label, self.prefix)
        return replace(answer, description=f"{text}\n{answer.description}",
                       fields=tuple(f for f in answer.fields
                                    if f.name in {"Channel", "Next post"}))

    async def set_channel(self, guild_id: int, channel_id: int,
                          channel_label: Callable[[int], str]) -> Answer:
        settings = await self._save(guild_id, arm=False, channel_id=channel_id)
        return self._saved(f"The digest goes to {channel_label(channel_id)}.", settings,
                           channel_label)

    async def set_time(self, guild_id: int, text: str,
                       channel_label: Callable[[int], str]) -> Answer:
        try:
            at = parse_time(text)
        except DigestInputError as exc:
            return answers.error(str(exc))
        settings = await self._save(guild_id, arm=True, post_time=at)
        return self._saved(f"The digest goes out at {at:%H:%M} {settings.timezone}.", settings,
                           channel_label)

    async def set_timezone(self, guild_id: int, text: str,
                           channel_label: Callable[[int], str]) -> Answer:
        try:
            name = find_timezone(text)
        except DigestInputError as exc:
            return answers.error(str(exc))
        settings = await self._save(guild_id, arm=True, timezone=name)
        return self._saved(f"The digest follows {name} time "
                           f"(now {self.now().astimezone(ZoneInfo(name)):%H:%M} there).",
                           settings, channel_label)

    async def set_enabled(self, guild_id: int, on: bool,
                          channel_label: Callable[[int], str]) -> Answer:
        settings = await self._save(guild_id, arm=on, enabled=on)
        text = "The daily digest is on." if on else "The daily digest is off."
        if on and settings.channel_id is None:
            text += f" Pick its channel with `{self.prefix}digest channel #channel`."
        return self._saved(text, settings, channel_label)

    async def status(self, guild_id: int, channel_label: Callable[[int], str]) -> Answer:
        settings = await self.settings(guild_id)
        last = await self.store.last_sent_digest(guild_id)
        latest = await self.store.latest_digest(guild_id)
        return status_answer(settings, self.now(), last, channel_label, self.prefix,
                             sending=latest if latest and latest.status == "sending" else None)

    # posting ----------------------------------------------------------------------------------

    async def due(self) -> list[tuple[DigestSettings, date]]:
        """Every server whose digest is due now, with the local date it is due for."""
        now = self.now()
        found = []
        for settings in await self.store.enabled_digests():
            if not self.serves(settings.guild_id):
                continue
            day = due_date(settings, now)
            if day is not None:
                found.append((settings, day))
        return found

    async def unfinished(self) -> list[tuple[DigestPost, bool]]:
        """Posts of this process's servers left "being sent" by a process that stopped, each
        with whether it is for the server's today (then it may still go out)."""
        now = self.now()
        found = []
        for post in await self.store.unfinished_digests():
            if self.serves(post.guild_id):
                settings = await self.settings(post.guild_id)
                found.append((post, post.local_date == local_today(settings, now)))
        return found

    async def claim(self, guild_id: int, day: date, trigger: Trigger) -> DigestPost | None:
        """Claim `day` for `guild_id` (None if it is taken): call before sending anything."""
        return await self.store.claim_digest(guild_id, day, self.now(), trigger)

    async def claim_today(self, guild_id: int) -> tuple[DigestPost | None, date]:
        """`digest now`: today's digest in the server's zone, unless it already went out."""
        settings = await self.settings(guild_id)
        day = local_today(settings, self.now())
        return await self.claim(guild_id, day, "manual"), day

    async def sent(self, post: DigestPost, channel_id: int, message_id: int) -> None:
        await self.store.finish_digest(post, self.now(), channel_id=channel_id,
                                       message_id=message_id)

    async def failed(self, post: DigestPost, error: str) -> None:
        """Record the error; the day stays claimed, the statement and new entries go back."""
        await self.store.finish_digest(post, self.now(), error=error)

    # content ----------------------------------------------------------------------------------

    async def answer_for(self, post: DigestPost, *, private: bool = False) -> Answer:
        """The digest of a claimed day, from what the claim recorded."""
        return await self._compose(post.guild_id, post.local_date, post.statement_id,
                                   post.since, post.until, private=private)

    async def preview(self, guild_id: int | None) -> Answer:
        """Today's digest: the one that went out today, or the one that would go out now."""
        settings = await self.settings(guild_id or GLOBAL)
        today = local_today(settings, self.now())
        if guild_id:
            post = await self.store.digest_post_for(guild_id, today)
            if post is not None:
                return await self.answer_for(post, private=True)
        candidates, shown, previous = await self.store.digest_rotation(
            guild_id or GLOBAL, scopes_for(guild_id), settings.rotation_round)
        statement_id, _ = next_statement(candidates, shown, guild_id or GLOBAL,
                                         settings.rotation_round, previous)
        until = await self.store.digest_watermarks() if guild_id else None
        return await self._compose(guild_id, today, statement_id, settings.seen, until,
                                   private=True)

    async def _compose(
        self, guild_id: int | None, day: date, statement_id: int | None, since: Watermarks,
        until: Watermarks | None, *, private: bool,
    ) -> Answer:
        scopes = scopes_for(guild_id)
        statement = None
        if statement_id is not None:
            found = await self.store.statements(scopes, ids=[statement_id])
            statement = found[0] if found else None
        new = None
        if guild_id and until is not None:
            ids = await self.store.new_digest_entries(guild_id, since, until)
            new = NewEntries(
                cities=tuple(await self.store.cities((guild_id,), ids=ids.city_ids)),
                officials=tuple(await self.store.officials((guild_id,), ids=ids.official_ids)),
                statements=tuple(await self.store.statements((guild_id,),
                                                             ids=ids.statement_ids)),
            )
        counts = await self.store.counts(scopes)
        source = None
        if statement is not None and statement.source_id is not None:
            source = next((s for s in await self.store.sources()
                           if s.id == statement.source_id), None)
        return compose(day, statement, counts, new, private=private, source=source)
