"""An `Answer` as readable terminal text (no length limits to respect here)."""

from __future__ import annotations

import textwrap

from bot.core.models import Answer

WIDTH = 88


def _wrap(text: str, indent: str = "") -> str:
    lines = []
    for paragraph in text.splitlines() or [""]:
        hanging = indent + ("  " if paragraph[:1] in "•-" else "")
        lines.append(textwrap.fill(paragraph, WIDTH, initial_indent=indent,
                                   subsequent_indent=hanging) if paragraph else "")
    return "\n".join(lines)


def render_text(answer: Answer) -> str:
    out = [answer.title, "=" * min(len(answer.title), WIDTH)]
    if answer.description:
        out.append(_wrap(answer.description))
    for field in answer.fields:
        out.append("")
        out.append(f"{field.name}:")
        out.append(_wrap(field.value, "  "))
    if answer.options:
        out.append("")
        for i, option in enumerate(answer.options, 1):
            detail = f" ({option.description})" if option.description else ""
            out.append(f"  {i}. {option.label}{detail}")
        out.append("Type a number to pick one.")
    if answer.footer:
        out.append("")
        out.append(answer.footer)
    if answer.url:
        out.append(answer.url)
    return "\n".join(out)
