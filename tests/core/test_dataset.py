"""The bundled dataset is the article, faithfully: every quote verbatim, nothing missing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.core.dataset import DatasetError, bundled_data_dir, load_dataset, parse_dataset

ARTICLE = Path(__file__).resolve().parents[2] / "data" / "abc-news-2016-11-17.txt"


def _plain(text: str) -> str:
    text = (text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"'))
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def test_bundled_text_is_the_shared_article() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "article" / ARTICLE.name
    if not shared.is_file():
        pytest.skip("shared/ is not beside this checkout")
    assert ARTICLE.read_text(encoding="utf-8") == shared.read_text(encoding="utf-8")


def test_every_quote_stands_verbatim_in_the_article(dataset) -> None:
    article = _plain(ARTICLE.read_text(encoding="utf-8"))
    quotes = [s for s in dataset.statements if s.kind == "quote"]
    assert len(quotes) >= 15
    missing = [s.key for s in quotes if _plain(s.text) not in article]
    assert missing == []


def test_paraphrases_are_not_dressed_as_quotes(dataset) -> None:
    for s in dataset.statements:
        if s.kind == "paraphrase":
            assert not s.text.startswith(("“", '"')), s.key


def test_seven_cities_and_their_officials(dataset) -> None:
    assert {c.name for c in dataset.cities} == {
        "Los Angeles", "New York City", "Philadelphia", "Nashville", "Chicago", "Seattle",
        "Washington, D.C.",
    }
    officials = {o.name: o for o in dataset.officials}
    expected = {
        "Charlie Beck": "los-angeles", "Bill de Blasio": "new-york-city",
        "Jim Kenney": "philadelphia", "Megan Barry": "nashville", "Rahm Emanuel": "chicago",
        "Ed Murray": "seattle", "Kathleen O'Toole": "seattle", "Muriel Bowser": "washington-dc",
    }
    for name, city in expected.items():
        assert officials[name].city == city
    assert officials["Donald Trump"].city is None
    assert officials["Barack Obama"].city is None


def test_every_city_official_has_a_statement_and_dates_are_the_articles_week(dataset) -> None:
    speakers = {s.speaker for s in dataset.statements}
    for o in dataset.officials:
        if o.city is not None:
            assert o.key in speakers, o.key
    dates = {s.date for s in dataset.statements if s.date}
    assert dates <= {"2016-11-14", "2016-11-15", "2016-11-16", "2016-11-17"}


def test_source_and_its_text(dataset) -> None:
    assert dataset.source.published == "2016-11-17"
    assert dataset.source.outlet == "ABC News"
    assert "Sanctuary" in dataset.source.body or "sanctuary" in dataset.source.body


def test_bundled_dir_has_the_dataset() -> None:
    assert (bundled_data_dir() / "article.json").is_file()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["statements"][0].update(speaker="nobody"), "speaker"),
        (lambda d: d["statements"][0].update(kind="rumour"), "kind"),
        (lambda d: d["statements"][0].update(date="last Monday"), "date"),
        (lambda d: d["statements"][0].update(text=""), "text"),
        (lambda d: d["cities"][1].update(key=d["cities"][0]["key"]), "used twice"),
        (lambda d: d["people"][0].update(city="atlantis"), "city"),
        (lambda d: d["statements"][0].update(url="ftp://example.org"), "url"),
    ],
)
def test_a_bad_row_is_named(mutate, message) -> None:
    raw = json.loads((bundled_data_dir() / "article.json").read_text(encoding="utf-8"))
    mutate(raw)
    with pytest.raises(DatasetError, match=message):
        parse_dataset(raw)
