"""Coded texts (bot/core/matching/coded.py): a big shard's normalised texts, one character
a word, read back as they were, and found by the phrase scan as plain texts are."""

from __future__ import annotations

import random
import re
import sys
from itertools import pairwise

import pytest

import bot.core.matching.index as index_module
from bot.core.matching import sorted_slots
from bot.core.matching.coded import CodedTexts
from bot.core.matching.index import text_index
from bot.core.matching.model import EntryRef

from .test_packed import built_plain_and_packed

_WORDS = ["remain", "remember", "remove", "city", "cities", "citizen", "sanctuary", "police",
          "federal", "funding", "the", "then", "there", "we", "will", "welcome", "welcoming",
          "immigrants", "immigration", "mayor", "safe", "safety", "chief", "department",
          "our", "not", "job", "law", "enforcement", "community", "trust", "families"]


def _texts(count: int, rng: random.Random) -> list[str]:
    return [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 14)))
            for _ in range(count)]


def test_coded_texts_read_back_as_given_and_cleared_when_removed() -> None:
    texts = _texts(200, random.Random(1))
    coded = CodedTexts(texts)
    assert list(coded) == texts and len(coded) == 200
    coded.append("a brand new word zebra")  # words first seen after coding
    coded.append("")
    assert coded[200] == "a brand new word zebra" and coded[201] == ""
    coded[3] = ""
    assert coded[3] == "" and coded.codes[3] == b""
    with pytest.raises(ValueError):
        coded[4] = "some other text"
    # each word is two bytes, and no byte is a newline (it parts the texts scanned)
    assert len(coded.codes[0]) == 2 * len(texts[0].split())
    assert not any(b"\n" in code for code in coded.codes)


def test_beginning_lists_exactly_the_words_a_prefix_begins() -> None:
    coded = CodedTexts(_texts(300, random.Random(2)))
    coded.append("removal remnant citadel")  # late words, coded out of order
    for prefix in ["rem", "cit", "the", "w", "zzz", "removal", "safety"]:
        body = coded.beginning(prefix)
        pattern = re.compile(body) if body else None
        held = {word for word, char in coded.chars.items()
                if pattern is not None and pattern.fullmatch(char.encode("utf-16-be"))}
        assert held == {w for w in coded.chars if w.startswith(prefix)}, prefix


def _slip(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    at = rng.randrange(1, len(word) - 2)
    return word[:at] + word[at + 1] + word[at] + word[at + 2:] if rng.random() < 0.5 \
        else word[:at] + word[at + 1:]


@pytest.mark.parametrize("through_numpy", [False, True])
def test_a_coded_shard_finds_what_a_plain_one_finds(monkeypatch: pytest.MonkeyPatch,
                                                     through_numpy: bool) -> None:
    # Through numpy (what a million statements take): every intersection in it, and a
    # coded shard's scan narrowed by the phrase's first word and by common words too.
    if through_numpy:
        monkeypatch.setattr(sorted_slots, "BIG", 1)
    rng = random.Random(3)
    texts = _texts(3_000, rng)
    rows = [(EntryRef("statement", n + 1), f"Speaker {n % 9}", text.capitalize() + ".")
            for n, text in enumerate(texts)]
    plain, coded = built_plain_and_packed(rows, monkeypatch)
    assert isinstance(coded._shards[0].texts, CodedTexts)
    assert not isinstance(plain._shards[0].texts, CodedTexts)
    queries = []
    for text in rng.sample(texts, 60):
        words = text.split()
        start = rng.randrange(len(words))
        part = words[start : start + rng.randint(2, 5)]
        queries.append(" ".join(part))
        queries.append(" ".join(_slip(w, rng) for w in part))  # a slip or two
        queries.append(" ".join([*part[:-1], part[-1][: max(2, len(part[-1]) - 2)]]))
    for query in queries:
        for quick in (False, True):
            assert coded.search(query, quick=quick) == plain.search(query, quick=quick), query


def test_a_fragment_starting_inside_a_word_is_still_found(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "PACK_FROM", 1_000)
    index = text_index(label_joins_text=True)
    texts = _texts(1_500, random.Random(4))
    for n, text in enumerate(texts):
        index.put(EntryRef("statement", n + 1), "Someone", (text,))
    said = "We are a welcoming sanctuary community for immigrant families."
    index.put(EntryRef("statement", 9_999), "Mayor", (said,))
    assert isinstance(index._shards[0].texts, CodedTexts)
    assert index.search("elcoming sanctuary community for immigrant")[0].matched == said


def test_coded_texts_cost_under_three_fifths_of_the_plain_ones() -> None:
    # statements of 20-30 words, as a million of the benchmark's are (169 characters)
    rng = random.Random(5)
    texts = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(20, 30)))
             for _ in range(3_000)]
    coded = CodedTexts(texts)
    plain = sum(map(sys.getsizeof, texts))
    assert sum(map(sys.getsizeof, coded.codes)) * 5 < plain * 3


def _many_words(count: int) -> list[str]:
    """`count` words, sorted as they are coded, sharing prefixes ("ka", "kab", ...)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return sorted({"k" + letters[n % 26] + letters[n // 26 % 26] + letters[n // 676 % 26]
                   for n in range(count)})


def test_ranges_of_codes_over_many_first_bytes_hold_exactly_their_words() -> None:
    words = _many_words(6_000)  # codes over 24 first bytes, "\n"'s (0x0a) among them
    coded = CodedTexts([" ".join(words)])
    codes = [char.encode("utf-16-be") for char in coded.chars.values()]
    assert len(set(codes)) == len(words)
    assert not any(b"\n" in code or 0xD8 <= code[0] <= 0xDF for code in codes)
    coded.append("kzzzz kaaab")  # late words, coded out of order
    for prefix in ["k", "ka", "kab", "kz", "kmq", "kzzzz", "kaaab", "q"]:
        body = coded.beginning(prefix)
        pattern = re.compile(body) if body else None
        held = {word for word, char in coded.chars.items()
                if pattern is not None and pattern.fullmatch(char.encode("utf-16-be"))}
        assert held == {w for w in coded.chars if w.startswith(prefix)}, prefix


def test_a_match_across_two_codes_is_not_a_word() -> None:
    from bot.core.matching.candidates import _coded_holding

    words = _many_words(3_000)
    coded = CodedTexts([" ".join(words)])
    by_code = {char.encode("utf-16-be"): word for word, char in coded.chars.items()}
    # two words whose codes, side by side, hold a third word's code astride them
    def astride_of(a: str, b: str) -> str | None:
        return by_code.get((coded.chars[a] + coded.chars[b]).encode("utf-16-be")[1:3])

    first, second = next((a, b) for a in words[:300] for b in words[:300]
                         if astride_of(a, b) not in (None, a, b))
    astride = astride_of(first, second)
    assert astride is not None
    coded.append(f"{first} {second}")
    coded.append(f"{astride} {second}")
    slots = [len(coded) - 2, len(coded) - 1]
    for spellings in ([[astride]], [[astride], None], [[astride], [second]]):
        found = list(_coded_holding(coded.pattern(spellings), coded.codes, slots))
        assert found == [slots[1]], spellings


def test_a_shard_with_more_words_than_codes_stays_plain_and_answers_alike(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.core.matching.coded as coded_module

    monkeypatch.setattr(coded_module, "CAPACITY", len(_WORDS) + 40)
    rng = random.Random(6)
    texts = _texts(1_500, rng)
    rows = [(EntryRef("statement", n + 1), "Someone", text.capitalize() + ".")
            for n, text in enumerate(texts)]
    plain, coded = built_plain_and_packed(rows, monkeypatch)
    assert isinstance(coded._shards[0].texts, CodedTexts)
    for n in range(60):  # new words, more than the codes left: the shard turns plain
        ref = EntryRef("statement", 5_000 + n)
        for index in (plain, coded):
            index.put(ref, "Newcomer", (f"We welcome word{n} and the city.",))
    assert not isinstance(coded._shards[0].texts, CodedTexts)
    for query in ["we welcome word7", "word59 and the", "sanctuary city", "welcom"]:
        for quick in (False, True):
            assert coded.search(query, quick=quick) == plain.search(query, quick=quick), query
    with pytest.raises(coded_module.CodesFull):
        CodedTexts(texts + [f"w{n}" for n in range(100)])


@pytest.mark.parametrize("seed", range(10))
def test_pairs_held_counts_what_the_plain_texts_hold_side_by_side(seed: int) -> None:
    rng = random.Random(seed)
    # 150 more words: their codes include "-", "[", "\\", "]" and "^" (a regex class's own)
    vocabulary = [*_WORDS, *(f"w{n}" for n in range(150))]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(3, 14)))
             for _ in range(400)]
    coded = CodedTexts(texts)
    for _ in range(20):  # texts with words first seen after coding, and some removed
        texts.append(" ".join(rng.choice([*vocabulary, "late", "later"]) for _ in range(6)))
        coded.append(texts[-1])
    for slot in rng.sample(range(len(texts)), 20):
        texts[slot] = ""
        coded[slot] = ""
    assert {"-", "[", "\\", "]", "^"} <= set(coded.chars.values())
    for _ in range(30):
        words = [rng.choice([*vocabulary, "late", "nowhere"]) for _ in range(rng.randint(1, 5))]
        if rng.random() < 0.5:  # the last word being typed: the start of longer ones
            words[-1] = words[-1][: rng.randint(1, len(words[-1]))]
        pairs = [f" {a} {b} " for a, b in pairwise(words)]
        if pairs:
            pairs[-1] = pairs[-1].rstrip()
        slots = rng.sample(range(len(texts)), 80)
        assert coded.pairs_held(words, slots) == {
            s: sum(pair in f" {texts[s]} " for pair in pairs) if texts[s] else 0
            for s in slots}, words
