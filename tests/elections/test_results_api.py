"""The results API on a real CKAN: DataStore storage, rollups, pushes, HTTP
caching and who may do what."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.tests import factories, helpers

from ckanext.elections import jobs
from ckanext.elections.model import ElectionResults
from ckanext.elections.results import Reference, ReferenceEntry, derive_strasbourg_cantons, import_results
from tests.elections.conftest import STRASBOURG_2017_T1

FACTS_T1 = {"inscrits": 136807, "votants": 107308, "exprimes": 105484, "blancs": 1251}
TOP_FOUR = [("MACRON", 29278), ("MÉLENCHON", 25692), ("FILLON", 20927), ("LE PEN", 12833)]


def show(package, level, code=None, user=None):
    context = {"user": user["name"]} if user else {"ignore_auth": True}
    return helpers.call_action("elections_results_show", context=context,
                               id=package["name"], level=level, **({"code": code} if code else {}))


def import_strasbourg(package, path):
    reference = derive_strasbourg_cantons(import_results(path).areas)
    return jobs.import_file(package["id"], path, reference=reference)


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestImportedResults:
    @pytest.fixture
    def election(self, make_election, real_file):
        election = make_election()
        record = import_strasbourg(election, real_file(STRASBOURG_2017_T1))
        assert record.status == "complete", record.problems
        return election

    def test_territory_has_the_published_totals(self, election):
        answer = show(election, "territory")

        (whole,) = answer["areas"]
        assert {k: whole[k] for k in FACTS_T1} == FACTS_T1
        assert [(c["name"], c["voix"]) for c in whole["candidates"][:4]] == TOP_FOUR
        assert whole["leader"] == whole["candidates"][0]["id"]
        assert whole["participation"] == pytest.approx(100 * 107308 / 136807, abs=0.01)
        assert answer["progress"] == {"counted": 143, "total": 143}

    def test_cantons_add_up_to_the_territory(self, election):
        cantons = show(election, "canton")["areas"]

        assert [c["code"] for c in cantons] == [f"670{n}" for n in range(17, 23)]
        for field, total in FACTS_T1.items():
            assert sum(c[field] for c in cantons) == total
        macron = sum(v["voix"] for c in cantons for v in c["candidates"] if v["name"] == "MACRON")
        assert macron == 29278

    def test_one_bureau_by_code(self, election):
        (bureau,) = show(election, "bureau", code="67482_0101")["areas"]

        assert (bureau["inscrits"], bureau["votants"], bureau["exprimes"]) == (960, 682, 673)
        assert bureau["canton"] == "67017"

    def test_tables_are_served_by_datastore_search_too(self, election):
        state = ElectionResults.get(election["id"])

        found = helpers.call_action("datastore_search", resource_id=state.areas_resource_id,
                                    filters={"level": "canton"})

        assert found["total"] == 6
        dictionary = {f["id"]: f.get("info", {}) for f in found["fields"]}
        assert dictionary["exprimes"]["notes"]

    def test_unknown_level_is_refused(self, election):
        with pytest.raises(tk.ValidationError):
            show(election, "planet")

    def test_a_rejected_file_leaves_the_published_results_unchanged(self, election, real_file, tmp_path):
        before = show(election, "bureau")
        version = ElectionResults.get(election["id"]).version
        lines = real_file(STRASBOURG_2017_T1).read_text(encoding="utf-8").splitlines()
        cells = lines[5].split(",")
        cells[8] = str(int(cells[8]) + 1)  # exprimés of the 5th bureau: no longer the sum of voix
        lines[5] = ",".join(cells)
        lines.append(lines[3])  # and a duplicate bureau
        broken = tmp_path / "broken.csv"
        broken.write_text("\n".join(lines) + "\n", encoding="utf-8")

        record = jobs.import_file(election["id"], broken)

        assert record.status == "error"
        problems = record.as_dict()["problems"]
        assert {(p["line"], p["column"]) for p in problems} >= {(6, "exprimes")}
        assert any(p["code"] == "duplicate_area" and p["line"] == len(lines) for p in problems)
        model.Session.expire_all()
        assert show(election, "bureau") == before
        assert ElectionResults.get(election["id"]).version == version


CANDIDATES = [{"id": "1", "name": "Alice Martin", "nuance": "DVG", "color": "#1f5fa8"},
              {"id": "2", "name": "Bruno Petit", "nuance": "DVD", "color": "#a83232"}]


def night_reference() -> Reference:
    return Reference([
        ReferenceEntry("99001_0101", "Bureau 1", "99001-01", "Nord", "99001", "Villeneuve"),
        ReferenceEntry("99001_0102", "Bureau 2", "99001-01", "Nord", "99001", "Villeneuve"),
        ReferenceEntry("99001_0201", "Bureau 3", "99001-02", "Sud", "99001", "Villeneuve"),
    ])


def bureau(code, inscrits=1000, votants=600, blancs=10, nuls=5, voix=(300, 285)):
    return {"code": code, "inscrits": inscrits, "votants": votants, "blancs": blancs, "nuls": nuls,
            "exprimes": sum(voix), "candidates": {"1": voix[0], "2": voix[1]}}


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestPush:
    @pytest.fixture
    def night(self, make_election):
        editor = factories.User()
        organization = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
        election = make_election(organization, candidates=CANDIDATES, territory_name="Villeneuve")
        jobs.prepare(election["id"], night_reference())
        return election, editor

    def push(self, election, user, *areas):
        return helpers.call_action("elections_results_push", context={"user": user["name"]},
                                   id=election["id"], areas=list(areas))

    def test_before_the_count_every_area_is_awaited(self, night):
        election, _ = night

        answer = show(election, "canton")

        assert answer["progress"] == {"counted": 0, "total": 3}
        assert [(a["code"], a["counted"], a["votants"]) for a in answer["areas"]] == [
            ("99001-01", False, None), ("99001-02", False, None)]

    def test_a_level_not_published_is_refused_with_the_published_ones(self, night):
        election, _ = night

        with pytest.raises(tk.ValidationError) as refused:
            show(election, "circonscription")

        assert refused.value.error_dict["published_levels"] == ["territory", "canton", "commune", "bureau"]

    def test_a_pushed_bureau_rolls_up_at_once(self, night):
        election, editor = night

        outcome = self.push(election, editor, bureau("99001_0101"))

        assert outcome["updated"] == 1
        assert outcome["progress"] == {"counted": 1, "total": 3}
        nord = show(election, "canton", code="99001-01")["areas"][0]
        assert (nord["votants"], nord["progress"]) == (600, {"counted": 1, "total": 2})
        assert nord["leader"] == "1"
        assert [c["color"] for c in nord["candidates"]] == ["#1f5fa8", "#a83232"]
        territory = show(election, "territory")["areas"][0]
        assert territory["exprimes"] == 585 and territory["name"] == "Villeneuve"

    def test_the_same_push_twice_is_one_update(self, night):
        election, editor = night
        first = self.push(election, editor, bureau("99001_0101"), bureau("99001_0201"))

        second = self.push(election, editor, bureau("99001_0101"), bureau("99001_0201"))

        assert (first["updated"], second["updated"]) == (2, 0)
        assert second["version"] == first["version"]

    def test_a_correction_replaces_the_figures(self, night):
        election, editor = night
        self.push(election, editor, bureau("99001_0101"))

        self.push(election, editor, bureau("99001_0101", voix=(200, 385)))

        nord = show(election, "canton", code="99001-01")["areas"][0]
        assert nord["leader"] == "2"
        assert [c["voix"] for c in nord["candidates"]] == [385, 200]

    @pytest.mark.parametrize("area, code, message", [
        (bureau("99001_0101", votants=601), "votants_mismatch", "blancs + nuls + exprimés"),
        (bureau("99001_0101", inscrits=500), "votants_above_inscrits", "more votants"),
        (bureau("99001_0999"), "UnknownAreas", "99001_0999 is not an area"),
        ({**bureau("99001_0101"), "candidates": {"1": 300, "9": 285}}, "UnknownCandidates", "candidates 9"),
        ({**bureau("99001_0101"), "votants": -3}, "push_out_of_range", "between 0 and 2147483647"),
        ({"code": "99001_0101", "candidates": {"1": 5000}}, "push_missing_count", "lacks inscrits"),
        ({**bureau("99001_0101"), "nuls": None}, "push_missing_count", "lacks nuls"),
        ({**bureau("99001_0101"), "votants": "inf"}, "push_not_integer", "whole number"),
        ({**bureau("99001_0101"), "votants": float("inf")}, "push_not_integer", "whole number"),
        ({**bureau("99001_0101"), "votants": "600.0"}, "push_not_integer", "whole number"),
        ({**bureau("99001_0101"), "votants": True}, "push_not_integer", "whole number"),
        ({**bureau("99001_0101"), "inscrits": 2147483648}, "push_out_of_range", "2147483648"),
        ({**bureau("99001_0101"), "code": "99001\x00_0101"}, "push_bad_code", "control characters"),
        ({**bureau("99001_0101"), "candidates": []}, "push_no_candidates", "candidates' votes"),
        ("99001_0101", "push_not_an_object", "must be an object"),
    ])
    def test_a_wrong_push_is_refused_and_changes_nothing(self, night, area, code, message):
        election, editor = night
        before = show(election, "bureau")

        with pytest.raises(tk.ValidationError) as refused:
            self.push(election, editor, bureau("99001_0201"), area)

        problems = refused.value.error_dict["areas"]
        problem = problems[0]
        assert {p["item"] for p in problems} == {2} and problem["code"] == code
        assert message in problem["message"]
        assert show(election, "bureau") == before

    def test_a_push_cannot_publish_impossible_figures(self, night):
        """An editor's clumsy pushes: parts of a sheet, then figures that do not add up."""
        election, editor = night
        with pytest.raises(tk.ValidationError):
            self.push(election, editor, {"code": "99001_0101", "candidates": {"1": 5000}})
        with pytest.raises(tk.ValidationError):
            self.push(election, editor, {"code": "99001_0102", "votants": 999999, "exprimes": 999999,
                                         "candidates": {"1": 999999}})

        territory = show(election, "territory")["areas"][0]
        assert territory["votants"] is None and territory["progress"]["counted"] == 0

    def test_problems_are_listed_one_by_one_and_capped(self, night):
        election, editor = night
        areas = [bureau("99001_0101")] * 1500

        with pytest.raises(tk.ValidationError) as refused:
            self.push(election, editor, *areas)

        problems = refused.value.error_dict["areas"]
        assert len(problems) == 1000 and refused.value.error_dict["areas_omitted"] == [499]
        assert {p["code"] for p in problems} == {"duplicate_area"}
        assert problems[0]["item"] == 2 and problems[0]["area"] == "99001_0101"

    @pytest.mark.parametrize("areas, message", [("x", "not a text"), (5, "not a number"), ([], "no area")])
    def test_areas_of_the_wrong_type_are_named_so(self, night, areas, message):
        election, editor = night

        with pytest.raises(tk.ValidationError) as refused:
            helpers.call_action("elections_results_push", context={"user": editor["name"]},
                                id=election["id"], areas=areas)

        assert message.replace("not ", "") in refused.value.error_dict["areas"][0]["message"]


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index")
class TestAuthorization:
    @pytest.fixture
    def people(self):
        people = {role: factories.User() for role in ("member", "editor", "admin", "stranger")}
        organization = factories.Organization(users=[
            {"name": people[role]["name"], "capacity": role} for role in ("member", "editor", "admin")])
        people["sysadmin"] = factories.Sysadmin()
        people["anonymous"] = None
        return organization, people

    @pytest.mark.parametrize("private, allowed_to_read, allowed_to_push", [
        (False, {"anonymous", "stranger", "member", "editor", "admin", "sysadmin"}, {"editor", "admin", "sysadmin"}),
        (True, {"member", "editor", "admin", "sysadmin"}, {"editor", "admin", "sysadmin"}),
    ])
    def test_matrix(self, people, make_election, private, allowed_to_read, allowed_to_push):
        organization, people = people
        election = make_election(organization, private=private)
        for role, user in people.items():
            context = {"user": user["name"] if user else "", "model": model}
            for action, allowed in (("elections_results_show", allowed_to_read),
                                    ("elections_turnout_show", allowed_to_read),
                                    ("elections_results_push", allowed_to_push),
                                    ("elections_import_status", allowed_to_push)):
                try:
                    helpers.call_auth(action, dict(context), id=election["id"])
                    granted = True
                except tk.NotAuthorized:
                    granted = False
                assert granted == (role in allowed), (action, role, private)

    def test_private_results_are_refused_over_http(self, app, people, make_election):
        organization, people = people
        election = make_election(organization, private=True)
        url = f"/api/3/action/elections_results_show?id={election['name']}&level=territory"

        anonymous = app.get(url, status=403)
        member_token = factories.APIToken(user=people["member"]["name"])["token"]
        member = app.get(url, headers={"Authorization": member_token}, status=200)

        assert "ETag" not in anonymous.headers
        assert member.json["result"]["election"]["private"] is True
        control = {part.strip() for part in member.headers["Cache-Control"].split(",")}
        assert {"private", "no-cache"} <= control and "public" not in control
        assert {"Authorization", "Cookie"} <= {v.strip() for v in member.headers["Vary"].split(",")}

    def test_organisations_are_found_by_id_or_name_and_never_reach_solr_as_text(self, people, make_election):
        organization, _ = people
        make_election(organization, name="theirs")
        make_election(name="another-orgs")

        def names(**filters):
            return [e["name"] for e in helpers.call_action("elections_election_list", **filters)]

        assert names(organization=organization["id"]) == names(organization=organization["name"]) == ["theirs"]
        for odd in ("nobody", 'x" OR "y', '"'):
            with pytest.raises(tk.ObjectNotFound):
                names(organization=odd)

    def test_private_elections_are_not_listed_for_strangers(self, people, make_election):
        organization, people = people
        make_election(organization, name="public-one")
        make_election(organization, name="private-one", private=True)

        def names(user):
            return [e["name"] for e in helpers.call_action(
                "elections_election_list", context={"user": user["name"] if user else ""},
                include_private=True)]

        assert names(people["anonymous"]) == ["public-one"]
        assert sorted(names(people["member"])) == ["private-one", "public-one"]


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestHttpCaching:
    def test_etag_changes_exactly_when_results_change(self, app, make_election):
        editor = factories.User()
        organization = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
        election = make_election(organization, candidates=CANDIDATES)
        jobs.prepare(election["id"], night_reference())
        url = f"/api/3/action/elections_results_show?id={election['name']}&level=canton"

        first = app.get(url)
        etag = first.headers["ETag"]
        assert first.headers["Last-Modified"]
        assert app.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert app.get(url).headers["ETag"] == etag

        helpers.call_action("elections_results_push", context={"user": editor["name"]},
                            id=election["id"], areas=[bureau("99001_0101")])

        changed = app.get(url, headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["ETag"] != etag
        assert changed.json["result"]["progress"] == {"counted": 1, "total": 3}


    @pytest.mark.ckan_config("ckanext.elections.cache.shared_max_age", "3")
    def test_anonymous_answers_of_public_elections_may_be_shared_briefly(self, app, make_election):
        election = make_election()
        url = f"/api/3/action/elections_results_show?id={election['name']}&level=territory"

        answer = app.get(url)

        control = {part.strip() for part in answer.headers["Cache-Control"].split(",")}
        assert {"public", "max-age=0", "s-maxage=3", "stale-if-error=86400"} <= control
        assert "must-revalidate" not in control and "private" not in control
        assert "Set-Cookie" not in answer.headers

    def test_odd_ids_with_validators_answer_json_errors(self, app):
        for odd in ("", "nope", "%00", "x" * 500):
            answer = app.get(f"/api/3/action/elections_results_show?id={odd}&level=canton",
                             headers={"If-None-Match": '"abc"'}, expect_errors=True)
            assert answer.status_code in (404, 409), (odd, answer.status_code)
            assert answer.headers["Content-Type"].startswith("application/json")


@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestDownloads:
    def test_csv_and_json_of_a_level(self, app, make_election, real_file):
        election = make_election()
        import_strasbourg(election, real_file(STRASBOURG_2017_T1))

        csv_page = app.get(f"/election/{election['name']}/results/canton.csv")
        json_page = app.get(f"/election/{election['name']}/results/canton.json")

        lines = csv_page.body.splitlines()
        assert lines[0].startswith("code,name,counted,inscrits,votants,abstentions,blancs,nuls,exprimes,participation,")
        assert "MACRON" in lines[0] and len(lines) == 7
        assert "attachment" in csv_page.headers["Content-Disposition"]
        assert json_page.json["level"] == "canton" and len(json_page.json["areas"]) == 6

    def test_private_downloads_are_refused(self, app, make_election):
        election = make_election(private=True)

        app.get(f"/election/{election['name']}/results/canton.csv", status=403)
        app.get(f"/election/{election['name']}/results/planet.csv", status=404)
