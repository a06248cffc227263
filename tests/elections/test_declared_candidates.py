"""Candidates declared in the dataset are the candidates of its results: a
file's columns are matched to them by id, panel number or name, the results
are stored under the declared ids (so colours, nuances and pushes hold), and
a file that does not match them is refused with the names at fault."""
from __future__ import annotations

import pytest
from ckan.tests import helpers

from ckanext.elections import jobs

STRASBOURG_2017_T2 = "results/bureau/2017-presidentielle-t2_strasbourg.csv"
MACRON = {"id": "1", "name": "Emmanuel Macron", "nuance": "EM", "color": "#ffd600"}
LE_PEN = {"id": "2", "name": "Marine Le Pen", "nuance": "FN", "color": "#0d378a"}


def territory(election) -> dict:
    areas = helpers.call_action("elections_results_show", id=election["id"], level="territory")["areas"]
    return areas[0] if areas else {"candidates": []}


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")
class TestDeclaredCandidates:
    def test_columns_take_the_declared_ids_colours_and_names(self, make_election, real_file):
        election = make_election(election_round="2", polling_date="2017-05-07", candidates=[MACRON, LE_PEN])

        record = jobs.import_file(election["id"], real_file(STRASBOURG_2017_T2))

        assert record.status == "complete", record.message
        candidates = {c["id"]: c for c in territory(election)["candidates"]}
        assert {k: (c["name"], c["nuance"], c["color"], c["voix"]) for k, c in candidates.items()} == {
            "1": ("Emmanuel Macron", "EM", "#ffd600", 75735),
            "2": ("Marine Le Pen", "FN", "#0d378a", 17492),
        }
        shown = helpers.call_action("package_show", id=election["id"])
        assert [c["id"] for c in shown["candidates"]] == ["1", "2"]

    def test_a_push_by_the_declared_ids_is_accepted(self, make_election, real_file):
        election = make_election(election_round="2", polling_date="2017-05-07", candidates=[MACRON, LE_PEN])
        jobs.import_file(election["id"], real_file(STRASBOURG_2017_T2))

        outcome = helpers.call_action("elections_results_push", id=election["id"], areas=[{
            "code": "67482_0101", "inscrits": 960, "votants": 656, "blancs": 41, "nuls": 10, "exprimes": 605,
            "candidates": {"1": 540, "2": 65}}])

        assert outcome["updated"] == 1
        bureau = helpers.call_action("elections_results_show", id=election["id"], level="bureau",
                                     code="67482_0101")["areas"][0]
        assert {c["id"]: c["voix"] for c in bureau["candidates"]} == {"1": 540, "2": 65}

    def test_names_match_whatever_their_spelling(self, make_election, real_file):
        declared = [{"id": "macron-e", "name": "MACRON"}, {"id": "lepen-m", "name": "Le Pen"}]
        election = make_election(election_round="2", polling_date="2017-05-07", candidates=declared)

        record = jobs.import_file(election["id"], real_file(STRASBOURG_2017_T2))

        assert record.status == "complete", record.message
        assert {c["id"] for c in territory(election)["candidates"]} == {"macron-e", "lepen-m"}

    def test_a_declared_candidate_missing_from_the_file_is_named(self, make_election, real_file):
        melenchon = {"id": "3", "name": "Jean-Luc Mélenchon"}
        election = make_election(election_round="2", polling_date="2017-05-07",
                                 candidates=[MACRON, LE_PEN, melenchon])

        record = jobs.import_file(election["id"], real_file(STRASBOURG_2017_T2))

        assert record.status == "error"
        assert record.message == "Candidates of the dataset missing from the file: 3 (Jean-Luc Mélenchon)"
        assert territory(election)["candidates"] == []  # nothing was published
        assert [c["id"] for c in helpers.call_action("package_show", id=election["id"])["candidates"]] == [
            "1", "2", "3"]

    def test_a_column_matching_no_declared_candidate_is_named(self, make_election, real_file):
        election = make_election(election_round="2", polling_date="2017-05-07", candidates=[MACRON])

        record = jobs.import_file(election["id"], real_file(STRASBOURG_2017_T2))

        assert record.status == "error"
        assert record.message == "Columns of the file that match no candidate of the dataset: LE PEN"

    def test_a_column_matching_several_declared_candidates_is_named(self, make_election, real_file):
        father = {"id": "3", "name": "Jean-Marie Le Pen"}
        election = make_election(election_round="2", polling_date="2017-05-07",
                                 candidates=[MACRON, {**LE_PEN, "name": "Marine Le Pen"}, father])

        record = jobs.import_file(election["id"], real_file(STRASBOURG_2017_T2))

        assert record.status == "error"
        assert record.message == ("Columns of the file that match several candidates of the dataset: "
                                  "LE PEN: 2 (Marine Le Pen), 3 (Jean-Marie Le Pen)")

    def test_without_declared_candidates_the_file_fills_them_in(self, make_election, real_file):
        election = make_election(election_round="2", polling_date="2017-05-07")

        record = jobs.import_file(election["id"], real_file(STRASBOURG_2017_T2))

        assert record.status == "complete"
        shown = helpers.call_action("package_show", id=election["id"])
        assert [(c["id"], c["name"]) for c in shown["candidates"]] == [("le-pen", "LE PEN"), ("macron", "MACRON")]
