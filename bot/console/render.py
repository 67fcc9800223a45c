"""An `Answer` as terminal text: wrapped to the terminal's width (never mid-word), with the
core's Markdown emphasis shown as a terminal shows it (bold where it can, else plain)."""

from __future__ import annotations

import os
import re
import shutil
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from bot.core.models import Answer

FALLBACK_WIDTH = 80  # when the output is no terminal (a pipe, a file)
MIN_WIDTH = 20
BOLD, NORMAL = "\x1b[1m", "\x1b[22m"
PICK_BY_NUMBER = "Type a number to pick one."
PICK_BY_COMMAND = "Run the command under the one you mean."
_EMPHASIS = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
# Control characters could move the cursor or recolour the terminal: none gets through.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Style:
    width: int = FALLBACK_WIDTH
    bold: bool = False

    @classmethod
    def of(cls, stream: TextIO | None = None,
           environ: Mapping[str, str] = os.environ) -> Style:
        """The width of the terminal now (it may have been resized) and whether to use bold."""
        stream = sys.stdout if stream is None else stream
        width = shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns
        return cls(width=max(MIN_WIDTH, width), bold=supports_bold(stream, environ))


def supports_bold(stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """A terminal, unless NO_COLOR is set (https://no-color.org) or TERM is dumb or unset."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and not environ.get("NO_COLOR") and environ.get("TERM", "") not in ("", "dumb")


def _cells(text: str) -> int:
    """Columns the text takes: wide (East Asian, emoji) characters take two, marks none."""
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _words(paragraph: str) -> list[list[tuple[str, bool]]]:
    """The paragraph's words, each as runs of (text, bold), the `**` markers taken out."""
    runs: list[tuple[str, bool]] = []
    at = 0
    for match in _EMPHASIS.finditer(paragraph):
        runs += [(paragraph[at : match.start()], False), (match.group(1), True)]
        at = match.end()
    runs.append((paragraph[at:], False))
    words: list[list[tuple[str, bool]]] = [[]]
    for text, bold in runs:
        for i, piece in enumerate(re.split(r"\s+", text)):
            if i:
                words.append([])
            if piece:
                words[-1].append((piece, bold))
    return [word for word in words if word]


def _show(word: Sequence[tuple[str, bool]], bold: bool) -> str:
    return "".join(f"{BOLD}{text}{NORMAL}" if bold and strong else text for text, strong in word)


def wrap(paragraph: str, style: Style, indent: str = "", hanging: str | None = None) -> str:
    """One paragraph in lines of at most `style.width` columns, breaking only between words
    (a word longer than a line, such as a long link, stands alone on its line)."""
    hanging = indent if hanging is None else hanging
    lead = len(paragraph) - len(paragraph.lstrip(" "))
    indent, hanging = indent + " " * lead, hanging + " " * lead
    lines: list[str] = []
    line, used = indent, _cells(indent)
    fresh = True
    for word in _words(paragraph):
        size = _cells("".join(text for text, _ in word))
        if not fresh and used + 1 + size > style.width:
            lines.append(line)
            line, used, fresh = hanging, _cells(hanging), True
        line += ("" if fresh else " ") + _show(word, style.bold)
        used += size + (0 if fresh else 1)
        fresh = False
    lines.append(line.rstrip() if fresh else line)
    return "\n".join(lines)


def _block(text: str, style: Style, indent: str = "") -> list[str]:
    out = []
    for paragraph in _CONTROL.sub("", text.replace("\t", " ")).splitlines() or [""]:
        bullet = paragraph.lstrip()[:2] in ("• ", "- ") or bool(re.match(r"\s*\d+\. ", paragraph))
        hang = indent + ("   " if re.match(r"\s*\d+\. ", paragraph) else "  " if bullet else "")
        out.append(wrap(paragraph, style, indent, hang) if paragraph.strip() else "")
    return out


def render_note(text: str, style: Style | None = None) -> str:
    """A line of the console's own (its greeting, a hint), wrapped like an answer."""
    return "\n".join(_block(text, Style.of() if style is None else style))


def render_text(answer: Answer, style: Style | None = None,
                commands: Sequence[str] | None = None) -> str:
    """The whole answer. A list to pick from says to type its number, or, given `commands`
    (one for each option, as for `citybot ask`), what to run for each instead."""
    style = Style.of() if style is None else style
    title = _block(answer.title, style)
    plain = re.sub(r"\x1b\[\d+m", "", "\n".join(title))
    out = [*title, "=" * min(max(map(_cells, plain.splitlines() or [""])), style.width)]
    if answer.description:
        out += _block(answer.description, style)
    for field in answer.fields:
        out += ["", *_block(f"{field.name}:", style), *_block(field.value, style, "  ")]
    if answer.options:
        out.append("")
        for i, option in enumerate(answer.options, 1):
            detail = f" ({option.description})" if option.description else ""
            out += _block(f"  {i}. {option.label}{detail}", style)
            if commands is not None:
                out += _block(commands[i - 1], style, "     ")
        out += _block(PICK_BY_NUMBER if commands is None else PICK_BY_COMMAND, style)
    if answer.footer:
        out += ["", *_block(answer.footer, style)]
    if answer.url:
        out += _block(answer.url, style)
    return "\n".join(out)
