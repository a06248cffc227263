"""What the results decide, in the API: outcomes, seats, nuances, honest
totals, and the comparison with the previous election."""
from __future__ import annotations

import io

import pytest
from ckan.tests import factories, helpers

from ckanext.elections import demo, jobs
from ckanext.elections.demo import portal as demo_portal
from ckanext.elections.results import Reference, ReferenceEntry
from tests.elections.test_results_api import import_strasbourg

T1 = "results/bureau/2017-presidentielle-t1_strasbourg.csv"
T2 = "results/bureau/2017-presidentielle-t2_strasbourg.csv"


def show(package, level, code=None):
    return helpers.call_action("elections_results_show", context={"ignore_auth": True},
                               id=package["name"] if isinstance(package, dict) else package,
                               level=level, **({"code": code} if code else {}))


def by_name(area):
    return {c["name"]: c for c in area["candidates"]}


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestPresidentielle:
    def test_first_round_in_strasbourg_sends_the_top_two_to_the_second(self, make_election, real_file):
        election = make_election(name="t1")
        import_strasbourg(election, real_file(T1))

        answer = show(election, "territory")

        (strasbourg,) = answer["areas"]
        assert answer["decision_level"] == "territory" and strasbourg["outcome"] == "runoff"
        qualified = [c["name"] for c in strasbourg["candidates"] if c["qualified"]]
        assert qualified == ["MACRON", "MÉLENCHON"]
        assert [c["voix"] for c in strasbourg["candidates"][:2]] == [29_278, 25_692]
        assert not any(c["elected"] for c in strasbourg["candidates"])
        assert by_name(strasbourg)["MACRON"]["pct_inscrits"] == pytest.approx(100 * 29_278 / 136_807, abs=0.01)
        assert strasbourg["final"] is False  # counted, but the dataset's status is "counting"

    def test_second_round_elects_macron_and_says_final_once_final(self, make_election, real_file):
        election = make_election(name="t2", election_round="2", results_status="final")
        import_strasbourg(election, real_file(T2))

        (strasbourg,) = show(election, "territory")["areas"]

        assert strasbourg["outcome"] == "elected" and strasbourg["final"] is True
        assert [(c["name"], c["voix"]) for c in strasbourg["candidates"] if c["elected"]] == [("MACRON", 75_735)]

    def test_bureaux_are_counted_not_decided(self, make_election, real_file):
        election = make_election(name="t1")
        import_strasbourg(election, real_file(T1))

        bureau = show(election, "bureau", code="67482_0101")["areas"][0]

        assert bureau["decides"] is False and bureau["outcome"] is None
        assert {c["elected"] for c in bureau["candidates"]} == {None}

    def test_the_previous_election_is_compared_area_by_area(self, make_election, real_file):
        first = make_election(name="t1")
        import_strasbourg(first, real_file(T1))
        second = make_election(name="t2", election_round="2", previous_election="t1")
        import_strasbourg(second, real_file(T2))

        answer = show(second, "canton")

        assert answer["previous_election"]["name"] == "t1" and answer["previous_election"]["unmatched"] == []
        canton = answer["areas"][0]
        before = show(first, "canton", code=canton["code"])["areas"][0]
        assert canton["previous"]["participation"] == before["participation"]
        assert canton["previous"]["participation_change"] == pytest.approx(
            canton["participation"] - before["participation"], abs=0.011)
        macron = next(s for s in canton["previous"]["shares"] if s["key"] == by_name(canton)["MACRON"]["id"])
        assert macron["matched_by"] == "name"
        assert macron["pct_exprimes"] == by_name(before)["MACRON"]["pct_exprimes"]


def night_candidates(election):
    return [{"id": demo_portal.candidate_key(c), "name": c["name"], "nuance": c["nuance"], "color": c["color"],
             **({"area": c["canton"]} if c["canton"] else {})} for c in election.candidates]


@pytest.fixture
def demo_night(make_election):
    """The demo's départementales, prepared and two-thirds counted, with turnout."""
    city = demo.build_city()
    _, departementales = demo.build_elections(city)
    editor = factories.User()
    organization = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    election = make_election(organization, name="dep", election_kind="departementales",
                             territory_name=city.name, candidates=night_candidates(departementales))
    reference = Reference(
        ReferenceEntry(b.area_code, b.name, b.canton, city.canton(b.canton).name, city.code, city.name)
        for b in city.bureaux)
    jobs.prepare(election["id"], reference)
    jobs.import_turnout(election["id"], io.BytesIO(demo.turnout_csv(departementales).encode()))
    counted = departementales.order[:80]
    helpers.call_action("elections_results_push", context={"user": editor["name"]}, id=election["id"],
                        areas=[demo_portal.payload(departementales, code) for code in counted])
    return election, departementales, city


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestDepartementales:
    def test_each_canton_is_decided_by_its_own_binomes(self, demo_night):
        election, departementales, city = demo_night

        cantons = show(election, "canton")["areas"]

        assert {c["code"] for c in cantons} == {c.code for c in city.cantons}
        for canton in cantons:
            assert canton["decides"] is True
            assert {c["area"] for c in canton["candidates"]} <= {canton["code"]}
            if canton["progress"]["counted"]:
                assert canton["outcome"] in ("elected", "runoff")
            elected = [c for c in canton["candidates"] if c["elected"]]
            if canton["outcome"] == "elected":
                (winner,) = elected
                assert winner["pct_exprimes"] > 50 and winner["pct_inscrits"] >= 25
            if canton["outcome"] == "runoff":
                assert sum(bool(c["qualified"]) for c in canton["candidates"]) >= 2

    def test_the_territory_ranks_nuances_never_binomes(self, demo_night):
        election, _, city = demo_night

        (territory,) = show(election, "territory")["areas"]

        assert territory["candidates"] == [] and territory["leader"] is None
        nuances = territory["nuances"]
        assert sum(n["voix"] for n in nuances) == territory["exprimes"]
        assert territory["leader_nuance"] == nuances[0]["nuance"]
        assert sum(n["areas"] for n in nuances) >= len(city.cantons)
        cantons = show(election, "canton")["areas"]
        elected = sum(1 for c in cantons for cand in c["candidates"] if cand["elected"])
        assert sum(n["won"] for n in nuances) == elected

    def test_totals_of_a_partial_count_say_so(self, demo_night):
        election, departementales, _ = demo_night

        (territory,) = show(election, "territory")["areas"]

        assert territory["counted_only"] is True and territory["final"] is False
        assert territory["progress"] == {"counted": 80, "total": len(departementales.results)}
        assert territory["expected_inscrits"] == sum(r.inscrits for r in departementales.results.values())
        assert territory["inscrits"] < territory["expected_inscrits"]


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestMunicipales:
    @pytest.fixture
    def council(self, make_election):
        city = demo.build_city()
        municipales = demo.build_municipales(city)
        election = make_election(
            name="mun", election_kind="municipales", election_round="2", territory_name=city.name,
            territory_codes=[city.code], seats=demo.MUNICIPAL_SEATS, community_seats=demo.COMMUNITY_SEATS,
            results_status="final",
            candidates=[{"id": c["id"], "name": c["name"], "nuance": c["nuance"]} for c in municipales.candidates])
        reference = Reference(ReferenceEntry(b.area_code, b.name, b.canton, None, city.code, city.name)
                              for b in city.bureaux)
        jobs.prepare(election["id"], reference)
        helpers.call_action("elections_results_push", context={"ignore_auth": True}, id=election["id"],
                            areas=[demo.bureau_payload(municipales, code) for code in municipales.order])
        return election

    def test_the_council_seats_are_shared_with_the_majority_bonus(self, council):
        (territory,) = show(council, "territory")["areas"]

        assert territory["outcome"] == "seats" and territory["final"] is True
        seats = [c["seats"] for c in territory["candidates"]]
        assert sum(seats) == demo.MUNICIPAL_SEATS
        # The first list takes half the seats (30 of 59, rounded up), then its share of the rest.
        assert seats[0] > 30 and seats == sorted(seats, reverse=True)
        assert sum(c["community_seats"] for c in territory["candidates"]) == demo.COMMUNITY_SEATS

    def test_changing_the_seat_count_changes_the_answer_at_once(self, council):
        before = show(council, "territory")["areas"][0]

        helpers.call_action("package_patch", id=council["id"], seats=45)

        after = show(council, "territory")["areas"][0]
        assert sum(c["seats"] for c in before["candidates"]) == demo.MUNICIPAL_SEATS
        assert sum(c["seats"] for c in after["candidates"]) == 45


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestReferences:
    def test_a_private_election_is_named_like_a_missing_one_and_never_in_answers(self, make_election):
        organization = factories.Organization()
        private = make_election(organization, name="secret", private=True)
        stranger = factories.User()
        owner = factories.Organization(users=[{"name": stranger["name"], "capacity": "admin"}])
        theirs = make_election(owner, name="theirs")

        for reference in ("sibling_election", "previous_election", "other_round"):
            errors = []
            for name in (private["name"], private["id"], "does-not-exist"):
                with pytest.raises(Exception) as refused:
                    helpers.call_action("package_patch", context={"user": stranger["name"], "ignore_auth": False},
                                        id=theirs["id"], **{reference: name})
                errors.append(str(refused.value).replace(name, "NAME"))
            assert errors[0] == errors[1] == errors[2], reference

        # Someone allowed to read it may name it; answers still never do.
        mine = make_election(organization, name="mine")
        helpers.call_action("package_patch", id=mine["id"], sibling_election="secret")
        assert show(mine, "territory")["election"]["sibling_election"] is None
