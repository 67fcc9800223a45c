"""`citybot console` and `citybot ask`: open the core, talk, close it."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from bot.console.render import render_text
from bot.console.repl import Repl
from bot.console.session import ConsoleSession
from bot.core import answers
from bot.core.bootstrap import Core, start_core
from bot.core.errors import StoreBusy
from bot.core.store.location import Database

T = TypeVar("T")
NOTHING_TO_ANSWER = "Nothing to answer: type a command, e.g. `citybot ask \"city Seattle\"`."


def console(database: Database, prefix: str, guild_id: int | None) -> int:
    """The interactive console; 0 when left by `quit`, Ctrl-D or Ctrl-C twice."""
    with asyncio.Runner() as runner:
        core = runner.run(start_core(database, prefix))
        try:
            session = ConsoleSession(core, prefix, guild_id)

            def current(reply: Coroutine[Any, Any, T]) -> T:
                # The loop runs only while an answer is made: catch up with the change log
                # first, so a bot running on the same store has its writes seen here too.
                return runner.run(_after_catching_up(core, reply))

            Repl(session, current, commands=session.command_names).loop()
        finally:
            runner.run(core.close())
    return 0


async def _after_catching_up(core: Core, reply: Coroutine[Any, Any, T]) -> T:
    with contextlib.suppress(StoreBusy):  # answer from what is known; the next catches up
        await core.feed.catch_up()
    return await reply


def ask(database: Database, prefix: str, guild_id: int | None, line: str,
        again: Sequence[str] = ()) -> int:
    """One answer on stdout: 0 for an answer, 1 for a miss or an error. `again` is the
    `citybot` options to repeat in the commands offered for a pick (--database …)."""
    return asyncio.run(_ask(database, prefix, guild_id, line, tuple(again)))


async def _ask(database: Database, prefix: str, guild_id: int | None, line: str,
               again: tuple[str, ...]) -> int:
    core = await start_core(database, prefix)
    try:
        session = ConsoleSession(core, prefix, guild_id)
        try:
            answer = await session.answer(line)
        except StoreBusy:
            answer = answers.error(StoreBusy.message)
        if answer is None:
            answer = answers.error(NOTHING_TO_ANSWER)
        commands = [" ".join(("citybot", *map(shlex.quote, again), "ask",
                              shlex.quote(answers.pick_command(option))))
                    for option in answer.options]
        print(render_text(answer, session.style(), commands), flush=True)
        return 0 if answer.ok else 1
    finally:
        await core.close()
