"""The election rules applied to real files agree with what the files say."""
from __future__ import annotations

from collections import Counter

import pytest

from ckanext.elections.results import aggregate, import_results
from ckanext.elections.results.codes import slugify
from ckanext.elections.results.rules import Outcome
from ckanext.elections.results.standings import decide_area, nuance_standings

CANTONS = "results/canton/2015-departementales-t{}_cantons_france.csv"


@pytest.fixture(scope="module")
def t1(data_dir):
    return import_results(data_dir / CANTONS.format(1))


@pytest.fixture(scope="module")
def t2(data_dir):
    return import_results(data_dir / CANTONS.format(2))


def flagged(area) -> list[str]:
    return [c.id for c, e in zip(area.candidates, area.elected or (), strict=False) if e]


def test_departementales_2015_round_1_canton_by_canton(t1):
    outcomes = Counter()
    for area in t1.areas:
        decision = decide_area(area, "departementales", 1, use_file=False)
        outcomes[decision.outcome] += 1
        # Exactly the binômes the file marks "Elus" in its Sièges columns.
        assert decision.elected == flagged(area), area.code
        if decision.outcome is Outcome.RUNOFF:
            assert decision.qualified or decision.ties, area.code
    assert outcomes == {Outcome.ELECTED: 149, Outcome.RUNOFF: 2054 - 149}


def test_departementales_2015_round_1_qualified_binomes(t1, t2):
    # Strasbourg-1 (67017): 12.5 % of 26,052 inscrits is 3,256.5 votes.
    decision = decide_area(t1.area("67017"), "departementales", 1)
    qualified = [(c.key, c.voix) for c in decision.candidates if c.qualified]
    assert all(voix >= 3_256.5 for _, voix in qualified) and len(qualified) >= 2
    # Whoever stood in round 2 had qualified in round 1. Panels are drawn
    # again, so binômes are matched by name; in Vercors-Monts du Matin
    # (26019) one member of a binôme changed between the rounds.
    changed = []
    for area in t2.areas:
        first = t1.area(area.code)
        decision = decide_area(first, "departementales", 1)
        names = {c.id: slugify(c.name) for c in first.candidates}
        if not {slugify(c.name) for c in area.candidates} <= {names[k] for k in decision.qualified}:
            changed.append(area.code)
    assert changed == ["26019", "65001"]  # and the tie of Aureilhan, below


def test_departementales_2015_round_1_tie_for_the_second_place(t1):
    # Aureilhan (65001): two binômes have 1,248 votes each, under 12.5 % of
    # inscrits; only one of them may go with the first to round 2.
    decision = decide_area(t1.area("65001"), "departementales", 1)
    assert decision.qualified == [decision.candidates[0].key]
    (tie,) = decision.ties
    assert (tie.code, tie.voix, tie.places, len(tie.candidates)) == ("tie_runoff", 1_248, 1, 2)


def test_departementales_2015_round_2_exactly_the_elected(t2):
    elected = 0
    for area in t2.areas:
        decision = decide_area(area, "departementales", 2)
        assert decision.elected == flagged(area), area.code
        elected += len(decision.elected)
    assert elected == 1_905


def test_departementales_2015_round_2_orne_tie_settled_only_by_the_file(t2):
    # Alençon-2, Orne's canton 3: 1,947 votes each. The law elects the older
    # binôme; the file's own Sièges column says which.
    area = t2.area("61003")
    assert area.voix == (1_947, 1_947)
    with_file = decide_area(area, "departementales", 2)
    assert with_file.elected == flagged(area) == ["2"] and with_file.settled
    without = decide_area(area, "departementales", 2, use_file=False)
    assert without.winner is None and without.elected == [] and not without.settled
    assert without.ties[0].code == "tie_elected" and without.ties[0].voix == 1_947


def test_departementales_2015_nuances_of_bas_rhin(t2):
    standings = nuance_standings((a for a in t2.areas if a.departement == "67"), rules="departementales", round=2)
    assert sum(s.won for s in standings) == 23  # one binôme per canton, 23 cantons
    assert standings == nuance_standings(a for a in t2.areas if a.departement == "67")
    first = standings[0]
    assert first.voix == max(s.voix for s in standings) and first.won >= first.leading - 1


def test_strasbourg_presidentielle_2017(data_dir):
    bureau = data_dir / "results/bureau"
    t1 = aggregate(import_results(bureau / "2017-presidentielle-t1_strasbourg.csv"), "territory")[0]
    decision = decide_area(t1, "presidentielle", 1)
    assert decision.outcome is Outcome.RUNOFF and decision.elected == []
    assert [(c.key, c.voix) for c in decision.candidates if c.qualified] == [
        ("macron", 29_278), ("melenchon", 25_692),
    ]
    t2 = aggregate(import_results(bureau / "2017-presidentielle-t2_strasbourg.csv"), "territory")[0]
    decision = decide_area(t2, "presidentielle", 2, complete=True, final=True)
    assert decision.elected == ["macron"] and decision.candidate("macron").voix == 75_735
    assert not decision.provisional
