"""Imports as people make them: a resource uploaded to an election (imported
by a real background worker), the ``ckan elections`` commands, the demo and
turnout files."""
from __future__ import annotations

import io

import pytest
from ckan import model
from ckan.cli.cli import ckan
from ckan.tests import factories, helpers
from werkzeug.datastructures import FileStorage

from ckanext.elections import demo
from ckanext.elections.demo import portal as demo_portal
from tests.elections.conftest import STRASBOURG_2017_T1
from tests.live import run_jobs, test_ini


def upload(path, name=None) -> FileStorage:
    return FileStorage(io.BytesIO(path.read_bytes()), filename=name or path.name)


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")
class TestUploadedResultsFile:
    def test_an_uploaded_file_is_imported_by_the_worker(self, app, make_election, real_file):
        editor = factories.User()
        organization = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
        election = make_election(organization)

        resource = helpers.call_action(
            "resource_create", context={"user": editor["name"]}, package_id=election["id"],
            name="Résultats", resource_type="results", format="CSV",
            upload=upload(real_file(STRASBOURG_2017_T1)), url="results.csv")
        pending = helpers.call_action("elections_import_status", context={"user": editor["name"]},
                                      id=election["id"], resource_id=resource["id"])
        run_jobs(test_ini())
        model.Session.expire_all()
        outcome = helpers.call_action("elections_import_status", context={"user": editor["name"]},
                                      id=election["id"], resource_id=resource["id"])

        assert pending["status"] == "pending"
        assert (outcome["status"], outcome["areas"]) == ("complete", 143)
        territory = helpers.call_action("elections_results_show", id=election["id"], level="territory")
        assert territory["areas"][0]["inscrits"] == 136807
        token = factories.APIToken(user=editor["name"])["token"]
        page = app.get(f"/dataset/{election['name']}/resource/{resource['id']}",
                       headers={"Authorization": token})
        assert "143" in page.body and "elections-import" in page.body

    def test_a_wrong_file_shows_its_lines_on_the_resource_page(self, app, make_election, tmp_path, real_file):
        editor = factories.User()
        organization = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
        election = make_election(organization)
        broken = tmp_path / "broken.csv"
        lines = real_file(STRASBOURG_2017_T1).read_text(encoding="utf-8").splitlines()
        cells = lines[2].split(",")
        cells[5] = "12a"  # inscrits of the second bureau
        lines[2] = ",".join(cells)
        broken.write_text("\n".join(lines) + "\n", encoding="utf-8")

        resource = helpers.call_action(
            "resource_create", context={"user": editor["name"]}, package_id=election["id"],
            resource_type="results", format="CSV", upload=upload(broken), url="broken.csv")
        run_jobs(test_ini())
        model.Session.expire_all()

        outcome = helpers.call_action("elections_import_status", context={"user": editor["name"]},
                                      id=election["id"], resource_id=resource["id"])
        assert outcome["status"] == "error"
        assert [(p["line"], p["column"]) for p in outcome["problems"]] == [(3, "inscrits")]
        token = factories.APIToken(user=editor["name"])["token"]
        page = app.get(f"/dataset/{election['name']}/resource/{resource['id']}",
                       headers={"Authorization": token})
        assert "Line 3" in page.body and "12a" in page.body
        anonymous = app.get(f"/dataset/{election['name']}/resource/{resource['id']}")
        assert "elections-import" not in anonymous.body


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestCommands:
    def test_validate_accepts_a_good_file(self, cli, real_file):
        result = cli.invoke(ckan, ["elections", "validate", str(real_file(STRASBOURG_2017_T1))])

        assert result.exit_code == 0, result.output
        assert "143 areas" in result.output

    def test_validate_lists_every_problem_with_its_line(self, cli, real_file, tmp_path):
        lines = real_file(STRASBOURG_2017_T1).read_text(encoding="utf-8").splitlines()
        cells = lines[4].split(",")
        cells[8] = str(int(cells[8]) + 5)  # exprimés no longer the sum of voix
        lines[4] = ",".join(cells)
        lines.append(lines[1])  # duplicate bureau
        broken = tmp_path / "broken.csv"
        broken.write_text("\n".join(lines) + "\n", encoding="utf-8")

        result = cli.invoke(ckan, ["elections", "validate", str(broken)])

        assert result.exit_code == 1
        assert "Line 5" in result.output
        assert f"Lines 2 and {len(lines)}" in result.output
        assert "nothing was published" in result.output

    def test_import_creates_the_election(self, cli, real_file):
        factories.Organization(name="strasbourg")

        result = cli.invoke(ckan, [
            "elections", "import", str(real_file(STRASBOURG_2017_T1)), "--dataset", "pres-2017-t1",
            "--organization", "strasbourg", "--kind", "presidentielle", "--date", "2017-04-23",
            "--territory", "Strasbourg", "--derive-strasbourg-cantons"])

        assert result.exit_code == 0, result.output
        cantons = helpers.call_action("elections_results_show", id="pres-2017-t1", level="canton")
        assert sum(a["inscrits"] for a in cantons["areas"]) == 136807
        dataset = helpers.call_action("package_show", id="pres-2017-t1")
        assert dataset["type"] == "election"
        assert {c["name"] for c in dataset["candidates"]} >= {"MACRON", "LE PEN"}

    def test_import_without_what_it_needs_to_create_the_dataset_says_so(self, cli, real_file):
        result = cli.invoke(ckan, ["elections", "import", str(real_file(STRASBOURG_2017_T1)),
                                   "--dataset", "nowhere"])

        assert result.exit_code != 0
        assert "--organization" in result.output and "--kind" in result.output

    def test_departementales_canton_file_gives_strasbourg_1(self, cli, real_file):
        factories.Organization(name="bas-rhin")
        path = real_file("results/canton/2015-departementales-t1_cantons_france.csv")

        result = cli.invoke(ckan, [
            "elections", "import", str(path), "--dataset", "dep-2015-t1", "--organization", "bas-rhin",
            "--kind", "departementales", "--date", "2015-03-22"])

        assert result.exit_code == 0, result.output
        (strasbourg_1,) = helpers.call_action("elections_results_show", id="dep-2015-t1", level="canton",
                                              code="67017")["areas"]
        assert (strasbourg_1["inscrits"], strasbourg_1["exprimes"]) == (26052, 11324)


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")
class TestDemo:
    def test_demo_loads_two_sibling_elections_once(self):
        first = demo_portal.load(lambda message: None)
        again = demo_portal.load(lambda message: None)

        assert first == again
        regionales, departementales = (helpers.call_action("package_show", id=name) for name in first)
        assert regionales["sibling_election"] == departementales["name"]
        answer = helpers.call_action("elections_results_show", id=regionales["name"], level="canton")
        assert len(answer["areas"]) == 6
        assert answer["progress"]["total"] == 120
        assert 0 < answer["progress"]["counted"] < 120
        assert {r.get("resource_type") for r in regionales["resources"]} >= {"boundaries", "reference", "turnout"}

    def test_the_demo_compares_with_the_previous_night_and_shares_a_council(self):
        (regionales, _) = demo_portal.load(lambda message: None)

        answer = helpers.call_action("elections_results_show", id=regionales, level="territory")
        council = helpers.call_action("elections_results_show", id="municipales-2026-t2-villeneuve",
                                      level="territory")

        assert answer["previous_election"]["name"] == "regionales-2021-t1-villeneuve"
        assert answer["areas"][0]["previous"]["participation"] is not None
        assert council["areas"][0]["outcome"] == "seats"
        assert sum(c["seats"] for c in council["areas"][0]["candidates"]) == demo.MUNICIPAL_SEATS

    def test_turnout_rolls_up_to_cantons_and_territory(self):
        (name, _) = demo_portal.load(lambda message: None)

        territory = helpers.call_action("elections_turnout_show", id=name, level="territory")
        cantons = helpers.call_action("elections_turnout_show", id=name, level="canton")

        assert territory["hours"] == ["12:00", "17:00", "closing"]
        for index, hour in enumerate(territory["hours"]):
            whole = territory["areas"][0]["turnout"][index]
            assert whole["hour"] == hour
            assert whole["votants"] == sum(a["turnout"][index]["votants"] for a in cantons["areas"])
            assert whole["areas"] == 120
        city = demo.build_city()
        assert territory["areas"][0]["turnout"][0]["inscrits"] == sum(b.inscrits for b in city.bureaux)


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")
class TestElectionNightFromTheWebForms:
    def test_a_reference_table_then_pushes(self, make_election):
        editor = factories.User()
        organization = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
        election = make_election(organization, candidates=[{"id": "1", "name": "A"}, {"id": "2", "name": "B"}])
        reference = "bureau,canton,commune,canton_nom\n0101,01,99001,Nord\n0102,01,99001,Nord\n"

        reference_resource = helpers.call_action(
            "resource_create", context={"user": editor["name"]}, package_id=election["id"],
            resource_type="reference", format="CSV", url="reference.csv",
            upload=FileStorage(io.BytesIO(reference.encode()), filename="reference.csv"))
        run_jobs(test_ini())
        model.Session.expire_all()
        prepared = helpers.call_action("elections_import_status", context={"user": editor["name"]},
                                       id=election["id"], resource_id=reference_resource["id"])
        assert (prepared["status"], prepared["areas"]) == ("complete", 2), (prepared["message"], prepared["problems"])
        helpers.call_action("elections_results_push", context={"user": editor["name"]}, id=election["id"],
                            areas=[{"code": "99001_0101", "inscrits": 100, "votants": 50, "blancs": 1,
                                    "nuls": 1, "exprimes": 48, "candidates": {"1": 30, "2": 18}}])

        answer = helpers.call_action("elections_results_show", id=election["id"], level="canton")
        assert answer["progress"] == {"counted": 1, "total": 2}
        assert answer["areas"][0]["name"] == "Nord"
