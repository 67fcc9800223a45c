"""The console adapter: parses what is typed, calls the core, renders the answer as text.

It accepts the chat forms (`!city Seattle`, `/city Seattle`) and the bare one
(`city Seattle`), and a number picks from the last "did you mean" or "pick one" list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.console.render import Style, render_text
from bot.core import answers
from bot.core.bootstrap import Core
from bot.core.commands import COMMANDS_BY_NAME, CommandSpec
from bot.core.errors import StoreBusy
from bot.core.models import Answer, Field, Option
from bot.core.moderation.rules import FLAG_NAMES, Actor
from bot.core.moderation.text_commands import NAMES, USAGE, run_text

Extra = Callable[[str, str], Awaitable[Answer | None]]

# Commands only the console has; its `help` lists them after the shared lookup commands
# (Discord's `help` is the core's, unchanged: there `digest` is a group for server admins).
CONSOLE_COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("digest", "", "Today's daily digest for this server (see --guild), as a "
                "preview: nothing is posted or recorded.", ""),
)


def parse_line(line: str, prefix: str = "!") -> tuple[str, str] | None:
    """("city", "Seattle") from "!city Seattle", "/city Seattle" or "city Seattle"."""
    text = line.strip()
    for lead in (prefix, "/"):
        if lead and text.startswith(lead):
            text = text[len(lead):].lstrip()
            break
    if not text:
        return None
    name, _, argument = text.partition(" ")
    return name.casefold(), argument.strip()


class ConsoleSession:
    def __init__(self, core: Core, prefix: str = "!", guild_id: int | None = None,
                 style: Callable[[], Style] = Style.of) -> None:
        self.core = core
        self.style = style  # asked at each answer: the terminal may have been resized
        self.prefix = prefix
        self.guild_id = guild_id
        self._options: tuple[Option, ...] = ()
        self.extras: dict[str, Extra] = {}  # commands other modules add (moderation, digest)
        self._add_moderation()
        self.extras["digest"] = self._digest
        self.extras["help"] = self._help

    def _add_moderation(self) -> None:
        """`add`, `edit`, `remove`, `undo` … typed here act as the bot's owner."""
        actor = Actor.console(self.guild_id)
        for name in NAMES:
            async def extra(argument: str, _line: str, name: str = name) -> Answer | None:
                return await run_text(self.core.moderation, actor, name, argument)

            self.extras[name] = extra

    async def _digest(self, argument: str, _line: str) -> Answer:
        """`digest` (or `digest preview`): the preview, never a post or a claimed day."""
        if argument.strip().casefold() not in ("", "preview"):
            return answers.error(
                "The console only previews the digest: type `digest`. Its channel, time, zone "
                "and `digest now` are set from Discord (`/digest …`, needs Manage Server).")
        return await self.core.digest.preview(self.guild_id)

    async def _help(self, _argument: str, _line: str) -> Answer:
        shared = self.core.lookup.help()
        moderation = Field(
            "Moderation (here you act as the bot's owner)",
            "\n".join(USAGE.get(name, name) for name in NAMES)
            + "\nFields: " + ", ".join(f"{flag}:" for flag in sorted(FLAG_NAMES))
            + "\nExample: `add statement speaker: Ed Murray text: … date: 2016-11-16`")
        return replace(shared, fields=shared.fields + answers.help_answer(
            CONSOLE_COMMANDS, self.prefix).fields + (moderation,))

    async def answer(self, line: str) -> Answer | None:
        """The answer to one typed line, or None for an empty line."""
        text = line.strip()
        if text.isdigit():  # a pick from the last list of matches (and nothing else)
            index = int(text) - 1
            if 0 <= index < len(self._options):
                return await self._remember(
                    await self.core.lookup.show(self._options[index].ref, self.guild_id))
            return answers.no_such_pick(text, len(self._options))
        parsed = parse_line(text, self.prefix)
        if parsed is None:
            return None
        name, argument = parsed
        if name in self.extras:
            extra = await self.extras[name](argument, text)
            if extra is not None:
                return await self._remember(extra)
        return await self._remember(await self.core.lookup.run(name, argument, self.guild_id))

    async def _remember(self, answer: Answer) -> Answer:
        self._options = answer.options
        return answer

    async def reply(self, line: str) -> str | None:
        try:
            answer = await self.answer(line)
        except StoreBusy as exc:  # or StoreWritesStopped, with its own message
            answer = answers.error(exc.message)
        return None if answer is None else render_text(answer, self.style())

    @property
    def command_names(self) -> tuple[str, ...]:
        """Every command typed here, for Tab."""
        return (*COMMANDS_BY_NAME, *self.extras, "quit")
