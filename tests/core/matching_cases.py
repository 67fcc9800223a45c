"""The labelled queries over the bundled article: kinds of slip, and what each must get.

Plain data (no pytest), imported by tests/core/test_matching_table.py and by
bench/bench_matching.py. Each case names the command it is typed into, the query, and what
must come of it: DIRECT (that entry answers), PICK (a menu of exactly these entries) or
MISS (no answer and no suggestion). Entries are named by their keys in data/article.json.
For `search`, DIRECT means the first result is one of `answers` and all of them are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.matching import GLOBAL, EntryRef
from bot.core.searching import search
from bot.core.service import Lookup
from bot.core.store import Store

Expect = Literal["direct", "pick", "miss"]
DIRECT: Expect = "direct"
PICK: Expect = "pick"
MISS: Expect = "miss"


@dataclass(frozen=True, slots=True)
class Case:
    slip: str  # the kind of slip
    command: str  # city, official, quote or search
    query: str
    expect: Expect
    answers: tuple[str, ...]  # entry keys


# Letter slips in names: (command, query, entry), each expected directly.
_LETTERS: dict[str, list[tuple[str, str, str]]] = {
    "missing letter": [
        ("city", "Seatte", "seattle"), ("city", "Chiago", "chicago"),
        ("city", "Nashille", "nashville"), ("city", "Philadlphia", "philadelphia"),
        ("city", "Los Angles", "los-angeles"), ("city", "New Yok City", "new-york-city"),
        ("city", "Washigton", "washington-dc"), ("official", "Bek", "charlie-beck"),
        ("official", "de Blaio", "bill-de-blasio"), ("official", "Kenny", "jim-kenney"),
        ("official", "Barr", "megan-barry"), ("official", "Emauel", "rahm-emanuel"),
        ("official", "Murry", "ed-murray"), ("official", "O'Tooe", "kathleen-otoole"),
        ("official", "Bower", "muriel-bowser"), ("official", "Trmp", "donald-trump"),
        ("official", "Obma", "barack-obama"), ("official", "Chalie Beck", "charlie-beck"),
        ("official", "Ram Emanuel", "rahm-emanuel"), ("official", "Mean Barry", "megan-barry"),
        ("official", "Murel Bowser", "muriel-bowser"),
        ("official", "Katheen O'Toole", "kathleen-otoole"),
        ("official", "Donld Trump", "donald-trump"), ("official", "Barck Obama", "barack-obama"),
        ("official", "Ed Murry", "ed-murray"), ("official", "Jim Kenny", "jim-kenney"),
        ("official", "Bil de Blasio", "bill-de-blasio"),
    ],
    "extra letter": [
        ("city", "Seattkle", "seattle"), ("city", "Chivcago", "chicago"),
        ("city", "Nashbville", "nashville"), ("city", "Philadrelphia", "philadelphia"),
        ("city", "Los Angreles", "los-angeles"), ("city", "New Yotrk City", "new-york-city"),
        ("city", "Washimngton", "washington-dc"), ("official", "Bevck", "charlie-beck"),
        ("official", "de Bladsio", "bill-de-blasio"), ("official", "Kennrey", "jim-kenney"),
        ("official", "Barruy", "megan-barry"), ("official", "Emamnuel", "rahm-emanuel"),
        ("official", "Murrsay", "ed-murray"), ("official", "O'Tookle", "kathleen-otoole"),
        ("official", "Bowdser", "muriel-bowser"), ("official", "Triump", "donald-trump"),
        ("official", "Obsama", "barack-obama"), ("official", "Chatrlie Beck", "charlie-beck"),
        ("official", "Rajhm Emanuel", "rahm-emanuel"),
        ("official", "Mehgan Barry", "megan-barry"),
        ("official", "Muroiel Bowser", "muriel-bowser"),
        ("official", "Kathkleen O'Toole", "kathleen-otoole"),
        ("official", "Donsald Trump", "donald-trump"),
        ("official", "Barsack Obama", "barack-obama"), ("official", "Ed Murrsay", "ed-murray"),
        ("official", "Jim Kennrey", "jim-kenney"),
        ("official", "Bilkl de Blasio", "bill-de-blasio"),
    ],
    "doubled letter": [
        ("city", "Seattlle", "seattle"), ("city", "Chiccago", "chicago"),
        ("city", "Nashvville", "nashville"), ("city", "Philadeelphia", "philadelphia"),
        ("city", "Los Angeeles", "los-angeles"), ("city", "New Yorrk City", "new-york-city"),
        ("city", "Washinngton", "washington-dc"), ("official", "Becck", "charlie-beck"),
        ("official", "de Blassio", "bill-de-blasio"), ("official", "Kenneey", "jim-kenney"),
        ("official", "Barryy", "megan-barry"), ("official", "Emannuel", "rahm-emanuel"),
        ("official", "Murraay", "ed-murray"), ("official", "O'Toolle", "kathleen-otoole"),
        ("official", "Bowsser", "muriel-bowser"), ("official", "Truump", "donald-trump"),
        ("official", "Obaama", "barack-obama"), ("official", "Charrlie Beck", "charlie-beck"),
        ("official", "Rahhm Emanuel", "rahm-emanuel"),
        ("official", "Meggan Barry", "megan-barry"),
        ("official", "Muriiel Bowser", "muriel-bowser"),
        ("official", "Kathlleen O'Toole", "kathleen-otoole"),
        ("official", "Donaald Trump", "donald-trump"),
        ("official", "Baraack Obama", "barack-obama"), ("official", "Ed Murraay", "ed-murray"),
        ("official", "Jim Kenneey", "jim-kenney"),
        ("official", "Billl de Blasio", "bill-de-blasio"),
    ],
    "substituted letter": [
        ("city", "Seattke", "seattle"), ("city", "Chivago", "chicago"),
        ("city", "Nashbille", "nashville"), ("city", "Philadrlphia", "philadelphia"),
        ("city", "Los Angrles", "los-angeles"), ("city", "New Yotk City", "new-york-city"),
        ("city", "Washimgton", "washington-dc"), ("official", "Bevk", "charlie-beck"),
        ("official", "de Bladio", "bill-de-blasio"), ("official", "Kennry", "jim-kenney"),
        ("official", "Barru", "megan-barry"), ("official", "Emamuel", "rahm-emanuel"),
        ("official", "Murrsy", "ed-murray"), ("official", "O'Tooke", "kathleen-otoole"),
        ("official", "Bowder", "muriel-bowser"), ("official", "Trimp", "donald-trump"),
        ("official", "Obsma", "barack-obama"), ("official", "Chatlie Beck", "charlie-beck"),
        ("official", "Rajm Emanuel", "rahm-emanuel"), ("official", "Mehan Barry", "megan-barry"),
        ("official", "Muroel Bowser", "muriel-bowser"),
        ("official", "Kathkeen O'Toole", "kathleen-otoole"),
        ("official", "Donsld Trump", "donald-trump"),
        ("official", "Barsck Obama", "barack-obama"), ("official", "Ed Murrsy", "ed-murray"),
        ("official", "Jim Kennry", "jim-kenney"),
        ("official", "Bilk de Blasio", "bill-de-blasio"),
    ],
    "transposed letters": [
        ("city", "Seatlte", "seattle"), ("city", "Chciago", "chicago"),
        ("city", "Nasvhille", "nashville"), ("city", "Philaedlphia", "philadelphia"),
        ("city", "Los Anegles", "los-angeles"), ("city", "New Yrok City", "new-york-city"),
        ("city", "Washnigton", "washington-dc"), ("official", "Bcek", "charlie-beck"),
        ("official", "de Blsaio", "bill-de-blasio"), ("official", "Keneny", "jim-kenney"),
        ("official", "Baryr", "megan-barry"), ("official", "Emnauel", "rahm-emanuel"),
        ("official", "Murary", "ed-murray"), ("official", "O'Toloe", "kathleen-otoole"),
        ("official", "Boswer", "muriel-bowser"), ("official", "Turmp", "donald-trump"),
        ("official", "Oabma", "barack-obama"), ("official", "Chralie Beck", "charlie-beck"),
        ("official", "Rham Emanuel", "rahm-emanuel"), ("official", "Mgean Barry", "megan-barry"),
        ("official", "Muirel Bowser", "muriel-bowser"),
        ("official", "Katlheen O'Toole", "kathleen-otoole"),
        ("official", "Doanld Trump", "donald-trump"),
        ("official", "Baarck Obama", "barack-obama"), ("official", "Ed Murary", "ed-murray"),
        ("official", "Jim Keneny", "jim-kenney"),
        ("official", "Bill de Balsio", "bill-de-blasio"),
    ],
    "wrong first letter": [
        ("city", "Deattle", "seattle"), ("city", "Vhicago", "chicago"),
        ("city", "Mashville", "nashville"), ("city", "Ohiladelphia", "philadelphia"),
        ("city", "Los Sngeles", "los-angeles"), ("city", "New Uork City", "new-york-city"),
        ("city", "Eashington", "washington-dc"), ("official", "Neck", "charlie-beck"),
        ("official", "de Nlasio", "bill-de-blasio"), ("official", "Lenney", "jim-kenney"),
        ("official", "Narry", "megan-barry"), ("official", "Rmanuel", "rahm-emanuel"),
        ("official", "Nurray", "ed-murray"), ("official", "O'Yoole", "kathleen-otoole"),
        ("official", "Nowser", "muriel-bowser"), ("official", "Yrump", "donald-trump"),
        ("official", "Pbama", "barack-obama"), ("official", "Vharlie Beck", "charlie-beck"),
        ("official", "Tahm Emanuel", "rahm-emanuel"), ("official", "Negan Barry", "megan-barry"),
        ("official", "Nuriel Bowser", "muriel-bowser"),
        ("official", "Lathleen O'Toole", "kathleen-otoole"),
        ("official", "Fonald Trump", "donald-trump"),
        ("official", "Narack Obama", "barack-obama"), ("official", "Ed Nurray", "ed-murray"),
        ("official", "Jim Lenney", "jim-kenney"),
        ("official", "Nill de Blasio", "bill-de-blasio"),
    ],
}

# Other slips expected directly: (command, query, entry).
_DIRECT: dict[str, list[tuple[str, str, str]]] = {
    "exact": [
        ("city", "Seattle", "seattle"), ("city", "chicago", "chicago"),
        ("city", "NASHVILLE", "nashville"), ("city", "  philadelphia  ", "philadelphia"),
        ("city", "Washington, D.C.", "washington-dc"), ("city", "Los Angeles", "los-angeles"),
        ("official", "Kathleen O'Toole", "kathleen-otoole"),
        ("official", "O’Toole", "kathleen-otoole"),
        ("official", "Bill de Blasio", "bill-de-blasio"),
        ("quote", "not our job", "beck-not-our-job"),
        ("quote", "warm and welcoming", "barry-warm-and-welcoming"),
        ("quote", "flies in the face", "deblasio-flies-in-the-face"),
        ("quote", "ultimate city of immigrants", "deblasio-city-of-immigrants"),
        ("quote", "You are safe in Chicago", "emanuel-safe-in-chicago"),
        ("quote", "divided and sorted out", "murray-not-america"),
        ("quote", "not immigration police", "barry-not-immigration-police"),
        ("quote", "Fourth Amendment", "kenney-fourth-amendment"),
        ("quote", "foster trust and cooperation", "otoole-foster-trust"),
        ("quote", "deportation force", "trump-deportation-force"),
        ("quote", "“I don’t intend on doing anything different”", "beck-nothing-different"),
        ("quote", "always will be a sanctuary city", "emanuel-always-sanctuary"),
        ("quote", "continue to support our neighbors", "murray-our-neighbors"),
    ],
    "missing space": [
        ("city", "LosAngeles", "los-angeles"), ("city", "NewYork", "new-york-city"),
        ("city", "NewYork City", "new-york-city"), ("city", "BigApple", "new-york-city"),
        ("city", "Windycity", "chicago"), ("city", "MusicCity", "nashville"),
        ("city", "EmeraldCity", "seattle"), ("official", "RahmEmanuel", "rahm-emanuel"),
        ("official", "MeganBarry", "megan-barry"), ("official", "EdMurray", "ed-murray"),
        ("official", "JimKenney", "jim-kenney"), ("official", "DonaldTrump", "donald-trump"),
        ("official", "BarackObama", "barack-obama"), ("official", "CharlieBeck", "charlie-beck"),
        ("quote", "notour job", "beck-not-our-job"),
        ("quote", "warm and welcomingcity", "barry-warm-and-welcoming"),
    ],
    "extra space": [
        ("city", "Seat tle", "seattle"), ("city", "Chi cago", "chicago"),
        ("city", "Nash ville", "nashville"), ("city", "Phila delphia", "philadelphia"),
        ("city", "Wash ington", "washington-dc"), ("official", "Ema nuel", "rahm-emanuel"),
        ("official", "Bow ser", "muriel-bowser"), ("official", "Mur ray", "ed-murray"),
        ("official", "Ken ney", "jim-kenney"), ("official", "de Bla sio", "bill-de-blasio"),
        ("quote", "warm and wel coming city", "barry-warm-and-welcoming"),
        ("quote", "ulti mate city of immigrants", "deblasio-city-of-immigrants"),
    ],
    "words reordered": [
        ("official", "Emanuel Rahm", "rahm-emanuel"), ("official", "Beck Charlie", "charlie-beck"),
        ("official", "Barry Megan", "megan-barry"), ("official", "Bowser Muriel", "muriel-bowser"),
        ("official", "Trump Donald", "donald-trump"), ("official", "Obama Barack", "barack-obama"),
        ("official", "Murray Ed", "ed-murray"), ("official", "Kenney Jim", "jim-kenney"),
        ("official", "de Blasio Bill", "bill-de-blasio"),
        ("official", "O'Toole Kathleen", "kathleen-otoole"), ("city", "Angeles Los", "los-angeles"),
        ("city", "City York New", "new-york-city"),
        ("quote", "force deportation", "trump-deportation-force"),
        ("quote", "sorted and divided", "murray-not-america"),
        ("quote", "welcoming and warm city", "barry-warm-and-welcoming"),
        ("quote", "secure in Chicago, safe in Chicago", "emanuel-safe-in-chicago"),
        ("quote", "our job it is not", "beck-not-our-job"),
        ("quote", "city of immigrants ultimate", "deblasio-city-of-immigrants"),
        ("quote", "cooperation and trust", "otoole-foster-trust"),
        ("quote", "the face it flies in", "deblasio-flies-in-the-face"),
    ],
    "word swapped": [
        ("quote", "not my job", "beck-not-our-job"),
        ("quote", "warm and friendly city", "barry-warm-and-welcoming"),
        ("quote", "you are protected in Chicago", "emanuel-safe-in-chicago"),
        ("quote", "I don't plan on doing anything different", "beck-nothing-different"),
        ("quote", "what makes New York great", "deblasio-flies-in-the-face"),
        ("quote", "flies in the face of what makes America great", "deblasio-flies-in-the-face"),
        ("quote", "these are our friends and we will continue to support our friends",
         "murray-our-neighbors"),
        ("quote", "ultimate town of immigrants", "deblasio-city-of-immigrants"),
        ("quote", "foster trust and cooperation with all people served by the police",
         "otoole-foster-trust"),
        ("quote", "our police officers are not deportation police",
         "barry-not-immigration-police"),
        ("quote", "I vow to uphold the Fifth Amendment", "kenney-fourth-amendment"),
        ("quote", "we can't let ourselves be divided and sorted out", "murray-not-america"),
        ("quote", "that is not our job, nor will I ever make it our job", "beck-not-our-job"),
        ("quote", "you are safe in Chicago, you are secure in Chicago and you are loved in Chicago",
         "emanuel-safe-in-chicago"),
    ],
    "words dropped": [
        ("quote", "safe secure supported", "emanuel-safe-in-chicago"),
        ("quote", "a beautiful wall Mexico will pay for", "trump-wall"),
        ("quote", "not going to work with Homeland Security", "beck-not-our-job"),
        ("quote", "families are not torn apart", "deblasio-reiterated"),
        ("quote", "uphold the Fourth Amendment", "kenney-fourth-amendment"),
        ("quote", "distrust between law enforcement and neighborhoods", "deblasio-distrust"),
        ("quote", "deport 2 to 3 million", "trump-deport-millions"),
        ("quote", "police officers not immigration police", "barry-not-immigration-police"),
        ("quote", "can't allow ourselves to be divided", "murray-not-america"),
        ("quote", "foster trust with all people", "otoole-foster-trust"),
        ("quote", "rift between police and communities", "deblasio-rift"),
        ("quote", "safeguard and destroy identification card records", "deblasio-id-records"),
        ("quote", "maintain pro-immigrant policies", "beck-regardless"),
        ("quote", "remain sanctuary for undocumented immigrants", "murray-remain-sanctuary"),
        ("quote", "always be a sanctuary city", "emanuel-always-sanctuary"),
        ("quote", "I don't intend on anything different", "beck-nothing-different"),
    ],
    "misremembered quote": [
        ("quote", "federal immigration policy should not be enforced with local resources",
         "barry-local-resources"),
        ("quote", "flys in the face", "deblasio-flies-in-the-face"),
        ("quote", "warm welcmoing city", "barry-warm-and-welcoming"),
        ("quote", "warm and welcomming city", "barry-warm-and-welcoming"),
        ("quote", "I dont intend on doing anything diferent", "beck-nothing-different"),
        ("quote", "you're safe in Chicago, you're secure in Chicago", "emanuel-safe-in-chicago"),
        ("quote", "we're not going to engage in law enforcement based on immigration status",
         "beck-not-our-job"),
        ("quote", "the policies of Seattle police on immigration status will not change",
         "otoole-no-change"),
        ("quote", "I reiterated that the city will protect our residents", "deblasio-reiterated"),
        ("quote", "build a beautiful wall and make Mexico pay for it", "trump-wall"),
        ("quote", "the city will keep its pro-immigrant policies", "beck-regardless"),
        ("quote", "create a rift between police and the community", "deblasio-rift"),
        ("quote", "deportation forces", "trump-deportation-force"),
        ("quote", "our police are not immigration police", "barry-not-immigration-police"),
        ("quote", "show distrust between law enforcement and neighbourhoods",
         "deblasio-distrust"),
        ("quote", "we are not going to work with homeland security on deportation",
         "beck-not-our-job"),
        ("quote", "a force for deportation", "trump-deportation-force"),
        ("quote", "local resources shouldn't be used to enforce immigration policy",
         "barry-local-resources"),
        ("quote", "deport aproximately 2 to 3 million undocumented immigrants",
         "trump-deport-millions"),
        ("quote", "holding people in jail without a warrant is a violation of the constitution",
         "kenney-fourth-amendment"),
    ],
    "partial name": [
        ("official", "Charlie", "charlie-beck"), ("official", "Megan", "megan-barry"),
        ("official", "Muriel", "muriel-bowser"), ("official", "Kathleen", "kathleen-otoole"),
        ("official", "Donald", "donald-trump"), ("official", "Barack", "barack-obama"),
        ("official", "Jim", "jim-kenney"), ("official", "Bill", "bill-de-blasio"),
        ("official", "Ed", "ed-murray"), ("official", "Blasio", "bill-de-blasio"),
        ("official", "Kath", "kathleen-otoole"), ("official", "Emanu", "rahm-emanuel"),
        ("city", "Angeles", "los-angeles"), ("city", "York", "new-york-city"),
        ("city", "Philadel", "philadelphia"), ("city", "Nash", "nashville"),
        ("city", "Chica", "chicago"), ("city", "Seatt", "seattle"),
        ("quote", "emanuel", "rahm-emanuel"), ("quote", "de blasio", "bill-de-blasio"),
    ],
    "nickname": [
        ("city", "Philly", "philadelphia"), ("city", "Filly", "philadelphia"),
        ("city", "City of Brotherly Love", "philadelphia"),
        ("city", "Brotherly Love", "philadelphia"), ("city", "Phila", "philadelphia"),
        ("city", "PHL", "philadelphia"), ("city", "Big Apple", "new-york-city"),
        ("city", "NYC", "new-york-city"), ("city", "NY", "new-york-city"),
        ("city", "LA", "los-angeles"), ("city", "L.A.", "los-angeles"),
        ("city", "City of Angels", "los-angeles"), ("city", "LAPD", "los-angeles"),
        ("city", "Windy City", "chicago"), ("city", "Chi-Town", "chicago"),
        ("city", "Chitown", "chicago"), ("city", "Emerald City", "seattle"),
        ("city", "Music City", "nashville"), ("city", "DC", "washington-dc"),
        ("city", "D.C.", "washington-dc"), ("city", "the District", "washington-dc"),
        ("city", "District of Columbia", "washington-dc"),
        ("official", "Chief Beck", "charlie-beck"), ("official", "Mayor de Blasio",
                                                     "bill-de-blasio"),
        ("official", "President Obama", "barack-obama"),
        ("official", "President-elect Trump", "donald-trump"),
        ("official", "Charles Beck", "charlie-beck"), ("official", "James Kenney", "jim-kenney"),
        ("official", "Edward Murray", "ed-murray"), ("official", "Chief O'Toole",
                                                     "kathleen-otoole"),
        ("official", "Donald J. Trump", "donald-trump"), ("official", "rahm", "rahm-emanuel"),
    ],
}

# Search: (query, entries that must be listed; the first listed is one of them).
_SEARCH: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "only in a stance or fact": [
        ("ICE", ("philadelphia",)), ("executive order", ("philadelphia",)),
        ("detainer requests", ("philadelphia",)), ("1979", ("los-angeles",)),
        ("White House chief of staff", ("chicago",)), ("share concerns", ("new-york-city",)),
        ("diversity and inclusion", ("philadelphia",)), ("Homeland Security", ("los-angeles",)),
        ("first acts as mayor", ("philadelphia",)),
        ("Seattle Times", ("murray-remain-sanctuary", "murray-our-neighbors",
                           "murray-not-america")),
        ("tweet", ("washington-dc",)), ("mass deportation", ("new-york-city",)),
        ("pro-immigrant policies", ("los-angeles", "beck-regardless")),
        ("sanctuary", ("philadelphia", "chicago", "seattle", "washington-dc")),
        ("felony involving violence", ("philadelphia",)),
    ],
    "only in where or when": [
        ("60 Minutes", ("trump-deport-millions",)), ("WPVI", ("kenney-fourth-amendment",)),
        ("press briefing", ("deblasio-rift", "deblasio-distrust")),
        ("mass deport", ("deblasio-flies-in-the-face",)),
        ("Wednesday night", ("murray-remain-sanctuary", "murray-our-neighbors",
                             "murray-not-america")),
        ("campaign trail", ("trump-deportation-force", "trump-wall")),
    ],
    "exact name first": [
        ("Seattle", ("seattle",)), ("Chicago", ("chicago",)), ("Trump", ("donald-trump",)),
        ("Nashville", ("nashville",)), ("Kenney", ("jim-kenney",)),
        ("Los Angeles", ("los-angeles",)),
    ],
    "whole word": [
        ("deport", ("trump-deport-millions", "deblasio-flies-in-the-face")),
        ("wall", ("trump-wall",)),
    ],
}

# Menus: (command, query, exactly the entries offered).
_PICK: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "several match": [
        ("quote", "sanctuary city", ("emanuel-always-sanctuary", "bowser-remain-sanctuary")),
        ("quote", "remain a sanctuary", ("bowser-remain-sanctuary", "murray-remain-sanctuary")),
        ("quote", "Seattle Police Department", ("otoole-no-change", "otoole-foster-trust")),
        ("official", "Chief", ("charlie-beck", "kathleen-otoole")),
        ("official", "President", ("barack-obama", "donald-trump")),
        ("official", "Mayor", ("bill-de-blasio", "jim-kenney", "megan-barry", "rahm-emanuel",
                               "ed-murray", "muriel-bowser")),
    ],
}

# Misses: (command, query).
_MISS: dict[str, list[tuple[str, str]]] = {
    "unknown place": [
        ("city", q) for q in (
            "Boston", "San Francisco", "Denver", "Miami", "Houston", "Atlanta", "Dallas",
            "Portland", "Austin", "Phoenix", "Detroit", "Baltimore", "Oakland", "Newark",
            "Las Vegas", "San Diego", "Toronto", "London", "Paris", "Springfield",
            "Minneapolis", "Cleveland", "Sacramento", "Atlantis", "Gotham", "zzzz",
        )
    ],
    "unknown person": [
        ("official", q) for q in (
            "Gandalf", "Hillary Clinton", "Mike Pence", "Eric Garcetti", "Bernie Sanders",
            "Andrew Cuomo", "Sadiq Khan",
        )
    ],
    "unknown words": [
        ("quote", "completely unrelated words here"), ("quote", "lorem ipsum dolor"),
        ("quote", "the quick brown fox jumps"), ("search", "zebra crossing"),
        ("search", "Department of Motor Vehicles"),
    ],
}


def _cases() -> list[Case]:
    cases = [Case(slip, command, query, DIRECT, (key,))
             for table in (_LETTERS, _DIRECT) for slip, rows in table.items()
             for command, query, key in rows]
    cases += [Case(slip, "search", query, DIRECT, keys)
              for slip, rows in _SEARCH.items() for query, keys in rows]
    cases += [Case(slip, command, query, PICK, keys)
              for slip, rows in _PICK.items() for command, query, keys in rows]
    cases += [Case(slip, command, query, MISS, ())
              for slip, rows in _MISS.items() for command, query in rows]
    return cases


CASES: list[Case] = _cases()
SLIPS: tuple[str, ...] = tuple(dict.fromkeys(case.slip for case in CASES))


# ---- judging a case (the test and the benchmark alike) --------------------------------------


async def entry_keys(store: Store) -> dict[EntryRef, str]:
    """Every global entry's key, by its ref."""
    keys: dict[EntryRef, str] = {c.ref: c.key for c in await store.cities((GLOBAL,))}
    keys.update({o.ref: o.key for o in await store.officials((GLOBAL,))})
    keys.update({s.ref: s.key for s in await store.statements((GLOBAL,))})
    return keys


@dataclass(frozen=True, slots=True)
class Result:
    case: Case
    outcome: str  # found, choose, near, none; for search: listed or none
    got: tuple[str, ...]  # the entries answered or offered, best first

    @property
    def right(self) -> bool:
        case, got = self.case, self.got
        if case.expect == MISS:
            return self.outcome == "none"
        if case.expect == PICK:
            return self.outcome in ("choose", "near") and set(got) == set(case.answers)
        if case.command == "search":
            return bool(got) and got[0] in case.answers and set(case.answers) <= set(got)
        return self.outcome == "found" and got == case.answers

    @property
    def offered_unrelated(self) -> bool:
        """A menu (pick one, did you mean) holding an entry the case does not name."""
        return self.outcome in ("choose", "near") and not set(self.got) <= set(
            self.case.answers)


def run_case(lookup: Lookup, case: Case, keys: dict[EntryRef, str]) -> Result:
    if case.command == "search":
        found = search(lookup.catalog, case.query, (GLOBAL,))
        got = tuple(keys.get(f.ref, "?") for f in found)
        return Result(case, "listed" if found else "none", got)
    resolution = lookup.resolution(case.command, case.query, None)
    return Result(case, resolution.outcome, tuple(keys.get(h.ref, "?") for h in resolution.hits))
