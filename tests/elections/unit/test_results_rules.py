"""Each election rule and its edge cases, with seat counts worked out by hand."""
from __future__ import annotations

from fractions import Fraction

import pytest

from ckanext.elections.results import AreaResult, Candidate, Kind, Level
from ckanext.elections.results.rules import (
    OUTCOME_LABELS,
    RULES,
    Outcome,
    decide,
    rules_for,
)
from ckanext.elections.results.seats import bonus_seats, highest_average, list_seats
from ckanext.elections.results.standings import (
    decide_area,
    file_results,
    nuance_standings,
)


def seats_of(decision) -> dict[str, int | None]:
    return {c.key: c.seats for c in decision.candidates}


# --------------------------------------------------------------------------
# Présidentielle.


def test_presidentielle_absolute_majority_elects_in_round_1():
    d = decide("presidentielle", 1, [("a", 5_001), ("b", 4_999)], 10_000, 20_000)
    assert (d.outcome, d.winner, d.elected) == (Outcome.ELECTED, "a", ["a"])


def test_presidentielle_exactly_half_is_not_a_majority():
    d = decide("presidentielle", 1, [("a", 5_000), ("b", 3_000), ("c", 2_000)], 10_000, 20_000)
    assert d.outcome is Outcome.RUNOFF and d.elected == []
    assert d.qualified == ["a", "b"]


def test_presidentielle_tie_for_second_place_is_reported():
    d = decide("presidentielle", 1, [("a", 4_000), ("b", 3_000), ("c", 3_000)], 10_000)
    assert d.qualified == ["a"]
    assert [c.qualified for c in d.candidates] == [True, None, None]
    (tie,) = d.ties
    assert (tie.code, tie.candidates, tie.voix, tie.places, tie.settled) == ("tie_runoff", ("b", "c"), 3_000, 1, False)
    assert not d.settled and "b, c" in tie.note.message


def test_presidentielle_round_2_most_votes_wins():
    d = decide("presidentielle", 2, [("b", 40), ("a", 60)], 100)
    assert (d.outcome, d.winner, d.leader) == (Outcome.ELECTED, "a", "a")
    assert [c.key for c in d.candidates] == ["a", "b"] and [c.rank for c in d.candidates] == [1, 2]


def test_round_2_tie_without_ages_is_a_tie():
    d = decide("presidentielle", 2, [("a", 500), ("b", 500)], 1_000)
    assert d.outcome is Outcome.ELECTED and d.winner is None
    assert [c.elected for c in d.candidates] == [None, None] and [c.rank for c in d.candidates] == [1, 1]
    assert d.ties[0].code == "tie_elected" and "older" in d.ties[0].note.message


# --------------------------------------------------------------------------
# Législatives and départementales (same rules, per circonscription or canton).


@pytest.mark.parametrize("kind", ["legislatives", "departementales"])
def test_round_1_needs_majority_and_a_quarter_of_inscrits(kind):
    # 5,200 of 10,000 exprimés (52 %), 5,200 of 20,800 inscrits: exactly 25 %.
    d = decide(kind, 1, [("a", 5_200), ("b", 4_800)], 10_000, 20_800)
    assert d.elected == ["a"]
    # Same votes, 21,000 inscrits: 24.76 %, so no election in round 1 ...
    d = decide(kind, 1, [("a", 5_200), ("b", 4_800)], 10_000, 21_000)
    assert d.outcome is Outcome.RUNOFF and d.elected == []
    # ... and both go on: 5,200 and 4,800 are over 12.5 % of 21,000 (2,625).
    assert d.qualified == ["a", "b"]


def test_legislatives_qualify_from_exactly_12_5_percent_of_inscrits():
    # 12.5 % of 20,000 inscrits is 2,500: b is exactly at it, c one vote under.
    d = decide("legislatives", 1, [("a", 4_000), ("b", 2_500), ("c", 2_499), ("d", 1_001)], 10_000, 20_000)
    assert d.qualified == ["a", "b"]
    assert [c.qualified for c in d.candidates] == [True, True, False, False]


def test_legislatives_exactly_half_of_exprimes_does_not_elect():
    d = decide("legislatives", 1, [("a", 5_000), ("b", 5_000)], 10_000, 12_000)
    assert d.outcome is Outcome.RUNOFF and d.qualified == ["a", "b"] and d.ties == ()


def test_legislatives_only_one_qualifies_the_next_goes_too():
    # 12.5 % of 40,000 is 5,000: only a reaches it; b is second by votes.
    d = decide("legislatives", 1, [("a", 6_000), ("b", 3_000), ("c", 1_000)], 10_000, 40_000)
    assert d.qualified == ["a", "b"]


def test_legislatives_nobody_qualifies_the_best_two_go():
    d = decide("legislatives", 1, [("c", 2_500), ("a", 4_000), ("b", 3_500)], 10_000, 100_000)
    assert d.qualified == ["a", "b"]


def test_legislatives_tie_for_the_place_given_by_default():
    d = decide("legislatives", 1, [("a", 6_000), ("b", 2_000), ("c", 2_000)], 10_000, 40_000)
    assert d.qualified == ["a"]
    assert d.ties[0].candidates == ("b", "c") and d.ties[0].places == 1
    assert d.candidate("b").tie and d.candidate("b").qualified is None


def test_legislatives_round_2_relative_majority():
    d = decide("legislatives", 2, [("a", 4_000), ("b", 3_900), ("c", 2_100)], 10_000, 30_000)
    assert d.elected == ["a"]


def test_departementales_round_2_tie_settled_by_the_files_elu_flag():
    d = decide("departementales", 2, [("4", 1_947), ("2", 1_947)], 3_894, 9_000, tie_break={"4": None, "2": True})
    assert d.winner == "2" and d.elected == ["2"] and d.settled
    assert d.ties[0].settled and d.ties[0].note.code == "tie_settled"
    assert d.candidate("4").elected is False


def test_single_candidate():
    # Round 1: 1,000 of 3,000 inscrits is 33 %: elected.
    assert decide("legislatives", 1, [("a", 1_000)], 1_000, 3_000).elected == ["a"]
    # 1,000 of 5,000 inscrits is 20 %: no quorum, but a stands in round 2, alone.
    d = decide("legislatives", 1, [("a", 1_000)], 1_000, 5_000)
    assert (d.outcome, d.qualified) == (Outcome.RUNOFF, ["a"])
    assert decide("legislatives", 2, [("a", 10)], 10, 5_000).elected == ["a"]


def test_zero_exprimes_decides_nothing():
    d = decide("legislatives", 1, [("a", 0), ("b", 0)], 0, 1_000)
    assert d.outcome is Outcome.COUNTING and d.elected == [] and d.leader is None
    assert d.notes[0].code == "no_valid_votes"


def test_inscrits_are_required_where_the_rules_use_them():
    with pytest.raises(ValueError, match="inscrits"):
        decide("legislatives", 1, [("a", 10)], 10, None)


# --------------------------------------------------------------------------
# Municipales (list vote) and régionales.


def test_municipales_needs_the_list_vote_chosen():
    with pytest.raises(ValueError, match="list_vote"):
        rules_for(Kind.MUNICIPALES)
    assert rules_for(Kind.MUNICIPALES, list_vote=True) is RULES["municipales-list"]
    assert rules_for(Kind.LEGISLATIVES).key == "legislatives"


def test_municipales_round_1_majority_bonus_and_highest_average():
    # 29 seats: a has 55 % and takes 15 (half of 29, rounded up). The other
    # 14 go by highest average to a, b, c and d (d is exactly at 5 %):
    #   a 5500 2750 1833 1375 1100 917 786 688 | 611
    #   b 2500 1250  833  625             |  500
    #   c 1500  750                       |  500
    #   d  500                            (under 611 ... 625: no seat)
    # the 14 highest are a x8, b x4, c x2: a 23, b 4, c 2, d 0.
    votes = [("a", 5_500), ("b", 2_500), ("c", 1_500), ("d", 500)]
    d = decide(rules_for("municipales", list_vote=True), 1, votes, 10_000, 15_000, seats=29)
    assert (d.outcome, d.winner, d.seats) == (Outcome.SEATS, "a", 29)
    assert seats_of(d) == {"a": 23, "b": 4, "c": 2, "d": 0}
    assert d.elected == ["a", "b", "c"]


def test_municipales_round_1_without_majority():
    # c is exactly at 10 %: round 2; d at 9.99 % and e exactly at 5 %: may merge; g: neither.
    votes = [("a", 4_500), ("b", 3_000), ("c", 1_000), ("d", 999), ("e", 500), ("g", 1)]
    d = decide("municipales-list", 1, votes, 10_000, 20_000, seats=29)
    assert d.outcome is Outcome.RUNOFF and d.winner is None
    assert d.qualified == ["a", "b", "c"]
    assert [c.key for c in d.candidates if c.may_merge] == ["a", "b", "c", "d", "e"]
    assert all(c.seats is None for c in d.candidates)


def test_municipales_round_1_exactly_half_goes_to_round_2():
    d = decide("municipales-list", 1, [("a", 5_000), ("b", 3_000), ("c", 2_000)], 10_000, seats=29)
    assert d.outcome is Outcome.RUNOFF and d.qualified == ["a", "b", "c"]


def test_municipales_round_2_tie_for_first_leaves_every_seat_open():
    # a and b tie first: the bonus decides every seat, and the law gives it
    # to the older list.
    votes = [("a", 4_000), ("b", 4_000), ("c", 2_000)]
    d = decide("municipales-list", 2, votes, 10_000, seats=29)
    assert d.outcome is Outcome.SEATS and d.winner is None
    assert seats_of(d) == {"a": None, "b": None, "c": None}
    assert d.ties[0].code == "tie_bonus" and not d.settled
    # The file's seat counts settle it. With a first: 15 + 14 by highest
    # average over 4000, 4000, 2000:
    #   a 4000 2000 1333 1000 800 | 667
    #   b 4000 2000 1333 1000 800 | 667
    #   c 2000 1000 |  667
    # 12 seats to 800; the last 2 seats go to three averages of 666.67
    # (4000/6 = 2000/3): the lists with more votes, a and b, take them.
    # So a 15 + 6 = 21, b 6, c 2.
    d = decide("municipales-list", 2, votes, 10_000, seats=29, tie_break={"a": 21, "b": 6, "c": 2})
    assert d.winner == "a" and d.settled and seats_of(d) == {"a": 21, "b": 6, "c": 2}


def test_municipales_bonus_rounds_down_under_four_seats():
    # A conseil communautaire with 3 seats: the bonus is 1 (1.5 rounded down),
    # then 2 seats by highest average: a 6000, b 4000: one each. a 2, b 1.
    votes = [("a", 6_000), ("b", 4_000)]
    assert seats_of(decide("municipales-list", 1, votes, 10_000, seats=3)) == {"a": 2, "b": 1}
    assert bonus_seats(3, Fraction(1, 2), round_down_below=4) == 1
    assert bonus_seats(4, Fraction(1, 2), round_down_below=4) == 2
    assert bonus_seats(29, Fraction(1, 2), round_down_below=4) == 15
    # Régionales always round up: 3 seats, bonus 1 (0.75 up), 2 more: one each.
    assert seats_of(decide("regionales", 1, votes, 10_000, seats=3)) == {"a": 2, "b": 1}


def test_regionales_round_2_quarter_bonus():
    # 10 seats: bonus 3 (2.5 rounded up) to a; 7 by highest average:
    #   a 4000 2000 1333 | 1000      b 3500 1750 | 1167      c 2500 1250 | 833
    # the 7 highest: a x3, b x2, c x2. So a 6, b 2, c 2.
    d = decide("regionales", 2, [("a", 4_000), ("b", 3_500), ("c", 2_500)], 10_000, seats=10)
    assert seats_of(d) == {"a": 6, "b": 2, "c": 2} and d.winner == "a"


def test_regionales_round_1_thresholds():
    d = decide("regionales", 1, [("a", 4_000), ("b", 3_000), ("c", 1_000), ("d", 999), ("e", 1_001)], 10_000,
               seats=10)
    assert d.qualified == ["a", "b", "e", "c"] and d.candidate("d").may_merge


# --------------------------------------------------------------------------
# Européennes and the highest average.


def test_europeennes_2019_france_79_seats():
    # Ministère de l'Intérieur, official results of the 26 May 2019 European
    # election in France: 22,654,164 exprimés; 79 seats after Brexit. Six
    # lists reached 5 % (1,132,708.2 votes); 28 others did not and, being
    # under the threshold, take no part (one stands in for them here).
    votes = [
        ("RN", 5_286_939), ("LREM-MoDem", 5_079_015), ("EELV", 3_055_023),
        ("LR", 1_920_530), ("LFI", 1_428_548), ("PS-PP", 1_403_170), ("others", 1_132_708),
    ]
    d = decide("europeennes", 1, votes, 22_654_164, seats=79)
    assert seats_of(d) == {"RN": 23, "LREM-MoDem": 23, "EELV": 13, "LR": 8, "LFI": 6, "PS-PP": 6, "others": 0}
    assert d.outcome is Outcome.SEATS and d.winner is None and d.settled
    # The 74 seats shared before Brexit: RN 22, LREM 21, EELV 12, LR 8, LFI 6, PS 5.
    before = highest_average(votes[:6], 74).seats
    assert list(before.values()) == [22, 21, 12, 8, 6, 5]


def test_five_percent_threshold_exactly():
    # 20 seats. c at exactly 5 % takes part and wins one seat (500 beats
    # a's 10th average 480 and b's 10th 470): a 10, b 9, c 1.
    d = decide("europeennes", 1, [("a", 4_800), ("b", 4_700), ("c", 500)], 10_000, seats=20)
    assert seats_of(d) == {"a": 10, "b": 9, "c": 1}
    # At 4.99 % it does not, and b takes that seat: a 10, b 10.
    d = decide("europeennes", 1, [("a", 4_800), ("b", 4_701), ("c", 499)], 10_000, seats=20)
    assert seats_of(d) == {"a": 10, "b": 10, "c": 0}


def test_last_seat_equal_averages_goes_to_more_votes():
    # 2 seats: a 600 takes the first; then a 300 (600/2) and b 300 tie: a has more votes.
    allocation = highest_average([("a", 600), ("b", 300)], 2)
    assert allocation.seats == {"a": 2, "b": 0} and allocation.settled


def test_last_seat_equal_averages_and_votes_is_a_tie():
    allocation = highest_average([("a", 300), ("b", 300), ("c", 300)], 2)
    assert (allocation.tied, allocation.tied_seats) == (("a", "b", "c"), 2)
    d = decide("europeennes", 1, [("a", 300), ("b", 300), ("c", 300)], 900, seats=2)
    assert d.ties[0].code == "tie_last_seat" and d.ties[0].places == 2
    assert all(c.tie and c.elected is None and c.seats == 0 for c in d.candidates)
    d = decide("europeennes", 1, [("a", 300), ("b", 300), ("c", 300)], 900, seats=2,
               tie_break={"a": 1, "b": 0, "c": 1})
    assert d.settled and seats_of(d) == {"a": 1, "b": 0, "c": 1}


def test_equal_averages_with_seats_for_all_are_no_tie():
    assert highest_average([("a", 300), ("b", 300)], 2).seats == {"a": 1, "b": 1}
    assert list_seats([("a", 300), ("b", 0)], 1, exprimes=300, threshold=Fraction(1, 20)).seats == {"a": 1, "b": 0}


def test_europeennes_need_a_seat_count():
    with pytest.raises(ValueError, match="seats"):
        decide("europeennes", 1, [("a", 1)], 1)


# --------------------------------------------------------------------------
# Référendum, other kinds, rounds, provisional outcomes.


def test_referendum_majority_decides():
    assert decide("referendum", 1, [("oui", 5_001), ("non", 4_999)], 10_000).winner == "oui"
    d = decide("referendum", 1, [("oui", 5_000), ("non", 5_000)], 10_000)
    assert d.winner is None and d.ties[0].code == "tie_elected"


def test_other_kind_counts_only():
    d = decide(Kind.OTHER, 1, [("a", 10), ("b", 30)], 40)
    assert d.outcome is Outcome.COUNTING and d.leader == "b" and d.elected == []
    assert d.notes[0].code == "counting_only"


def test_round_out_of_range():
    with pytest.raises(ValueError, match="round"):
        decide("europeennes", 2, [("a", 1)], 1, seats=1)
    with pytest.raises(ValueError, match="unique"):
        decide("presidentielle", 1, [("a", 1), ("a", 2)], 3)


@pytest.mark.parametrize(
    "complete,final,provisional", [(False, False, True), (False, True, True), (True, False, True), (True, True, False)]
)
def test_provisional_until_complete_and_final(complete, final, provisional):
    d = decide("presidentielle", 2, [("a", 6), ("b", 4)], 10, complete=complete, final=final)
    assert d.provisional is provisional and d.winner == "a"


def test_every_outcome_has_a_label_and_every_kind_rules():
    assert set(OUTCOME_LABELS) == set(Outcome)
    for kind in Kind:
        rules = rules_for(kind, list_vote=True)
        assert rules.kind is kind and rules.label


# --------------------------------------------------------------------------
# Areas and nuance standings.


def canton(code: str, inscrits: int, binomes: list[tuple[str, str, int]], elected=None) -> AreaResult:
    """A canton: (panel, nuance, voix) per binôme; panels repeat across cantons."""
    return AreaResult(
        Level.CANTON, code, 2, inscrits=inscrits, votants=sum(v for *_, v in binomes),
        exprimes=sum(v for *_, v in binomes),
        candidates=tuple(Candidate(p, f"{n} {code}", n) for p, n, _ in binomes),
        voix=tuple(v for *_, v in binomes), elected=elected,
    )


def test_nuance_standings_never_rank_binomes_across_cantons():
    cantons = [
        # Two DVD binômes in one canton: one nuance, one area, votes summed.
        canton("01001", 10_000, [("1", "DVD", 3_000), ("2", "DVD", 2_600), ("3", "SOC", 200)]),
        canton("01002", 1_000, [("1", "SOC", 400), ("2", "FN", 200)]),
        canton("01003", 8_000, [("1", "FN", 2_000), ("2", "SOC", 2_000)], elected=(None, True)),
    ]
    # 01001: 3,000 of 5,800 exprimés (52 %) and of 10,000 inscrits (30 %): DVD elected.
    # 01002: 400 of 600 exprimés (67 %) and of 1,000 inscrits (40 %): SOC elected.
    # 01003: round 1, 50 % each: nobody; a tie the rules cannot settle.
    standings = {s.nuance: s for s in nuance_standings(cantons, rules="departementales", round=1)}
    assert [s for s in standings] == ["DVD", "SOC", "FN"]
    assert (standings["DVD"].voix, standings["DVD"].areas, standings["DVD"].won) == (5_600, 1, 1)
    assert (standings["SOC"].voix, standings["SOC"].areas, standings["SOC"].won) == (2_600, 3, 1)
    assert standings["FN"].leading == 0 and standings["SOC"].leading == 1  # 01003 is led by nobody alone
    assert standings["SOC"].pct_exprimes == round(100 * 2_600 / 10_400, 2)
    # Without rules, what the file says: only 01003 has a flag.
    by_file = {s.nuance: s.won for s in nuance_standings(cantons)}
    assert by_file == {"DVD": 0, "SOC": 1, "FN": 0}


def test_decide_area_uses_the_files_flags_for_ties_only():
    area = canton("61003", 9_000, [("4", "SOC", 1_947), ("2", "UDI", 1_947)], elected=(None, True))
    assert decide_area(area, Kind.DEPARTEMENTALES, 2).elected == ["2"]
    assert decide_area(area, Kind.DEPARTEMENTALES, 2, use_file=False).elected == []
    assert file_results(area) == {"4": None, "2": True}
