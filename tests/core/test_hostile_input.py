"""Hostile input through every lookup command: an answer or a clear refusal, never an
exception, never a change to the store."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.bootstrap import Core
from bot.core.commands import LOOKUP_COMMANDS

NAMED = [
    "", " ", "\t\n", "x" * 10_000, "word " * 2_000, "\u200b\u200c\u200d\ufeff", "\u202eelttaeS",
    "Se\u0301\u0301\u0301attle", "🙂🏳️‍🌈👨‍👩‍👧", "\x00\x01\x02\x1b[2J",
    "**bold** __u__ ~~s~~ ||spoiler||",
    "```py\nprint(1)\n```", "@everyone", "@here", "<@&123456789012345678>", "<@123456789012345678>",
    "'; DROP TABLE statements; --", "\" OR 1=1 --", "%", "_", '"', "*", "NEAR(a b)", "a AND b",
    "city:*", "\\", "' OR ''='", "Robert'); DROP TABLE cities;--",
]
hostile = st.one_of(
    st.sampled_from(NAMED),
    st.text(max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Mn", "Zs", "So"]), max_size=200),
    st.lists(st.sampled_from(["sanctuary", "city", "@everyone", "%", "NEAR", "🙂", "de"]),
             max_size=400).map(" ".join),
)


@pytest.mark.parametrize("text", NAMED)
async def test_named_cases_through_every_command(core: Core, text: str) -> None:
    before = await core.store.fingerprint()
    for spec in LOOKUP_COMMANDS:
        answer = await core.lookup.run(spec.name, text, None)
        assert answer.title
        assert len(answer.description) <= 4_096 or answer.kind in {"card", "list"}
    for kind in ("city", "official", None):
        choices = core.lookup.complete(kind, text, None)  # type: ignore[arg-type]
        assert len(choices) <= 25
        assert all(0 < len(c.name) <= 100 and 0 < len(c.value) <= 100 for c in choices)
    assert await core.store.fingerprint() == before


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile, name=st.sampled_from([s.name for s in LOOKUP_COMMANDS] + ["nope", ""]))
async def test_generated_input_never_raises(core: Core, text: str, name: str) -> None:
    answer = await core.lookup.run(name, text, 123)
    assert answer.kind in {"card", "list", "choose", "did_you_mean", "not_found", "error"}
    for choice in core.lookup.complete(None, text, 123):
        assert 0 < len(choice.value) <= 100
