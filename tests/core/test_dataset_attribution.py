"""The dataset says only what the article says about who said what, where (issue 12, item 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = json.loads((ROOT / "data" / "article.json").read_text(encoding="utf-8"))
ARTICLE = (ROOT / "data" / "abc-news-2016-11-17.txt").read_text(encoding="utf-8")


def statement(key: str) -> dict[str, Any]:
    return next(s for s in DATA["statements"] if s["key"] == key)


def test_only_emanuels_second_quote_is_credited_to_wls() -> None:
    assert not statement("emanuel-always-sanctuary").get("where")
    assert "WLS" in statement("emanuel-safe-in-chicago")["where"]


def test_de_blasios_reiteration_is_not_placed_where_the_article_does_not() -> None:
    said = statement("deblasio-reiterated")
    assert not said.get("where") and not said.get("when") and not said.get("date")


def test_the_executive_orders_words_are_not_a_quote_of_kenney() -> None:
    for said in DATA["statements"]:
        assert "detainer" not in said["text"] and "released from custody" not in said["text"]


def test_the_stance_of_new_york_uses_the_articles_word() -> None:
    stance = next(c for c in DATA["cities"] if c["key"] == "new-york-city")["stance"]
    assert "create a rift" in stance and "create a rift" in ARTICLE
    assert "drive" not in stance


def test_the_rift_is_what_trumps_initiatives_would_create() -> None:
    """The article: "Trump's proposed initiatives would create a rift"; not mass deportation."""
    stance = next(c for c in DATA["cities"] if c["key"] == "new-york-city")["stance"]
    assert "initiatives would create a rift" in stance
    assert "deportation would create" not in stance


def test_no_place_the_article_does_not_give_for_the_id_records() -> None:
    assert not statement("deblasio-id-records").get("where")
