"""`Answer` -> Discord embeds. Every Discord size limit is enforced here and only here."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.core.models import Answer, Field

# Discord's limits (a 400 from the API past any of them).
TITLE = 256
DESCRIPTION = 4_096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1_024
FOOTER = 2_048
EMBED_TOTAL = 6_000
CONTENT = 2_000
CHOICES = 25
CHOICE_TEXT = 100
MODAL_TITLE = 45  # and each input's label
SELECT_OPTIONS = 25
SELECT_LABEL = 100
SELECT_DESCRIPTION = 100

# Our own, tighter page size: a page people can read without scrolling forever.
FIELDS_PER_PAGE = 10
PAGE_BUDGET = 5_000  # leaves room for the page counter in the footer

COLOURS = {
    "card": discord.Colour.blue(),
    "list": discord.Colour.blurple(),
    "choose": discord.Colour.gold(),
    "did_you_mean": discord.Colour.gold(),
    "not_found": discord.Colour.light_grey(),
    "error": discord.Colour.red(),
}


def clip(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _split_field(field: Field) -> list[Field]:
    """A value over 1,024 characters becomes several fields, cut at line or word ends."""
    name = clip(field.name, FIELD_NAME) or "\u200b"
    value = field.value or "—"
    parts: list[Field] = []
    while len(value) > FIELD_VALUE:
        cut = value.rfind("\n", 0, FIELD_VALUE)
        if cut < FIELD_VALUE // 2:
            cut = value.rfind(" ", 0, FIELD_VALUE)
        if cut < FIELD_VALUE // 2:
            cut = FIELD_VALUE
        parts.append(Field(name if not parts else clip(f"{field.name} (cont.)", FIELD_NAME),
                           value[:cut].rstrip(), field.inline))
        value = value[cut:].lstrip()
    parts.append(Field(name if not parts else clip(f"{field.name} (cont.)", FIELD_NAME),
                       value or "—", field.inline))
    return parts


def _paginate(fields: Sequence[Field], first_page_used: int) -> list[list[Field]]:
    pages: list[list[Field]] = [[]]
    used = first_page_used
    for field in fields:
        size = len(field.name) + len(field.value)
        page = pages[-1]
        if page and (len(page) >= FIELDS_PER_PAGE or used + size > PAGE_BUDGET):
            pages.append([])
            used = 0
        pages[-1].append(field)
        used += size
    return pages


def render_embeds(answer: Answer) -> list[discord.Embed]:
    """One embed per page; each within every embed limit."""
    title = clip(answer.title, TITLE)
    description = clip(answer.description, DESCRIPTION)
    fields = [part for field in answer.fields for part in _split_field(field)]
    pages = _paginate(fields, len(title) + len(description))
    embeds = []
    for number, page_fields in enumerate(pages, 1):
        embed = discord.Embed(
            title=title,
            description=description if number == 1 else None,
            colour=COLOURS.get(answer.kind),
            url=answer.url if answer.url and answer.url.startswith(("http://", "https://"))
            else None,
        )
        for field in page_fields:
            embed.add_field(name=field.name, value=field.value, inline=field.inline)
        footer = answer.footer
        if len(pages) > 1:
            footer = f"Page {number}/{len(pages)}" + (f" · {footer}" if footer else "")
        if footer:
            room = EMBED_TOTAL - len(embed)
            embed.set_footer(text=clip(footer, min(FOOTER, max(room, 1))))
        embeds.append(embed)
    return embeds


def option_label(text: str) -> str:
    return clip(text, SELECT_LABEL) or "?"


def option_description(text: str) -> str | None:
    return clip(text, SELECT_DESCRIPTION) or None
