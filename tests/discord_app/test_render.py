"""Every embed the renderer makes is within Discord's limits, however big the answer."""

from __future__ import annotations

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.matching import EntryRef
from bot.core.models import Answer, Field, Option
from bot.discord_app import render
from bot.discord_app.views import PickView


def assert_within_limits(embed: discord.Embed) -> None:
    assert len(embed.title or "") <= render.TITLE
    assert len(embed.description or "") <= render.DESCRIPTION
    assert len(embed.fields) <= render.FIELDS
    for field in embed.fields:
        assert 0 < len(field.name or "") <= render.FIELD_NAME
        assert 0 < len(field.value or "") <= render.FIELD_VALUE
    assert len(embed.footer.text or "") <= render.FOOTER
    assert len(embed) <= render.EMBED_TOTAL


text = st.text(min_size=0, max_size=5_000)


@settings(max_examples=60, deadline=None)
@given(
    title=text,
    description=st.text(max_size=10_000),
    fields=st.lists(st.tuples(text, st.text(max_size=3_000)), max_size=60),
    footer=text,
)
def test_any_answer_renders_within_limits(title, description, fields, footer) -> None:
    answer = Answer(kind="list", title=title, description=description,
                    fields=tuple(Field(n, v) for n, v in fields), footer=footer)
    embeds = render.render_embeds(answer)
    assert embeds
    for embed in embeds:
        assert_within_limits(embed)
    shown = "".join(f.value for e in embeds for f in e.fields)
    for _, value in fields:  # nothing is lost to paging, only split
        assert value.strip()[:50] in shown or not value.strip()


def test_long_field_is_split_not_cut() -> None:
    value = " ".join(["word"] * 600)  # 2,999 characters
    embeds = render.render_embeds(Answer(kind="card", title="t", fields=(Field("n", value),)))
    parts = [f for e in embeds for f in e.fields]
    assert len(parts) == 3
    assert parts[1].name == "n (cont.)"
    assert sum(p.value.count("word") for p in parts) == 600


def test_many_fields_make_numbered_pages() -> None:
    answer = Answer(kind="list", title="t", fields=tuple(Field(str(i), "v") for i in range(25)),
                    footer="source")
    embeds = render.render_embeds(answer)
    assert len(embeds) == 3
    assert embeds[0].footer.text == "Page 1/3 · source"
    assert [len(e.fields) for e in embeds] == [10, 10, 5]


async def test_picker_options_fit_a_select_menu() -> None:
    options = [Option(label="x" * 300, ref=EntryRef("city", i), description="d" * 300)
               for i in range(40)]
    view = PickView(options, show=None, owner_id=1)  # type: ignore[arg-type]
    [select] = view.children
    assert isinstance(select, discord.ui.Select)
    assert len(select.options) == render.SELECT_OPTIONS
    assert all(len(o.label) <= 100 and len(o.description or "") <= 100 for o in select.options)


async def test_a_city_card_of_many_long_statements_of_one_occasion_fits(core) -> None:  # type: ignore[no-untyped-def]
    """One occasion's statements share one heading: a value far over 1,024 characters,
    which the renderer splits at line ends, every statement and its id kept."""
    from bot.core.moderation import Actor

    ids = []
    for n in range(12):
        words = " ".join(f"word{n}x{i}" for i in range(120))[:990]
        added = await core.moderation.add(Actor.console(77), "statement", {
            "speaker": "Ed Murray", "text": words, "city": "Seattle", "kind": "paraphrase",
            "where": "at the council", "date": "2016-11-20"})
        assert added.ref is not None, added.answer.description
        ids.append(added.ref.id)
    card = await core.lookup.run("city", "Seattle", 77)
    embeds = render.render_embeds(card)
    for embed in embeds:
        assert_within_limits(embed)
    shown = "\n".join(f.value for e in embeds for f in e.fields)
    assert all(f"(#{i})" in shown for i in ids)
    headings = [f.name for e in embeds for f in e.fields if "at the council" in f.name]
    assert headings[0].endswith("(added by this server's moderators)")
    assert all(h.endswith("(cont.)") for h in headings[1:]) and len(headings) >= 12
