"""Names found through their words first, and through trigrams when a word is misspelt."""

from __future__ import annotations

import random

from bot.core.matching import EntryRef, name_index

_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "ou")]


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(3)).title()


def _crowd(surname: str, count: int) -> tuple[list[str], object]:
    """`count` people sharing a surname (more than are ever ranked), then one more."""
    index = name_index(full_scan_below=0)
    rng = random.Random(9)
    names = []
    for i in range(count):
        name = f"{_name(rng)} {surname}"
        names.append(name)
        index.put(EntryRef("official", i), name, [name])
    return names, index


def test_a_misspelt_short_word_is_looked_for_by_trigrams_not_ignored() -> None:
    # "tam" is no word of any name and too short for typo stand-ins: the Relealshacks
    # (more than are ranked) hold the other word, only trigrams tell Tan from the rest.
    _names, index = _crowd("Relealshack", 400)
    ref = EntryRef("official", 9_999)
    index.put(ref, "Tan Relealshack", ["Tan Relealshack"])
    assert index.search("tam relealshack")[0].ref == ref


def test_a_misspelt_long_word_finds_its_name_among_many_with_the_same_surname() -> None:
    _names, index = _crowd("Relealshack", 400)
    ref = EntryRef("official", 9_999)
    index.put(ref, "Tanobrik Relealshack", ["Tanobrik Relealshack"])
    for query in ("tanobrick relealshack", "tnobrik relealshack", "tanobrik relealshak",
                  "relealshack tanobrik"):
        assert index.search(query)[0].ref == ref, query


def test_a_word_two_swaps_off_finds_its_name_among_many_with_the_same_first_word() -> None:
    # "dralidema": "draildeam" with two pairs of letters swapped; no word is one typo (nor
    # two deletions) away. Its trigrams are in thousands of names ("o dra"), so only the
    # first word would count, and 200 names share it (more than are ranked), each holding
    # some rarer trigram of the typo ("ide", "dem", "ema", "ali"), which the right one lacks.
    index = name_index(full_scan_below=0)
    rng = random.Random(9)
    names = [f"{_name(rng)}o Dra{_name(rng).lower()}" for _ in range(4_000)]
    pieces = ["ide", "dem", "ema", "ali"]
    names += [f"Stailmovo {rng.choice(_SYLLABLES).title()}{rng.choice(pieces)}"
              f"{rng.choice(_SYLLABLES)}" for _ in range(200)]
    for i, name in enumerate(names):
        index.put(EntryRef("official", i), name, [name])
    ref = EntryRef("official", 9_999)
    index.put(ref, "Stailmovo Draildeam", ["Stailmovo Draildeam"])
    assert index.search("stailmovo dralidema")[0].ref == ref


def test_every_word_right_finds_the_name_and_aliases_too() -> None:
    names, index = _crowd("Pyndbu", 300)
    ref = EntryRef("official", 9_999)
    index.put(ref, "Idaindgock Pyndbu", ["Idaindgock Pyndbu", "Biff Pyndbu"])
    assert index.search("idaindgock pyndbu")[0].ref == ref
    assert index.search("biff pyndbu")[0].ref == ref
    assert index.search(names[123])[0].ref == EntryRef("official", 123)


def test_a_removed_name_is_not_found_by_its_words_even_after_compaction() -> None:
    names, index = _crowd("Stescol", 1_500)
    for i in range(0, 1_500, 2):
        index.remove(EntryRef("official", i))
    index.compact()
    for i in (0, 2, 700):
        assert all(hit.ref != EntryRef("official", i) for hit in index.search(names[i]))
    for i in (1, 3, 701):
        assert index.search(names[i])[0].ref == EntryRef("official", i)


def _folded_reference(word: str) -> str:
    """`fold` as it was: ph/f, ck/k, then each run of one letter as one, letter by letter."""
    for spelled, sound in (("ph", "f"), ("ck", "k")):
        word = word.replace(spelled, sound)
    return "".join(ch for i, ch in enumerate(word) if i == 0 or word[i - 1] != ch)


def test_judging_a_name_scores_as_the_letter_by_letter_fold_did() -> None:
    # The judge folds with a regex, folds the query once, and skips folding where it could
    # not raise the score: the scores are the same as folding every text letter by letter.
    from rapidfuzz.distance import OSA

    from bot.core.matching import judge

    rng = random.Random(7)
    letters = "aabcckhhlpphs "
    names = ["philly", "filly", "bookkeeper", "bokeper", "de blasio", "deblasio",
             *("".join(rng.choice(letters) for _ in range(rng.randint(3, 12))).strip() or "a"
               for _ in range(300))]
    for query in names[:40]:
        scorer = judge.Judge(query)
        scorer.prepare(names)
        for text in names:
            whole = OSA.normalized_similarity(query, text, score_cutoff=judge.WHOLE_FLOOR - 0.1)
            if (judge.WHOLE_FLOOR - 0.1 <= whole < 1
                    and _folded_reference(query) == _folded_reference(text)):
                whole = max(whole, 1 - 1 / max(len(query), len(text)))
            expected = max(scorer.words(text),
                           100.0 * whole if whole >= judge.WHOLE_FLOOR else 0.0)
            assert scorer.name(text) == expected, (query, text)
            assert judge.fold(text) == _folded_reference(text)
