"""A synthetic corpus and a labelled query set, both from a fixed seed.

Names are built from a few hundred first and last names (so surnames are shared, as they
are in real life), cities have nicknames and three-letter codes as aliases, and statements
are 10–60 words drawn with a Zipf-like frequency from a vocabulary of common English words
and invented content words (about 166 characters on average, like the design note's corpus).

Queries draw their target uniformly: typo'd names (1–2 edits), partial names (last name
only), aliases (exact or with one typo) and statement fragments of 2–5 consecutive words
(exact or with 1–2 typos). A fragment is what someone remembers of a quote: at least 10
letters and not only filler words ("of the"); its typos fall in words of 4+ letters, and
one typo only in fragments under 16 letters. A query is right when the top hit is one of
the entries it denotes: a last name denotes every official with that last name, a fragment every
statement that contains it word for word (its untypo'd form).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Any

from bot.core.text import normalize

SEED = 20161117

_ONSETS = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v",
           "w", "z", "br", "ch", "dr", "gr", "sh", "st", "tr", "", ""]
_VOWELS = ["a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "y"]
_CODAS = ["", "", "", "", "", "", "n", "r", "l", "s", "m", "t", "nd", "ck"]

_COMMON = [
    "the", "of", "and", "to", "a", "in", "that", "is", "it", "we", "for", "be", "will", "not",
    "this", "our", "are", "with", "they", "on", "as", "have", "people", "city", "our",
    "president", "immigration", "police", "all", "do", "what", "from", "by", "at", "an", "was",
    "would", "but", "can", "more", "about", "federal", "who", "their", "there", "law",
    "community", "us", "one", "new", "so", "if", "no", "residents", "safe", "because", "them",
    "has", "us", "very", "said", "going", "been", "or", "any", "like", "make", "government",
    "families", "country", "any", "work", "should", "could", "support", "every", "my",
    "immigrants", "these", "those", "protect", "continue", "just", "other", "many",
    "sanctuary", "policy", "status", "take", "need", "want", "help", "local",
]
_COMMON_SET = frozenset(_COMMON)
_STATES = [
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
    "Delaware", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa",
    "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan",
    "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire",
    "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio",
    "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota",
    "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Washington", "West Virginia",
    "Wisconsin", "Wyoming",
]
_ADJECTIVES = [
    "Silver", "Golden", "Iron", "Quiet", "Windy", "Rainy", "Sunny", "Misty", "Frozen",
    "Burning", "Hidden", "Broken", "Crooked", "Emerald", "Scarlet", "Azure", "Velvet",
    "Copper", "Marble", "Crystal", "Stone", "Lonely", "Happy", "Sleepy", "Restless", "Gentle",
    "Wild", "Ancient", "Hollow", "Bright", "Dark", "Humble", "Proud", "Singing", "Dancing",
    "Roaring", "Silent", "Twin", "Seven", "Hundred", "Thousand", "Painted", "Lucky", "Rusty",
    "Salty", "Sweet", "Bitter", "Brave", "Northern", "Southern", "Eastern", "Western", "Royal",
    "Little", "Grand", "Open", "Painted", "Shining", "Rolling", "Blue", "Green",
]
_NOUNS = [
    "River", "Bridge", "Harbor", "Tower", "Mountain", "Valley", "Lake", "Forest", "Garden",
    "Meadow", "Canyon", "Prairie", "Lantern", "Anchor", "Compass", "Engine", "Furnace",
    "Orchard", "Vineyard", "Lighthouse", "Mill", "Foundry", "Market", "Crossing", "Falls",
    "Springs", "Hills", "Pines", "Oaks", "Maples", "Roses", "Lilies", "Ravens", "Eagles",
    "Wolves", "Bears", "Bells", "Drums", "Trumpets", "Whistles", "Steeples", "Domes", "Arches",
    "Gates", "Walls", "Roads", "Rails", "Wheels", "Sails", "Kites", "Stars", "Moons", "Suns",
    "Clouds", "Storms", "Winds", "Waves", "Tides", "Shores", "Islands", "Dunes",
]
_CITY_PREFIXES = ["", "", "", "", "North ", "South ", "East ", "West ", "New ", "Port ",
                  "Lake ", "Fort ", "Mount ", "Saint "]
_CITY_SUFFIXES = ["", "", "", "ton", "ville", "burg", "field", "ford", " Falls", " Springs",
                  " Heights", " City", "port", "wood", "dale", " Harbor", "mouth"]
_SURNAME_PARTICLES = ["de ", "van ", "O'", "Mc", "St. ", "La "]
_ROLES = ["Mayor", "Police Chief", "City Council Member", "Governor", "Sheriff",
          "Deputy Mayor", "City Attorney", "Senator", "Representative", "Commissioner"]


def _syllable(rng: random.Random) -> str:
    return rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(_syllable(rng) for _ in range(syllables))


def _unique_words(rng: random.Random, count: int, lo: int, hi: int, taken: set[str]) -> list[str]:
    words: list[str] = []
    while len(words) < count:
        word = _word(rng, rng.randint(lo, hi))
        if 3 <= len(word) <= 14 and word not in taken:
            taken.add(word)
            words.append(word)
    return words


@dataclass(frozen=True, slots=True)
class Query:
    category: str  # name-typo, name-partial, alias, fragment, fragment-typo
    kind: str  # city, official, statement
    text: str
    answers: frozenset[str]  # keys of the entries that are a right top-1


@dataclass(slots=True)
class Corpus:
    raw: dict[str, Any]  # the dataset JSON, as parse_dataset reads it
    queries: list[Query]


def typo(rng: random.Random, text: str, edits: int) -> str:
    """1–2 keyboard-style edits on letters: substitute, delete, insert or transpose."""
    chars = list(text)
    for _ in range(edits):
        letters = [i for i, ch in enumerate(chars) if ch.isalpha()]
        if len(letters) < 3:
            break
        i = rng.choice(letters)
        op = rng.choice(("sub", "del", "ins", "swap"))
        if op == "sub":
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz".replace(chars[i].lower(), ""))
        elif op == "del":
            del chars[i]
        elif op == "ins":
            chars.insert(i, rng.choice("abcdefghijklmnopqrstuvwxyz"))
        elif i + 1 < len(chars) and chars[i + 1].isalpha() and chars[i] != chars[i + 1]:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars[i] = rng.choice("aeiou".replace(chars[i].lower(), "") or "x")
    return "".join(chars)


def _typo_words(rng: random.Random, text: str, edits: int) -> str:
    """Typos fall in words of four letters or more (nobody mistypes "of" into "f")."""
    words = text.split(" ")
    for _ in range(edits):
        long = [i for i, w in enumerate(words) if sum(ch.isalpha() for ch in w) >= 4]
        if not long:
            break
        i = rng.choice(long)
        words[i] = typo(rng, words[i], 1)
    return " ".join(words)


def build_corpus(statements: int, *, seed: int = SEED, queries: int = 600) -> Corpus:
    """`statements` statements, min(statements, 100,000) officials, a tenth as many cities."""
    rng = random.Random(seed)
    officials = max(min(statements, 100_000), 30)
    cities = max(officials // 10, 10)
    taken: set[str] = set(_COMMON)

    # --- name parts: a few hundred first names and last names --------------------------
    firsts = [w.capitalize() for w in _unique_words(rng, 400, 2, 3, taken)]
    lasts = [w.capitalize() for w in _unique_words(rng, 700, 2, 3, taken)]
    for i in range(0, len(lasts), 9):  # some "de Blasio", "O'Toole", "McCarthy"
        particle = _SURNAME_PARTICLES[(i // 9) % len(_SURNAME_PARTICLES)]
        lasts[i] = particle + lasts[i]

    # --- cities ---------------------------------------------------------------------------
    city_rows: list[dict[str, Any]] = []
    roots = _unique_words(rng, cities * 2, 2, 3, taken)
    nicknames = [f"City of {a} {n}" for a, n in itertools.product(_ADJECTIVES, _NOUNS)]
    nicknames += [f"The {a} {n}" for a, n in itertools.product(_ADJECTIVES, _NOUNS)]
    nicknames += [f"{a} {n} Town" for a, n in itertools.product(_ADJECTIVES, _NOUNS)]
    rng.shuffle(nicknames)
    codes = ["".join(c) for c in itertools.product("ABCDEFGHIJKLMNOPQRSTUVWXYZ", repeat=3)]
    rng.shuffle(codes)
    names_seen: set[str] = set()
    for root in roots:
        if len(city_rows) == cities:
            break
        name = rng.choice(_CITY_PREFIXES) + root.capitalize() + rng.choice(_CITY_SUFFIXES)
        if normalize(name) in names_seen:
            continue
        names_seen.add(normalize(name))
        aliases = []
        if nicknames and rng.random() < 0.6:
            aliases.append(nicknames.pop())
        if codes and rng.random() < 0.5:
            aliases.append(codes.pop())
        city_rows.append({
            "key": f"syn-city-{len(city_rows)}", "name": name, "state": rng.choice(_STATES),
            "aliases": aliases, "stance": "", "facts": [],
        })

    # --- officials: unique full names from the shared parts ------------------------------
    people_rows: list[dict[str, Any]] = []
    pairs = rng.sample(range(len(firsts) * len(lasts)), officials)
    for i, pair in enumerate(pairs):
        first, last = firsts[pair // len(lasts)], lasts[pair % len(lasts)]
        aliases = []
        if rng.random() < 0.2:  # a nickname: "Kalvy Dorran"
            aliases.append(f"{first[:4].rstrip('aeiouy')}{rng.choice(('y', 'ie', 'o'))} {last}")
        people_rows.append({
            "key": f"syn-person-{i}", "name": f"{first} {last}", "role": rng.choice(_ROLES),
            "city": rng.choice(city_rows)["key"], "aliases": aliases,
        })

    # --- statements: 10–60 words, Zipf-like ----------------------------------------------
    vocabulary = _COMMON + _unique_words(rng, 20_000, 1, 2, taken)
    weights = list(itertools.accumulate(1.0 / (rank + 1) ** 1.15
                                        for rank in range(len(vocabulary))))
    statement_rows: list[dict[str, Any]] = []
    for i in range(statements):
        count = rng.randint(10, 60)
        words = rng.choices(vocabulary, cum_weights=weights, k=count)
        words[0] = words[0].capitalize()
        for j in range(7, count - 1, rng.randint(8, 14)):
            words[j] += rng.choice((",", ".", ",", ";"))
        person = people_rows[rng.randrange(len(people_rows))]
        statement_rows.append({
            "key": f"syn-st-{i}", "speaker": person["key"], "city": person["city"],
            "kind": "quote" if rng.random() < 0.7 else "paraphrase",
            "text": " ".join(words) + ".", "where": "in a statement", "when": "Monday",
            "date": "2016-11-14",
        })

    raw = {
        "schema": 1,
        "source": {"key": f"synthetic-{statements}-{seed}", "title": "Synthetic corpus",
                   "outlet": "bench", "date": "2016-11-17"},
        "cities": city_rows,
        "people": people_rows,
        "statements": statement_rows,
    }
    return Corpus(raw=raw, queries=_queries(rng, raw, queries))


def _queries(rng: random.Random, raw: dict[str, Any], count: int) -> list[Query]:
    cities, people, statements = raw["cities"], raw["people"], raw["statements"]
    by_last: dict[str, set[str]] = {}
    for person in people:
        by_last.setdefault(normalize(person["name"].split(" ", 1)[1]), set()).add(person["key"])
    queries: list[Query] = []
    per = count // 6

    for _ in range(per):  # typo'd full names, officials and cities alike
        row, kind = (rng.choice(people), "official") if rng.random() < 0.6 else (
            rng.choice(cities), "city")
        queries.append(Query("name-typo", kind, typo(rng, row["name"], rng.randint(1, 2)),
                             frozenset({row["key"]})))
    for _ in range(per):  # last name only, sometimes with a typo
        row = rng.choice(people)
        last = row["name"].split(" ", 1)[1]
        text = typo(rng, last, 1) if rng.random() < 0.3 and len(last) >= 6 else last
        queries.append(Query("name-partial", "official", text,
                             frozenset(by_last[normalize(last)])))
    with_alias = [("city", c) for c in cities if c["aliases"]]
    with_alias += [("official", p) for p in people if p["aliases"]]
    for _ in range(per):  # nicknames and codes, long ones sometimes typo'd
        kind, row = rng.choice(with_alias)
        alias = rng.choice(row["aliases"])
        text = typo(rng, alias, 1) if len(alias) > 8 and rng.random() < 0.5 else alias
        queries.append(Query("alias", kind, text, frozenset({row["key"]})))

    padded = [f" {normalize(s['text'])} " for s in statements]
    for category in ("fragment", "fragment-typo"):
        made = 0
        while made < per * 3 // 2:
            i = rng.randrange(len(statements))
            words = statements[i]["text"].split()
            size = rng.randint(2, 5)
            start = rng.randrange(max(1, len(words) - size + 1))
            fragment = " ".join(words[start : start + size]).strip(",.;")
            norm = normalize(fragment)
            # What people remember of a quote: at least 10 letters, not only filler words.
            if len(norm) < 10 or all(w in _COMMON_SET for w in norm.split()):
                continue
            needle = f" {norm} "
            answers = frozenset(statements[j]["key"] for j, text in enumerate(padded)
                                if needle in text)
            if category == "fragment-typo":
                fragment = _typo_words(rng, fragment, 1 if len(norm) < 16 else rng.randint(1, 2))
            queries.append(Query(category, "statement", fragment, answers))
            made += 1
    return queries
