"""A load driver for the fake Discord: many members, a mix of commands, every answer checked.

Used by tests/e2e/test_load.py (a CI-sized run) and bench/load_e2e.py (the full run whose
figures the README quotes). Each member is a worker that sends its next action as soon as the
previous one was answered (closed loop), so the bot gets commands as fast as it takes them.

An action is anything with ``run(driver, user_id, channel_id) -> Sample``. The lookups below
know their answer (an embed title, or the first autocomplete choice); other kinds of load are
mixed in by passing more ``(action, weight)`` pairs to ``LoadDriver.run``, e.g. moderator
writes::

    @dataclass(frozen=True)
    class AddAlias(Action):
        label: str = "!alias add city …"
        kind: str = "moderator write"
        writes: bool = True              # the test then expects the store to change
        actor: int | None = fx.MODERATOR_ID  # sent as this user, not as a load member

        async def run(self, driver, user_id, channel_id):
            return await driver.prefix(self.label, "<the answer's embed title>", user_id,
                                       channel_id, kind=self.kind)

Answers are matched without polling: the server calls ``LoadDriver._observe`` as it records
each bot message and interaction response. A text command's answer is a plain channel message
(no reply reference), so at most one text command per (channel, expected title) is in flight:
the next bot message in that channel with that title is its answer, and any message nobody
waited for (a duplicate, or a wrong answer) ends up in ``unclaimed``. An answer whose title is
known only in part (``Added statement #<new id> …``) is awaited with ``prefix_matching`` and a
pattern that only its own answer fits (tests/e2e/fake_discord/load_writes.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import re
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import fixtures as fx
from .records import InteractionRecord, Response, SentMessage

if TYPE_CHECKING:
    from .server import FakeDiscord


@dataclass(frozen=True, slots=True)
class Sample:
    label: str  # what was sent, e.g. "!city Seatle"
    kind: str  # "prefix", "slash", "autocomplete" or an extra action's kind
    latency: float  # seconds from sending to the answer (interactions: the first response)
    ok: bool
    problem: str = ""


class Action:
    """One thing a member does. Subclasses set the fields and implement ``run``."""

    label: str
    kind: str
    writes: bool = False  # True if it changes the store
    actor: int | None = None  # a fixed user (e.g. a moderator) instead of the load's member

    async def run(self, driver: LoadDriver, user_id: int, channel_id: int) -> Sample:
        raise NotImplementedError


@dataclass(frozen=True)
class PrefixLookup(Action):
    label: str
    title: str  # the answer's embed title
    kind: str = "prefix"

    async def run(self, driver: LoadDriver, user_id: int, channel_id: int) -> Sample:
        return await driver.prefix(self.label, self.title, user_id, channel_id, kind=self.kind)


@dataclass(frozen=True)
class SlashLookup(Action):
    command: str
    options: dict[str, Any]
    title: str
    kind: str = "slash"

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"/{self.command} " + " ".join(f"{k}:{v}" for k, v in self.options.items())

    async def run(self, driver: LoadDriver, user_id: int, channel_id: int) -> Sample:
        record = await driver.server.invoke_slash(
            self.command, self.options, user_id=user_id, channel_id=channel_id
        )
        response = await driver.first_response(record)
        if response is None:
            return Sample(self.label, self.kind, driver.timeout, False, "no response")
        embeds = response.data.get("embeds") or [{}]
        ok = response.kind == "callback" and response.type == 4 and (
            embeds[0].get("title") == self.title
        )
        problem = "" if ok else f"{response.kind} {response.type}: {embeds[0].get('title')!r}"
        return Sample(self.label, self.kind, response.elapsed, ok, problem)


@dataclass(frozen=True)
class Autocomplete(Action):
    command: str
    option: str
    typed: str
    first_choice: str  # the name of the best choice
    kind: str = "autocomplete"

    @property
    def label(self) -> str:  # type: ignore[override]
        return f"/{self.command} {self.option}:{self.typed}…"

    async def run(self, driver: LoadDriver, user_id: int, channel_id: int) -> Sample:
        record = await driver.server.begin_autocomplete(
            self.command, {self.option: self.typed}, self.option,
            user_id=user_id, channel_id=channel_id,
        )
        response = await driver.first_response(record)
        if response is None:
            return Sample(self.label, self.kind, driver.timeout, False, "no response")
        choices = response.data.get("choices") or [{}]
        ok = response.kind == "callback" and response.type == 8 and (
            choices[0].get("name") == self.first_choice
        )
        problem = "" if ok else f"{response.kind} {response.type}: {choices[0].get('name')!r}"
        return Sample(self.label, self.kind, response.elapsed, ok, problem)


# Queries with known answers (the bundled article).
CITY_QUERIES = {
    "Seatle": "Seattle, Washington",
    "Philly": "Philadelphia, Pennsylvania",
    "DC": "Washington, D.C.",
    "Big Apple": "New York City",
    "chicago": "Chicago, Illinois",
    "nashvile": "Nashville, Tennessee",
    "los angeles": "Los Angeles, California",
    "Emerald City": "Seattle, Washington",
}
QUOTE_QUERIES = {
    "not our job": "Charlie Beck",
    "rahm": "Statements of Rahm Emanuel",
    "de blasio": "Statements of Bill de Blasio",
    "warm and welcoming": "Megan Barry",
    "otoole": "Statements of Kathleen O'Toole",
    "bowser": "Statements of Muriel Bowser",
    "You are safe in Chicago": "Rahm Emanuel",
    "kenney": "Statements of Jim Kenney",
}
CITY_COMPLETIONS = {
    "sea": "Seattle", "phil": "Philadelphia", "chi": "Chicago", "new y": "New York City",
    "nash": "Nashville",
}
QUOTE_COMPLETIONS = {
    "rahm": "Rahm Emanuel", "bowser": "Muriel Bowser", "de blas": "Bill de Blasio",
    "warm and welc": "Megan Barry: warm and welcoming city",
}


def lookup_mix() -> list[tuple[Action, float]]:
    """`!city`, `!quote`, `/city`, `/quote` and autocomplete on both: 40% text commands,
    30% slash commands, 30% autocomplete."""
    mix: list[tuple[Action, float]] = []

    def spread(actions: list[Action], share: float) -> None:
        mix.extend((action, share / len(actions)) for action in actions)

    spread([PrefixLookup(f"!city {q}", t) for q, t in CITY_QUERIES.items()], 20)
    spread([PrefixLookup(f"!quote {q}", t) for q, t in QUOTE_QUERIES.items()], 20)
    spread([SlashLookup("city", {"name": q}, t) for q, t in CITY_QUERIES.items()], 15)
    spread([SlashLookup("quote", {"query": q}, t) for q, t in QUOTE_QUERIES.items()], 15)
    spread([Autocomplete("city", "name", q, c) for q, c in CITY_COMPLETIONS.items()], 15)
    spread([Autocomplete("quote", "query", q, c) for q, c in QUOTE_COMPLETIONS.items()], 15)
    return mix


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass
class LoadReport:
    samples: list[Sample]
    elapsed: float  # wall-clock seconds of the whole run
    members: int
    unclaimed: list[SentMessage] = field(default_factory=list)
    interaction_problems: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.elapsed if self.elapsed else 0.0

    @property
    def failures(self) -> list[Sample]:
        return [s for s in self.samples if not s.ok]

    def latencies(self, kind: str | None = None) -> list[float]:
        return [s.latency for s in self.samples if kind is None or s.kind == kind]

    def summary(self) -> str:
        lines = [
            f"{len(self.samples)} commands from {self.members} members in {self.elapsed:.2f} s: "
            f"{self.throughput:.0f} commands/s; {len(self.failures)} failed, "
            f"{len(self.unclaimed)} unexpected messages",
            f"{'kind':<14}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}",
        ]
        kinds = sorted({s.kind for s in self.samples})
        for kind in [*kinds, None]:
            values = self.latencies(kind)
            row = [percentile(values, q) * 1000 for q in (50, 95, 99, 100)]
            lines.append(f"{kind or 'all':<14}{len(values):>7}"
                         + "".join(f"{v:>9.1f}" for v in row))
        return "\n".join(lines)


class LoadDriver:
    def __init__(
        self,
        server: FakeDiscord,
        *,
        channels: Sequence[int] = (fx.GENERAL_CHANNEL_ID, fx.MOD_CHANNEL_ID),
        timeout: float = 10.0,  # seconds one answer may take before it counts as lost
    ) -> None:
        self.server = server
        self.channels = tuple(channels)
        self.timeout = timeout
        self.records: list[InteractionRecord] = []
        self.unclaimed: list[SentMessage] = []
        self._waiting: dict[tuple[int, str], asyncio.Future[SentMessage]] = {}
        self._patterns: list[tuple[int, re.Pattern[str], asyncio.Future[SentMessage]]] = []
        self._in_flight: defaultdict[tuple[int, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        self._responses: dict[int, asyncio.Future[Response]] = {}

    def __enter__(self) -> LoadDriver:
        self.server.observers.append(self._observe)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.observers.remove(self._observe)

    def _observe(self, event: str, subject: Any) -> None:
        if event == "bot_message":
            sent: SentMessage = subject
            if sent.source != "channel":
                return
            title = str((sent.embeds or [{}])[0].get("title") or sent.content)
            waiter = self._waiting.pop((sent.channel_id, title), None)
            if waiter is None:
                waiter = self._take_pattern(sent.channel_id, title)
            if waiter is not None and not waiter.done():
                waiter.set_result(sent)
            else:
                self.unclaimed.append(sent)
        elif event == "response":
            record, response = subject
            if response.kind in ("callback", "rejected"):
                future = self._responses.pop(record.id, None)
                if future is not None and not future.done():
                    future.set_result(response)

    def _take_pattern(self, channel_id: int, title: str) -> asyncio.Future[SentMessage] | None:
        for i, (channel, pattern, waiter) in enumerate(self._patterns):
            if channel == channel_id and pattern.fullmatch(title):
                del self._patterns[i]
                return waiter
        return None

    async def prefix_matching(
        self, text: str, pattern: re.Pattern[str], user_id: int, channel_id: int, *, kind: str
    ) -> tuple[Sample, SentMessage | None]:
        """Post ``text``; the answer is the next bot message in the channel whose title
        ``pattern`` matches in full. The caller makes the pattern fit no other answer."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[SentMessage] = loop.create_future()
        entry = (channel_id, pattern, waiter)
        self._patterns.append(entry)
        started = loop.time()
        await self.server.send_message(channel_id, user_id, text)
        try:
            sent = await asyncio.wait_for(waiter, self.timeout)
        except TimeoutError:
            with contextlib.suppress(ValueError):
                self._patterns.remove(entry)
            return Sample(text, kind, self.timeout, False,
                          f"no answer titled like {pattern.pattern!r}"), None
        return Sample(text, kind, loop.time() - started, True), sent

    async def prefix(
        self, text: str, title: str, user_id: int, channel_id: int, *, kind: str = "prefix"
    ) -> Sample:
        """Post ``text``; the answer is the next bot message in the channel titled ``title``."""
        loop = asyncio.get_running_loop()
        key = (channel_id, title)
        async with self._in_flight[key]:
            waiter: asyncio.Future[SentMessage] = loop.create_future()
            self._waiting[key] = waiter
            started = loop.time()
            await self.server.send_message(channel_id, user_id, text)
            try:
                await asyncio.wait_for(waiter, self.timeout)
            except TimeoutError:
                self._waiting.pop(key, None)
                return Sample(text, kind, self.timeout, False, f"no answer titled {title!r}")
            return Sample(text, kind, loop.time() - started, True)

    async def first_response(self, record: InteractionRecord) -> Response | None:
        """The interaction's initial response (accepted or refused), or None after timeout."""
        self.records.append(record)
        done = next((r for r in record.responses if r.kind in ("callback", "rejected")), None)
        if done is not None:
            return done
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._responses[record.id] = future
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            self._responses.pop(record.id, None)
            return None

    async def run(
        self,
        total: int,
        mix: Sequence[tuple[Action, float]],
        members: Sequence[int] = fx.EXTRA_MEMBER_IDS,
        *,
        seed: int = 7,
        give_up_after: int = 20,
    ) -> LoadReport:
        """``total`` actions drawn from ``mix`` (weights), spread over ``members`` working at
        once; each member keeps one channel. After ``give_up_after`` failed actions no new
        one starts (a dead bot would otherwise cost a timeout per action)."""
        rng = random.Random(seed)
        actions = [action for action, _ in mix]
        plan = iter(rng.choices(actions, [weight for _, weight in mix], k=total))
        samples: list[Sample] = []
        failed = 0

        async def member(index: int, user_id: int) -> None:
            nonlocal failed
            channel_id = self.channels[index % len(self.channels)]
            for action in plan:  # shared: each member takes the next action there is
                if failed >= give_up_after:
                    return
                sample = await action.run(self, action.actor or user_id, channel_id)
                samples.append(sample)
                failed += not sample.ok

        loop = asyncio.get_running_loop()
        started = loop.time()
        await asyncio.gather(*(member(i, uid) for i, uid in enumerate(members)))
        elapsed = loop.time() - started
        return LoadReport(samples, elapsed, len(members), self.unclaimed)

    def check_interactions(self) -> list[str]:
        """Every interaction got exactly one response, accepted, and nothing after it
        (lookups answer with one message; call after the bot had time to misbehave)."""
        problems = []
        for record in self.records:
            kinds = [r.kind for r in record.responses]
            if kinds != ["callback"]:
                problems.append(f"interaction {record.id} ({record.type}): {kinds}")
        return problems


@dataclass(frozen=True)
class StoreState:
    integrity: str
    fingerprint: str
    rows: dict[str, int]


def _read_only_uri(path: Path) -> str:
    return f"{Path(path).resolve().as_uri()}?mode=ro"


async def store_state(path: Path) -> StoreState:
    """Integrity, fingerprint and rows per table of a database file, read without writing to
    it (the bot may be running on it)."""
    import aiosqlite

    from bot.core.store import Store
    from bot.core.store.sqlite import SqliteEngine

    db = await aiosqlite.connect(_read_only_uri(path), uri=True)
    try:
        store = Store(SqliteEngine(db, Path(path)))
        integrity, fingerprint = await store.integrity_check(), await store.fingerprint()
        async with db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ) as cursor:
            tables = [row[0] for row in await cursor.fetchall()]
        rows = {}
        for table in tables:
            async with db.execute(f'SELECT COUNT(*) FROM "{table}"') as cursor:
                row = await cursor.fetchone()
                rows[table] = int(row[0]) if row else 0
    finally:
        with contextlib.suppress(sqlite3.Error):
            await db.close()
    return StoreState(integrity, fingerprint, rows)
