"""Statement fragments in a big shard (the candidate path): typos beyond one edit, a word
nothing stands for, the order of a phrase among repeated words, and equal scores."""

from __future__ import annotations

import random

from bot.core.matching import EntryRef, FuzzyIndex, text_index
from bot.core.matching.candidates import phrase_matches
from bot.core.matching.judge import judge_fragments
from bot.core.matching.vocabulary import Vocabulary

_FILLER = ["the", "of", "and", "to", "a", "in", "that", "is", "it", "we", "for", "be"]


def _crowd(count: int = 1_500, seed: int = 5) -> FuzzyIndex:
    """A shard past `full_scan_below`, of filler statements."""
    index = text_index(full_scan_below=0)
    rng = random.Random(seed)
    for i in range(count):
        index.put(EntryRef("statement", i), str(i),
                  [" ".join(rng.choice(_FILLER) for _ in range(16))])
    return index


def _outnumbered(decoy: str) -> FuzzyIndex:
    """`_crowd` and 300 statements holding the rest of a phrase word for word (`decoy`,
    each numbered): more than are ranked, put before the statement a test looks for."""
    index = _crowd()
    for n in range(300):
        index.put(EntryRef("statement", 9_000 + n), "it", [f"{decoy} {n}"])
    return index


def _top(index: FuzzyIndex, query: str) -> EntryRef | None:
    hits = index.search(query)
    return hits[0].ref if hits else None


def test_a_word_two_substitutions_away_stands_in_when_looked_for_loosely() -> None:
    words = Vocabulary()
    words.add_all(["of traijul the the in", "a traiju there"])
    # "triajbl": "traijul" with two letters swapped and one wrong; no word is one edit away.
    assert "traijul" not in words.options(["triajbl"], 3)["triajbl"]
    assert "traijul" in words.options(["triajbl"], 3, loose=True)["triajbl"]


def test_a_statement_is_found_through_a_word_two_typos_off_among_common_words() -> None:
    index = _crowd()
    ref = EntryRef("statement", 9_000)
    index.put(ref, "it", ["of traijul the the in of with gean"])
    assert _top(index, "triajbl the the in") == ref


def test_a_word_nothing_stands_for_is_any_word_when_the_rest_is_spelt_right() -> None:
    texts = ["tasair drewe with oshol cha the", "tasair with oshol", "oshol cha the drnra"]
    postings: dict[str, list[int]] = {}
    for slot, text in enumerate(texts):
        for word in set(text.split()):
            postings.setdefault(word, []).append(slot)
    words = ["tasair", "drnre", "with", "oshol"]
    options = {"tasair": ["tasair"], "drnre": [], "with": ["with"], "oshol": ["oshol"]}
    assert phrase_matches(postings, texts, words, options, "tasair", 100) == [0]
    # Half the words unknown: too little is left to say where the phrase is.
    assert phrase_matches(postings, texts, ["tasair", "drnre"], options, "tasair", 100) == []


def test_a_misspelt_word_whose_stand_ins_are_wrong_is_found_by_the_rest_of_the_phrase() -> None:
    index = _crowd()
    for i in range(400):  # its words, not its phrase: counting words cannot tell them apart
        index.put(EntryRef("statement", 8_000 + i), str(i), [f"oshol cha with tasair {i}"])
    ref = EntryRef("statement", 9_001)
    index.put(ref, "it", ["immigration tasair drewe with oshol cha the pal"])
    # "drnra" is one typo from "drnre" (a stand-in, but not the word meant).
    index.put(EntryRef("statement", 9_002), "other", ["a drnra of the with"])
    assert _top(index, "tasair drnre with oshol cha") == ref


def test_the_order_of_a_phrase_is_read_around_its_rarest_word() -> None:
    # The text's first "the" is far from "kewis": the phrase is still there, in order.
    text = "new in and the we not it for in each of a our the kewis the to"
    assert judge_fragments("the kewis the", [text])[0] == 100.0
    assert judge_fragments("the kewis the", ["the kewis to a b c the"])[0] < 100.0


def test_equal_scores_put_the_phrase_word_for_word_first() -> None:
    index = _crowd()
    partial = EntryRef("statement", 9_010)
    whole = EntryRef("statement", 9_011)
    index.put(partial, "partial", ["of lit the their it the zailjeck"])  # in letters only
    index.put(whole, "whole", ["lit the the in that ouck just of airmend rouwu cakean rulgr"])
    assert _top(index, "lit the the") == whole


def test_equal_scores_put_the_likelier_reading_of_a_typo_first() -> None:
    index = _crowd()
    drum = EntryRef("statement", 9_020)
    index.put(drum, "drum", ["every be drum the meantro"])
    index.put(EntryRef("statement", 9_021), "drur", ["kelcea be drur the"])
    for i in range(30):  # "drum" is the commoner word
        index.put(EntryRef("statement", 9_100 + i), str(i), [f"a drum {i}"])
    assert _top(index, "be drud the") == drum  # one wrong letter either way
    bout = EntryRef("statement", 9_030)
    index.put(bout, "bout", ["a of of cou bout be our"])
    index.put(EntryRef("statement", 9_031), "but", ["not of cou but the"])
    for i in range(5):  # "but" is commoner, but "obut" is "bout" with two letters swapped
        index.put(EntryRef("statement", 9_200 + i), str(i), [f"but {i}"])
    assert _top(index, "of cou obut") == bout


def test_words_each_in_one_place_keep_the_order_they_were_found_in() -> None:
    # Each word once: no reading around the rarest one can do better (swapped: one slip).
    assert judge_fragments("hall city", ["the city hall of it"])[0] == 100.0 * (1 - 0.15 / 2)
    assert judge_fragments("hall city", ["city hall city"])[0] == 100.0  # "hall city" is there


def test_autocomplete_judges_every_candidate_in_the_order_of_the_judge() -> None:
    # Quick searches judge all their candidates without ranking them with the scorer first:
    # the hits are the judge's best, in its order, and follow removals and additions.
    index = _crowd()
    refs = [EntryRef("statement", 9_300 + i) for i in range(3)]
    index.put(refs[0], "far", ["zoubra it of the kaltem and we"])
    index.put(refs[1], "near", ["zoubra of kaltem the it"])  # none holds the phrase itself
    index.put(refs[2], "swapped", ["kaltem zoubra the of"])
    hits = index.search("zoubra kaltem", quick=True)
    assert [h.ref for h in hits] == [refs[1], refs[2], refs[0]]
    scores = judge_fragments("zoubra kaltem", [h.matched for h in hits])
    assert [h.score for h in hits] == scores == sorted(scores, reverse=True)
    index.remove(refs[1])
    assert [h.ref for h in index.search("zoubra kaltem", quick=True)] == [refs[2], refs[0]]
    index.put(refs[1], "again", ["of zoubra kaltem"])
    again = index.search("zoubra kaltem", quick=True)[0]
    assert (again.ref, again.label, again.matched) == (refs[1], "again", "of zoubra kaltem")


def test_a_space_typed_inside_a_word_is_closed() -> None:
    index = _outnumbered("it of a city of immigrants that and the of")
    meant = EntryRef("statement", 10_000)
    index.put(meant, "it", ["new york is the ultimate city of immigrants"])
    assert _top(index, "ulti mate city of immigrants") == meant


def test_two_real_words_side_by_side_are_not_joined() -> None:
    index = _crowd()
    apart, joined = EntryRef("statement", 9_000), EntryRef("statement", 9_001)
    index.put(joined, "it", ["we walk into the city hall"])
    index.put(apart, "it", ["we walk in to the city hall"])
    assert _top(index, "walk in to the city") == apart


def test_a_missing_space_is_put_back() -> None:
    index = _outnumbered("it of a job for that and")
    meant = EntryRef("statement", 10_000)
    index.put(meant, "it", ["that is not our job nor will it be"])
    assert _top(index, "notour job") == meant


def test_a_word_spelt_right_stands_for_itself_when_its_stand_ins_are_common() -> None:
    index = text_index(full_scan_below=0, posting_budget=50)
    rng = random.Random(7)
    for n in range(400):  # "jom", one typo from "job", in many statements beside the rest
        words = ["my", "jom", "is", "not", *(rng.choice(_FILLER) for _ in range(8))]
        index.put(EntryRef("statement", n), "it", [" ".join(words)])
    meant = EntryRef("statement", 1_000)
    index.put(meant, "it", ["that is not our job nor will it be"])
    assert _top(index, "not my job") == meant


def test_the_loose_pass_does_not_scan_again_what_the_strict_one_read(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Words nothing else is one typo from have the same stand-ins loosely: the loose pass
    would read some of the same documents for the same phrase, and find nothing new."""
    import bot.core.matching.index as index_module

    index = _crowd()
    calls: list[int] = []

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[5])  # `most`
        return phrase_matches(*args, **kwargs)

    monkeypatch.setattr(index_module, "phrase_matches", counted)
    hits = index.search("that be the of and to a that be")  # in no statement word for word
    assert calls == [index_module.SCAN_MOST]
    assert hits  # ranked by the words they have
